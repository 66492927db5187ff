extension PostgresError {
  /// True for a failure that trying again later can cure: no connection, a lost one, a passed
  /// deadline, and the SQLSTATEs of a server that is busy, starting, stopping or read-only
  /// (classes 08, 53, 57 and 40; 55P03, lock not available; 25006, read-only transaction).
  /// Anything else the server said is about the statement itself, and the same again fails the
  /// same way.
  public var isTemporary: Bool {
    switch self {
    case .connectionLost, .timedOut, .interrupted, .cannotConnect: true
    case .invalidConnectionString: false
    case .server(let sqlState, _):
      ["08", "53", "57", "40"].contains(String(sqlState.prefix(2)))
        || sqlState == "55P03" || sqlState == "25006"
    }
  }
}

extension PostgresError {
  /// `SQLSTATE 23505`, or the kind of failure when the server gave none: safe to show anyone.
  public var sqlStateDescription: String {
    switch self {
    case .server(let sqlState, _): "SQLSTATE \(sqlState)"
    case .connectionLost: "connection lost"
    case .timedOut: "timed out"
    case .interrupted: "interrupted"
    case .cannotConnect: "cannot connect"
    case .invalidConnectionString: "invalid connection string"
    }
  }
}
