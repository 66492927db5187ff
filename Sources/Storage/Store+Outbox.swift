public import Domain

/// One outbox row: a write this replica answered that PostgreSQL has not yet applied.
public struct OutboxRow: Sendable {
  public let mutationID: Int64
  public let method: String
  /// JSON of the `WriteOperation`, of its assigned ids and of its base versions.
  public let operation: [UInt8]
  public let assignedIDs: [UInt8]
  public let baseVersions: [UInt8]
  public let madeAt: String
  public let entityType: String?
  /// JSON text of the record's id, when the write names one.
  public let entityID: [UInt8]?
  /// `pending` (`attempts` > 0: retrying) or `rejected`.
  public let state: String
  public let attempts: Int64
  public let nextAttemptAt: String?
  /// JSON `{code, message, data}` of the rejection.
  public let error: [UInt8]?
}

/// The outbox: every write a replica answered, in the same transaction as the write itself.
extension Store {
  public func appendOutbox(
    method: String, operation: [UInt8], assignedIDs: [UInt8], baseVersions: [UInt8],
    madeAt: String, entityType: String?, entityID: [UInt8]?
  ) throws(StorageError) -> Int64 {
    try database.statement(
      """
      INSERT INTO outbox(method, operation, assigned_ids, base_versions, made_at, entity_type,
        entity_id) VALUES (?, ?, ?, ?, ?, ?, ?)
      """
    ).bind([
      .text(method), .json(operation), .json(assignedIDs), .json(baseVersions), .text(madeAt),
      entityType.map(SQLValue.text) ?? .null, entityID.map(SQLValue.json) ?? .null,
    ]).run()
    return database.lastInsertedRowID
  }

  /// Outbox rows after `mutationID`, oldest first: all of them, or those in `state`.
  public func outboxRows(state: String? = nil, after mutationID: Int64 = 0, limit: Int = .max)
    throws(StorageError) -> [OutboxRow]
  {
    let statement = try database.statement(
      """
      SELECT mutation_id, method, operation, assigned_ids, base_versions, made_at, entity_type,
        entity_id, state, attempts, next_attempt_at, error FROM outbox
        WHERE mutation_id > ? AND (?2 IS NULL OR state = ?2) ORDER BY mutation_id LIMIT ?
      """
    ).bind([.integer(mutationID), state.map(SQLValue.text) ?? .null, .integer(Int64(limit))])
    var rows: [OutboxRow] = []
    while try statement.step() {
      rows.append(
        OutboxRow(
          mutationID: statement.int64(0), method: statement.text(1) ?? "",
          operation: statement.bytes(2), assignedIDs: statement.bytes(3),
          baseVersions: statement.bytes(4), madeAt: statement.text(5) ?? "",
          entityType: statement.text(6), entityID: statement.isNull(7) ? nil : statement.bytes(7),
          state: statement.text(8) ?? "pending", attempts: statement.int64(9),
          nextAttemptAt: statement.text(10), error: statement.isNull(11) ? nil : statement.bytes(11)
        ))
    }
    return rows
  }

  /// Whether any row waits to be pushed (one probe of the state index).
  public func hasPendingOutbox() throws(StorageError) -> Bool {
    try database.integer("SELECT 1 FROM outbox WHERE state = 'pending' LIMIT 1") != nil
  }

  /// How many rows wait (`pending`, those retried at least once among them) and are rejected.
  public func outboxCounts() throws(StorageError) -> (pending: Int, retrying: Int, rejected: Int) {
    let statement = try database.statement(
      """
      SELECT count(*) FILTER (WHERE state = 'pending'),
        count(*) FILTER (WHERE state = 'pending' AND attempts > 0),
        count(*) FILTER (WHERE state = 'rejected') FROM outbox
      """)
    defer { statement.finish() }
    guard try statement.step() else { return (0, 0, 0) }
    return (Int(statement.int64(0)), Int(statement.int64(1)), Int(statement.int64(2)))
  }

  /// PostgreSQL applied the row in the change numbered `sequence`: it is no longer pushed, and
  /// it leaves the outbox once the replica has pulled that change.
  public func markOutboxApplied(_ mutationID: Int64, sequence: Int64) throws(StorageError) {
    try database.statement(
      "UPDATE outbox SET state = 'applied', applied_seq = ?, error = NULL WHERE mutation_id = ?"
    ).bind([.integer(sequence), .integer(mutationID)]).run()
  }

  /// A pull found the row's changes in PostgreSQL's log, numbered up to `sequence`: applied
  /// there though the push never recorded it here (its reply, or the local commit of its
  /// outcome, was lost). A row already known to be applied or rejected is left as it is.
  public func noteOutboxAppliedUpstream(_ mutationID: Int64, sequence: Int64)
    throws(StorageError)
  {
    try database.statement(
      """
      UPDATE outbox SET state = 'applied', applied_seq = ?, error = NULL
        WHERE mutation_id = ? AND state = 'pending'
      """
    ).bind([.integer(sequence), .integer(mutationID)]).run()
  }

  /// Forgets the applied rows whose change the replica has pulled (the cursor reached it).
  public func forgetAppliedOutbox(through cursor: Int64) throws(StorageError) {
    try database.statement("DELETE FROM outbox WHERE state = 'applied' AND applied_seq <= ?")
      .bind([.integer(cursor)]).run()
  }

  /// PostgreSQL refused the row for good: it stays, listed, until retried or discarded.
  public func rejectOutbox(_ mutationID: Int64, error: [UInt8]) throws(StorageError) {
    try database.statement(
      "UPDATE outbox SET state = 'rejected', attempts = attempts + 1, error = ? WHERE mutation_id = ?"
    ).bind([.json(error), .integer(mutationID)]).run()
  }

  /// A push of the row failed for a while (the upstream is unreachable): counted, with when
  /// the next try is due.
  public func deferOutbox(_ mutationID: Int64, nextAttemptAt: String?) throws(StorageError) {
    try database.statement(
      "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE mutation_id = ?"
    ).bind([nextAttemptAt.map(SQLValue.text) ?? .null, .integer(mutationID)]).run()
  }

  /// A rejected row queued again (with its operation replaced, for a forced retry); false when
  /// there is no rejected row with this id.
  public func requeueOutbox(_ mutationID: Int64, forcedOperation operation: [UInt8]?)
    throws(StorageError) -> Bool
  {
    // A forced retry drops the versions the write was based on with its expectedVersion.
    try database.statement(
      """
      UPDATE outbox SET state = 'pending', error = NULL, next_attempt_at = NULL, attempts = 0,
        operation = coalesce(?1, operation),
        base_versions = CASE WHEN ?1 IS NULL THEN base_versions ELSE '[]' END
        WHERE mutation_id = ?2 AND state = 'rejected'
      """
    ).bind([operation.map(SQLValue.json) ?? .null, .integer(mutationID)]).run()
    return database.changes > 0
  }

  /// Removes a rejected row for good; false when there is no rejected row with this id.
  public func discardOutbox(_ mutationID: Int64) throws(StorageError) -> Bool {
    try database.statement("DELETE FROM outbox WHERE mutation_id = ? AND state = 'rejected'")
      .bind([.integer(mutationID)]).run()
    return database.changes > 0
  }

  // MARK: Sync state

  /// A value of the replica's state (`upstream`, `client_id`, `cursor`, …).
  public func syncValue(_ key: String) throws(StorageError) -> String? {
    let statement = try database.statement("SELECT value FROM sync_state WHERE key = ?")
      .bind([.text(key)])
    defer { statement.finish() }
    return try statement.step() ? statement.text(0) : nil
  }

  public func setSyncValue(_ key: String, _ value: String) throws(StorageError) {
    try database.statement("INSERT OR REPLACE INTO sync_state(key, value) VALUES (?, ?)")
      .bind([.text(key), .text(value)]).run()
  }

  // MARK: Id leases

  /// The next id of a block leased for `kind`, used up; nil when every block is used.
  public func leasedID(for kind: EntityKind) throws(StorageError) -> Int64? {
    let table = SQLValue.text(kind.tableName)
    let statement = try database.statement(
      "SELECT first, next FROM id_leases WHERE table_name = ? AND next <= last ORDER BY first LIMIT 1"
    ).bind([table])
    guard try statement.step() else { return nil }
    let (first, next) = (statement.int64(0), statement.int64(1))
    statement.finish()
    try database.statement(
      "UPDATE id_leases SET next = next + 1 WHERE table_name = ? AND first = ?"
    )
    .bind([table, .integer(first)]).run()
    return next
  }

  /// How many leased ids of `kind` are left.
  public func leasedIDsLeft(for kind: EntityKind) throws(StorageError) -> Int64 {
    try database.integer(
      "SELECT coalesce(sum(last - next + 1), 0) FROM id_leases WHERE table_name = ?",
      [.text(kind.tableName)]) ?? 0
  }

  /// Keeps a block `first...last` leased from PostgreSQL; used-up blocks are forgotten.
  public func addLease(for kind: EntityKind, _ block: ClosedRange<Int64>) throws(StorageError) {
    try database.statement("DELETE FROM id_leases WHERE table_name = ? AND next > last")
      .bind([.text(kind.tableName)]).run()
    try database.statement(
      "INSERT OR IGNORE INTO id_leases(table_name, first, last, next) VALUES (?, ?, ?, ?)"
    ).bind([
      .text(kind.tableName), .integer(block.lowerBound), .integer(block.upperBound),
      .integer(block.lowerBound),
    ]).run()
  }
}

extension Store {
  /// Empties the outbox and the confirmed state: an upload made the store's records PostgreSQL's.
  public func forgetOutboxAfterUpload() throws(StorageError) {
    try database.run("DELETE FROM outbox")
    try database.run("DELETE FROM confirmed")
  }

  /// Per kind, the largest id a deleted record had (never handed out again).
  public func retiredIDs() throws(StorageError) -> [EntityKind.Name: Int64] {
    let statement = try database.statement("SELECT table_name, max_id FROM retired_ids")
    var ids: [EntityKind.Name: Int64] = [:]
    while try statement.step() {
      if let kind = Self.kind(ofTable: statement.text(0) ?? "") {
        ids[kind.name] = statement.int64(1)
      }
    }
    return ids
  }
}
