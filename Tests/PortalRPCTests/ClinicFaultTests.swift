import Foundation
import Glibc
import PortalJSON
import Postgres
import TestSupport
import Testing

/// A replica's bad days, through the real executable and a throwaway PostgreSQL: the server
/// restarted or frozen under load, the agent killed while it pushes, a window closed with writes
/// waiting. Every wait has a deadline; every answered write reaches PostgreSQL exactly once.
@Suite(
  "A clinic's bad days", .serialized,
  .enabled(if: PostgresCluster.testsRun, PostgresCluster.missing))
struct ClinicFaultTests {
  @Test("PostgreSQL restarted mid-push with hundreds queued: nothing hangs, each write once")
  func restartMidPush() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let upstream = UpstreamView(cluster: cluster)
    let root = try temporaryDirectory("clinic-restart")
    let desk = try Workstation(
      "desk", upstream: cluster.connectionString, root: root, extra: quickRetry)
    try desk.awaitReady()
    var ids = [try desk.addPatientWhenLeased("Before")]
    var writes = 1
    try desk.awaitDrained()

    // The writes pile up while the server is frozen, then it comes back and, once the agent
    // is pushing them, is restarted under it.
    try cluster.pause()
    for index in 0..<240 {
      let added = try desk.call("addPatient", "[\(patientJSON(named: "Queued \(index)"))]")
      ids.append(try #require(added["id"]?.stringValue))
      writes += 1
      if index % 4 == 3 {
        _ = try desk.call(
          "syncPatientData", #"["\#(ids[index])",{"phone":"(555) 010-0\#(index % 10)00"}]"#)
        writes += 1
      }
    }
    #expect(try desk.status()["queueDepth"]?.int64Value == Int64(writes - 1))
    try cluster.resume()
    var applied = 0
    try awaitCondition(seconds: 30) {
      applied = try upstream.integer("SELECT count(*) FROM portal.applied_mutations")
      return applied >= 20
    }
    try cluster.restart()
    print("restarted PostgreSQL with \(writes - applied) of \(writes) writes still to push")
    try desk.awaitCaughtUp(to: upstream.lastSequence(), seconds: 60)
    try desk.awaitCaughtUp(to: upstream.lastSequence())

    let stored = try upstream.rows(
      "SELECT doc ->> 'id' FROM portal.records WHERE kind = 'patient' ORDER BY id")
    #expect(stored.map { $0[0] ?? "" } == ids)
    let client = try #require(try upstream.client(creating: ids[0]))
    try upstream.expectExactlyOnce(client: client, writes: writes)
    try upstream.expectNoRecordCreatedTwice()
    #expect(try desk.close() == 0)
  }

  @Test("PostgreSQL frozen (SIGSTOP): every call answers within a second, offline, then drains")
  func frozenServer() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let upstream = UpstreamView(cluster: cluster)
    let root = try temporaryDirectory("clinic-frozen")
    let desk = try Workstation(
      "desk", upstream: cluster.connectionString, root: root, extra: quickRetry)
    try desk.awaitReady()
    let first = try desk.addPatientWhenLeased("First")
    try desk.awaitDrained()

    try cluster.pause()
    var slowest = Duration.zero
    var writes = 1
    func timed(_ method: String, _ params: String? = nil) throws -> JSONValue {
      let (result, took) = try desk.timedCall(method, params)
      slowest = max(slowest, took)
      #expect(took < .seconds(1), "\(method) took \(took)")
      return result
    }
    // Each round reads and writes locally while the agent is stuck on the frozen server, until
    // it finds the server gone.
    var round = 0
    try awaitCondition(seconds: 40) {
      round += 1
      _ = try timed("getPatient", "[\"\(first)\"]")
      _ = try timed("getPatients", #"[{"limit":1000}]"#)
      _ = try timed("syncPatientData", #"["\#(first)",{"address":"\#(round) Frozen St"}]"#)
      _ = try timed("addPatient", "[\(patientJSON(named: "Frozen \(round)"))]")
      writes += 2
      let status = try timed("getSyncStatus")
      return status["online"] == false
    }
    #expect(try desk.call("isOnline") == false)
    #expect(try desk.status()["queueDepth"]?.int64Value ?? 0 > 0)

    try cluster.resume()
    try desk.awaitReady()
    try desk.awaitCaughtUp(to: upstream.lastSequence())
    #expect(
      try upstream.integer("SELECT count(*) FROM portal.records WHERE kind = 'patient'")
        == 1 + round)
    let stored = try upstream.rows(
      "SELECT doc ->> 'address' FROM portal.records WHERE kind = 'patient' AND doc ->> 'id' = $1",
      [first])
    #expect(stored.first?.first == "\(round) Frozen St")
    try upstream.expectExactlyOnce(
      client: try #require(try upstream.client(creating: first)), writes: writes)
    print("frozen server: \(round) rounds, slowest call \(slowest)")
    #expect(try desk.close() == 0)
  }

  @Test("the agent SIGKILLed at random instants while it pushes: each write arrives once")
  func agentKilledWhilePushing() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let upstream = UpstreamView(cluster: cluster)
    let root = try temporaryDirectory("clinic-kill")
    var random = SeededGenerator(
      environment: "PORTAL_CLINIC_SEED", fallback: UInt64.random(in: 1...UInt64.max))
    print("agent kills: seed \(random.seed) (PORTAL_CLINIC_SEED replays it)")
    let upstreamURL = cluster.connectionString
    var agent = try Workstation("desk", upstream: upstreamURL, root: root, extra: quickRetry)
    try agent.awaitReady()
    var writer = try Workstation("desk", upstream: upstreamURL, root: root, extra: quickRetry)
    #expect(try agent.status()["agent"] == true && writer.status()["agent"] == false)

    var ids = [try writer.addPatientWhenLeased("Before")]
    var writes = 1
    for round in 0..<5 {
      for index in 0..<30 {
        let name = "Round \(round) \(index)"
        let added = try writer.call("addPatient", "[\(patientJSON(named: name))]")
        ids.append(try #require(added["id"]?.stringValue))
        writes += 1
        if index % 3 == 0 {
          _ = try writer.call(
            "syncPatientData", #"["\#(ids.last!)",{"address":"\#(round) Kill St"}]"#)
          writes += 1
        }
      }
      // The agent pushes what the writer queued; it dies at a random instant of that.
      usleep(UInt32.random(in: 0...200_000, using: &random))
      agent.killHard()
      try awaitCondition(seconds: 5) { try writer.status()["agent"] == true }
      agent = writer
      writer = try Workstation("desk", upstream: upstreamURL, root: root, extra: quickRetry)
    }
    try writer.awaitCaughtUp(to: upstream.lastSequence(), seconds: 60)
    try writer.awaitCaughtUp(to: upstream.lastSequence())

    let stored = try upstream.rows(
      "SELECT doc ->> 'id' FROM portal.records WHERE kind = 'patient' ORDER BY id")
    let missing = Set(ids).subtracting(stored.map { $0[0] ?? "" })
    let extra = Set(stored.map { $0[0] ?? "" }).subtracting(ids)
    #expect(
      missing.isEmpty && extra.isEmpty, "missing \(missing.sorted()), extra \(extra.sorted())")
    for id in missing.union(extra) {
      print(
        id,
        try upstream.rows(
          "SELECT seq, change, version, client_id, mutation_id, body::text FROM portal.changes WHERE entity_type = 'patient' AND entity_id = $1",
          [id]))
    }
    try upstream.expectExactlyOnce(
      client: try #require(try upstream.client(creating: ids[0])), writes: writes)
    try upstream.expectNoRecordCreatedTwice()
    #expect(try writer.close() == 0)
    #expect(try agent.close() == 0)
  }

  @Test("the agent's window closes with writes waiting: another window pushes them")
  func takeoverWhenTheAgentCloses() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let upstream = UpstreamView(cluster: cluster)
    let root = try temporaryDirectory("clinic-takeover")
    let first = try Workstation(
      "desk", upstream: cluster.connectionString, root: root, extra: quickRetry)
    try first.awaitReady()
    let second = try Workstation(
      "desk", upstream: cluster.connectionString, root: root, extra: quickRetry)
    #expect(try first.status()["agent"] == true && second.status()["agent"] == false)
    var ids = [try first.addPatientWhenLeased("Before")]
    try first.awaitDrained()

    // The agent cannot push while the server is frozen; its window closes with 12 writes
    // waiting in the outbox.
    try cluster.pause()
    for index in 0..<12 {
      let added = try first.call("addPatient", "[\(patientJSON(named: "Waiting \(index)"))]")
      ids.append(try #require(added["id"]?.stringValue))
    }
    #expect(try first.status()["queueDepth"] == 12)
    #expect(try first.close() == 0)
    try awaitCondition(seconds: 5) { try second.status()["agent"] == true }
    #expect(try second.status()["queueDepth"] == 12)
    try cluster.resume()
    try second.awaitCaughtUp(to: upstream.lastSequence())

    let stored = try upstream.rows(
      "SELECT doc ->> 'id' FROM portal.records WHERE kind = 'patient' ORDER BY id")
    #expect(stored.map { $0[0] ?? "" } == ids)
    try upstream.expectExactlyOnce(
      client: try #require(try upstream.client(creating: ids[0])), writes: 13)
    #expect(try second.close() == 0)
  }
}
