public import Domain

extension SyncAgentState {
  /// LISTEN/NOTIFY woke the agent. A notification is only a wake-up: if a call is in flight, the
  /// pull is owed and runs right after it, so none is lost.
  public mutating func notified(now: Timestamp) -> [Action] {
    requestPull()
  }

  /// The slow safety poll is due (and the only source of pulls with `--realtime off`).
  public mutating func safetyPollDue(now: Timestamp) -> [Action] {
    requestPull()
  }

  /// A page was applied locally up to `cursor`; the next page is read while `hasMore`.
  public mutating func pullSucceeded(now: Timestamp, cursor: Int64, hasMore: Bool) -> [Action] {
    guard case .pulling = phase else { return [] }
    self.cursor = max(self.cursor, cursor)
    lastPullAt = now
    connectionWorked()
    if hasMore { return [.pull(after: self.cursor)] }
    return nextWork()
  }

  /// A pull failed for a temporary reason: the connection is replaced, and the new one starts
  /// with a pull from the same cursor.
  public mutating func pullFailed(now: Timestamp, failure: SyncFailure) -> [Action] {
    guard case .pulling = phase else { return [] }
    return loseConnection(now: now, failure: failure, drop: true)
  }

  mutating func requestPull() -> [Action] {
    switch phase {
    case .ready:
      phase = .pulling
      return [.pull(after: cursor)]
    case .pulling, .pushing, .heartbeating:
      pullWanted = true
      return []
    case .idle, .connecting, .backoff, .stopped:
      return []
    }
  }
}
