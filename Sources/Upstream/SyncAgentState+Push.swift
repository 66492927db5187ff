public import Domain

extension SyncAgentState {
  /// The outbox has due entries (a local write committed, or a rejected one was retried).
  public mutating func pushNeeded(now: Timestamp) -> [Action] {
    pushWanted = true
    guard case .ready = phase, pushRetryAt == nil else { return [] }
    return nextWork()
  }

  /// PostgreSQL applied the entry (or had already applied it); `remaining` are still due.
  public mutating func pushSucceeded(now: Timestamp, remaining: Int) -> [Action] {
    guard case .pushing = phase else { return [] }
    return pushAnswered(now: now, remaining: remaining)
  }

  /// PostgreSQL refused the entry for good: it moved to the rejected list, and the queue goes on.
  public mutating func pushRejected(now: Timestamp, remaining: Int) -> [Action] {
    guard case .pushing = phase else { return [] }
    return pushAnswered(now: now, remaining: remaining)
  }

  /// The outbox had no due entry after all.
  public mutating func nothingToPush(now: Timestamp) -> [Action] {
    guard case .pushing = phase else { return [] }
    return pushAnswered(now: now, remaining: 0, pushed: false)
  }

  /// A temporary error on a live connection (serialization, lock not available, …): the entry
  /// stays at the head of the queue, pushing waits with backoff; pulls go on meanwhile.
  public mutating func pushFailedTemporarily(now: Timestamp, failure: SyncFailure) -> [Action] {
    guard case .pushing = phase else { return [] }
    connectionFailures = 0
    pushFailures += 1
    lastError = failure
    let retryAt = Timestamp(
      millisecondsSinceEpoch: now.millisecondsSinceEpoch
        + backoff.delay(afterFailures: pushFailures, using: &random))
    pushRetryAt = retryAt
    pushWanted = true
    var actions = answerWaitingRequests(.unavailable)
    actions += nextWork()
    actions.append(.waitUntil(retryAt))
    return actions
  }

  mutating func pushAnswered(now: Timestamp, remaining: Int, pushed: Bool = true) -> [Action] {
    if pushed { lastPushAt = now }
    pushFailures = 0
    connectionWorked()
    pushWanted = remaining > 0
    var actions = remaining > 0 ? [] : answerWaitingRequests(.drained)
    actions += nextWork()
    return actions
  }
}
