public import Domain

/// The sync agent's decisions as a pure state machine, after postgres-nio's connection state
/// machines: events go in as `mutating` calls, the actions a driver loop must perform come out.
/// - SeeAlso: `docs/upstream.md`, "Where it lives", "The agent: push" and "The agent: pull".
public struct SyncAgentState: Sendable {
  /// Where the agent is. Every phase from `.ready` to `.heartbeating` has a live connection, and at
  /// most one call is in flight on it.
  public enum Phase: Sendable, Hashable {
    /// Not started: no upstream is configured, or this process is not the agent.
    case idle
    /// A connection attempt is in flight.
    case connecting
    /// Waiting before the next connection attempt.
    case backoff(until: Timestamp)
    /// Connected, nothing in flight.
    case ready
    /// A page of the change log after `cursor` is being read.
    case pulling
    /// The oldest due outbox entry is being pushed.
    case pushing
    /// A heartbeat is in flight.
    case heartbeating
    /// Stopped for good (shutdown, or the agent's lock was given up).
    case stopped
  }

  public internal(set) var phase: Phase = .idle
  /// The last upstream change-log sequence applied locally.
  public internal(set) var cursor: Int64
  /// Consecutive failures to connect or to keep a connection; reset by the first call that
  /// succeeds on a new connection, so a server that accepts and then dies still backs off.
  public internal(set) var connectionFailures = 0
  /// Consecutive temporary failures of the push at the head of the queue.
  public internal(set) var pushFailures = 0
  /// While set, pushing waits (the queue keeps its order); pulls and heartbeats go on.
  public internal(set) var pushRetryAt: Timestamp?
  public internal(set) var lastError: SyncFailure?
  public internal(set) var lastPushAt: Timestamp?
  public internal(set) var lastPullAt: Timestamp?

  /// A pull is owed: a notification or the safety poll came while a call was in flight.
  public internal(set) var pullWanted = false
  /// The outbox may hold due entries. True at first, so a new agent looks at its outbox.
  public internal(set) var pushWanted = true
  /// A `processSyncQueue` request waits for the queue to drain (or to fail).
  public internal(set) var queueRequestsWaiting = false

  public let backoff: Backoff
  /// `--offline on`: writes queue while the upstream is down. Off: they are refused with -32006.
  public let queuesWhileOffline: Bool
  var random: any RandomNumberGenerator & Sendable

  /// - Parameter random: the jitter's source; tests pass a seeded one.
  public init(
    cursor: Int64 = 0, backoff: Backoff = Backoff(), queuesWhileOffline: Bool = true,
    random: some RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()
  ) {
    self.cursor = cursor
    self.backoff = backoff
    self.queuesWhileOffline = queuesWhileOffline
    self.random = random
  }

  /// The agent's connection to PostgreSQL is up (`isOnline`).
  public var isOnline: Bool {
    switch phase {
    case .ready, .pulling, .pushing, .heartbeating: true
    case .idle, .connecting, .backoff, .stopped: false
    }
  }

  /// When the driver must call `tick(now:)` next: the end of a backoff, or of a push's wait.
  public var nextRetryAt: Timestamp? {
    if case .backoff(let until) = phase { return until }
    return isOnline ? pushRetryAt : nil
  }

  /// A local write may be accepted into the outbox: always while online, and while offline only
  /// with `--offline on` (otherwise it is answered -32006).
  public var admitsLocalWrites: Bool { isOnline || queuesWhileOffline }
}
