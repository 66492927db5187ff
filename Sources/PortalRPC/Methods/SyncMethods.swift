internal import Domain
internal import PortalJSON

/// The sync methods of `docs/upstream.md`. Standalone, they answer as an empty replica that is
/// never online, whose writes apply at once and queue nothing. On a replica, `isOnline` and
/// `getSyncStatus` answer from the agent's status (`Replica`), the queue methods from the outbox
/// (`SyncQueue`), and the waiting ones through `UpstreamWait`.
///
/// - SeeAlso: `docs/protocol.md`, "Sync methods".
public enum SyncMethods {
  static let queueStates = ["pending", "retrying", "rejected"]

  /// `table` is the whole method table, which `queueSyncOperation` dispatches into.
  static func specs(table: @escaping () -> MethodTable) -> [MethodSpec] {
    [
      MethodSpec(
        "isOnline",
        summary:
          "Whether the sync agent's connection to the upstream is up; always false standalone.",
        result: ("online", ["type": "boolean"]),
        access: .signedIn
      ) { call in .value(.bool(call.session.replica?.isOnline ?? false)) },
      MethodSpec(
        "getSyncStatus",
        summary:
          "The state of replication: mode, connection, queue counts, last push and pull, cursor, next retry and last error. Standalone: mode \"standalone\", nothing queued, nothing yet.",
        result: ("SyncStatus", EntityMethods.reference("SyncStatus")),
        access: .signedIn
      ) { call in .value(call.session.replica?.syncStatus(call.session) ?? standaloneStatus) },
      MethodSpec(
        "getSyncQueue",
        summary:
          "The outbox: writes not yet applied upstream (pending, retrying) and those it rejected, oldest first. Standalone: always empty.",
        params: [
          .optional(
            "query", .object, "{state?, limit?, cursor?}",
            schema: [
              "type": "object", "additionalProperties": false,
              "properties": [
                "state": ["type": "string", "enum": .array(queueStates.map(JSONValue.string))],
                "limit": [
                  "type": "integer", "minimum": 1, "maximum": JSONValue(ListQuery.maximumLimit),
                  "default": JSONValue(ListQuery.defaultLimit),
                ],
                "cursor": ["type": "string", "description": "Where the previous page ended."],
              ],
            ])
        ],
        result: (
          "SyncQueue",
          [
            "type": "object", "required": ["items", "total"],
            "properties": [
              "items": ["type": "array", "items": EntityMethods.reference("SyncQueueEntry")],
              "total": ["type": "integer", "minimum": 0],
            ],
          ]
        ),
        errors: [.invalidParams],
        access: .permission(.syncManage)
      ) { call in
        try checkQueueQuery(call.arguments["query"])
        guard call.dataSync.journal != nil else { return .value(["items": [], "total": 0]) }
        return .value(
          try call.dataSync.read {
            try SyncQueue.page(
              call.dataSync.store, query: call.arguments["query"],
              nextRetryAt: call.session.replica?.agentStatus.nextRetryAt.map { "\($0)" })
          })
      },
      MethodSpec(
        "queueSyncOperation",
        summary:
          "Applies the seed's SyncOperation locally, as the method its type names would (UPDATE_PATIENT: syncPatientData(entityId, data)), and queues it for the upstream. Standalone: applied, nothing queued (mutationId null).",
        params: [
          .required(
            "operation", .object, "{type, entityId?, data, timestamp?}",
            schema: EntityMethods.reference("SyncOperation"))
        ],
        result: (
          "QueuedOperation",
          [
            "type": "object", "required": ["mutationId", "result"],
            "properties": [
              "mutationId": [
                "type": ["string", "null"], "description": "The outbox entry; null standalone.",
              ],
              "result": ["description": "What the method the type names answered."],
            ],
          ]
        ),
        errors: [.invalidParams, .notFound, .relatedRecordsExist, .storageUnavailable],
        access: .delegates
      ) { call in
        try SyncOperationRunner.run(call, table: table())
      },
      MethodSpec(
        "processSyncQueue",
        summary:
          "Pushes the outbox now and waits: how many were applied, rejected and are left. Standalone: nothing to push.",
        result: (
          "SyncQueueOutcome",
          [
            "type": "object", "required": ["pushed", "rejected", "remaining"],
            "properties": [
              "pushed": ["type": "integer", "minimum": 0],
              "rejected": ["type": "integer", "minimum": 0],
              "remaining": ["type": "integer", "minimum": 0],
            ],
          ]
        ),
        errors: [.upstreamUnavailable],
        access: .signedIn
      ) { call in
        guard call.session.replica != nil else {
          return .value(["pushed": 0, "rejected": 0, "remaining": 0])
        }
        guard call.session.canWaitAfterCommit, let requestID = call.id else {
          throw ResponseError.invalidRequest(
            "processSyncQueue waits: call it on its own, not in a batch")
        }
        let wait = UpstreamWait(session: call.session, requestID: requestID)
        call.session.afterCommit = AfterCommit(id: requestID) { wait.drain() }
        return .null
      },
      MethodSpec(
        "retrySyncOperation",
        summary:
          "Queues a rejected outbox entry again; force drops its expectedVersion. Standalone: no entry exists.",
        params: [
          mutationID,
          .optional("force", .boolean, "Retry without the entry's expectedVersion."),
        ],
        result: ("SyncQueueEntry", EntityMethods.reference("SyncQueueEntry")),
        errors: [.invalidParams, .notFound],
        idParameter: "mutationId",
        access: .permission(.syncManage)
      ) { call in
        try SyncQueue.retry(call, force: call.arguments.bool("force") == true)
      },
      MethodSpec(
        "discardSyncOperation",
        summary:
          "Removes a rejected outbox entry for good. Standalone: no entry exists.",
        params: [mutationID],
        result: ("Discarded", ["type": "object"]),
        errors: [.invalidParams, .notFound],
        idParameter: "mutationId",
        access: .permission(.syncManage)
      ) { call in
        try SyncQueue.discard(call)
      },
    ] + EntityKind.all.map(EntityMethods.updateWithAPI)
  }

  static let mutationID = Param.required(
    "mutationId", .string, "The outbox entry's mutationId, as getSyncQueue lists it.",
    schema: ["type": "string", "minLength": 1])

  static let standaloneStatus: JSONValue = [
    "mode": "standalone", "online": false, "agent": false, "queueDepth": 0, "rejected": 0,
    "lastPushAt": .null, "lastPullAt": .null, "cursor": .null, "upstreamSequence": .null,
    "nextRetryAt": .null, "lastError": .null,
  ]

  /// -32001 naming the outbox entry, shaped as every other not-found (`{entityType, id}`).
  static func noSuchEntry(_ id: JSONValue) -> ResponseError {
    ResponseError(.notFound, data: ["entityType": "syncOperation", "id": .echoed(id)])
  }

  /// Checks `getSyncQueue`'s query as `get<Es>` checks its own: every problem at once, at
  /// `/query/...`. A cursor is opaque: an empty queue has nothing past any position.
  static func checkQueueQuery(_ raw: JSONValue?) throws(ResponseError) {
    guard let raw else { return }
    guard case .object(let query) = raw else {
      throw .invalidParams(path: "/query", "must be an object")
    }
    var problems: [ParamProblem] = []
    for member in query where !["state", "limit", "cursor"].contains(member.key) {
      problems.append(
        ParamProblem(
          path: JSONPointer(["query", member.key]).description,
          message: "unknown query member; expected state, limit or cursor"))
    }
    if let state = query["state"], !state.isNull,
      !(state.stringValue.map(queueStates.contains) ?? false)
    {
      problems.append(
        ParamProblem(
          path: "/query/state", message: "must be one of: \(queueStates.joined(separator: ", "))"))
    }
    if let limit = query["limit"], !limit.isNull,
      !(limit.int64Value.map { (1...Int64(ListQuery.maximumLimit)).contains($0) } ?? false)
    {
      problems.append(
        ParamProblem(
          path: "/query/limit", message: "must be an integer from 1 to \(ListQuery.maximumLimit)"))
    }
    if let cursor = query["cursor"], !cursor.isNull, cursor.stringValue == nil {
      problems.append(ParamProblem(path: "/query/cursor", message: "must be a string"))
    }
    if !problems.isEmpty { throw .invalidParams(problems) }
  }
}
