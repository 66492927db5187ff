internal import DataSync
internal import Domain
internal import PortalJSON
internal import Storage

/// A replica's outbox as `getSyncQueue` lists it, and the changes a person makes to it
/// (`retrySyncOperation`, `discardSyncOperation`). Applied entries waiting for their change to
/// be pulled are not listed: PostgreSQL has them.
enum SyncQueue {
  /// One page of the queue, oldest first: `{items, total}`.
  /// `nextRetryAt`: when the agent tries again (it retries the queue's head, in order).
  static func page(_ store: Store, query: JSONValue?, nextRetryAt: String? = nil) throws
    -> JSONValue
  {
    let state = query?["state"]?.stringValue
    let limit = Int(query?["limit"]?.int64Value ?? Int64(ListQuery.defaultLimit))
    guard let after = cursor(query?["cursor"]) else {
      throw ResponseError.invalidParams(path: "/query/cursor", "is not a cursor of this queue")
    }
    let rows = try store.outboxRows().filter { $0.state != "applied" && matches($0, state) }
    let items = rows.filter { $0.mutationID > after }.prefix(limit).map {
      entry($0, nextRetryAt: nextRetryAt)
    }
    return ["items": .array(Array(items)), "total": JSONValue(rows.count)]
  }

  /// The state the queue shows: `pending`, `retrying` (pushed and failed for a while) or
  /// `rejected`.
  static func state(of row: OutboxRow) -> String {
    row.state == "rejected" ? "rejected" : (row.attempts > 0 ? "retrying" : "pending")
  }

  private static func matches(_ row: OutboxRow, _ state: String?) -> Bool {
    state == nil || Self.state(of: row) == state
  }

  /// A cursor is the last listed mutation id; nil for one this queue never gave.
  private static func cursor(_ value: JSONValue?) -> Int64? {
    guard let value, !value.isNull else { return 0 }
    return value.stringValue.flatMap { Int64($0) }.flatMap { $0 >= 0 ? $0 : nil }
  }

  /// The `SyncQueueEntry` of a row.
  static func entry(_ row: OutboxRow, nextRetryAt: String? = nil) -> JSONValue {
    let entityType = row.entityType.flatMap(EntityKind.Name.init) ?? .patient
    var item: JSONObject = [
      "mutationId": .string(String(row.mutationID)), "type": .string(type(row, entityType)),
      "method": .string(row.method), "entityType": .string(entityType.rawValue),
      "entityId": row.entityID.flatMap { try? JSONParser.parse($0) } ?? .null,
      "state": .string(state(of: row)), "attempts": JSONValue(row.attempts),
      "timestamp": .string(row.madeAt),
    ]
    if let error = row.error.flatMap({ try? JSONParser.parse($0) }) { item["error"] = error }
    if row.state == "pending", row.attempts > 0, let next = row.nextAttemptAt ?? nextRetryAt {
      item["nextAttemptAt"] = .string(next)
    }
    return .object(item)
  }

  /// The seed's operation name for a row: `CREATE_` for an add, `DELETE_` for a delete,
  /// `UPDATE_` for every other write (a transaction is named after its first write).
  private static func type(_ row: OutboxRow, _ name: EntityKind.Name) -> String {
    let kind = EntityKind.named(name)
    let operation = (try? JSONParser.parse(row.operation)).flatMap(WriteOperation.init(json:))
    var first = operation
    while case .batch(let operations)? = first { first = operations.first }
    let prefix: String
    switch first {
    case .add?: prefix = "CREATE_"
    case .delete?: prefix = "DELETE_"
    default: prefix = "UPDATE_"
    }
    let methods = [kind.addMethod, kind.syncMethod, kind.deleteMethod]
    return SyncOperationType.all.first { $0.name.hasPrefix(prefix) && methods.contains($0.method) }?
      .name ?? prefix
  }

  /// The mutation id a `retrySyncOperation` or `discardSyncOperation` names.
  static func mutationID(_ value: JSONValue) throws(ResponseError) -> Int64 {
    guard let id = value.stringValue.flatMap({ Int64($0) }), id > 0 else {
      throw SyncMethods.noSuchEntry(value)
    }
    return id
  }
}

extension SyncQueue {
  /// `retrySyncOperation`: the rejected entry is queued again and its effect re-applied locally
  /// (`force`: without its expectedVersion); answers the entry as listed now.
  static func retry(_ call: MethodCall, force: Bool) throws -> Reply {
    let id = try mutationID(call.arguments["mutationId"]!)
    let dataSync = call.dataSync
    guard dataSync.journal != nil else {
      throw SyncMethods.noSuchEntry(call.arguments["mutationId"]!)
    }
    let listed = try dataSync.atomically {
      guard let row = try rejectedRow(id, dataSync.store),
        let journaled = JournalEntry(row)
      else { throw SyncMethods.noSuchEntry(call.arguments["mutationId"]!) }
      let forced = force ? EncodedJSON(journaled.operation.withoutExpectedVersions.json).bytes : nil
      _ = try dataSync.store.requeueOutbox(id, forcedOperation: forced)
      _ = try dataSync.rebase(applying: [], cursor: nil)
      return try dataSync.store.outboxRows(after: id - 1, limit: 1).first.map { Self.entry($0) }
    }
    call.session.pushNeeded()
    return .value(listed ?? .null)
  }

  /// `discardSyncOperation`: a rejected entry is removed for good (its effect is already gone).
  static func discard(_ call: MethodCall) throws -> Reply {
    let id = try mutationID(call.arguments["mutationId"]!)
    let dataSync = call.dataSync
    guard dataSync.journal != nil,
      try dataSync.atomically({ try dataSync.store.discardOutbox(id) })
    else { throw SyncMethods.noSuchEntry(call.arguments["mutationId"]!) }
    return .value(["mutationId": .string(String(id)), "discarded": true])
  }

  private static func rejectedRow(_ id: Int64, _ store: Store) throws -> OutboxRow? {
    try store.outboxRows(after: id - 1, limit: 1).first.flatMap {
      $0.mutationID == id && $0.state == "rejected" ? $0 : nil
    }
  }
}
