import Foundation
import Glibc
import PortalJSON
import Postgres
import TestSupport
import Testing

/// Several workstations, each its own data directory and process, replicas of one throwaway
/// PostgreSQL: what one writes reaches the others, refusals roll back, ids never collide.
@Suite("A clinic of replicas", .enabled(if: PostgresCluster.testsRun, PostgresCluster.missing))
struct ClinicTests {
  /// A workstation: a process serving its own data directory as a replica, initialized and
  /// subscribed to every change.
  final class Workstation {
    let process: PortalProcess
    let directory: URL
    private var nextID = 100

    init(_ name: String, upstream: String, root: URL, extra: [String] = []) throws {
      directory = root.appendingPathComponent(name)
      process = try PortalProcess(
        arguments: ["--data-dir", directory.path, "--upstream", upstream, "--client-name", name]
          + extra)
      try process.call("initialize", id: 0, params: "{}")
      try process.call("subscribeToUpdates", id: 1, params: #"["*"]"#)
    }

    /// Calls `method` and returns its `result` (or throws with its error).
    @discardableResult
    func call(_ method: String, _ params: String? = nil) throws -> JSONValue {
      nextID += 1
      let line = try process.call(method, id: nextID, params: params)
      let response = try JSONParser.parse(line)
      if let error = response["error"] { throw CallFailed(error: error) }
      return response["result"] ?? .null
    }

    func status() throws -> JSONValue { try call("getSyncStatus") }

    /// Waits until the agent is online and has leased ids (an add can be answered).
    func awaitReady() throws {
      try awaitCondition(seconds: 30) {
        (try status()["online"]) == true
      }
    }

    /// Waits until nothing waits in the outbox.
    func awaitDrained() throws {
      try awaitCondition(seconds: 30) { (try status()["queueDepth"]) == 0 }
    }

    deinit { process.process.terminate() }
  }

  struct CallFailed: Error {
    let error: JSONValue
  }

  static let patient = ManyWindowsTests.patient

  @Test("a write on one workstation reaches the others, as origin upstream, and stores match")
  func writesPropagate() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let root = try temporaryDirectory("clinic")
    let a = try Workstation("front-desk", upstream: cluster.connectionString, root: root)
    let b = try Workstation("exam-room", upstream: cluster.connectionString, root: root)
    let c = try Workstation("billing", upstream: cluster.connectionString, root: root)
    for workstation in [a, b, c] { try workstation.awaitReady() }

    let added = try a.call("addPatient", "[\(Self.patient)]")
    let id = try #require(added["id"]?.stringValue)
    #expect(added["meta"]?["syncState"] == "pending")
    // Once PostgreSQL applied it and the replica pulled it back, it is synced.
    try awaitCondition(seconds: 20) {
      try a.call("getPatient", "[\"\(id)\"]")["meta"]?["syncState"] == "synced"
    }
    let confirmed = try a.call("getPatient", "[\"\(id)\"]")
    // A's own window hears that its write is synced now, though PostgreSQL's record came back
    // byte for byte as A stored it.
    try a.process.waitUntil(timeout: 20) { lines in
      lines.contains { line in
        guard line.contains("dataSync/changed"), let params = try? JSONParser.parse(line)["params"]
        else { return false }
        return params["entityId"] == .string(id) && params["cause"]?["origin"] == "upstream"
          && params["entity"]?["meta"]?["syncState"] == "synced"
      }
    }
    for other in [b, c] {
      let line = try other.process.waitForLine(timeout: 20) {
        $0.contains("dataSync/changed") && $0.contains("\"\(id)\"")
      }
      let params = try JSONParser.parse(line)["params"]
      #expect(params?["cause"]?["origin"] == "upstream")
      #expect(params?["entity"]?["meta"]?["syncState"] == "synced")
      #expect(try other.call("getPatient", "[\"\(id)\"]") == confirmed)
    }
    // A rename on B reaches A and C, with every copy.
    _ = try b.call("syncPatientData", #"["\#(id)",{"name":"Jo Upstream"}]"#)
    for other in [a, c] {
      try awaitCondition(seconds: 20) {
        (try other.call("getPatient", "[\"\(id)\"]"))["name"] == "Jo Upstream"
      }
    }
    for workstation in [a, b, c] { try workstation.awaitDrained() }
    // Once B has pulled its own rename back, all three hold the same records, all synced.
    let everyone = #"[{"limit":1000}]"#
    try awaitCondition(seconds: 20) {
      let digest = try a.call("getPatients", everyone)
      return try b.call("getPatients", everyone) == digest
        && c.call("getPatients", everyone) == digest
        && !String(decoding: digest.encoded, as: UTF8.self).contains(#""pending""#)
    }

    // --check compares each replica's confirmed state with PostgreSQL's.
    for workstation in [a, b, c] {
      try workstation.process.closeInput()
      #expect(try workstation.process.finish().status == 0)
      let check = try PortalProcess.run(
        arguments: [
          "--check", "--data-dir", workstation.directory.path, "--upstream",
          cluster.connectionString,
        ], input: Data())
      #expect(check.status == 0, "\(check.lines) \(check.stderr)")
      #expect(check.lines.contains { $0.contains("equals PostgreSQL's") }, "\(check.lines)")
    }
    // A difference is found: PostgreSQL's copy changed behind the replicas' backs.
    let connection = try cluster.connect()
    try connection.query(
      "UPDATE portal.records SET version = version + 1 WHERE kind = 'patient'",
      deadline: .in(seconds: 10))
    let check = try PortalProcess.run(
      arguments: [
        "--check", "--data-dir", a.directory.path, "--upstream", cluster.connectionString,
      ],
      input: Data())
    #expect(check.status == 1)
    #expect(check.lines.contains { $0.contains("patients differ from PostgreSQL's") })
  }

  @Test("ids made on two workstations never collide, and both sets reach PostgreSQL")
  func idsNeverCollide() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let root = try temporaryDirectory("clinic-ids")
    let a = try Workstation("a", upstream: cluster.connectionString, root: root)
    let b = try Workstation("b", upstream: cluster.connectionString, root: root)
    try a.awaitReady()
    try b.awaitReady()
    // Both have leased ids; now PostgreSQL goes away and both keep adding.
    try awaitCondition(seconds: 30) {
      (try? a.call("addPatient", "[\(Self.patient)]")) != nil
    }
    try awaitCondition(seconds: 30) {
      (try? b.call("addPatient", "[\(Self.patient)]")) != nil
    }
    try cluster.pause()
    var ids: Set<String> = []
    for _ in 0..<5 {
      for workstation in [a, b] {
        let added = try workstation.call("addPatient", "[\(Self.patient)]")
        let id = added["id"]?.stringValue ?? ""
        #expect(ids.insert(id).inserted)
      }
    }
    try cluster.resume()
    try a.awaitDrained()
    try b.awaitDrained()
    let connection = try cluster.connect()
    let count = try connection.query(
      "SELECT count(*) FROM portal.records WHERE kind = 'patient'", deadline: .in(seconds: 10)
    ).scalar
    #expect(count == "12")
  }

  @Test(
    "a stale expectedVersion is rejected: rolled back, sync/rejected, listed until discarded, and the writes behind it go through"
  )
  func rejection() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let root = try temporaryDirectory("clinic-reject")
    let a = try Workstation("a", upstream: cluster.connectionString, root: root)
    let first = try Workstation("b", upstream: cluster.connectionString, root: root)
    try a.awaitReady()
    try first.awaitReady()
    let id = try #require(try a.call("addPatient", "[\(Self.patient)]")["id"]?.stringValue)
    try a.awaitDrained()
    try awaitCondition(seconds: 20) { (try? first.call("getPatient", "[\"\(id)\"]")) != nil }

    // B writes while PostgreSQL is frozen: an edit based on version 1, and one without a
    // version. Then B's process is killed (its outbox is on disk), and A renames the patient.
    try cluster.pause()
    _ = try first.call("syncPatientData", #"["\#(id)",{"email":"b@example.com"},1]"#)
    _ = try first.call("syncPatientData", #"["\#(id)",{"phone":"(555) 000-7777"}]"#)
    kill(first.process.process.processIdentifier, SIGKILL)
    try cluster.resume()
    try a.awaitReady()
    _ = try a.call("syncPatientData", #"["\#(id)",{"name":"Renamed Elsewhere"}]"#)
    try a.awaitDrained()
    let b = try Workstation("b", upstream: cluster.connectionString, root: root)
    // B was offline: A's rename is already upstream when B pushes its stale edit.
    try awaitCondition(seconds: 30) { (try b.status()["rejected"]) == 1 }
    try b.process.waitUntil(timeout: 20) {
      $0.contains { $0.contains("\"method\":\"sync/rejected\"") }
    }
    try b.awaitDrained()
    try awaitCondition(seconds: 20) {
      let now = try b.call("getPatient", "[\"\(id)\"]")
      return now["name"] == "Renamed Elsewhere" && now["phone"] == "(555) 000-7777"
        && now["email"] != "b@example.com"
    }
    let queue = try b.call("getSyncQueue")
    let entry = try #require(queue["items"]?.arrayValue?.first)
    #expect(entry["state"] == "rejected" && entry["error"]?["code"] == -32003)
    let mutation = try #require(entry["mutationId"]?.stringValue)
    _ = try b.call("discardSyncOperation", "[\"\(mutation)\"]")
    #expect(try b.call("getSyncQueue")["total"] == 0)
    #expect(try b.status()["rejected"] == 0)
  }
}

/// Polls `condition` every 20 ms until it holds; fails the test at the deadline.
func awaitCondition(
  seconds: Double, sourceLocation: SourceLocation = #_sourceLocation,
  _ condition: () throws -> Bool
) throws {
  let deadline = ContinuousClock.now + .seconds(seconds)
  while ContinuousClock.now < deadline {
    if (try? condition()) == true { return }
    usleep(20_000)
  }
  Issue.record("not true within \(seconds) s", sourceLocation: sourceLocation)
  throw ConditionTimeout()
}

struct ConditionTimeout: Error {}

/// The methods that wait for PostgreSQL, and writes that may not queue.
@Suite("Waiting for the upstream", .enabled(if: PostgresCluster.testsRun, PostgresCluster.missing))
struct UpstreamWaitTests {
  typealias Workstation = ClinicTests.Workstation

  @Test(
    "syncPatientDataWithAPI answers the confirmed record; unreachable, -32006 with the change queued"
  )
  func withAPI() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let root = try temporaryDirectory("clinic-api")
    let a = try Workstation(
      "a", upstream: cluster.connectionString, root: root,
      extra: ["--retry-attempts", "2", "--retry-base-ms", "100", "--retry-cap-ms", "200"])
    try a.awaitReady()
    let id = try #require(try a.call("addPatient", "[\(ClinicTests.patient)]")["id"]?.stringValue)
    let confirmed = try a.call("syncPatientDataWithAPI", #"["\#(id)",{"name":"Confirmed Name"}]"#)
    #expect(confirmed["name"] == "Confirmed Name")
    // By the time it answers, PostgreSQL has it.
    let connection = try cluster.connect()
    let upstream = try connection.query(
      "SELECT doc::text FROM portal.records WHERE kind = 'patient'", deadline: .in(seconds: 5)
    ).scalar
    #expect(upstream?.contains("Confirmed Name") == true)
    #expect(try a.call("processSyncQueue") == ["pushed": 0, "rejected": 0, "remaining": 0])

    cluster.stop()
    try awaitCondition(seconds: 20) { (try a.status()["online"]) == false }
    do {
      _ = try a.call("syncPatientDataWithAPI", #"["\#(id)",{"name":"Queued Name"}]"#)
      Issue.record("answered while the upstream was down")
    } catch let failure as ClinicTests.CallFailed {
      #expect(failure.error["code"] == -32006)
      #expect(failure.error["data"]?["queued"] == true)
      #expect(failure.error["data"]?["mutationId"]?.stringValue != nil)
    }
    #expect(try a.call("getPatient", "[\"\(id)\"]")["name"] == "Queued Name")
    #expect(try a.status()["queueDepth"] == 1)
    do {
      _ = try a.call("processSyncQueue")
      Issue.record("processSyncQueue answered while the upstream was down")
    } catch let failure as ClinicTests.CallFailed {
      #expect(failure.error["code"] == -32006)
    }
  }

  @Test("--offline off: while the upstream is down a write is refused with -32006, nothing queued")
  func offlineOff() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let root = try temporaryDirectory("clinic-offline")
    let a = try Workstation(
      "a", upstream: cluster.connectionString, root: root, extra: ["--offline", "off"])
    try a.awaitReady()
    let id = try #require(try a.call("addPatient", "[\(ClinicTests.patient)]")["id"]?.stringValue)
    cluster.stop()
    try awaitCondition(seconds: 20) { (try a.status()["online"]) == false }
    do {
      _ = try a.call("syncPatientData", #"["\#(id)",{"name":"Not Queued"}]"#)
      Issue.record("a write was queued with --offline off")
    } catch let failure as ClinicTests.CallFailed {
      #expect(failure.error["code"] == -32006)
      #expect(failure.error["data"]?["queued"] == false)
    }
    #expect(try a.call("getPatient", "[\"\(id)\"]")["name"] != "Not Queued")
  }
}

/// A new workstation joining a clinic that has data.
@Suite("Joining a clinic", .enabled(if: PostgresCluster.testsRun, PostgresCluster.missing))
struct JoiningTests {
  typealias Workstation = ClinicTests.Workstation

  @Test("an empty workstation downloads the clinic, telling sync/progress, and matches it")
  func download() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let root = try temporaryDirectory("clinic-join")
    let a = try Workstation("a", upstream: cluster.connectionString, root: root)
    try a.awaitReady()
    let operations = (0..<150).map { _ in
      #"{"method":"addPatient","params":[\#(ClinicTests.patient)]}"#
    }
    _ = try a.call("transaction", "[[\(operations.joined(separator: ","))]]")
    try a.awaitDrained()
    let b = try Workstation("b", upstream: cluster.connectionString, root: root)
    try b.awaitReady()
    let isEnd = { (line: String) in
      line.contains("\"method\":\"sync/progress\"") && line.contains("\"done\":150")
    }
    let lines = try b.process.waitUntil(timeout: 30) { $0.contains(where: isEnd) }
    let params = try JSONParser.parse(try #require(lines.first(where: isEnd)))["params"]
    #expect(params?["phase"] == "download" && params?["total"] == 150)
    let everyone = #"[{"limit":1000}]"#
    #expect(try b.call("getPatients", everyone) == a.call("getPatients", everyone))
  }

  @Test("a store with data uploads into an empty upstream; data on both sides is refused (exit 3)")
  func uploadAndRefusal() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let root = try temporaryDirectory("clinic-upload")
    let first = root.appendingPathComponent("first")
    #expect(
      try PortalProcess.run(arguments: ["--data-dir", first.path, "--demo"], input: Data()).status
        == 0)
    let a = try Workstation("first", upstream: cluster.connectionString, root: root)
    try a.awaitReady()
    let b = try Workstation("second", upstream: cluster.connectionString, root: root)
    try b.awaitReady()
    try awaitCondition(seconds: 30) {
      try b.call("getPatients", #"[{"limit":1000}]"#)["total"]
        == a.call("getPatients", #"[{"limit":1000}]"#)["total"]
    }
    let other = root.appendingPathComponent("other")
    #expect(
      try PortalProcess.run(arguments: ["--data-dir", other.path, "--demo"], input: Data()).status
        == 0)
    let refused = try PortalProcess.run(
      arguments: ["--data-dir", other.path, "--upstream", cluster.connectionString],
      input: Data())
    #expect(refused.status == 3)
    #expect(refused.stderr.split(separator: "\n").count == 1)
    #expect(refused.stderr.contains("not merged"))

    // A replica's data directory is never served without its upstream.
    try b.process.closeInput()
    _ = try b.process.finish()
    let alone = try PortalProcess.run(arguments: ["--data-dir", b.directory.path], input: Data())
    #expect(alone.status == 3)
    #expect(alone.stderr.contains("serve it with --upstream"))
  }
}
