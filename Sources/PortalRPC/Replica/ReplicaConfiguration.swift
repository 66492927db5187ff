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

  /// Reads the password from `descriptor` (see `SecretInput.read`).
  static func readPassword(from descriptor: Int32) throws(StartError) -> String {
    do {
      return try SecretInput.read(
        descriptor, flag: "--upstream-password-fd", timeout: ReplicaConfiguration.passwordTimeout)
    } catch {
      throw StartError(message: error.message)
    }
  }
}
