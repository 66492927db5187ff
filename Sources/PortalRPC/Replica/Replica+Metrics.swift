internal import Domain

extension Replica {
  /// What `getMetrics` says of replication, read from what `getSyncStatus` answers from (the
  /// agent's status and the outbox's counts): how many writes wait; the push lag, how long ago
  /// the agent last pushed while writes wait (0 when none does); the pull lag, how long ago it
  /// last pulled. A lag is nil while the agent has not yet pushed or pulled.
  func lags(_ session: Session, now: Timestamp)
    -> (queueDepth: Int, pushMilliseconds: Int64?, pullMilliseconds: Int64?)
  {
    let status = agentStatus
    let queueDepth = hooks.queueCounts(session.dataSync.store).queueDepth
    func age(_ time: Timestamp?) -> Int64? {
      time.map { max(0, now.millisecondsSinceEpoch - $0.millisecondsSinceEpoch) }
    }
    return (queueDepth, queueDepth == 0 ? 0 : age(status.lastPushAt), age(status.lastPullAt))
  }
}
