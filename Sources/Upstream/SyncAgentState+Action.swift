public import Domain

extension SyncAgentState {
  /// What the driver loop performs after an event, in order. Every libpq call it makes for one of
  /// these carries a deadline; its outcome comes back as the next event.
  public enum Action: Sendable, Hashable {
    /// Open a connection (then `connectSucceeded` or `connectFailed`).
    case connect
    /// Read one page of the change log after this sequence (then `pullSucceeded` or a failure).
    case pull(after: Int64)
    /// Push the oldest due outbox entry (then `pushSucceeded`, `pushRejected`,
    /// `pushFailedTemporarily` or `nothingToPush`).
    case push
    /// Send a heartbeat (then `heartbeatSucceeded` or `heartbeatMissed`).
    case sendHeartbeat
    /// Close the connection without waiting for anything on it (libpq never reconnects by itself).
    case dropConnection
    /// Nothing to do before this instant: call `tick(now:)` then (a backoff or a push's wait).
    case waitUntil(Timestamp)
    /// Answer every waiting `processSyncQueue` request.
    case answerQueueRequests(QueueAnswer)
  }

  /// How waiting `processSyncQueue` requests are answered.
  public enum QueueAnswer: Sendable, Hashable {
    /// Nothing is left to push: `{pushed, rejected, remaining: 0}`.
    case drained
    /// The upstream cannot be reached now: -32006, the entries stay safe in the outbox.
    case unavailable
  }
}
