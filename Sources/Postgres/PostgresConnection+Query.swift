internal import CLibPQ

extension PostgresConnection {
  /// Runs one statement with text parameters (`$1`, `$2`…; nil is SQL NULL) and returns its rows.
  /// A server error leaves the connection usable; any other failure drops it.
  @discardableResult
  public func query(
    _ sql: String, _ parameters: [String?] = [], deadline: ContinuousClock.Instant
  ) throws(PostgresError) -> PostgresRows {
    let connection = try liveHandle()
    let sent = Self.withCStrings(parameters) { values in
      PQsendQueryParams(connection, sql, Int32(values.count), nil, values, nil, nil, 0)
    }
    guard sent == 1 else { throw drop() }
    return try finishCommand(connection, deadline: deadline)
  }

  /// Runs a script of one or more statements without parameters (a migration), in one round
  /// trip and, unless it holds its own BEGIN and COMMIT, one transaction; returns the last
  /// statement's rows. A failing script that opened its own transaction leaves it to roll back.
  @discardableResult
  public func execute(_ script: String, deadline: ContinuousClock.Instant) throws(PostgresError)
    -> PostgresRows
  {
    let connection = try liveHandle()
    guard PQsendQuery(connection, script) == 1 else { throw drop() }
    return try finishCommand(connection, deadline: deadline)
  }

  /// Flushes what was sent, then reads every result of the command under `poll`.
  private func finishCommand(_ connection: OpaquePointer, deadline: ContinuousClock.Instant)
    throws(PostgresError) -> PostgresRows
  {
    try flush(connection, deadline: deadline)
    var rows = PostgresRows()
    var failure: PostgresError?
    while true {
      try awaitResult(connection, deadline: deadline)
      guard let result = PQgetResult(connection) else { break }
      defer { PQclear(result) }
      switch PQresultStatus(result) {
      case PGRES_TUPLES_OK, PGRES_SINGLE_TUPLE: rows = Self.rows(of: result)
      case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
        rows = PostgresRows(affectedRows: Int(String(cString: PQcmdTuples(result))))
      default: failure = failure ?? classify(result, on: connection)
      }
    }
    collectNotifications(connection)
    if let failure { throw failure.isConnectionLevel ? drop(failure) : failure }
    return rows
  }

  /// Sends what libpq still holds, waiting for the socket (and reading meanwhile, as libpq asks).
  private func flush(_ connection: OpaquePointer, deadline: ContinuousClock.Instant)
    throws(PostgresError)
  {
    while true {
      let pending = PQflush(connection)
      if pending == 0 { return }
      guard pending > 0 else { throw drop() }
      let ready = try awaitSocket(.readableOrWritable, connection, deadline: deadline)
      if ready.readable, PQconsumeInput(connection) == 0 { throw drop() }
    }
  }

  /// Reads until libpq has a whole result (or knows there are no more).
  private func awaitResult(_ connection: OpaquePointer, deadline: ContinuousClock.Instant)
    throws(PostgresError)
  {
    while PQisBusy(connection) == 1 {
      _ = try awaitSocket(.readable, connection, deadline: deadline)
      guard PQconsumeInput(connection) == 1 else { throw drop() }
    }
  }

  /// An error result as a `PostgresError`: `.server` when the server sent a SQLSTATE for a
  /// statement, `.connectionLost` when there is none (libpq's own) or the session ended (FATAL).
  private func classify(_ result: OpaquePointer, on connection: OpaquePointer) -> PostgresError {
    guard let state = PQresultErrorField(result, CLIBPQ_DIAG_SQLSTATE) else {
      return .connectionLost
    }
    let severity = PQresultErrorField(result, CLIBPQ_DIAG_SEVERITY_NONLOCALIZED)
      .map { String(cString: $0) }
    if severity == "FATAL" || severity == "PANIC" || PQstatus(connection) == CONNECTION_BAD {
      return .connectionLost
    }
    let message = PQresultErrorField(result, CLIBPQ_DIAG_MESSAGE_PRIMARY)
      .map { String(cString: $0) }
    return .server(
      sqlState: String(cString: state),
      message: PostgresError.withholdingQuoted(message ?? "no message"))
  }

  private static func rows(of result: OpaquePointer) -> PostgresRows {
    let columnCount = PQnfields(result)
    let columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
    let rows = (0..<PQntuples(result)).map { row in
      (0..<columnCount).map { column -> String? in
        PQgetisnull(result, row, column) == 1
          ? nil : String(cString: PQgetvalue(result, row, column))
      }
    }
    return PostgresRows(columns: columns, rows: rows)
  }
}

extension PostgresError {
  /// Whether the connection this came from must be dropped.
  var isConnectionLevel: Bool {
    switch self {
    case .server, .invalidConnectionString: false
    case .connectionLost, .timedOut, .interrupted, .cannotConnect: true
    }
  }
}
