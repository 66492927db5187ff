internal import DataSync
public import Domain
internal import PortalJSON
internal import Storage

/// The methods every entity shares, written once: `add<E>`, `sync<E>Data`, `delete<E>`,
/// `get<E>`, `get<Es>` and `getPatient<Es>`, named and shaped as the seed's `DataSyncContextType`.
///
/// - SeeAlso: `docs/protocol.md`, "Methods: the DataSync context, one to one".
public enum EntityMethods {
  public static func specs(for kind: EntityKind) -> [MethodSpec] {
    let entity = reference(kind.typeName)
    let idParam = idParameter(of: kind)
    var specs = [
      MethodSpec(
        kind.addMethod,
        summary:
          "Adds \(withArticle(kind.typeName)); the server assigns its id and the fields it keeps.",
        params: [
          .required(
            kind.addParameter, .object, "The new record, without id or meta.",
            schema: reference("New" + kind.typeName))
        ],
        result: (kind.typeName, entity),
        errors: [.invalidParams, .notFound, .storageUnavailable],
        access: .writes(kind.name, result: .record, fields: kind.addParameter)
      ) { call in
        .encoded(try call.dataSync.add(kind, call.arguments.object(kind.addParameter)!))
      },
      update(
        kind, name: kind.syncMethod,
        summary:
          "Updates \(withArticle(kind.typeName)) with a JSON Merge Patch; the whole result is validated. With expectedVersion, a stale version is refused."
      ),
      MethodSpec(
        kind.deleteMethod,
        summary: kind.name == .patient
          ? "Deletes a patient; refused while the patient has records, unless cascade is true, which deletes them in the same atomic write."
          : "Deletes \(withArticle(kind.typeName)).",
        params: kind.name == .patient
          ? [idParam, .optional("cascade", .boolean, "Also delete every record of the patient.")]
          : [idParam],
        result: ("DeleteResult", reference("DeleteResult")),
        errors: kind.name == .patient
          ? [.invalidParams, .notFound, .relatedRecordsExist, .storageUnavailable]
          : [.invalidParams, .notFound, .storageUnavailable],
        idParameter: kind.idParameter,
        access: .writes(kind.name, result: .deletion)
      ) { call in
        .value(
          try call.dataSync.delete(
            kind, id: call.arguments[kind.idParameter]!,
            cascade: kind.name == .patient && call.arguments.bool("cascade") == true))
      },
      MethodSpec(
        kind.getMethod,
        summary: "One \(kind.typeName), as stored.",
        params: [idParam],
        result: (kind.typeName, entity),
        errors: [.invalidParams, .notFound],
        idParameter: kind.idParameter,
        access: .reads(kind.name, result: .record)
      ) { call in
        .encoded(try call.dataSync.get(kind, id: call.arguments[kind.idParameter]!))
      },
      MethodSpec(
        kind.listMethod,
        summary:
          "\(kind.typeName) records matching a filter, sorted, a page at a time (limit 100 by default, 1000 at most).",
        params: [
          .optional(
            "query", .object, "{filter?, sort?, limit?, cursor?}", schema: reference("ListQuery"))
        ],
        result: ("\(kind.typeName)Page", page(of: entity)),
        errors: [.invalidParams],
        access: .reads(kind.name, result: .page, query: "query")
      ) { call in
        .encoded(try call.dataSync.list(kind, query: call.arguments["query"]))
      },
    ]
    if let perPatient = kind.perPatientMethod {
      specs.append(
        MethodSpec(
          perPatient,
          summary: "The patient's \(kind.pluralName), sorted by id.",
          params: [
            .required(
              "patientId", .stringOrInteger, "The patient's id (a string or an integer).",
              schema: ["anyOf": [["type": "string", "minLength": 1], ["type": "integer"]]])
          ],
          result: (kind.pluralName, ["type": "array", "items": entity]),
          errors: [.invalidParams, .notFound],
          access: .reads(kind.name, result: .list)
        ) { call in
          .encoded(try call.dataSync.records(kind, ofPatient: call.arguments["patientId"]!))
        })
    }
    return specs
  }

  /// `sync<E>DataWithAPI`: in standalone mode, where there is no upstream to wait for, exactly
  /// `sync<E>Data` under another name.
  static func updateWithAPI(_ kind: EntityKind) -> MethodSpec {
    update(
      kind, name: kind.syncMethod + "WithAPI",
      summary:
        "Updates \(withArticle(kind.typeName)) as \(kind.syncMethod) does, then waits until the upstream applied it: the confirmed record, or the upstream's refusal (the local change rolled back), or -32006 with the change still queued. Standalone (no upstream): exactly \(kind.syncMethod).",
      waitsForUpstream: true)
  }

  /// The merge-patch update of `kind`, under `name`: `sync<E>Data` and its WithAPI twin.
  private static func update(
    _ kind: EntityKind, name: String, summary: String, waitsForUpstream: Bool = false
  ) -> MethodSpec {
    MethodSpec(
      name,
      summary: summary,
      params: [
        idParameter(of: kind),
        .required("updates", .object, "A JSON Merge Patch (RFC 7396) of the record's fields."),
        .optional("expectedVersion", .integer, "The meta.version the update was based on."),
      ],
      result: (kind.typeName, reference(kind.typeName)),
      errors: [.invalidParams, .notFound, .versionConflict, .storageUnavailable]
        + (waitsForUpstream ? [.upstreamUnavailable] : []),
      idParameter: kind.idParameter,
      access: .writes(kind.name, result: .record, fields: "updates")
    ) { call in
      let journal = call.dataSync.journal as? ReplicaJournal
      journal?.lastMutationID = nil
      let id = call.arguments[kind.idParameter]!
      let record = try call.dataSync.sync(
        kind, id: id, updates: call.arguments.object("updates")!,
        expectedVersion: call.arguments.int64("expectedVersion"))
      if waitsForUpstream, call.session.canWaitAfterCommit, let requestID = call.id,
        let mutationID = journal?.lastMutationID
      {
        let wait = UpstreamWait(session: call.session, requestID: requestID)
        call.session.afterCommit = AfterCommit(id: requestID) {
          wait.confirmed(kind, id: id, mutationID: mutationID)
        }
      }
      return .encoded(record)
    }
  }

  private static func idParameter(of kind: EntityKind) -> Param {
    Param.required(
      kind.idParameter, kind.name == .patient ? .stringOrInteger : .integer,
      "The \(kind.typeName)'s id.",
      schema: kind.name == .patient
        ? ["anyOf": [["type": "string", "minLength": 1], ["type": "integer"]]]
        : ["type": "integer", "minimum": 1])
  }

  static func reference(_ name: String) -> JSONValue {
    ["$ref": .string("#/components/schemas/\(name)")]
  }

  static func page(of item: JSONValue) -> JSONValue {
    [
      "type": "object",
      "required": ["items", "total", "nextCursor"],
      "properties": [
        "items": ["type": "array", "items": item],
        "total": ["type": "integer", "minimum": 0],
        "nextCursor": [
          "type": ["string", "null"],
          "description":
            "Pass as query.cursor (with the same filter and sort) for the next page; null on the last page.",
        ],
      ],
    ]
  }

  /// Shared schemas the entity methods refer to.
  static var sharedSchemas: JSONObject {
    var message =
      EntityKind.messageThread.field(named: "messages").flatMap { field -> JSONValue? in
        guard case .array(let element, _, _) = field.type else { return nil }
        return EntityKind.schema(of: element)
      }?.objectValue ?? JSONObject()
    message["required"] = ["from", "text"]
    message["description"] =
      "A message to append; id and timestamp are filled in when absent, and so is the sender of a message from the patient (the patient's name)."
    return [
      "Message": .object(message),
      "DeleteResult": [
        "type": "object",
        "required": ["deleted", "related"],
        "properties": [
          "deleted": reference("RecordRef"),
          "related": [
            "type": "array", "items": reference("RecordRef"),
            "description": "Other records deleted with it (deletePatient with cascade).",
          ],
        ],
      ],
      "RecordRef": [
        "type": "object",
        "required": ["entityType", "id"],
        "properties": [
          "entityType": [
            "type": "string", "enum": .array(EntityKind.Name.allCases.map { .string($0.rawValue) }),
          ],
          "id": ["type": ["string", "integer"]],
        ],
      ],
      "ListQuery": [
        "type": "object",
        "additionalProperties": false,
        "properties": [
          "filter": [
            "type": "object",
            "description":
              "field: value (equality) or field: {operator: value}; operators eq ne lt lte gt gte in contains; any top-level field.",
            "additionalProperties": [
              "anyOf": [
                ["type": ["string", "number", "boolean", "null"]],
                [
                  "type": "object",
                  "propertyNames": [
                    "enum": .array(ListQuery.Operator.allCases.map { .string($0.rawValue) })
                  ],
                  "minProperties": 1,
                ],
              ]
            ],
          ],
          "sort": [
            "type": "array", "maxItems": JSONValue(ListQuery.maximumSortKeys),
            "items": [
              "type": "object",
              "required": ["field"],
              "additionalProperties": false,
              "properties": [
                "field": ["type": "string"],
                "direction": ["type": "string", "enum": ["asc", "desc"], "default": "asc"],
              ],
            ],
          ],
          "limit": [
            "type": "integer", "minimum": 1, "maximum": JSONValue(ListQuery.maximumLimit),
            "default": JSONValue(ListQuery.defaultLimit),
          ],
          "cursor": ["type": "string", "description": "nextCursor from the previous page."],
        ],
      ],
    ]
  }
}

/// "a Patient", "an Appointment": for the summaries written from a type name.
private func withArticle(_ noun: String) -> String {
  ("AEIOU".contains(noun.first ?? "x") ? "an " : "a ") + noun
}

extension MethodCall {
  /// The DataSync operations of this session.
  var dataSync: DataSync<Store> { session.dataSync }
}
