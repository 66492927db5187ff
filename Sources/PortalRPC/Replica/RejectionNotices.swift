internal import DataSync
internal import Domain
internal import PortalJSON
internal import Storage

/// Which of the outbox's rejected entries this window has told its client of: each one once, in
/// a `sync/rejected` notification, whichever process's agent pushed it. Entries rejected before
/// the window started are not news (`getSyncQueue` lists them).
struct RejectionNotices {
  private var told: Set<Int64>?

  /// What is rejected when the window starts (before its agent can reject anything).
  mutating func prime(_ store: Store) {
    told = Set(((try? store.outboxRows(state: "rejected")) ?? []).map(\.mutationID))
  }

  /// Writes `sync/rejected` for every entry rejected since the last look; `rejected` is the
  /// outbox's count, so nothing is read while it is 0.
  mutating func announce(_ session: Session, rejected: Int) {
    guard rejected > 0 || told == nil else {
      told = []
      return
    }
    let store = session.dataSync.store
    guard !store.isInTransaction, let rows = try? store.outboxRows(state: "rejected") else {
      return
    }
    let ids = Set(rows.map(\.mutationID))
    defer { told = ids }
    guard let told else { return }
    let policy = session.readPolicy
    for row in rows where !told.contains(row.mutationID) {
      // A window is told only of rejections of what its role may read, masked as a read is.
      if let policy, let type = row.entityType.flatMap(EntityKind.Name.init(rawValue:)),
        !policy.canRead(type)
      {
        continue
      }
      var entry = SyncQueue.entry(row).objectValue ?? JSONObject()
      if let error = entry["error"],
        let masked = RecordView.masked(
          ResponseError(
            ErrorCode(rawValue: Int(error["code"]?.int64Value ?? 0)),
            message: error["message"]?.stringValue, data: error["data"]), policy: policy)
          as? ResponseError
      {
        var object = error.objectValue ?? JSONObject()
        object["data"] = masked.data
        entry["error"] = .object(object)
      }
      let params: JSONValue = [
        "mutationId": entry["mutationId"] ?? .null, "method": entry["method"] ?? .null,
        "entityType": entry["entityType"] ?? .null, "entityId": entry["entityId"] ?? .null,
        "error": entry["error"] ?? .null,
      ]
      let output = session.output
      output.writeRaw("{\"jsonrpc\":\"2.0\",\"method\":\"sync/rejected\",\"params\":")
      output.write(params)
      output.writeRaw("}\n")
    }
  }
}
