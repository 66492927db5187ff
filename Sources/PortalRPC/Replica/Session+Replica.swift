internal import DataSync
internal import Storage

extension Session {
  /// Serves the session's data directory as a replica: its writes queue in the outbox (with ids
  /// from leased blocks), the agent's election and status run in the server's loop, and the
  /// agent, when this process wins it, pulls and pushes through a worker with a store connection
  /// of its own.
  func attachReplica(_ configuration: ReplicaConfiguration, directory: String) throws {
    let journal = try ReplicaJournal(store: dataSync.store)
    if !configuration.offline {
      journal.acceptsWrites = { [unowned self] in replica?.isOnline == true }
    }
    dataSync.journal = journal
    dataSync.turnsDays = false  // the agent turns the clinic's day upstream
    // The agent's own commits need no fsync of their own: everything it writes (pulled state,
    // outcomes, the cursor) PostgreSQL still has, and a push repeated after a power cut is
    // answered from applied_mutations.
    var agentOptions = self.configuration.storeOptions(synchronousFull: false)
    agentOptions.maxPages = nil
    let options = agentOptions
    let clock = dataSync.clock
    let callTimeout = configuration.agentConfiguration(cursor: 0).callTimeout
    let progress = SyncProgress()
    let calls = monitor.upstream.observer
    let hooks = ReplicaHooks.standard(calls: calls) {
      try ReplicaWorker(
        directory: directory, options: options, clock: clock, callTimeout: callTimeout,
        clientName: configuration.clientName, progress: progress, calls: calls)
    }
    replica = try Replica(
      configuration: configuration, hooks: hooks, directory: directory, log: log,
      progress: progress)
    replica?.rejections.prime(dataSync.store)
    replicaPushNeeded = { [unowned self] in replica?.agent?.pushNeeded() }
  }
}
