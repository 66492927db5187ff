internal import CLibPQ

extension PostgresConnection {
  /// The socket libpq reads and writes, for an owner that waits on it together with other
  /// descriptors (then calls `readNotifications()`); nil once closed or dropped.
  public var socketDescriptor: Int32? { handle.map { PQsocket($0) } }

  /// Reads what has already arrived, without waiting, and returns every notification held so far
  /// (also those read during earlier calls). A server that ended the session is found here: the
  /// connection is dropped and `.connectionLost` thrown.
  public func readNotifications() throws(PostgresError) -> [PostgresNotification] {
    let connection = try liveHandle()
    guard PQconsumeInput(connection) == 1 else { throw drop() }
    collectNotifications(connection)
    if PQstatus(connection) == CONNECTION_BAD { throw drop() }
    defer { pendingNotifications.removeAll() }
    return pendingNotifications
  }
}
