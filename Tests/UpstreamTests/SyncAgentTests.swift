import Postgres
import Synchronization
import TestSupport
import Testing
import Upstream

/// The agent's loop against a real server: NOTIFY wakes it, a hung or restarted server is found
/// and replaced, and the cursor delivers every change once.
@Suite(.enabled(if: PostgresCluster.testsRun, PostgresCluster.missing))
struct SyncAgentTests {
  @Test func connectsMigratesAndIsWokenByNotify() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let probe = AgentProbe()
    // With a 30 s safety poll, only the NOTIFY can bring a change within seconds.
    let agent = try probe.startAgent(cluster.connectionString, pageSize: 500)
    defer { agent.stop() }
    #expect(probe.waitUntilOnline())
    let writer = try cluster.connect()  // the agent created the schema

    var latencies: [Double] = []
    for _ in 0..<20 {
      let sent = ContinuousClock.now
      let seq = try insertChanges(1, on: writer)
      #expect(probe.waitForSeqs(through: seq, seconds: 5))
      if let arrival = probe.arrival(ofSeq: seq) {
        latencies.append(seconds(since: sent) - seconds(since: arrival))
      }
    }
    latencies.sort()
    let median = latencies[latencies.count / 2]
    print(
      "insert-commit to sink: median \(Int(median * 1e6)) µs, max \(Int((latencies.last ?? 0) * 1e6)) µs"
    )
    #expect(median < 1)

    // More than two pages in one transaction: every row, in order, once.
    let last = try insertChanges(1_200, on: writer)
    #expect(probe.waitForSeqs(through: last))
    #expect(probe.delivered.map(\.seq) == Array(1...last))
    #expect(probe.wait(seconds: 5) { _, status in status?.cursor == last })
  }

  @Test func pushNeededWakesTheAgentToPushOverItsConnection() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let probe = AgentProbe()
    let outbox = Outbox()
    // This push writes a change row upstream per entry, so its NOTIFY brings the row back.
    let agent = try probe.startAgent(cluster.connectionString) {
      (connection, deadline) throws(PostgresError) in
      guard outbox.due.withLock({ $0 }) > 0 else { return .nothingToPush }
      try connection.query(
        "INSERT INTO portal.changes (entity_type, entity_id, change, version)"
          + " VALUES ('patient', 'P001', 'updated', 2)", deadline: deadline)
      return .pushed(
        remaining: outbox.due.withLock { due in
          due -= 1
          return due
        })
    }
    defer { agent.stop() }
    #expect(probe.waitUntilOnline())
    #expect(agent.status.lastPushAt == nil)
    outbox.due.withLock { $0 = 3 }
    agent.pushNeeded()
    #expect(probe.waitForSeqs(through: 3, seconds: 5))
    #expect(probe.delivered.map(\.seq) == [1, 2, 3])
    #expect(probe.wait(seconds: 5) { _, status in status?.lastPushAt != nil })
  }

  @Test func aHungServerIsFoundAndLeftAndTheAgentComesBackWithAPull() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let probe = AgentProbe()
    let agent = try probe.startAgent(
      cluster.connectionString, heartbeat: 0.5, callTimeout: 2, connectTimeout: 3)
    defer { agent.stop() }
    #expect(probe.waitUntilOnline())
    let writer = try cluster.connect()
    let before = try insertChanges(3, on: writer)
    #expect(probe.waitForSeqs(through: before))

    // The writer holds the migration lock through the pause, so the agent's next connection
    // waits in its migration, before LISTEN: the rows below reach it only through the pull that
    // starts every reconnect.
    try writer.query(
      "SELECT pg_advisory_lock($1)", [String(UpstreamSchema.migrationLock)],
      deadline: .in(seconds: 5))
    try cluster.pause()
    let paused = ContinuousClock.now
    #expect(probe.waitUntilOffline(seconds: 0.5 + 2 + 3))
    print("paused server found offline after \(Int(seconds(since: paused) * 1000)) ms")
    try cluster.resume()
    let whileAway = try insertChanges(4, on: writer)
    try writer.query(
      "SELECT pg_advisory_unlock($1)", [String(UpstreamSchema.migrationLock)],
      deadline: .in(seconds: 5))
    #expect(probe.waitForSeqs(through: whileAway))
    #expect(probe.delivered.map(\.seq) == Array(1...whileAway))
    #expect(probe.waitUntilOnline())

    // Stopping while a heartbeat waits on the hung server interrupts it: no deadline to wait out.
    try cluster.pause()
    #expect(probe.wait(seconds: 5) { _, status in status?.phase == "heartbeating" })
    let stopping = ContinuousClock.now
    agent.stop()
    let stopSeconds = seconds(since: stopping)
    print("stop() during a heartbeat to a hung server: \(Int(stopSeconds * 1000)) ms")
    #expect(stopSeconds < 0.5)
    #expect(agent.status.phase == "stopped")
    try cluster.resume()
  }

  @Test func aRestartedServerLosesNoChangeAndRepeatsNone() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let probe = AgentProbe()
    let agent = try probe.startAgent(
      cluster.connectionString, heartbeat: 0.5, callTimeout: 1, connectTimeout: 3, pageSize: 7)
    defer { agent.stop() }
    #expect(probe.waitUntilOnline())
    var last = try insertChanges(20, on: try cluster.connect())
    #expect(probe.waitForSeqs(through: last))

    for _ in 0..<3 {
      try cluster.restart()
      let writer = try cluster.connect()
      for _ in 0..<5 { last = try insertChanges(3, on: writer) }
      #expect(probe.waitForSeqs(through: last))
    }
    #expect(probe.delivered.map(\.seq) == Array(1...last))
    #expect(probe.waitUntilOnline())
  }

  @Test func stopWhileConnectingToASocketThatNeverAnswersReturnsPromptly() throws {
    let silent = try SilentSocket()
    let probe = AgentProbe()
    let agent = try probe.startAgent(silent.connectionString, connectTimeout: 30)
    #expect(probe.wait(seconds: 5) { _, status in status?.phase == "connecting" })
    let stopping = ContinuousClock.now
    agent.stop()
    let stopSeconds = seconds(since: stopping)
    print("stop() while connecting: \(Int(stopSeconds * 1000)) ms")
    #expect(stopSeconds < 0.5)
    #expect(agent.status.phase == "stopped")
    #expect(probe.delivered.isEmpty)
  }
}

/// The entries a test's push still has to send.
private final class Outbox: Sendable {
  let due = Mutex(0)
}
