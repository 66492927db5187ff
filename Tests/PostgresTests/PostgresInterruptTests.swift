import Foundation
import Postgres
import TestSupport
import Testing

/// An owner that stops does not wait out a deadline: once the connection's interrupt descriptor
/// is readable, the call in flight ends at once and the connection is dropped.
@Suite(.enabled(if: PostgresCluster.testsRun, PostgresCluster.missing))
struct PostgresInterruptTests {
  @Test func aCallToAStoppedServerEndsWhenInterrupted() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    var ends: [Int32] = [-1, -1]
    try #require(pipe(&ends) == 0)
    defer { ends.forEach { close($0) } }
    let connection = try PostgresConnection(
      connectingTo: PostgresConnectionString(cluster.connectionString),
      deadline: .in(seconds: 10), interruptingOn: ends[0])
    try connection.query("SELECT 1", deadline: .in(seconds: 10))

    try cluster.pause()
    defer { try? cluster.resume() }
    var byte: UInt8 = 1
    try #require(write(ends[1], &byte, 1) == 1)
    let start = ContinuousClock.now
    #expect(throws: PostgresError.interrupted) {
      try connection.query("SELECT 1", deadline: .in(seconds: 30))
    }
    #expect(ContinuousClock.now - start < .seconds(1))
    #expect(!connection.isOpen)

    // Connecting ends the same way.
    #expect(throws: PostgresError.interrupted) {
      try PostgresConnection(
        connectingTo: PostgresConnectionString(cluster.connectionString),
        deadline: .in(seconds: 30), interruptingOn: ends[0])
    }
    #expect(ContinuousClock.now - start < .seconds(2))
  }
}
