internal import CLibPQ

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// One connection to PostgreSQL through libpq's non-blocking API: every call has a deadline and
/// none can hang on a stalled server. Deliberately not Sendable: one owner thread uses it.
public final class PostgresConnection {
  /// The libpq connection; nil once closed or dropped as dead.
  var handle: OpaquePointer?
  /// Notifications read while waiting for something else, in arrival order.
  var pendingNotifications: [PostgresNotification] = []
  /// While this descriptor is readable, every call ends at once with `.interrupted`.
  let interruptDescriptor: Int32?

  /// Connects to `connectionString` (with `password`, when one is given apart from it) before
  /// `deadline`. Once `interruptDescriptor` (the read end of a pipe, say) is readable, this and
  /// every later call end at once with `.interrupted`: how an owner stops promptly.
  public init(
    connectingTo connectionString: PostgresConnectionString, password: String? = nil,
    deadline: ContinuousClock.Instant, interruptingOn interruptDescriptor: Int32? = nil
  ) throws(PostgresError) {
    self.interruptDescriptor = interruptDescriptor
    var keywords: [String?] = ["dbname"]
    var values: [String?] = [connectionString.text]
    if let applicationName = connectionString.applicationName {
      // After `dbname`, so it overrides an `application_name` in the string.
      keywords.append("application_name")
      values.append(applicationName)
    }
    if let password {
      keywords.append("password")
      values.append(password)
    }
    // Both lists end with NULL; `expand_dbname` 1 reads the string as a whole conninfo or URI.
    let started = Self.withCStrings(keywords + [nil]) { keywords in
      Self.withCStrings(values + [nil]) { values in PQconnectStartParams(keywords, values, 1) }
    }
    guard let started else { throw .cannotConnect(reason: "libpq is out of memory") }
    handle = started
    PQsetNoticeProcessor(started, clibpq_ignore_notice, nil)
    try finishConnecting(started, deadline: deadline)
  }

  deinit { close() }

  /// Whether the connection is still held (it may still turn out dead on its next use).
  public var isOpen: Bool { handle != nil }

  /// The process id of the server backend serving this connection.
  public var backendPID: Int32? { handle.map { PQbackendPID($0) } }

  /// Ends the connection. Idempotent.
  public func close() {
    guard let handle else { return }
    self.handle = nil
    PQfinish(handle)
  }

  /// Drives `PQconnectPoll` under `poll` until connected, failed, or past `deadline`.
  private func finishConnecting(_ connection: OpaquePointer, deadline: ContinuousClock.Instant)
    throws(PostgresError)
  {
    var wait = SocketWait.writable
    while true {
      if PQstatus(connection) == CONNECTION_BAD { throw failConnecting(connection) }
      _ = try awaitSocket(wait, connection, deadline: deadline)
      switch PQconnectPoll(connection) {
      case PGRES_POLLING_OK:
        guard PQsetnonblocking(connection, 1) == 0 else { throw failConnecting(connection) }
        return
      case PGRES_POLLING_READING: wait = .readable
      case PGRES_POLLING_WRITING: wait = .writable
      default: throw failConnecting(connection)
      }
    }
  }

  private func failConnecting(_ connection: OpaquePointer) -> PostgresError {
    let reason = PostgresError.firstLine(String(cString: PQerrorMessage(connection)))
    close()
    return .cannotConnect(reason: reason)
  }

  /// Waits until the socket is ready as asked; past `deadline` or once interrupted, the
  /// connection is dropped and the reason thrown.
  func awaitSocket(
    _ wait: SocketWait, _ connection: OpaquePointer, deadline: ContinuousClock.Instant
  ) throws(PostgresError) -> SocketWait.Readiness {
    switch wait.wait(on: PQsocket(connection), until: deadline, interrupt: interruptDescriptor) {
    case .ready(let readiness): return readiness
    case .timedOut: throw drop(.timedOut)
    case .interrupted: throw drop(.interrupted)
    }
  }

  /// Drops a connection found dead and says so.
  func drop(_ error: PostgresError = .connectionLost) -> PostgresError {
    close()
    return error
  }

  /// The live libpq connection, or `.connectionLost` when it was closed or dropped.
  func liveHandle() throws(PostgresError) -> OpaquePointer {
    guard let handle else { throw .connectionLost }
    return handle
  }

  /// Runs `body` with `strings` as an array of C strings that live for the call.
  static func withCStrings<Result>(
    _ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> Result
  ) -> Result {
    let owned = strings.map { $0.map { strdup($0) } ?? nil }
    defer { owned.forEach { free($0) } }
    return body(owned.map { $0.map { UnsafePointer($0) } })
  }
}
