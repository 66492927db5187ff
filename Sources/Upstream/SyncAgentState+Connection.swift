public import Domain

extension SyncAgentState {
  /// The agent starts: it holds the agent lock and an upstream is configured.
  public mutating func start() -> [Action] {
    guard case .idle = phase else { return [] }
    phase = .connecting
    return [.connect]
  }

  /// The connection is up. Notifications sent while it was down are lost, so every (re)connect
  /// starts with a pull, then pushes the queue at once.
  public mutating func connectSucceeded(now: Timestamp) -> [Action] {
    switch phase {
    case .connecting:
      pullWanted = false
      pushWanted = true
      pushRetryAt = nil
      phase = .pulling
      return [.pull(after: cursor)]
    case .stopped: return [.dropConnection]
    default: return []
    }
  }

  /// The connection could not be made (the driver has already released it): back off.
  public mutating func connectFailed(
    now: Timestamp, failure: SyncFailure = .connectFailed
  ) -> [Action] {
    guard case .connecting = phase else { return [] }
    return loseConnection(now: now, failure: failure, drop: false)
  }

  /// The connection broke, whatever was in flight: drop it, back off, reconnect. A push that was
  /// in flight is pushed again after the reconnect's pull (re-pushing is idempotent upstream).
  public mutating func connectionLost(
    now: Timestamp, failure: SyncFailure = .connectionLost
  ) -> [Action] {
    guard isOnline || phase == .connecting else { return [] }
    return loseConnection(now: now, failure: failure, drop: true)
  }

  /// A call passed its deadline: the connection may hang for ever, so it is treated as dead.
  public mutating func deadlineExceeded(now: Timestamp) -> [Action] {
    connectionLost(now: now, failure: .timedOut)
  }

  /// Time for a heartbeat. Only an idle connection needs one: a call in flight has its own
  /// deadline.
  public mutating func heartbeatDue(now: Timestamp) -> [Action] {
    guard case .ready = phase else { return [] }
    phase = .heartbeating
    return [.sendHeartbeat]
  }

  /// The heartbeat was answered: the connection is alive; do whatever waited for it.
  public mutating func heartbeatSucceeded(now: Timestamp) -> [Action] {
    guard case .heartbeating = phase else { return [] }
    connectionWorked()
    return nextWork()
  }

  /// The heartbeat was not answered in time: the connection is dead.
  public mutating func heartbeatMissed(now: Timestamp) -> [Action] {
    guard isOnline else { return [] }
    return loseConnection(now: now, failure: .heartbeatMissed, drop: true)
  }

  /// Time passes: leave a backoff that has ended, or end a push's wait.
  public mutating func tick(now: Timestamp) -> [Action] {
    if case .backoff(let until) = phase {
      guard now >= until else { return [] }
      phase = .connecting
      return [.connect]
    }
    guard isOnline, let retryAt = pushRetryAt, now >= retryAt else { return [] }
    pushRetryAt = nil
    guard case .ready = phase else { return [] }
    return nextWork()
  }

  /// The agent stops for good (shutdown, or it gave up the agent lock).
  public mutating func stop() -> [Action] {
    let hasConnection = isOnline || phase == .connecting
    phase = .stopped
    var actions: [Action] = hasConnection ? [.dropConnection] : []
    actions += answerWaitingRequests(.unavailable)
    return actions
  }

  mutating func loseConnection(now: Timestamp, failure: SyncFailure, drop: Bool) -> [Action] {
    if case .pushing = phase { pushWanted = true }
    connectionFailures += 1
    lastError = failure
    let until = Timestamp(
      millisecondsSinceEpoch: now.millisecondsSinceEpoch
        + backoff.delay(afterFailures: connectionFailures, using: &random))
    phase = .backoff(until: until)
    var actions: [Action] = drop ? [.dropConnection] : []
    actions += answerWaitingRequests(.unavailable)
    actions.append(.waitUntil(until))
    return actions
  }

  /// A call succeeded on the connection: the next loss starts the backoff over.
  mutating func connectionWorked() {
    connectionFailures = 0
    if pushFailures == 0 { lastError = nil }
  }

  /// The next call on an idle connection: an owed pull first, then the queue, else nothing.
  mutating func nextWork() -> [Action] {
    if pullWanted {
      pullWanted = false
      phase = .pulling
      return [.pull(after: cursor)]
    }
    if pushWanted, pushRetryAt == nil {
      phase = .pushing
      return [.push]
    }
    phase = .ready
    return []
  }

  mutating func answerWaitingRequests(_ answer: QueueAnswer) -> [Action] {
    guard queueRequestsWaiting else { return [] }
    queueRequestsWaiting = false
    return [.answerQueueRequests(answer)]
  }
}
