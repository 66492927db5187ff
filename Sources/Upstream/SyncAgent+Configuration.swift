public import Postgres

extension SyncAgent {
  /// How the agent reaches PostgreSQL and how often it looks. Every duration bounds a wait, so
  /// none of them can hang the agent.
  public struct Configuration: Sendable {
    public var connectionString: PostgresConnectionString
    /// Given apart from the connection string (never on a command line, never logged).
    public var password: String?
    /// The deadline of connecting, migrating and LISTEN, together.
    public var connectTimeout: Duration
    /// The deadline of every other call (a pull's page, a push, a heartbeat).
    public var callTimeout: Duration
    /// An idle connection sends `SELECT 1` this long after its last call that worked.
    public var heartbeatInterval: Duration
    /// An idle connection pulls this long after its last pull, NOTIFY or not (the safety net).
    public var safetyPollInterval: Duration
    /// Change-log rows per pull.
    public var pageSize: Int
    /// Whether the agent LISTENs for NOTIFY (`--realtime on`); without it, only the safety poll
    /// brings upstream changes.
    public var listens = true
    public var backoff: Backoff
    /// The last change-log sequence already applied locally.
    public var cursor: Int64
    /// Runs on each new connection, after the schema is migrated and before the first pull: a
    /// replica joins its upstream here. It returns the cursor to go on from when it moved it;
    /// a failure that is not PostgreSQL's refuses the connection (`SyncFailure.joinRefused`)
    /// and is tried again after a backoff.
    public var prepare: (@Sendable (PostgresConnection, ContinuousClock.Instant) throws -> Int64?)?
    /// Runs after each pull that worked (a NOTIFY's or the safety poll's), on the same
    /// connection: a replica takes staff accounts and pushes its audit log here. Its failure is
    /// its own to report; the pull stands.
    public var afterPull: (@Sendable (PostgresConnection, ContinuousClock.Instant) -> Void)?
    /// Told of each call the agent's loop makes (`connect`, `migrate`, `listen`, `pull`,
    /// `heartbeat`); `prepare`, `afterPull` and the push report their own.
    public var calls = UpstreamCallObserver.none

    public init(
      connectionString: PostgresConnectionString, password: String? = nil,
      connectTimeout: Duration = .seconds(10), callTimeout: Duration = .seconds(10),
      heartbeatInterval: Duration = .seconds(15), safetyPollInterval: Duration = .seconds(60),
      pageSize: Int = 500, backoff: Backoff = Backoff(), cursor: Int64 = 0
    ) {
      precondition(pageSize > 0)
      self.connectionString = connectionString
      self.password = password
      self.connectTimeout = connectTimeout
      self.callTimeout = callTimeout
      self.heartbeatInterval = heartbeatInterval
      self.safetyPollInterval = safetyPollInterval
      self.pageSize = pageSize
      self.backoff = backoff
      self.cursor = cursor
    }
  }

  /// What one push call did with the head of the outbox.
  public enum PushOutcome: Sendable, Hashable {
    /// PostgreSQL applied it (or had already); `remaining` entries are still due.
    case pushed(remaining: Int)
    /// PostgreSQL refused it for good; the queue goes on with `remaining` entries.
    case rejected(remaining: Int)
    /// The outbox had no due entry.
    case nothingToPush
    /// A temporary failure on a live connection: pushing waits with backoff, pulls go on.
    case failedTemporarily(SyncFailure)
  }

  /// Takes each page of upstream changes, in `seq` order, on the agent's thread.
  /// A page it cannot keep (the local store is busy or full) throws: the cursor stays, and the
  /// page is pulled again later.
  public typealias Sink = @Sendable ([UpstreamChange]) throws -> Void
  /// Pushes the head of the outbox over the agent's connection, before the deadline. It runs on
  /// the agent's thread and must not keep the connection.
  public typealias Push =
    @Sendable (PostgresConnection, ContinuousClock.Instant) throws(PostgresError) -> PushOutcome
}

/// Why the agent could not start.
public enum SyncAgentError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The wake-up pipe could not be made (`errno`).
  case cannotMakeWakePipe(errno: Int32)

  public var description: String {
    switch self {
    case .cannotMakeWakePipe(let errno):
      "the sync agent cannot make its wake-up pipe (errno \(errno))"
    }
  }
}
