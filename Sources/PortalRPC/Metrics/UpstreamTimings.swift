internal import PortalJSON
internal import Synchronization
internal import Upstream

/// The monitor's upstream section: the calls this process's sync agent makes to PostgreSQL,
/// recorded on the agent's thread and read on the server's, so behind a lock (never taken on
/// the request path).
final class UpstreamTimings: Sendable {
  private let timings = Mutex(NamedTimings())
  /// `--clock fixed`: every duration is kept as 0, as the monitor's own are.
  private let frozen: Bool
  private let recording: Bool

  init(recording: Bool, frozen: Bool) {
    self.recording = recording
    self.frozen = frozen
  }

  /// What the agent and its worker time their calls with; `none` with `--metrics off`.
  var observer: UpstreamCallObserver {
    guard recording else { return .none }
    return UpstreamCallObserver { [self] name, duration, succeeded in
      record(name, duration, succeeded: succeeded)
    }
  }

  func record(_ name: String, _ duration: Duration, succeeded: Bool) {
    let (seconds, attoseconds) = duration.components
    let nanoseconds =
      frozen || seconds < 0
      ? 0 : UInt64(seconds) &* 1_000_000_000 &+ UInt64(attoseconds / 1_000_000_000)
    timings.withLock { $0.record(name, nanoseconds: nanoseconds, failed: !succeeded) }
  }

  /// `{name: {count, errors, p50, p95, p99}}`; empty standalone and in a window whose process
  /// is not the agent.
  var json: JSONValue { timings.withLock { $0.json } }
}
