internal import DataSync
internal import Domain
internal import PortalJSON
internal import Storage

/// The methods that make DataSync more than eight tables: updates answered with everything they
/// touched, atomic message appends and groups, subscriptions and the change feed.
///
/// - SeeAlso: `docs/protocol.md`, "Methods" (the "Plus" table) and "Notifications".
public enum DataSyncMethods {
  static let patientID = Param.required(
    "patientId", .stringOrInteger, "The patient's id.",
    schema: ["anyOf": [["type": "string", "minLength": 1], ["type": "integer"]]])
  static let updates = Param.required(
    "updates", .object, "A JSON Merge Patch (RFC 7396) of the record's fields.")
  static let expectedVersion = Param.optional(
    "expectedVersion", .integer, "The meta.version the update was based on; a stale one is refused."
  )

  static let relatedResult: JSONValue = [
    "type": "array",
    "items": [
      "type": "object",
      "required": ["entityType", "id", "version"],
      "properties": [
        "entityType": ["type": "string"], "id": ["type": ["string", "integer"]],
        "version": ["type": "integer"],
      ],
    ],
    "description":
      "Every other record the update touched, in change order (copies of the name, derived fields, cleared pointers).",
  ]

  /// `table` is the whole method table, which `transaction` dispatches into.
  static func specs(table: @escaping () -> MethodTable) -> [MethodSpec] {
    [
      MethodSpec(
        "updatePatientRelatedData",
        summary:
          "Updates a patient (merge patch) and everything that depends on it in the same atomic write; answers the patient and every record touched.",
        params: [patientID, updates, expectedVersion],
        result: (
          "PatientUpdate",
          [
            "type": "object", "required": ["patient", "related"],
            "properties": [
              "patient": EntityMethods.reference("Patient"), "related": relatedResult,
            ],
          ]
        ),
        errors: [.invalidParams, .notFound, .versionConflict, .storageUnavailable],
        idParameter: "patientId",
        access: .writes(.patient, result: .update(key: "patient"), fields: "updates")
      ) { call in
        .encoded(
          try call.dataSync.updateRelated(
            .patient, id: call.arguments["patientId"]!, updates: call.arguments.object("updates")!,
            expectedVersion: call.arguments.int64("expectedVersion")))
      },
      MethodSpec(
        "updateAppointmentRelatedData",
        summary:
          "Updates an appointment (merge patch) and everything that depends on it (the patient's nextAppointment, lastVisit and quickStats) in the same atomic write; answers the appointment and every record touched.",
        params: [
          .required(
            "appointmentId", .integer, "The appointment's id.",
            schema: ["type": "integer", "minimum": 1]),
          updates, expectedVersion,
        ],
        result: (
          "AppointmentUpdate",
          [
            "type": "object", "required": ["appointment", "related"],
            "properties": [
              "appointment": EntityMethods.reference("Appointment"), "related": relatedResult,
            ],
          ]
        ),
        errors: [.invalidParams, .notFound, .versionConflict, .storageUnavailable],
        idParameter: "appointmentId",
        access: .writes(.appointment, result: .update(key: "appointment"), fields: "updates")
      ) { call in
        .encoded(
          try call.dataSync.updateRelated(
            .appointment, id: call.arguments["appointmentId"]!,
            updates: call.arguments.object("updates")!,
            expectedVersion: call.arguments.int64("expectedVersion")))
      },
      MethodSpec(
        "appendMessage",
        summary:
          "Adds one message to a thread atomically (two windows replying at once both keep their reply). id and timestamp are filled in when absent.",
        params: [
          .required(
            "threadId", .integer, "The thread's id.", schema: ["type": "integer", "minimum": 1]),
          .required(
            "message", .object, "{from, sender, text, id?, timestamp?}",
            schema: EntityMethods.reference("Message")),
        ],
        result: ("MessageThread", EntityMethods.reference("MessageThread")),
        errors: [.invalidParams, .notFound, .storageUnavailable],
        idParameter: "threadId",
        access: .writes(.messageThread, result: .record)
      ) { call in
        .encoded(
          try call.dataSync.appendMessage(
            threadID: call.arguments["threadId"]!, message: call.arguments.object("message")!))
      },
      MethodSpec(
        "transaction",
        summary:
          "Runs several operations as one: all are applied, or none; a failure answers the failing operation's error with its index.",
        params: [
          .required(
            "operations", .array, "[{method, params}] of DataSync methods.",
            schema: [
              "type": "array", "minItems": 1, "maxItems": 1000,
              "items": [
                "type": "object", "required": ["method"],
                "properties": [
                  "method": ["type": "string"], "params": ["type": ["array", "object"]],
                ],
              ],
            ])
        ],
        result: (
          "results", ["type": "array", "description": "Each operation's result, in order."]
        ),
        errors: [
          .invalidParams, .notFound, .versionConflict, .relatedRecordsExist, .storageUnavailable,
        ],
        access: .delegates
      ) { call in
        try runTransaction(call, table: table())
      },
      MethodSpec(
        "subscribeToUpdates",
        summary:
          "Starts dataSync/changed notifications for an entity type (or \"*\" for all), optionally one existing record; with \"*\" and an id, everything of that patient.",
        params: [
          .required(
            "entityType", .string, "An entity type, or \"*\".",
            schema: [
              "type": "string",
              "enum": .array(["*"] + EntityKind.Name.allCases.map { .string($0.rawValue) }),
            ]),
          .optional(
            "entityId", .stringOrInteger, "One record's id (with \"*\": a patient's id).",
            schema: ["type": ["string", "integer"]]),
        ],
        result: (
          "Subscription",
          [
            "type": "object", "required": ["subscriptionId"],
            "properties": ["subscriptionId": ["type": "integer"]],
          ]
        ),
        errors: [.invalidParams, .notFound],
        idParameter: "entityId",
        access: .feed
      ) { call in
        let (type, id) = try subscriptionTarget(call.arguments)
        if let policy = call.session.readPolicy, let type,
          let kind = EntityKind.Name(rawValue: type), !policy.canRead(kind)
        {
          throw AuthError.forbidden(.read(kind))
        }
        if let raw = call.arguments["entityId"] {
          // A mistyped id would otherwise subscribe to silence.
          _ = try call.dataSync.get(type.flatMap(EntityKind.named) ?? .patient, id: raw)
        }
        let subscription = try call.session.notifier.subscribe(entityType: type, entityID: id)
        return .value(["subscriptionId": JSONValue(subscription)])
      },
      MethodSpec(
        "unsubscribeFromUpdates",
        summary:
          "Stops notifications: by subscriptionId, or by the entityType and entityId subscribed to.",
        params: [
          .optional(
            "entityType", .stringOrInteger,
            "The subscribed entity type (or, alone and an integer, a subscriptionId).",
            schema: ["type": ["string", "integer"]]),
          .optional(
            "entityId", .stringOrInteger, "The subscribed id.",
            schema: ["type": ["string", "integer"]]),
          .optional("subscriptionId", .integer, "What subscribeToUpdates returned."),
        ],
        result: (
          "Removed",
          [
            "type": "object", "required": ["removed"],
            "properties": ["removed": ["type": "integer", "minimum": 0]],
          ]
        ),
        errors: [.invalidParams],
        access: .signedIn
      ) { call in
        var id = call.arguments.int64("subscriptionId")
        if id == nil, let number = call.arguments["entityType"]?.int64Value { id = number }
        if id != nil {
          return .value([
            "removed": JSONValue(
              call.session.notifier.unsubscribe(id: id, entityType: nil, entityID: nil))
          ])
        }
        guard call.arguments["entityType"] != nil else {
          throw ResponseError.invalidParams(
            path: "/subscriptionId",
            "give a subscriptionId, or the entityType (and entityId) subscribed to")
        }
        let (type, entity) = try subscriptionTarget(call.arguments)
        return .value([
          "removed": JSONValue(
            call.session.notifier.unsubscribe(id: nil, entityType: type, entityID: entity))
        ])
      },
      MethodSpec(
        "getChangesSince",
        summary:
          "The change log after a sequence number, oldest first: how a client that reconnects catches up. Each change has the shape of a dataSync/changed notification's params.",
        params: [
          .required(
            "sequence", .integer, "The last sequence number seen (0 for all).",
            schema: ["type": "integer", "minimum": 0]),
          .optional(
            "limit", .integer, "At most this many (default 100, at most 1000).",
            schema: ["type": "integer", "minimum": 1, "maximum": 1000]),
        ],
        result: (
          "Changes",
          [
            "type": "object", "required": ["changes", "lastSequence", "hasMore"],
            "properties": [
              "changes": ["type": "array", "items": ["$ref": "#/components/schemas/Change"]],
              "lastSequence": [
                "type": "integer",
                "description":
                  "The last sequence number returned (or the store's newest, when none was).",
              ],
              "hasMore": [
                "type": "boolean",
                "description": "True when more changes follow: call again with lastSequence.",
              ],
            ],
          ]
        ),
        errors: [.invalidParams, .storageUnavailable],
        access: .feed
      ) { call in
        .encoded(try changesSince(call))
      },
      MethodSpec(
        "exportPatient",
        summary:
          "The patient's whole chart: the patient and every record of every type that belongs to it, each as stored and each list by id, read in one consistent snapshot.",
        params: [patientID],
        result: ("PatientChart", patientChart),
        errors: [.invalidParams, .notFound, .storageUnavailable],
        access: .reads(.patient, result: .chart)
      ) { call in
        .encoded(try call.dataSync.exportPatient(call.arguments["patientId"]!))
      },
    ]
  }

  /// `{patient, appointments, messageThreads, …}`: what `exportPatient` answers.
  static var patientChart: JSONValue {
    let children = EntityKind.all.filter(\.belongsToPatient)
    var properties: JSONObject = ["patient": EntityMethods.reference("Patient")]
    for kind in children {
      properties[kind.pluralName] = [
        "type": "array", "items": EntityMethods.reference(kind.typeName),
        "description": .string("Every \(kind.typeName) record of the patient, by id."),
      ]
    }
    return [
      "type": "object",
      "required": .array((["patient"] + children.map(\.pluralName)).map(JSONValue.string)),
      "properties": .object(properties),
      "additionalProperties": false,
    ]
  }

  private static func subscriptionTarget(_ arguments: Arguments) throws(ResponseError) -> (
    String?, String?
  ) {
    let type = arguments["entityType"]?.stringValue
    guard let type, type == "*" || EntityKind.Name(rawValue: type) != nil else {
      throw .invalidParams(
        path: "/entityType",
        "must be \"*\" or one of: \(EntityKind.Name.allCases.map(\.rawValue).joined(separator: ", "))"
      )
    }
    var id: String?
    if let raw = arguments["entityId"] {
      guard let canonical = PatientID.canonical(raw) else {
        throw .invalidParams(path: "/entityId", "must be a non-empty string or an integer")
      }
      id = canonical
    }
    return (type == "*" ? nil : type, id)
  }

  private static func changesSince(_ call: MethodCall) throws -> EncodedJSON {
    let after = call.arguments.int64("sequence") ?? -1
    let limit = call.arguments.int64("limit") ?? 100
    var problems: [ParamProblem] = []
    if after < 0 {
      problems.append(ParamProblem(path: "/sequence", message: "must be an integer of at least 0"))
    }
    if !(1...1000).contains(limit) {
      problems.append(ParamProblem(path: "/limit", message: "must be an integer from 1 to 1000"))
    }
    if !problems.isEmpty { throw ResponseError.invalidParams(problems) }
    let store = call.dataSync.store
    try store.beginRead()
    let writer = JSONWriter(capacity: 4096)
    writer.writeRaw("{\"changes\":[")
    var last: Int64?
    var count: Int64 = 0
    var hasMore = false
    let policy = call.session.readPolicy
    var touched = RecordView.Touched()
    var written = 0
    try store.forEachChange(after: after, limit: Int(limit) + 1) { stored in
      if count == limit {
        hasMore = true
        return
      }
      last = stored.sequence
      count += 1
      // A change the role may not see still moves the cursor; it is simply not in the list.
      guard let row = stored.visible(to: policy) else { return }
      if written > 0 { writer.append(UInt8(ascii: ",")) }
      written += 1
      ChangeNotification.writeParams(
        row, origin: ChangeNotification.origin(of: row, this: call.dataSync.origin), into: writer)
      if let patient = row.patientID.flatMap({ try? JSONParser.parse($0) }).flatMap(
        PatientID.canonical), !touched.patientIDs.contains(patient)
      {
        touched.patientIDs.append(patient)
      }
    }
    call.session.feedTouched = touched
    writer.writeRaw("],\"lastSequence\":")
    writer.writeInteger(try last ?? store.lastSequence())
    writer.writeRaw(",\"hasMore\":")
    writer.writeRaw(hasMore ? "true" : "false")
    writer.append(UInt8(ascii: "}"))
    return EncodedJSON(trusted: writer.bytes)
  }

  /// Methods a transaction may contain: every DataSync read and write.
  static func allowedInTransaction(_ name: String) -> Bool {
    ![
      "initialize", "shutdown", "exit", "ping", "rpc.discover", "$/cancelRequest", "transaction",
      "subscribeToUpdates", "unsubscribeFromUpdates", "getChangesSince",
      // A replica's push waits on the network: never inside a local atomic write.
      "processSyncQueue",
      // A sign-in's failure count, a logout's revocation: never undone with a failed group.
      "login", "logout", "refreshToken",
      // Timings are not data: a shell's report is not undone with a failed group.
      "getMetrics", "trackApiCall", "trackDataSync", "trackUserAction",
    ].contains(name)
  }

  private static func runTransaction(_ call: MethodCall, table: MethodTable) throws -> Reply {
    let operations = call.arguments.array("operations")!
    guard !operations.isEmpty, operations.count <= 1000 else {
      throw ResponseError.invalidParams(path: "/operations", "must hold from 1 to 1000 operations")
    }
    var plan: [(MethodSpec, Arguments)] = []
    var problems: [ParamProblem] = []
    for (index, operation) in operations.enumerated() {
      guard case .object(let object) = operation, let name = object["method"]?.stringValue else {
        problems.append(
          ParamProblem(path: "/operations/\(index)", message: "must be an object {method, params}"))
        continue
      }
      for member in object where member.key != "method" && member.key != "params" {
        problems.append(
          ParamProblem(
            path: "/operations/\(index)/\(member.key)",
            message: "unknown member of an operation; expected method and params"))
      }
      guard let spec = table[name], allowedInTransaction(name) else {
        problems.append(
          ParamProblem(
            path: "/operations/\(index)/method",
            message: "is not a DataSync method that can run inside a transaction"))
        continue
      }
      do {
        plan.append((spec, try Arguments.decode(object["params"], for: spec.params)))
      } catch {
        let inner = error.data?["errors"]?.arrayValue ?? []
        for problem in inner {
          problems.append(
            ParamProblem(
              path: "/operations/\(index)/params" + (problem["path"]?.stringValue ?? ""),
              message: problem["message"]?.stringValue ?? "is invalid"))
        }
      }
    }
    if !problems.isEmpty { throw ResponseError.invalidParams(problems) }
    let couldWait = call.session.canWaitAfterCommit
    call.session.canWaitAfterCommit = false  // an operation answers with the transaction
    defer { call.session.canWaitAfterCommit = couldWait }
    let results: [Reply] = try call.dataSync.atomically {
      var results: [Reply] = []
      for (index, (spec, arguments)) in plan.enumerated() {
        do {
          results.append(
            try call.session.perform(
              spec, MethodCall(id: call.id, arguments: arguments, session: call.session)))
        } catch {
          var failure = ResponseError(error, idParameter: spec.idParameter)
          var data = failure.data?.objectValue ?? JSONObject()
          data["index"] = JSONValue(index)
          data["method"] = .string(spec.name)
          failure.data = .object(data)
          throw failure
        }
      }
      return results
    }
    let writer = JSONWriter(capacity: 1024)
    writer.append(UInt8(ascii: "["))
    for (index, result) in results.enumerated() {
      if index > 0 { writer.append(UInt8(ascii: ",")) }
      switch result {
      case .value(let value): writer.write(value)
      case .encoded(let encoded): writer.write(encoded)
      }
    }
    writer.append(UInt8(ascii: "]"))
    return .encoded(EncodedJSON(trusted: writer.bytes))
  }
}
