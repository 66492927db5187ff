import Foundation
import PortalJSON
import Testing

@testable import Storage

/// The audit log through the real executable: what is recorded and when, that the table refuses
/// changes, and that `--check` finds an edited, deleted, reordered or cut-off event and names the
/// first broken link.
@Suite("Audit log")
struct AuditTests {
  static func database(_ data: URL) throws -> Database {
    try Database(path: data.appendingPathComponent(Store.fileName).path)
  }

  /// A clinic whose log holds sign-ins, reads, writes and refusals.
  static func clinicWithHistory(_ prefix: String) throws -> URL {
    let data = try Staff.clinic(prefix, roles: ["admin", "frontDesk"])
    let window = try PortalProcess(arguments: ["--data-dir", data.path])
    try window.signIn("frontDesk")
    try window.call("getPatient", id: 1, params: #"["P001"]"#)
    try window.call("getPatients", id: 2, params: "[]")
    try window.call("getPrescriptions", id: 3, params: "[]")
    try window.call("syncPatientData", id: 4, params: #"["P002",{"phone":"555-010-2000"}]"#)
    try window.closeInput()
    #expect(try window.finish().status == 0)
    return data
  }

  @Test("a write's event commits with the write; reads are all written by the end of input")
  func eventsAreDurable() throws {
    let data = try Staff.clinic("audit-durable", roles: ["doctor"])
    let window = try PortalProcess(arguments: ["--data-dir", data.path])
    try window.signIn("doctor")
    let added = try JSONParser.parse(
      try window.call("addPatient", id: 1, params: "[\(patientJSON(named: "Audit Person"))]"))
    let id = try #require(added["result"]?["id"]?.stringValue)
    // The response is out only after the commit, so the event is on disk already.
    let database = try Self.database(data)
    let statement = try database.statement(
      "SELECT count(*) FROM audit_log WHERE events LIKE '%\"method\":\"addPatient\"%' AND events LIKE ?"
    )
    statement.bind([.text("%\"\(id)\"%")])
    #expect(try statement.step() && statement.int64(0) == 1)
    statement.finish()
    for index in 0..<50 { try window.call("getPatient", id: 100 + index, params: #"["P001"]"#) }
    try window.closeInput()
    #expect(try window.finish().status == 0)
    let log = try auditEvents(data)
    // A run of reads within one flush is one event that counts them.
    let reads = log.filter { $0["method"]?.stringValue == "getPatient" && $0["staffId"] != nil }
    #expect(reads.reduce(0) { $0 + ($1["requests"]?.int64Value ?? 1) } == 50)
    #expect(reads.allSatisfy { $0["patientIds"]?.arrayValue == ["P001"] })
    let event = try #require(log.first { $0["method"]?.stringValue == "addPatient" })
    #expect(event["username"]?.stringValue == "doctor")
    #expect(event["role"]?.stringValue == "doctor")
    #expect(event["patientIds"]?.arrayValue == [.string(id)])
    #expect(event["outcome"]?.stringValue == "ok")
    #expect(event["client"]?.stringValue == "tests")
    // Ids, never values: the new patient's name is nowhere in the log.
    let all = try database.integer(
      "SELECT count(*) FROM audit_log WHERE events LIKE '%Audit Person%'")
    #expect(all == 0)
  }

  @Test("the table refuses updates and deletes")
  func appendOnly() throws {
    let data = try Self.clinicWithHistory("audit-append-only")
    let database = try Self.database(data)
    #expect(throws: StorageError.self) {
      try database.execute("UPDATE audit_log SET events = 'x' WHERE seq = 1")
    }
    #expect(throws: StorageError.self) {
      try database.execute("DELETE FROM audit_log WHERE seq = 1")
    }
    #expect(try PortalProcess.check(data).status == 0)
  }

  @Test("getAuditLog filters by staff, patient, entity type, method and time; needs audit:read")
  func querying() throws {
    let data = try Self.clinicWithHistory("audit-query")
    let admin = try PortalProcess(arguments: ["--data-dir", data.path])
    try admin.signIn("admin")
    func events(_ query: String) throws -> [JSONValue] {
      let line = try admin.call("getAuditLog", id: 1, params: "[\(query)]")
      return try JSONParser.parse(line)["result"]?["events"]?.arrayValue ?? []
    }
    let all = try events("{}")
    let frontDesk = try #require(all.first { $0["username"]?.stringValue == "frontDesk" })
    let staffID = try #require(frontDesk["staffId"]?.int64Value)
    #expect(
      try events(#"{"staffId":\#(staffID)}"#).allSatisfy { $0["staffId"]?.int64Value == staffID })
    let p002 = try events(#"{"patientId":"P002"}"#)
    #expect(p002.contains { $0["method"]?.stringValue == "syncPatientData" })
    #expect(p002.allSatisfy { $0["patientIds"]?.arrayValue?.contains("P002") == true })
    let refused = try events(#"{"entityType":"prescription"}"#)
    #expect(refused.first?["outcome"]?.stringValue == "refused")
    #expect(refused.first?["permission"]?.stringValue == "prescription:read")
    #expect(try events(#"{"method":"getPatients"}"#).count == 1)
    #expect(try events(#"{"from":"2999-01-01T00:00:00.000Z"}"#).isEmpty)
    try admin.closeInput()
    _ = try admin.finish()

    let clerk = try PortalProcess(arguments: ["--data-dir", data.path])
    try clerk.signIn("frontDesk")
    let line = try clerk.call("getAuditLog", id: 1, params: "[]")
    #expect(
      try JSONParser.parse(line)["error"]?["data"]?["permission"]?.stringValue == "audit:read")
    try clerk.closeInput()
    _ = try clerk.finish()
  }

  /// Tampers with a copy of a clinic's store (its triggers dropped first, as someone with the
  /// file would), then runs `--check` on it. `edit` also gets the first sequence number of every
  /// link of the chain, oldest first.
  static func tampered(_ edit: (Database, [Int64]) throws -> Void) throws -> (
    status: Int32, output: String
  ) {
    let data = try clinicWithHistory("audit-tamper")
    #expect(try PortalProcess.check(data).status == 0)
    let database = try Self.database(data)
    try database.execute("DROP TRIGGER audit_log_no_update")
    try database.execute("DROP TRIGGER audit_log_no_delete")
    let statement = try database.statement("SELECT seq FROM audit_log ORDER BY seq")
    var links: [Int64] = []
    while try statement.step() { links.append(statement.int64(0)) }
    #expect(links.count >= 4, "the history should span several links")
    try edit(database, links)
    let check = try PortalProcess.check(data)
    return (check.status, check.lines.joined(separator: "\n"))
  }

  @Test("an edited byte is found, and named")
  func editedByte() throws {
    let result = try Self.tampered { database, _ in
      try database.execute(
        "UPDATE audit_log SET events = replace(events, '\"getPatient\"', '\"getPatienT\"')")
    }
    #expect(result.status == 1)
    #expect(result.output.contains("does not match its hash"), "\(result.output)")
    #expect(result.output.contains("first broken link is event"))
  }

  @Test("a deleted link in the middle is found, and named")
  func deletedLink() throws {
    var deleted: Int64 = 0
    let result = try Self.tampered { database, links in
      deleted = links[links.count / 2]
      try database.execute("DELETE FROM audit_log WHERE seq = \(deleted)")
    }
    #expect(result.status == 1)
    #expect(result.output.contains("first broken link is event \(deleted)"), "\(result.output)")
  }

  @Test("an event cut out of its link is found")
  func deletedEvent() throws {
    let result = try Self.tampered { database, _ in
      // The newest link of several events loses its last event.
      try database.execute(
        """
        UPDATE audit_log SET events = substr(events, 1,
            length(events) - length(json(json_extract(events, '$[#-1]'))) - 2) || ']',
          last_seq = last_seq - 1
          WHERE seq = (SELECT max(seq) FROM audit_log WHERE last_seq > seq)
        """)
    }
    #expect(result.status == 1)
    #expect(result.output.contains("does not match its hash"), "\(result.output)")
  }

  @Test("two links swapped are found")
  func reordered() throws {
    var first: Int64 = 0
    let result = try Self.tampered { database, links in
      first = links[1]
      let second = links[2]
      try database.execute(
        """
        UPDATE audit_log SET
          events = CASE seq WHEN \(first) THEN (SELECT events FROM audit_log WHERE seq = \(second))
            ELSE (SELECT events FROM audit_log WHERE seq = \(first)) END,
          hash = CASE seq WHEN \(first) THEN (SELECT hash FROM audit_log WHERE seq = \(second))
            ELSE (SELECT hash FROM audit_log WHERE seq = \(first)) END
          WHERE seq IN (\(first), \(second))
        """)
    }
    #expect(result.status == 1)
    #expect(result.output.contains("first broken link is event \(first)"), "\(result.output)")
  }

  @Test("a log cut short at its end is found through the head kept outside the store")
  func truncated() throws {
    let result = try Self.tampered { database, _ in
      try database.execute("DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)")
    }
    #expect(result.status == 1)
    #expect(result.output.contains("events were removed"), "\(result.output)")
  }

  @Test("a rehashed chain (every hash recomputed after an edit) is still found by the head")
  func rehashed() throws {
    let result = try Self.tampered { database, links in
      var previous = AuditHead.genesis
      for (index, seq) in links.enumerated() {
        let read = try database.statement("SELECT events FROM audit_log WHERE seq = ?")
        read.bind([.integer(seq)])
        _ = try read.step()
        var text = String(decoding: read.bytes(0), as: UTF8.self)
        read.finish()
        if index == 2 { text = text.replacingOccurrences(of: "\"ok\"", with: "\"error\"") }
        let hash = Store.chainHash(previous: previous, event: Array(text.utf8))
        let update = try database.statement(
          "UPDATE audit_log SET events = ?, hash = ? WHERE seq = ?")
        try update.bind([.text(text), .text(hash), .integer(seq)]).run()
        previous = hash
      }
    }
    #expect(result.status == 1)
    #expect(
      result.output.contains("differs from the head recorded outside the store"), "\(result.output)"
    )
  }

  @Test("restoring an older backup moves the head with it: --check is sound, nothing mistaken")
  func restoreMovesTheHead() throws {
    let data = try Self.clinicWithHistory("audit-restore")
    let backup = data.deletingLastPathComponent().appendingPathComponent(
      "audit-restore-backup-\(UUID().uuidString).db")
    #expect(
      try PortalProcess.run(
        arguments: ["backup", backup.path, "--data-dir", data.path], input: Data()
      ).status == 0)
    let window = try PortalProcess(arguments: ["--data-dir", data.path])
    try window.signIn("frontDesk")
    try window.call("getPatients", id: 1, params: "[]")
    try window.closeInput()
    _ = try window.finish()
    let restored = try PortalProcess.run(
      arguments: ["restore", backup.path, "--data-dir", data.path], input: Data())
    #expect(restored.status == 0, "\(restored.stderr)")
    let check = try PortalProcess.check(data)
    #expect(check.status == 0, "\(check.lines)")
    #expect(check.lines.contains { $0.contains("hash chain intact") })
  }
}
