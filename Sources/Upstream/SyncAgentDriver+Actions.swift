internal import Postgres

extension SyncAgentDriver {
  /// Performs one action with a deadline on every call, and returns what its outcome (an event
  /// for the state machine) asks for next.
  func perform(_ action: SyncAgentState.Action) -> [SyncAgentState.Action] {
    switch action {
    case .connect: return connect()
    case .pull(let after): return pull(after: after)
    case .push: return pushHead()
    case .sendHeartbeat: return heartbeat()
    case .dropConnection:
      connection?.close()
      connection = nil
      return []
    case .waitUntil, .answerQueueRequests:
      // The wait is computed from the state's `nextRetryAt`; no queue request is registered yet.
      return []
    }
  }

  /// Connects, brings the schema up to date and LISTENs (unless told not to), all before one
  /// deadline.
  func connect() -> [SyncAgentState.Action] {
    let deadline = ContinuousClock.now + configuration.connectTimeout
    do {
      let calls = configuration.calls
      let made = try calls.time("connect") { () throws(PostgresError) in
        try PostgresConnection(
          connectingTo: configuration.connectionString, password: configuration.password,
          deadline: deadline, interruptingOn: shared.wake.stopReadEnd)
      }
      connection = made
      try calls.time("migrate") { try UpstreamMigrator().migrate(made, deadline: deadline) }
      if configuration.listens {
        try calls.time("listen") { () throws(PostgresError) in
          try made.listen(UpstreamSchema.changesChannel, deadline: deadline)
        }
      }
      if let prepare = configuration.prepare {
        do {
          if let cursor = try prepare(made, deadline) { state.cursor = cursor }
        } catch let error as PostgresError {
          throw error
        } catch {
          made.close()
          connection = nil
          return state.connectFailed(now: wallClock, failure: .joinRefused)
        }
      }
      lastActivity = .now
      lastPull = .now
      return state.connectSucceeded(now: wallClock)
    } catch {
      connection?.close()
      connection = nil
      return state.connectFailed(now: wallClock, failure: Self.failure(error))
    }
  }

  /// Reads one page after `cursor` and hands it to the sink; the cursor moves past it after.
  func pull(after cursor: Int64) -> [SyncAgentState.Action] {
    guard let connection else { return state.connectionLost(now: wallClock) }
    let page: PostgresRows
    do {
      page = try configuration.calls.time("pull") { () throws(PostgresError) in
        try connection.query(
          "SELECT \(UpstreamChange.columns) FROM portal.changes WHERE seq > $1 ORDER BY seq LIMIT $2",
          [String(cursor), String(configuration.pageSize)],
          deadline: .now + configuration.callTimeout)
      }
    } catch {
      return failed(error) { failure in state.pullFailed(now: wallClock, failure: failure) }
    }
    let changes = page.rows.compactMap(UpstreamChange.init(row:))
    guard changes.count == page.rows.count else {
      // A row the schema forbids (a NULL or non-number where one is required): nothing of this
      // page is delivered, and the next connection tries again.
      return state.pullFailed(now: wallClock, failure: .server(sqlState: "XX000"))
    }
    if !changes.isEmpty {
      do {
        try sink(changes)
      } catch {
        return state.pullFailed(now: wallClock, failure: .localStore)
      }
    }
    lastActivity = .now
    lastPull = .now
    if changes.count < configuration.pageSize {
      configuration.afterPull?(connection, .now + configuration.callTimeout)
    }
    return state.pullSucceeded(
      now: wallClock, cursor: changes.last?.seq ?? cursor,
      hasMore: changes.count == configuration.pageSize)
  }

  /// Hands the connection to the push for the head of the outbox.
  func pushHead() -> [SyncAgentState.Action] {
    guard let connection else { return state.connectionLost(now: wallClock) }
    let outcome: SyncAgent.PushOutcome
    do {
      outcome = try push(connection, .now + configuration.callTimeout)
    } catch {
      return failed(error) { failure in
        state.pushFailedTemporarily(now: wallClock, failure: failure)
      }
    }
    lastActivity = .now
    switch outcome {
    case .pushed(let remaining): return state.pushSucceeded(now: wallClock, remaining: remaining)
    case .rejected(let remaining): return state.pushRejected(now: wallClock, remaining: remaining)
    case .nothingToPush: return state.nothingToPush(now: wallClock)
    case .failedTemporarily(let failure):
      return state.pushFailedTemporarily(now: wallClock, failure: failure)
    }
  }

  /// `SELECT 1` before the deadline: a stalled server or a pulled cable shows here.
  func heartbeat() -> [SyncAgentState.Action] {
    guard let connection else { return state.connectionLost(now: wallClock) }
    do {
      try configuration.calls.time("heartbeat") { () throws(PostgresError) in
        try connection.query("SELECT 1", deadline: .now + configuration.callTimeout)
      }
    } catch .server {
      // The server answered, so the connection is alive (an error here is not expected).
      lastActivity = .now
      return state.heartbeatSucceeded(now: wallClock)
    } catch {
      return state.heartbeatMissed(now: wallClock)
    }
    lastActivity = .now
    return state.heartbeatSucceeded(now: wallClock)
  }

  /// A failed call as the state machine's event: a passed deadline and a lost connection are the
  /// connection's (it is dropped and replaced); a server's error is the call's own.
  func failed(
    _ error: PostgresError, call: (SyncFailure) -> [SyncAgentState.Action]
  ) -> [SyncAgentState.Action] {
    switch error {
    case .timedOut: state.deadlineExceeded(now: wallClock)
    case .connectionLost, .interrupted, .cannotConnect, .invalidConnectionString:
      state.connectionLost(now: wallClock)
    case .server(let sqlState, _): call(.server(sqlState: sqlState))
    }
  }

  /// Why connecting failed, as a closed cause (never a server's message text).
  static func failure(_ error: any Error) -> SyncFailure {
    switch error {
    case let error as PostgresError:
      switch error {
      case .timedOut: .timedOut
      case .connectionLost, .interrupted: .connectionLost
      case .cannotConnect, .invalidConnectionString: .connectFailed
      case .server(let sqlState, _): .server(sqlState: sqlState)
      }
    case UpstreamSchemaError.postgres(let error): failure(error)
    default: .connectFailed
    }
  }
}
