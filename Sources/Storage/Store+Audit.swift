public import Domain
public import PortalJSON
internal import Sodium

/// The newest link of the audit chain: its sequence number and hash.
public struct AuditHead: Sendable, Equatable {
  public let seq: Int64
  /// Lower-case hex SHA-256.
  public let hash: String

  public init(seq: Int64, hash: String) {
    self.seq = seq
    self.hash = hash
  }

  /// The hash the first event links to.
  public static let genesis = String(repeating: "0", count: 64)
}

/// What `getAuditLog` asks for; every member narrows the result.
public struct AuditQuery: Sendable {
  public var staffID: Int64?
  public var patientID: String?
  public var entityType: String?
  public var method: String?
  /// ISO 8601 times, inclusive.
  public var from: String?
  public var to: String?
  /// Events after this sequence number (paging).
  public var after: Int64
  public var limit: Int

  public init(
    staffID: Int64? = nil, patientID: String? = nil, entityType: String? = nil,
    method: String? = nil, from: String? = nil, to: String? = nil, after: Int64 = 0,
    limit: Int = 100
  ) {
    self.staffID = staffID
    self.patientID = patientID
    self.entityType = entityType
    self.method = method
    self.from = from
    self.to = to
    self.after = after
    self.limit = limit
  }
}

/// Where a chain stops verifying, and why.
public struct AuditBreak: Sendable, Equatable, Error {
  /// The sequence number of the first event that does not verify (or where one is missing).
  public let seq: Int64
  public let reason: String
}

/// The audit log: a hash chain of `AuditEvent`s, each hash over the previous hash and the
/// event's canonical JSON, in a table whose triggers refuse updates and deletes.
///
/// - SeeAlso: `docs/security.md`, "Audit".
extension Store {
  /// Appends `events` in order inside the current write transaction (taking the write lock if
  /// none is held, so the chain's end cannot move underneath); returns the new head.
  @discardableResult
  public func appendAudit(_ events: [AuditEvent]) throws(StorageError) -> AuditHead? {
    guard !events.isEmpty else { return nil }
    try beginWrite()
    var head = try auditHead() ?? AuditHead(seq: 0, hash: AuditHead.genesis)
    let insert = try database.statement(
      "INSERT INTO audit_log(seq, time, staff_id, method, entity_type, event, hash) VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    for event in events {
      let seq = head.seq + 1
      let canonical = event.canonicalJSON(seq: seq)
      let hash = Self.chainHash(previous: head.hash, event: canonical)
      try insert.bind([
        .integer(seq), .text(event.time.description), event.staffID.map(SQLValue.integer) ?? .null,
        .text(event.method), event.entityType.map(SQLValue.text) ?? .null, .json(canonical),
        .text(hash),
      ]).run()
      head = AuditHead(seq: seq, hash: hash)
    }
    return head
  }

  /// The hash of an event: SHA-256 over the previous hash (hex), a line feed and the event.
  public static func chainHash(previous: String, event: [UInt8]) -> String {
    Hex.encode(SHA256.digest(parts: [Array(previous.utf8), [0x0A], event]))
  }

  /// The newest event's sequence number and hash; nil for an empty log.
  public func auditHead() throws(StorageError) -> AuditHead? {
    let statement = try database.statement(
      "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
    defer { statement.finish() }
    guard try statement.step() else { return nil }
    return AuditHead(seq: statement.int64(0), hash: statement.text(1) ?? "")
  }

  /// Events matching `query`, oldest first, as stored (canonical JSON).
  public func auditEvents(_ query: AuditQuery) throws(StorageError) -> [EncodedJSON] {
    try beginRead()
    let statement = try database.statement(
      """
      SELECT event FROM audit_log
        WHERE seq > ?1 AND (?2 IS NULL OR staff_id = ?2) AND (?3 IS NULL OR entity_type = ?3)
          AND (?4 IS NULL OR method = ?4) AND (?5 IS NULL OR time >= ?5)
          AND (?6 IS NULL OR time <= ?6)
          AND (?7 IS NULL OR EXISTS (
            SELECT 1 FROM json_each(audit_log.event, '$.patientIds') WHERE value = ?7))
        ORDER BY seq LIMIT ?8
      """
    ).bind([
      .integer(query.after), query.staffID.map(SQLValue.integer) ?? .null,
      query.entityType.map(SQLValue.text) ?? .null, query.method.map(SQLValue.text) ?? .null,
      query.from.map(SQLValue.text) ?? .null, query.to.map(SQLValue.text) ?? .null,
      query.patientID.map(SQLValue.text) ?? .null, .integer(Int64(query.limit)),
    ])
    var events: [EncodedJSON] = []
    while try statement.step() { events.append(EncodedJSON(trusted: statement.bytes(0))) }
    return events
  }

  /// Walks the whole chain, recomputing every hash; then compares its end with `head`, the copy
  /// kept outside the store (a log that ends before it was cut short). Returns the number of
  /// events and the chain's end.
  public func verifyAuditChain(against head: AuditHead?) throws(StorageError) -> Result<
    (count: Int64, head: AuditHead?), AuditBreak
  > {
    try beginRead()
    let statement = try database.statement(
      "SELECT seq, event, hash, time, staff_id, method, entity_type FROM audit_log ORDER BY seq")
    var previous = AuditHead(seq: 0, hash: AuditHead.genesis)
    var count: Int64 = 0
    var broken: AuditBreak?
    while try statement.step() {
      let seq = statement.int64(0)
      guard seq == previous.seq + 1 else {
        broken = AuditBreak(
          seq: previous.seq + 1, reason: "event \(previous.seq + 1) is missing")
        break
      }
      let event = statement.bytes(1)
      let hash = statement.text(2) ?? ""
      guard Self.chainHash(previous: previous.hash, event: event) == hash else {
        broken = AuditBreak(
          seq: seq, reason: "event \(seq) does not match its hash (altered, or moved)")
        break
      }
      guard Self.columnsMatch(event, seq: seq, statement) else {
        broken = AuditBreak(seq: seq, reason: "event \(seq)'s indexed columns do not match it")
        break
      }
      previous = AuditHead(seq: seq, hash: hash)
      count += 1
    }
    statement.finish()
    if let broken { return .failure(broken) }
    if let head {
      if head.seq > previous.seq {
        return .failure(
          AuditBreak(
            seq: previous.seq + 1,
            reason:
              "the log ends at event \(previous.seq) but its head outside the store records event \(head.seq): events were removed"
          ))
      }
      if let recorded = try auditHash(seq: head.seq), recorded != head.hash {
        return .failure(
          AuditBreak(
            seq: head.seq,
            reason: "event \(head.seq) differs from the head recorded outside the store"))
      }
    }
    return .success((count, count == 0 ? nil : previous))
  }

  private func auditHash(seq: Int64) throws(StorageError) -> String? {
    let statement = try database.statement("SELECT hash FROM audit_log WHERE seq = ?")
      .bind([.integer(seq)])
    defer { statement.finish() }
    return try statement.step() ? statement.text(0) : nil
  }

  /// The columns `getAuditLog` filters on agree with the hashed event.
  private static func columnsMatch(_ event: [UInt8], seq: Int64, _ statement: Statement) -> Bool {
    guard case .object(let object)? = try? JSONParser.parse(event) else { return false }
    return object["seq"]?.int64Value == seq
      && object["time"]?.stringValue == statement.text(3)
      && object["staffId"]?.int64Value == (statement.isNull(4) ? nil : statement.int64(4))
      && object["method"]?.stringValue == statement.text(5)
      && object["entityType"]?.stringValue == statement.text(6)
  }
}

/// A replica's side of the audit log: the agent pushes it to PostgreSQL after a cursor.
extension Store {
  /// Events after `seq`, oldest first, as stored.
  public func auditRows(after seq: Int64, limit: Int) throws(StorageError) -> [(
    seq: Int64, event: [UInt8], hash: String
  )] {
    let statement = try database.statement(
      "SELECT seq, event, hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?"
    ).bind([.integer(seq), .integer(Int64(limit))])
    var rows: [(seq: Int64, event: [UInt8], hash: String)] = []
    while try statement.step() {
      rows.append((statement.int64(0), statement.bytes(1), statement.text(2) ?? ""))
    }
    return rows
  }

  /// The hash of event `seq`, if the log holds it.
  public func auditHash(at seq: Int64) throws(StorageError) -> String? {
    try auditHash(seq: seq)
  }

  /// Whether the agent has staff or audit events to push (two index probes).
  public func hasUnpushedStaffOrAudit() throws(StorageError) -> Bool {
    if try database.integer("SELECT 1 FROM staff WHERE dirty = 1 LIMIT 1") != nil { return true }
    let pushed = Int64(try syncValue("audit_pushed") ?? "0") ?? 0
    return (try database.integer("SELECT max(seq) FROM audit_log") ?? 0) > pushed
  }
}
