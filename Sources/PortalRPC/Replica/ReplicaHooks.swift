public import Postgres
public import Storage
internal import Synchronization
public import Upstream

/// Where the outbox and the confirmed state plug into a replica: what the agent does with a pulled
/// page, how it pushes the outbox's head, where its cursor starts, and the queue's counts. The
/// defaults are an empty outbox: nothing pulled is kept, nothing is pushed, nothing is queued.
/// The plumbing (election, the agent's thread, status, notifications) never looks inside.
public struct ReplicaHooks: Sendable {
  /// The outbox's part of `getSyncStatus` and `sync/status`.
  public struct QueueCounts: Sendable, Hashable {
    /// Pending and retrying entries.
    public var queueDepth: Int
    public var rejected: Int

    public init(queueDepth: Int = 0, rejected: Int = 0) {
      self.queueDepth = queueDepth
      self.rejected = rejected
    }
  }

  /// Applies a pulled page locally, on the agent's thread (with a store connection of its own).
  public var pull: SyncAgent.Sink
  /// Pushes the outbox's head over the agent's connection, on the agent's thread.
  public var push: SyncAgent.Push
  /// The last upstream sequence already applied locally, read when an agent starts.
  public var cursor: @Sendable () -> Int64
  /// The last sequence the upstream has, if known (`upstreamSequence`); nil until the pull
  /// records it.
  public var upstreamSequence: @Sendable (Store) -> Int64?
  /// The outbox's counts, read on the session's thread from its store (any window's process
  /// reads them from the shared store, agent or not).
  public var queueCounts: @Sendable (Store) -> QueueCounts
  /// Joins the upstream on each new agent connection (see `SyncAgent.Configuration.prepare`).
  public var prepare: (@Sendable (PostgresConnection, ContinuousClock.Instant) throws -> Int64?)?
  /// Staff accounts both ways and the audit log up, after each pull (`afterPull`).
  public var afterPull: (@Sendable (PostgresConnection, ContinuousClock.Instant) -> Void)?
  /// Told of the agent's own calls to PostgreSQL (`SyncAgent.Configuration.calls`), for
  /// `getMetrics`.
  public var calls = UpstreamCallObserver.none

  public init(
    pull: @escaping SyncAgent.Sink = { _ in },
    push: @escaping SyncAgent.Push = { _, _ in .nothingToPush },
    cursor: @escaping @Sendable () -> Int64 = { 0 },
    upstreamSequence: @escaping @Sendable (Store) -> Int64? = { _ in nil },
    queueCounts: @escaping @Sendable (Store) -> QueueCounts = { _ in QueueCounts() },
    prepare: (@Sendable (PostgresConnection, ContinuousClock.Instant) throws -> Int64?)? = nil,
    afterPull: (@Sendable (PostgresConnection, ContinuousClock.Instant) -> Void)? = nil
  ) {
    self.prepare = prepare
    self.afterPull = afterPull
    self.pull = pull
    self.push = push
    self.cursor = cursor
    self.upstreamSequence = upstreamSequence
    self.queueCounts = queueCounts
  }

  /// The hooks a served data directory gets: the one place the outbox's work is chosen.
  ///
  /// The agent's worker is made when the agent starts (`worker()`), with a store connection of
  /// its own; the counts are read from the window's own store.
  static func standard(
    calls: UpstreamCallObserver = .none,
    makeWorker: @escaping @Sendable () throws -> ReplicaWorker
  ) -> ReplicaHooks {
    let made = Mutex<ReplicaWorker?>(nil)
    @Sendable func current() throws -> ReplicaWorker {
      try made.withLock { slot in
        if let slot { return slot }
        let worker = try makeWorker()
        slot = worker
        return worker
      }
    }
    var hooks = ReplicaHooks(
      pull: { changes in try current().pull(changes) },
      push: { connection, deadline throws(PostgresError) in
        guard let worker = try? current() else { return .failedTemporarily(.localStore) }
        return try worker.push(connection, deadline: deadline)
      },
      cursor: { (try? current().cursor()) ?? 0 },
      upstreamSequence: { store in
        (try? store.syncValue("cursor")).flatMap { $0 }.flatMap { Int64($0) }
      },
      queueCounts: { store in
        guard let counts = try? store.outboxCounts() else { return QueueCounts() }
        return QueueCounts(queueDepth: counts.pending, rejected: counts.rejected)
      },
      prepare: { connection, deadline in
        try current().prepare(connection, deadline: deadline)
      },
      afterPull: { connection, deadline in
        try? current().syncStaffAndAudit(connection, deadline: deadline)
      })
    hooks.calls = calls
    return hooks
  }
}
