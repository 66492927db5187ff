import Foundation
import PortalJSON
import Postgres
import TestSupport
import Testing

@testable import Storage

/// Staff and the audit log across a clinic: an account made on one workstation signs in on
/// another, offline too; disabling it there ends its sessions here; every workstation's audit
/// events reach PostgreSQL's append-only table with their chain's head.
@Suite("Staff across a clinic", .enabled(if: PostgresCluster.testsRun, PostgresCluster.missing))
struct ClinicStaffTests {
  static func localStaff(_ directory: URL, _ username: String) throws -> Int64 {
    let database = try Database(path: directory.appendingPathComponent(Store.fileName).path)
    let statement = try database.statement(
      "SELECT count(*) FROM staff WHERE username = ? AND disabled = 0")
    statement.bind([.text(username)])
    defer { statement.finish() }
    return try statement.step() ? statement.int64(0) : 0
  }

  @Test(
    "an account made on A signs in on B, is revoked there when disabled on A, and audits upstream")
  func staffAndAuditReplicate() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let upstream = UpstreamView(cluster: cluster)
    let root = try temporaryDirectory("clinic-staff")
    let a = try ClinicTests.Workstation("desk-a", upstream: cluster.connectionString, root: root)
    let b = try ClinicTests.Workstation("desk-b", upstream: cluster.connectionString, root: root)
    for workstation in [a, b] { try workstation.awaitReady() }

    try Staff.add("admin", role: "admin", data: a.directory)
    try Staff.add("doctor", role: "doctor", data: a.directory)
    try awaitCondition(seconds: 20) {
      try upstream.integer("SELECT count(*) FROM portal.staff") == 2
    }
    // B takes both accounts: the doctor signs in there, with the password set on A.
    try awaitCondition(seconds: 20) { try Self.localStaff(b.directory, "doctor") == 1 }
    try b.process.login("doctor", id: 10)
    _ = try b.call("getPatients", "[]")
    #expect(
      try upstream.rows("SELECT password_hash FROM portal.staff").allSatisfy {
        $0[0]?.hasPrefix("$argon2id$") == true
      })

    // Disabled on A: B's session ends by itself.
    let disabled = try Staff.users(["disable", "doctor"], data: a.directory)
    #expect(disabled.status == 0, "\(disabled.stderr)")
    _ = try b.process.waitForLine(timeout: 30) {
      $0.contains(#""method":"auth/expired""#) && $0.contains(#""reason":"revoked""#)
    }
    let refused = try JSONParser.parse(try b.process.call("getPatients", id: 20, params: "[]"))
    #expect(refused["error"]?["code"]?.int64Value == -32010)

    // Both workstations' audit events reach PostgreSQL, each chain with its head.
    try b.process.login("admin", id: 30)
    _ = try b.call("getPatients", "[]")
    let aWindow = try PortalProcess(arguments: [
      "--data-dir", a.directory.path, "--upstream", cluster.connectionString,
    ])
    try aWindow.signIn("admin")
    try aWindow.call("getPatients", id: 1, params: "[]")
    for directory in [a.directory, b.directory] {
      try awaitCondition(seconds: 30) {
        guard let head = AuditHeadFile.read(directory.path) else { return false }
        let rows = try upstream.rows(
          """
          SELECT h.seq, h.hash, (SELECT max(last_seq) FROM portal.audit_log l WHERE l.client_id = h.client_id)
            FROM portal.audit_heads h JOIN portal.clients c USING (client_id) WHERE c.name = $1
          """, [directory.lastPathComponent])
        return rows.first.map {
          $0[0] == String(head.seq) && $0[1] == head.hash && $0[2] == String(head.seq)
        }
          ?? false
      }
    }
    let tamper = try? upstream.rows("UPDATE portal.audit_log SET events = 'x' WHERE seq = 1")
    #expect(tamper == nil, "PostgreSQL's audit log took an update")
    let delete = try? upstream.rows("DELETE FROM portal.audit_log")
    #expect(delete == nil, "PostgreSQL's audit log took a delete")

    // --check compares the local chain with the copy PostgreSQL received.
    let check = try PortalProcess.run(
      arguments: [
        "--check", "--data-dir", a.directory.path, "--upstream", cluster.connectionString,
      ], input: Data())
    #expect(check.status == 0, "\(check.lines) \(check.stderr)")
    #expect(check.lines.contains { $0.hasPrefix("audit log upstream:") && $0.contains("match") })

    // Offline, B still signs people in from its own copy of the accounts.
    cluster.stop()
    try b.process.call("logout", id: 40)
    try b.process.login("admin", id: 41)
    #expect(try b.call("getPatients", "[]")["items"] != nil)
    try aWindow.closeInput()
    _ = try aWindow.finish()
  }
}
