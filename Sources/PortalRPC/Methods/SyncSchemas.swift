internal import Domain
internal import PortalJSON

/// The shapes of replication, for the OpenRPC document: the sync methods' schemas and the
/// `sync/*` notifications, which only a replica sends (a standalone server never does).
extension SyncMethods {
  static let notifications: [NotificationSpec] = [
    NotificationSpec(
      "sync/status",
      summary:
        "Replica mode only (a standalone server never sends it): online, agent, queueDepth, rejected or lastError changed; at most one every 250 ms. Sent to every initialized connection, without a subscription.",
      paramsSchema: [
        "type": "object", "required": ["online", "agent", "queueDepth", "rejected", "lastError"],
        "properties": [
          "online": ["type": "boolean"], "agent": ["type": "boolean"],
          "queueDepth": ["type": "integer", "minimum": 0],
          "rejected": ["type": "integer", "minimum": 0], "lastError": lastError,
        ],
      ], replicaOnly: true),
    NotificationSpec(
      "sync/rejected",
      summary:
        "Replica mode only: the upstream refused a queued write for good; the local change is rolled back (dataSync/changed says how) and the entry stays in getSyncQueue as rejected.",
      paramsSchema: [
        "type": "object", "required": ["mutationId", "method", "entityType", "entityId", "error"],
        "properties": [
          "mutationId": ["type": "string"], "method": ["type": "string"],
          "entityType": entityType, "entityId": ["type": ["string", "integer"]],
          "error": [
            "type": "object", "required": ["code", "message"],
            "properties": [
              "code": ["type": "integer"], "message": ["type": "string"], "data": [:],
            ],
          ],
        ],
      ], replicaOnly: true),
    NotificationSpec(
      "sync/progress",
      summary:
        "Replica mode only: progress of long work, the first download of the upstream's data or a long push.",
      paramsSchema: [
        "type": "object", "required": ["phase", "done", "total"],
        "properties": [
          "phase": ["type": "string", "enum": ["download", "push"]],
          "done": ["type": "integer", "minimum": 0], "total": ["type": "integer", "minimum": 0],
        ],
      ], replicaOnly: true),
  ]

  static var schemas: JSONObject {
    let time: JSONValue = ["type": ["string", "null"], "format": "date-time"]
    return [
      "SyncStatus": [
        "type": "object",
        "required": [
          "mode", "online", "agent", "queueDepth", "rejected", "lastPushAt", "lastPullAt",
          "cursor", "upstreamSequence", "nextRetryAt", "lastError",
        ],
        "properties": [
          "mode": ["type": "string", "enum": ["standalone", "replica"]],
          "online": ["type": "boolean"],
          "agent": [
            "type": "boolean",
            "description": "This process is the one that talks to the upstream.",
          ],
          "queueDepth": [
            "type": "integer", "minimum": 0, "description": "Pending and retrying entries.",
          ],
          "rejected": ["type": "integer", "minimum": 0], "lastPushAt": time, "lastPullAt": time,
          "cursor": ["type": ["integer", "null"]],
          "upstreamSequence": ["type": ["integer", "null"]], "nextRetryAt": time,
          "lastError": lastError,
        ],
      ],
      "SyncQueueEntry": [
        "type": "object",
        "required": [
          "mutationId", "type", "method", "entityType", "entityId", "state", "attempts",
          "timestamp",
        ],
        "properties": [
          "mutationId": ["type": "string"],
          "type": ["type": "string", "description": "The seed's name: UPDATE_PATIENT, …"],
          "method": ["type": "string"], "entityType": entityType,
          "entityId": ["type": ["string", "integer", "null"]],
          "state": ["type": "string", "enum": .array(queueStates.map(JSONValue.string))],
          "attempts": ["type": "integer", "minimum": 0],
          "error": [
            "type": "object", "description": "The upstream's error, for a rejected entry.",
          ],
          "timestamp": ["type": "string", "format": "date-time"], "nextAttemptAt": time,
        ],
      ],
      "SyncOperation": [
        "type": "object", "required": ["type", "data"], "additionalProperties": false,
        "properties": [
          "type": [
            "type": "string", "enum": .array(SyncOperationType.all.map { .string($0.name) }),
            "description":
              "CREATE_<E>: add<E>(data); UPDATE_<E>: sync<E>Data(entityId, data); DELETE_<E>: delete<E>(entityId), data {} (a patient's may hold cascade).",
          ],
          "entityId": [
            "type": ["string", "integer"], "description": "The record's id; absent for CREATE_.",
          ],
          "data": ["type": "object"],
          "timestamp": ["type": "string", "description": "When the client made the change."],
        ],
      ],
    ]
  }

  private static let lastError: JSONValue = [
    "type": ["string", "null"],
    "description": "The cause of the last failure, in one sentence without patient values.",
  ]

  private static let entityType: JSONValue = [
    "type": "string", "enum": .array(EntityKind.Name.allCases.map { .string($0.rawValue) }),
  ]
}
