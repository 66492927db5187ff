import Foundation
import Postgres
import TestSupport
import Upstream

/// Records what a running agent hands over (pages and statuses), so a test waits on a condition
/// with a bounded deadline instead of sleeping. Its state is guarded by `condition`.
final class AgentProbe: @unchecked Sendable {
  private let condition = NSCondition()
  private var changes: [UpstreamChange] = []
  private var status: SyncStatus?
  private var arrivals: [ContinuousClock.Instant] = []

  func take(_ page: [UpstreamChange]) {
    condition.lock()
    changes += page
    arrivals += page.map { _ in .now }
    condition.broadcast()
    condition.unlock()
  }

  func record(_ new: SyncStatus) {
    condition.lock()
    status = new
    condition.broadcast()
    condition.unlock()
  }

  var delivered: [UpstreamChange] { locked { changes } }
  var lastStatus: SyncStatus? { locked { status } }

  /// When the change with `seq` reached the sink.
  func arrival(ofSeq seq: Int64) -> ContinuousClock.Instant? {
    locked { changes.firstIndex { $0.seq == seq }.map { arrivals[$0] } }
  }

  /// Waits until `holds` is true of what was delivered and the last status; false after `seconds`.
  func wait(
    seconds: Double, until holds: (_ changes: [UpstreamChange], _ status: SyncStatus?) -> Bool
  ) -> Bool {
    let deadline = Date(timeIntervalSinceNow: seconds)
    condition.lock()
    defer { condition.unlock() }
    while !holds(changes, status) {
      if !condition.wait(until: deadline) { return holds(changes, status) }
    }
    return true
  }

  func waitUntilOnline(seconds: Double = 15) -> Bool {
    wait(seconds: seconds) { _, status in status?.phase == "ready" }
  }

  func waitUntilOffline(seconds: Double) -> Bool {
    wait(seconds: seconds) { _, status in status?.online == false }
  }

  func waitForSeqs(through last: Int64, seconds: Double = 15) -> Bool {
    wait(seconds: seconds) { changes, _ in (changes.last?.seq ?? 0) >= last }
  }

  private func locked<T>(_ body: () -> T) -> T {
    condition.lock()
    defer { condition.unlock() }
    return body()
  }
}

extension AgentProbe {
  /// An agent on `connectionString` whose pages and statuses this probe records.
  func startAgent(
    _ connectionString: String, heartbeat: Double = 30, safetyPoll: Double = 30,
    callTimeout: Double = 5, connectTimeout: Double = 5, pageSize: Int = 500,
    push: @escaping SyncAgent.Push = { _, _ in .nothingToPush }
  ) throws -> SyncAgent {
    let configuration = SyncAgent.Configuration(
      connectionString: try PostgresConnectionString(connectionString),
      connectTimeout: .seconds(connectTimeout), callTimeout: .seconds(callTimeout),
      heartbeatInterval: .seconds(heartbeat), safetyPollInterval: .seconds(safetyPoll),
      pageSize: pageSize, backoff: Backoff(baseMilliseconds: 200, capMilliseconds: 1_000))
    return try SyncAgent(
      configuration: configuration, sink: { [self] in take($0) }, push: push,
      statusChanged: { [self] in record($0) })
  }
}

/// Inserts `count` change rows in one transaction (one NOTIFY) and returns the last `seq`.
@discardableResult
func insertChanges(_ count: Int, on connection: PostgresConnection) throws -> Int64 {
  let rows = try connection.query(
    """
    INSERT INTO portal.changes (entity_type, entity_id, change, version)
      SELECT 'patient', 'P' || g, 'created', 1 FROM generate_series(1, $1::int) AS g
      RETURNING seq
    """, [String(count)], deadline: .in(seconds: 10))
  return rows.rows.compactMap { $0[0].flatMap { Int64($0) } }.max() ?? 0
}

/// Seconds from `start` to now.
func seconds(since start: ContinuousClock.Instant) -> Double {
  let (whole, attoseconds) = (ContinuousClock.now - start).components
  return Double(whole) + Double(attoseconds) / 1e18
}
