internal import CLibPQ

extension PostgresConnection {
  /// Starts listening on `channel` (an identifier; quoted here, so any name is safe).
  public func listen(_ channel: String, deadline: ContinuousClock.Instant) throws(PostgresError) {
    try query("LISTEN \(Self.quotedIdentifier(channel))", deadline: deadline)
  }

  /// Sends `payload` on `channel` (delivered when the surrounding transaction commits).
  public func notify(_ channel: String, payload: String, deadline: ContinuousClock.Instant)
    throws(PostgresError)
  {
    try query("SELECT pg_notify($1, $2)", [channel, payload], deadline: deadline)
  }

  /// The next notification for a channel this connection listens on, waiting for it until
  /// `deadline` (then nil: the connection stays usable). Never sends anything. An interruption
  /// drops the connection, as it does for every call.
  public func waitForNotification(deadline: ContinuousClock.Instant) throws(PostgresError)
    -> PostgresNotification?
  {
    while true {
      if !pendingNotifications.isEmpty { return pendingNotifications.removeFirst() }
      let connection = try liveHandle()
      switch SocketWait.readable.wait(
        on: PQsocket(connection), until: deadline, interrupt: interruptDescriptor)
      {
      case .ready: break
      case .timedOut: return nil
      case .interrupted: throw drop(.interrupted)
      }
      guard PQconsumeInput(connection) == 1 else { throw drop() }
      collectNotifications(connection)
      // A shutting-down server's FATAL message is read like a notification's bytes; libpq then
      // marks the connection bad, and the next read finds the end of the stream.
      if PQstatus(connection) == CONNECTION_BAD { throw drop() }
    }
  }

  /// Moves every notification libpq has parsed into `pendingNotifications`.
  func collectNotifications(_ connection: OpaquePointer) {
    while let notification = PQnotifies(connection) {
      pendingNotifications.append(
        PostgresNotification(
          channel: String(cString: notification.pointee.relname),
          payload: String(cString: notification.pointee.extra),
          senderPID: notification.pointee.be_pid))
      PQfreemem(notification)
    }
  }

  /// `name` as a double-quoted SQL identifier.
  static func quotedIdentifier(_ name: String) -> String {
    var quoted = "\""
    for character in name {
      quoted += character == "\"" ? "\"\"" : String(character)
    }
    return quoted + "\""
  }
}
