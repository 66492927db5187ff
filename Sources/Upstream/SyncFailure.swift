/// Why the agent could not reach or use PostgreSQL: a closed set of causes, so `lastError` can never
/// carry a patient value (a server's message text is never kept, only its SQLSTATE).
public enum SyncFailure: Sendable, Hashable, CustomStringConvertible {
  /// The connection could not be made (refused, unknown host, authentication).
  case connectFailed
  /// The connection broke during a call.
  case connectionLost
  /// A call did not finish before its deadline.
  case timedOut
  /// The heartbeat was not answered in time.
  case heartbeatMissed
  /// The upstream is not one this data directory may join (it has data and so does the store,
  /// or the store is another upstream's replica).
  case joinRefused
  /// The workstation's own store could not take what was pulled or pushed (busy, full).
  case localStore
  /// PostgreSQL answered with a temporary error (classes 08, 53, 57, 40, 55P03, 25006).
  case server(sqlState: String)

  public var description: String {
    switch self {
    case .connectFailed: "could not connect to the upstream"
    case .connectionLost: "the connection to the upstream was lost"
    case .timedOut: "an upstream call passed its deadline"
    case .heartbeatMissed: "the upstream did not answer the heartbeat"
    case .joinRefused:
      "this data directory cannot join the upstream: both hold data, or it is another upstream's replica"
    case .localStore: "the local store could not take the upstream's changes"
    case .server(let sqlState): "the upstream answered with SQLSTATE \(sqlState)"
    }
  }
}
