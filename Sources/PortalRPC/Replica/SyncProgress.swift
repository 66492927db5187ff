internal import PortalJSON
internal import Synchronization

/// Long work of the agent, as `sync/progress` tells it: a new workstation's download, or a push
/// of many queued writes. The agent's worker reports; the replica publishes the last report with
/// the agent's status (so every window of the directory can tell its client) and wakes the
/// server's loop, which tells the client (at most one every 250 ms, and always the end).
final class SyncProgress: Sendable {
  private let last = Mutex<JSONValue?>(nil)
  /// Set by the replica: publishes a change (called on the agent's thread).
  let publish = Mutex<(@Sendable () -> Void)?>(nil)

  /// Work shorter than this is not reported.
  static let threshold = 100

  /// The last report, `{phase, done, total}`.
  var value: JSONValue? { last.withLock { $0 } }

  func report(_ phase: String, done: Int, total: Int) {
    guard total >= Self.threshold else { return }
    let value: JSONValue = [
      "phase": .string(phase), "done": JSONValue(min(done, total)), "total": JSONValue(total),
    ]
    let changed = last.withLock { stored in
      defer { stored = value }
      return stored != value
    }
    if changed { publish.withLock { $0 }?() }
  }
}
