public import Postgres
public import Upstream

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// How a replica reaches its upstream and how it retries: the checked form of the `--upstream*`
/// options, in `ServerConfiguration` (nil when standalone). Its description never shows the
/// connection string or the password.
public struct ReplicaConfiguration: Sendable, CustomStringConvertible, CustomReflectable {
  /// Where the upstream is, with `applicationName` set to `clientName`.
  public var upstream: PostgresConnectionString
  /// Read from `--upstream-password-fd`; nil leaves it to libpq (PGPASSFILE, PGPASSWORD).
  public var password: String?
  /// Tries of a `sync<E>DataWithAPI` before it answers -32006 (the seed's `retryAttempts`).
  public var retryAttempts: Int
  public var backoff: Backoff
  /// LISTEN/NOTIFY (true) or polling only (the seed's `enableRealTime`).
  public var realtime: Bool
  /// Writes queue while the upstream is down (true) or fail with -32006 (`enableOffline`).
  public var offline: Bool
  /// This workstation's name upstream (PostgreSQL's `application_name`).
  public var clientName: String

  /// How long reading `--upstream-password-fd` may take.
  static let passwordTimeout = Duration.seconds(10)

  /// How often an agent without LISTEN (`--realtime off`) looks for upstream changes.
  public static let pollingInterval = Duration.seconds(5)

  public init(
    upstream: PostgresConnectionString, password: String? = nil, retryAttempts: Int = 3,
    backoff: Backoff = Backoff(), realtime: Bool = true, offline: Bool = true, clientName: String
  ) {
    self.upstream = upstream
    self.upstream.applicationName = clientName
    self.password = password
    self.retryAttempts = retryAttempts
    self.backoff = backoff
    self.realtime = realtime
    self.offline = offline
    self.clientName = clientName
  }

  /// The agent's configuration, starting after `cursor`.
  public func agentConfiguration(cursor: Int64) -> SyncAgent.Configuration {
    var configuration = SyncAgent.Configuration(
      connectionString: upstream, password: password, backoff: backoff, cursor: cursor)
    configuration.listens = realtime
    if !realtime { configuration.safetyPollInterval = Self.pollingInterval }
    return configuration
  }

  /// What `dump` and debuggers show: the description, so the password never shows there either.
  public var customMirror: Mirror { Mirror(self, children: ["description": description]) }

  public var description: String {
    "client \(clientName), realtime \(realtime ? "on" : "off"), offline \(offline ? "on" : "off")"
  }

  /// The default client name: the host name and the data directory's last path component
  /// (`desk1/ws1`), cut to what PostgreSQL keeps (63 bytes, printable ASCII).
  static func defaultClientName(directory: String) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    let host =
      gethostname(&buffer, buffer.count - 1) == 0
      ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      : "localhost"
    let folder = directory.split(separator: "/").last.map(String.init) ?? "data"
    let printable = "\(host)/\(folder)".unicodeScalars.map { scalar in
      (0x20...0x7E).contains(scalar.value) ? Character(scalar) : "?"
    }
    return String(printable.prefix(63))
  }
}

extension ReplicaOptions {
  /// Why the replica's options cannot be used once the process started (exit 2).
  struct StartError: Error {
    let message: String
  }

  /// The configuration for serving `directory`; reads the password from its descriptor (once,
  /// closing it). Nil when no upstream was named.
  func configuration(directory: String) throws(StartError) -> ReplicaConfiguration? {
    guard let upstream else { return nil }
    let connectionString: PostgresConnectionString
    do {
      connectionString = try PostgresConnectionString(upstream)
    } catch {
      // Checked when parsed, so this is not expected.
      throw StartError(message: "the upstream's connection string cannot be used")
    }
    var password: String?
    if let passwordDescriptor {
      password = try Self.readPassword(from: passwordDescriptor)
    }
    return ReplicaConfiguration(
      upstream: connectionString, password: password, retryAttempts: retryAttempts,
      backoff: Backoff(
        baseMilliseconds: retryBaseMilliseconds, capMilliseconds: retryCapMilliseconds),
      realtime: realtime, offline: offline,
      clientName: clientName ?? ReplicaConfiguration.defaultClientName(directory: directory))
  }

  /// Reads `descriptor` to its end (64 KiB at most), drops one trailing newline, and closes it.
  /// Errors name the descriptor, never what was read. A descriptor that stays open without
  /// reaching its end (a pipe whose writer never closes it) is given up after
  /// `passwordTimeout`, so a start never hangs on it.
  static func readPassword(from descriptor: Int32) throws(StartError) -> String {
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    let deadline = ContinuousClock.now + ReplicaConfiguration.passwordTimeout
    while true {
      var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
      let left = deadline - .now
      let milliseconds = Int32(max(0, left.components.seconds * 1000))
      let ready = poll(&entry, 1, milliseconds)
      if ready < 0 && errno == EINTR { continue }
      if ready == 0 {
        throw StartError(
          message:
            "--upstream-password-fd \(descriptor) did not reach its end within \(ReplicaConfiguration.passwordTimeout); give a file or a pipe that is closed after the password"
        )
      }
      let count = read(descriptor, &chunk, chunk.count)
      if count < 0 && errno == EINTR { continue }
      if count < 0 {
        throw StartError(
          message:
            "--upstream-password-fd \(descriptor) cannot be read (errno \(errno)); open it for reading, e.g. \(descriptor)<FILE"
        )
      }
      if count == 0 { break }
      bytes += chunk[0..<count]
      if bytes.count > 65_536 {
        throw StartError(message: "--upstream-password-fd \(descriptor) holds more than 64 KiB")
      }
    }
    if bytes.last == 0x0A { bytes.removeLast() }
    if bytes.last == 0x0D { bytes.removeLast() }
    guard !bytes.isEmpty else {
      throw StartError(message: "--upstream-password-fd \(descriptor) gave an empty password")
    }
    guard !bytes.contains(0), let password = String(validating: bytes, as: UTF8.self) else {
      throw StartError(
        message: "--upstream-password-fd \(descriptor) gave a password that is not UTF-8 text")
    }
    return password
  }
}
