public import DataSync
public import Domain
public import Postgres

/// The DataSync rules' store over the clinic's PostgreSQL (migration 2's `portal.records`,
/// `portal.retired_ids`, `portal.changes`, `portal.clinic_day`): what lets the agent apply a
/// replica's pushed write by running the same `DataSync` operation it ran locally.
///
/// It matches the SQLite `Store` call for call: the same documents byte for byte (`doc` is
/// `json`, kept as written), the same versions and derived fields, the same change rows; only the
/// change sequence numbers (and so recentActivity's ids) are PostgreSQL's own `seq`.
///
/// Not Sendable: one thread owns it, and the connection, which it uses but does not own (nor
/// close). Every call has a deadline `callTimeout` away. `PostgresError` propagates as it is.
public final class PostgresRecordStore: RecordStore {
  public let connection: PostgresConnection
  /// How long each call to PostgreSQL may take.
  public var callTimeout: Duration
  /// The workstation and mutation whose write this is, written into each change row
  /// (`client_id`, `mutation_id`); nil for a write made upstream.
  public var clientID: String?
  public var mutationID: Int64?
  /// The ids a replica assigned offline, per kind, handed out in order by `nextID(for:)` (a
  /// pushed add then takes the id the replica already answered with). Without a queue, or once
  /// it runs out, the next id is one past the largest ever used, as in SQLite.
  public var assignedIDs: [EntityKind.Name: [Int64]]?

  private var transactionOpen = false
  /// Set when a statement failed inside the open transaction and no savepoint has undone it:
  /// PostgreSQL then refuses everything but a rollback, and would answer COMMIT by rolling back.
  private var transactionFailed = false

  public init(
    connection: PostgresConnection, callTimeout: Duration = .seconds(30), clientID: String? = nil,
    mutationID: Int64? = nil, assignedIDs: [EntityKind.Name: [Int64]]? = nil
  ) {
    self.connection = connection
    self.callTimeout = callTimeout
    self.clientID = clientID
    self.mutationID = mutationID
    self.assignedIDs = assignedIDs
  }

  /// The deadline of a call starting now.
  var deadline: ContinuousClock.Instant { .now + callTimeout }

  /// Runs one statement with parameters.
  @discardableResult
  func query(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> PostgresRows {
    do {
      return try connection.query(sql, parameters, deadline: deadline)
    } catch {
      if transactionOpen { transactionFailed = true }
      throw error
    }
  }

  /// The first column of the first row as an integer (nil for no row or NULL).
  func integer(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> Int64? {
    try query(sql, parameters).scalar.flatMap { Int64($0) }
  }
}

// MARK: Transactions

extension PostgresRecordStore {
  /// Never: a PostgreSQL store is always written through the connection.
  public var isReadOnly: Bool { false }

  /// True between the BEGIN this store sent and its COMMIT or ROLLBACK, while the connection
  /// lives (a lost connection took the transaction with it).
  public var isInTransaction: Bool { transactionOpen && connection.isOpen }

  /// Runs `body` in a savepoint, opening a transaction (READ COMMITTED) first if none is open: its
  /// changes stay if it returns, and are undone, alone, if it throws. The transaction stays open
  /// for `commit()` or `rollback()`.
  public func inSavepoint<T>(_ body: () throws -> T) throws -> T {
    try beginRead()
    try query("SAVEPOINT request")
    let assigned = assignedIDs
    do {
      let result = try body()
      try query("RELEASE SAVEPOINT request")
      return result
    } catch {
      assignedIDs = assigned
      if connection.isOpen, (try? query("ROLLBACK TO SAVEPOINT request")) != nil {
        transactionFailed = false  // undone: the transaction is usable again
        _ = try? query("RELEASE SAVEPOINT request")
      }
      throw error
    }
  }

  /// Opens a transaction unless one is open.
  public func beginRead() throws {
    if isInTransaction { return }
    transactionOpen = false
    try query("BEGIN")
    transactionOpen = true
    transactionFailed = false
  }

  /// Commits the open transaction, if any; a failed commit leaves no transaction open. A
  /// transaction that a failed statement left unusable is rolled back and reported, never
  /// silently given up as PostgreSQL's COMMIT would.
  public func commit() throws {
    guard isInTransaction else {
      transactionOpen = false
      return
    }
    defer { transactionOpen = false }
    if transactionFailed {
      rollback()
      throw PostgresError.server(
        sqlState: "25P02",
        message: "the transaction was rolled back: a statement in it had failed")
    }
    do {
      try query("COMMIT")
    } catch {
      if connection.isOpen { _ = try? query("ROLLBACK") }
      throw error
    }
  }

  /// Abandons the open transaction, if any.
  public func rollback() {
    if isInTransaction { _ = try? query("ROLLBACK") }
    transactionOpen = false
  }
}
