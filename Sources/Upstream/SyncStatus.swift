public import Domain

/// The agent's part of `getSyncStatus` (the queue's counts come from the outbox).
/// - SeeAlso: `docs/protocol.md`, "Sync methods".
public struct SyncStatus: Sendable, Hashable {
  public var online: Bool
  /// The phase's name: `idle`, `connecting`, `backoff`, `ready`, `pulling`, `pushing`,
  /// `heartbeating` or `stopped`.
  public var phase: String
  /// Consecutive temporary failures: of the connection while offline, of the push while online.
  public var attempts: Int
  public var nextRetryAt: Timestamp?
  /// A sentence without patient data (see `SyncFailure`).
  public var lastError: String?
  public var lastPushAt: Timestamp?
  public var lastPullAt: Timestamp?
  public var cursor: Int64
}

extension SyncAgentState {
  public var status: SyncStatus {
    SyncStatus(
      online: isOnline, phase: phase.name, attempts: isOnline ? pushFailures : connectionFailures,
      nextRetryAt: nextRetryAt, lastError: lastError?.description, lastPushAt: lastPushAt,
      lastPullAt: lastPullAt, cursor: cursor)
  }
}

extension SyncAgentState.Phase {
  /// The name `getSyncStatus` shows.
  public var name: String {
    switch self {
    case .idle: "idle"
    case .connecting: "connecting"
    case .backoff: "backoff"
    case .ready: "ready"
    case .pulling: "pulling"
    case .pushing: "pushing"
    case .heartbeating: "heartbeating"
    case .stopped: "stopped"
    }
  }
}
