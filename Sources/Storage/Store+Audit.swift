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

/// The audit log: a hash chain of links, each the events of one commit as a JSON array of their
/// canonical JSON (`seq` … `last_seq`), its hash over the previous link's hash and its own
/// events, in a table whose triggers refuse updates and deletes. One link per commit keeps a
/// run of reads to one row and one hash per flush, not one per read.
///
/// - SeeAlso: `docs/security.md`, "Audit".
extension Store {
  /// Appends `events` as one link inside the current write transaction (taking the write lock if
  /// none is held, so the chain's end cannot move underneath); returns the new head.
  @discardableResult
  public func appendAudit(_ events: [AuditEvent]) throws(StorageError) -> AuditHead? {
    guard let first = events.first, let last = events.last else { return nil }
    try beginWrite()
    let previous = try auditHead() ?? AuditHead(seq: 0, hash: AuditHead.genesis)
    let writer = JSONWriter(capacity: 256 * events.count + 2)
    writer.append(UInt8(ascii: "["))
    for (offset, event) in events.enumerated() {
      if offset > 0 { writer.append(UInt8(ascii: ",")) }
      event.write(seq: previous.seq + 1 + Int64(offset), into: writer)
    }
    writer.append(UInt8(ascii: "]"))
    let linked = writer.bytes
    let hash = Self.chainHash(previous: previous.hash, event: linked)
    let lastSeq = previous.seq + Int64(events.count)
    try database.statement(
      "INSERT INTO audit_log(seq, last_seq, first_time, last_time, events, hash) VALUES (?, ?, ?, ?, ?, ?)"
    ).bind([
      .integer(previous.seq + 1), .integer(lastSeq), .text(first.time.description),
      .text(last.time.description), .json(linked), .text(hash),
    ]).run()
    return AuditHead(seq: lastSeq, hash: hash)
  }

  /// The hash of a link: SHA-256 over the previous link's hash (hex), a line feed and the link's
  /// events.
  public static func chainHash(previous: String, event: [UInt8]) -> String {
    Hex.encode(SHA256.digest(parts: [Array(previous.utf8), [0x0A], event]))
  }

  /// The newest link's last sequence number and hash; nil for an empty log.
  public func auditHead() throws(StorageError) -> AuditHead? {
    let statement = try database.statement(
      "SELECT last_seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
    defer { statement.finish() }
    guard try statement.step() else { return nil }
    return AuditHead(seq: statement.int64(0), hash: statement.text(1) ?? "")
  }

  /// Events matching `query`, oldest first, each as its canonical JSON.
  public func auditEvents(_ query: AuditQuery) throws(StorageError) -> [EncodedJSON] {
    try beginRead()
    let statement = try database.statement(
      """
      SELECT events FROM audit_log
        WHERE last_seq > ?1 AND (?2 IS NULL OR last_time >= ?2) AND (?3 IS NULL OR first_time <= ?3)
        ORDER BY seq
      """
    ).bind([
      .integer(query.after), query.from.map(SQLValue.text) ?? .null,
      query.to.map(SQLValue.text) ?? .null,
    ])
    defer { statement.finish() }
    var events: [EncodedJSON] = []
    while events.count < query.limit, try statement.step() {
      guard case .array(let link)? = try? JSONParser.parse(statement.bytes(0)) else { continue }
      for case .object(let event) in link where query.matches(event) {
        events.append(EncodedJSON(event))
        if events.count == query.limit { break }
      }
    }
    return events
  }

  /// Walks the whole chain, recomputing every link's hash and checking every event's place;
  /// then compares its end with `head`, the copy kept outside the store (a log that ends before
  /// it was cut short). Returns the number of events and the chain's end.
  public func verifyAuditChain(against head: AuditHead?) throws(StorageError) -> Result<
    (count: Int64, head: AuditHead?), AuditBreak
  > {
    try beginRead()
    let statement = try database.statement(
      "SELECT seq, last_seq, first_time, last_time, events, hash FROM audit_log ORDER BY seq")
    var previous = AuditHead(seq: 0, hash: AuditHead.genesis)
    var broken: AuditBreak?
    while try statement.step() {
      let seq = statement.int64(0)
      guard seq == previous.seq + 1 else {
        broken = AuditBreak(seq: previous.seq + 1, reason: "event \(previous.seq + 1) is missing")
        break
      }
      let events = statement.bytes(4)
      let hash = statement.text(5) ?? ""
      guard Self.chainHash(previous: previous.hash, event: events) == hash else {
        broken = AuditBreak(
          seq: seq, reason: "event \(seq) does not match its hash (altered, or moved)")
        break
      }
      let lastSeq = statement.int64(1)
      guard
        Self.linkHolds(
          events, from: seq, through: lastSeq, firstTime: statement.text(2),
          lastTime: statement.text(3))
      else {
        broken = AuditBreak(seq: seq, reason: "event \(seq)'s indexed columns do not match it")
        break
      }
      previous = AuditHead(seq: lastSeq, hash: hash)
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
      if let recorded = try auditHash(at: head.seq), recorded != head.hash {
        return .failure(
          AuditBreak(
            seq: head.seq,
            reason: "event \(head.seq) differs from the head recorded outside the store"))
      }
    }
    return .success((previous.seq, previous.seq == 0 ? nil : previous))
  }

  /// The hash of the link that ends at event `seq`, if one does.
  public func auditHash(at seq: Int64) throws(StorageError) -> String? {
    let statement = try database.statement(
      "SELECT last_seq, hash FROM audit_log WHERE seq <= ? ORDER BY seq DESC LIMIT 1"
    ).bind([.integer(seq)])
    defer { statement.finish() }
    guard try statement.step(), statement.int64(0) == seq else { return nil }
    return statement.text(1)
  }

  /// The link's events are numbered `seq` … `lastSeq` in order, and its time columns are its
  /// first and last events' times.
  private static func linkHolds(
    _ events: [UInt8], from seq: Int64, through lastSeq: Int64, firstTime: String?,
    lastTime: String?
  ) -> Bool {
    guard case .array(let link)? = try? JSONParser.parse(events),
      link.count == Int(lastSeq - seq + 1)
    else { return false }
    for (offset, event) in link.enumerated() where event["seq"]?.int64Value != seq + Int64(offset) {
      return false
    }
    return link.first?["time"]?.stringValue == firstTime
      && link.last?["time"]?.stringValue == lastTime
  }
}

extension AuditQuery {
  /// Whether one event (its canonical JSON, parsed) is one the query asks for.
  func matches(_ event: JSONObject) -> Bool {
    guard let seq = event["seq"]?.int64Value, seq > after else { return false }
    if let staffID, event["staffId"]?.int64Value != staffID { return false }
    if let entityType, event["entityType"]?.stringValue != entityType { return false }
    if let method, event["method"]?.stringValue != method { return false }
    let time = event["time"]?.stringValue ?? ""
    if let from, time < from { return false }
    if let to, time > to { return false }
    if let patientID,
      !(event["patientIds"]?.arrayValue ?? []).contains(.string(patientID))
    {
      return false
    }
    return true
  }
}

/// A replica's side of the audit log: the agent pushes its links to PostgreSQL after a cursor.
extension Store {
  /// Links whose events come after `seq`, oldest first, as stored.
  public func auditLinks(after seq: Int64, limit: Int) throws(StorageError) -> [(
    seq: Int64, lastSeq: Int64, events: [UInt8], hash: String
  )] {
    let statement = try database.statement(
      "SELECT seq, last_seq, events, hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?"
    ).bind([.integer(seq), .integer(Int64(limit))])
    var links: [(seq: Int64, lastSeq: Int64, events: [UInt8], hash: String)] = []
    while try statement.step() {
      links.append(
        (statement.int64(0), statement.int64(1), statement.bytes(2), statement.text(3) ?? ""))
    }
    return links
  }

  /// Whether the agent has staff or audit events to push (two index probes).
  public func hasUnpushedStaffOrAudit() throws(StorageError) -> Bool {
    if try database.integer("SELECT 1 FROM staff WHERE dirty = 1 LIMIT 1") != nil { return true }
    let pushed = Int64(try syncValue("audit_pushed") ?? "0") ?? 0
    return (try database.integer("SELECT max(seq) FROM audit_log") ?? 0) > pushed
  }
}
