public import Domain

extension SyncAgentState {
  /// `processSyncQueue`: push now. The driver registers the request, performs the actions, and
  /// answers it on `.answerQueueRequests`. Online, the queue is pushed at once (a push's wait is
  /// cut short); in backoff, the connection is retried at once; offline with `--offline off`,
  /// the request is answered -32006 at once (and the connection still retried).
  public mutating func processNow(now: Timestamp) -> [Action] {
    switch phase {
    case .idle, .stopped:
      return [.answerQueueRequests(.unavailable)]
    case .backoff:
      phase = .connecting
      guard queuesWhileOffline else { return [.answerQueueRequests(.unavailable), .connect] }
      queueRequestsWaiting = true
      return [.connect]
    case .connecting:
      guard queuesWhileOffline else { return [.answerQueueRequests(.unavailable)] }
      queueRequestsWaiting = true
      return []
    case .ready, .pulling, .pushing, .heartbeating:
      pushRetryAt = nil
      pushWanted = true
      queueRequestsWaiting = true
      guard case .ready = phase else { return [] }
      return nextWork()
    }
  }
}
