internal import Dispatch
internal import Foundation
public import Postgres
internal import Synchronization

/// The sync agent: one thread of its own owns the PostgreSQL connection and performs
/// `SyncAgentState`'s actions with it; any thread may read `status`, ask for a push, or stop it.
public final class SyncAgent: Sendable {
  private let shared: SyncAgentShared
  private let finished = DispatchSemaphore(value: 0)

  /// Starts the agent's thread, which connects at once.
  /// - Parameters:
  ///   - sink: takes each pulled page; the cursor moves past a page once the sink returns.
  ///   - push: pushes the outbox's head; by default there is never anything to push.
  ///   - statusChanged: called on the agent's thread with each new status (for `sync/status`).
  public init(
    configuration: Configuration, sink: @escaping Sink,
    push: @escaping Push = { _, _ in .nothingToPush },
    statusChanged: @escaping @Sendable (SyncStatus) -> Void = { _ in }
  ) throws(SyncAgentError) {
    let initial = SyncAgentState(cursor: configuration.cursor, backoff: configuration.backoff)
    let shared = try SyncAgentShared(status: initial.status, statusChanged: statusChanged)
    self.shared = shared
    let finished = finished
    let thread = Thread {
      SyncAgentDriver(configuration: configuration, sink: sink, push: push, shared: shared).run()
      finished.signal()
    }
    thread.name = "portal-sync-agent"
    thread.start()
  }

  deinit { shared.wake.request { $0.stop = true } }

  /// The agent's part of `getSyncStatus`, as of its last event.
  public var status: SyncStatus { shared.status.withLock { $0 } }

  /// A local write is in the outbox: push it now (or as soon as the connection allows).
  public func pushNeeded() {
    shared.wake.request { $0.push = true }
  }

  /// Stops the agent and waits for its thread to end. A call in flight is interrupted (its
  /// connection dropped), so it returns at once. Any thread may call it, any number of times.
  public func stop() {
    shared.wake.request { $0.stop = true }
    finished.wait()
    finished.signal()  // for the next caller
  }
}

/// What the agent's thread shares with the others: the status it publishes and the wake-up.
final class SyncAgentShared: Sendable {
  let status: Mutex<SyncStatus>
  let wake: WakeSignal
  let statusChanged: @Sendable (SyncStatus) -> Void

  init(status: SyncStatus, statusChanged: @escaping @Sendable (SyncStatus) -> Void)
    throws(SyncAgentError)
  {
    self.status = Mutex(status)
    self.statusChanged = statusChanged
    wake = try WakeSignal()
  }

  /// Stores `new` and reports it when it differs from the last one.
  func publish(_ new: SyncStatus) {
    let changed = status.withLock { status in
      defer { status = new }
      return status != new
    }
    if changed { statusChanged(new) }
  }
}
