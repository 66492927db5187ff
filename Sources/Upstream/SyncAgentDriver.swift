internal import Domain
internal import Foundation
internal import Postgres

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// The agent's loop, on its own thread (it and its connection never leave it): it feeds events to
/// `SyncAgentState`, performs the actions that come back, and between them waits in `poll` on the
/// connection's socket (NOTIFY) and the wake-up pipe, until the next timer.
final class SyncAgentDriver {
  let configuration: SyncAgent.Configuration
  let sink: SyncAgent.Sink
  let push: SyncAgent.Push
  let shared: SyncAgentShared
  var state: SyncAgentState
  var connection: PostgresConnection?
  /// The end of the last call that worked: an idle connection's heartbeat is due after it.
  var lastActivity = ContinuousClock.now
  /// The end of the last pull: an idle connection's safety poll is due after it.
  var lastPull = ContinuousClock.now

  init(
    configuration: SyncAgent.Configuration, sink: @escaping SyncAgent.Sink,
    push: @escaping SyncAgent.Push, shared: SyncAgentShared
  ) {
    self.configuration = configuration
    self.sink = sink
    self.push = push
    self.shared = shared
    state = SyncAgentState(cursor: configuration.cursor, backoff: configuration.backoff)
  }

  func run() {
    var actions = state.start()
    while true {
      perform(actions)
      let requests = shared.wake.take()
      if requests.stop {
        // Every one of the stop's actions runs (they make no call): drop, answer the waiting.
        for action in state.stop() { _ = perform(action) }
        connection?.close()
        connection = nil
        publish()
        return
      }
      publish()
      actions = requests.push ? state.pushNeeded(now: wallClock) : []
      if actions.isEmpty { actions = waitForEvent() }
    }
  }

  /// Performs `actions` in order, each outcome's actions after those already queued; a stop
  /// request ends the run between two calls.
  func perform(_ actions: [SyncAgentState.Action]) {
    var queue = actions[...]
    while let action = queue.popFirst() {
      publish()  // before the call, so a reader sees `connecting` while it is in flight
      queue += perform(action)
      if shared.wake.stopRequested { return }
    }
  }

  func publish() { shared.publish(state.status) }

  /// Waits for a notification, a request from another thread, or the next timer, and returns
  /// the actions of what happened (none for a wake-up that asks for nothing).
  func waitForEvent() -> [SyncAgentState.Action] {
    if let notified = readNotifications() { return notified }
    var descriptors = [pollfd(fd: shared.wake.readEnd, events: Int16(POLLIN), revents: 0)]
    if state.isOnline, let socket = connection?.socketDescriptor {
      descriptors.append(pollfd(fd: socket, events: Int16(POLLIN), revents: 0))
    }
    let timeout = nextTimer().map { Self.milliseconds(until: $0) } ?? -1
    if poll(&descriptors, nfds_t(descriptors.count), timeout) > 0, descriptors.count > 1,
      descriptors[1].revents != 0, let notified = readNotifications()
    {
      return notified
    }
    return timersDue()
  }

  /// Reads what arrived on the connection without waiting: the actions of a notification or of a
  /// lost connection, nil when there was neither.
  func readNotifications() -> [SyncAgentState.Action]? {
    guard state.isOnline, let connection else { return nil }
    do {
      let notifications = try connection.readNotifications()
      return notifications.isEmpty ? nil : state.notified(now: wallClock)
    } catch {
      return state.connectionLost(now: wallClock)
    }
  }

  /// The earliest of the heartbeat, the safety poll (both only on an idle connection) and the
  /// state's retry time; nil when nothing is due but a request.
  func nextTimer() -> ContinuousClock.Instant? {
    var timers: [ContinuousClock.Instant] = []
    if case .ready = state.phase {
      timers.append(lastActivity + configuration.heartbeatInterval)
      timers.append(lastPull + configuration.safetyPollInterval)
    }
    if let retryAt = state.nextRetryAt {
      let wait = retryAt.millisecondsSinceEpoch - wallClock.millisecondsSinceEpoch
      timers.append(.now + .milliseconds(max(0, wait)))
    }
    return timers.min()
  }

  func timersDue() -> [SyncAgentState.Action] {
    var actions: [SyncAgentState.Action] = []
    if let retryAt = state.nextRetryAt, wallClock >= retryAt {
      actions += state.tick(now: wallClock)
    }
    let now = ContinuousClock.now
    if case .ready = state.phase, now >= lastActivity + configuration.heartbeatInterval {
      actions += state.heartbeatDue(now: wallClock)
    }
    if now >= lastPull + configuration.safetyPollInterval {
      actions += state.safetyPollDue(now: wallClock)
    }
    return actions
  }

  /// The state machine's clock: the wall clock, in milliseconds.
  var wallClock: Timestamp {
    Timestamp(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
  }

  /// The wait until `instant` for `poll`, in whole milliseconds rounded up.
  static func milliseconds(until instant: ContinuousClock.Instant) -> Int32 {
    let (seconds, attoseconds) = (instant - .now).components
    guard seconds >= 0, attoseconds >= 0 else { return 0 }
    return Int32(
      clamping: seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
  }
}
