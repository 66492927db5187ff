import Postgres
import TestSupport
import Testing

/// A stalled server and a restarted one: no call outlives its deadline, and a connection the
/// server ended is reported lost, never reused.
@Suite(.enabled(if: PostgresCluster.testsRun, PostgresCluster.missing))
struct PostgresFaultTests {
  @Test func queryToAStoppedServerTimesOutAtItsDeadline() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let connection = try cluster.connect()
    let sender = try cluster.connect()
    try connection.query("SELECT 1", deadline: .in(seconds: 10))

    try cluster.pause()
    defer { try? cluster.resume() }
    let limit = Duration.milliseconds(500)
    let start = ContinuousClock.now
    #expect(throws: PostgresError.timedOut) {
      try connection.query("SELECT 1", deadline: start + limit)
    }
    let elapsed = ContinuousClock.now - start
    #expect(elapsed >= limit && elapsed < limit + .seconds(2), "took \(elapsed)")
    #expect(!connection.isOpen)
    #expect(throws: PostgresError.connectionLost) {
      try connection.query("SELECT 1", deadline: .in(seconds: 10))
    }

    // A send larger than the socket's buffer (a scanned document) ends at its deadline too.
    let document = String(repeating: "x", count: 8 << 20)
    let sending = ContinuousClock.now
    #expect(throws: PostgresError.timedOut) {
      try sender.query("SELECT length($1)", [document], deadline: sending + limit)
    }
    #expect(ContinuousClock.now - sending < limit + .seconds(2))

    // Connecting to the stopped server ends at its deadline too.
    let connecting = ContinuousClock.now
    #expect(throws: PostgresError.timedOut) {
      try PostgresConnection(
        connectingTo: PostgresConnectionString(cluster.connectionString),
        deadline: connecting + limit)
    }
    #expect(ContinuousClock.now - connecting < limit + .seconds(2))

    try cluster.resume()
    #expect(try cluster.connect().query("SELECT 2", deadline: .in(seconds: 10)).scalar == "2")
  }

  @Test func restartEndsOldConnectionsAndNewOnesWork() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let connection = try cluster.connect()
    let listener = try cluster.connect()
    try listener.listen("portal_changes", deadline: .in(seconds: 10))
    try connection.query("SELECT 1", deadline: .in(seconds: 10))

    try cluster.restart()
    #expect(throws: PostgresError.connectionLost) {
      try connection.query("SELECT 1", deadline: .in(seconds: 10))
    }
    #expect(!connection.isOpen)
    #expect(throws: PostgresError.connectionLost) {
      _ = try listener.waitForNotification(deadline: .in(seconds: 10))
    }
    #expect(!listener.isOpen)
    #expect(try cluster.connect().query("SELECT 3", deadline: .in(seconds: 10)).scalar == "3")
  }
}
