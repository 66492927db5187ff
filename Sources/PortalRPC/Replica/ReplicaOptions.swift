internal import Postgres

/// The replica's part of the command line (`--upstream` and the options that tune it), as given:
/// checked when parsed, turned into a `ReplicaConfiguration` once the data directory is known and
/// the password read. No field holds a password.
///
/// - SeeAlso: `docs/upstream.md`, "Running it".
public struct ReplicaOptions: Sendable, Equatable {
  /// The libpq URI or conninfo string; nil when neither `--upstream` nor `PORTAL_UPSTREAM` names
  /// one (standalone). Never echoed: it may name a user.
  public var upstream: String?
  /// `--upstream-password-fd`: where the password is read from, once, at start.
  public var passwordDescriptor: Int32?
  public var retryAttempts = 3
  public var retryBaseMilliseconds: Int64 = 1_000
  public var retryCapMilliseconds: Int64 = 300_000
  /// `--realtime`: LISTEN/NOTIFY (true) or polling only.
  public var realtime = true
  /// `--offline`: writes queue while the upstream is down (true) or fail with -32006.
  public var offline = true
  /// `--client-name`; nil for the default (host name and data directory).
  public var clientName: String?
  /// The flags given, in order (those other than `--upstream` need an upstream).
  private(set) var given: [String] = []

  public init() {}

  /// Every flag of the replica.
  static let flags: Set<String> = [
    "--upstream", "--upstream-password-fd", "--retry-attempts", "--retry-base-ms",
    "--retry-cap-ms", "--realtime", "--offline", "--client-name",
  ]

  /// The environment variable that names the upstream when `--upstream` does not.
  public static let environmentVariable = "PORTAL_UPSTREAM"

  typealias UsageError = CommandLineOptions.UsageError

  /// Takes one flag and its value.
  mutating func parse(_ flag: String, _ value: String) throws(UsageError) {
    given.append(flag)
    switch flag {
    case "--upstream":
      try Self.check(upstream: value, from: flag)
      upstream = value
    case "--upstream-password-fd":
      guard let descriptor = Int32(value), descriptor >= 3 else {
        throw UsageError(
          message:
            "--upstream-password-fd must be a descriptor number of 3 or more (0, 1 and 2 carry the protocol and the log)"
        )
      }
      passwordDescriptor = descriptor
    case "--retry-attempts":
      guard let attempts = Int(value), (1...100).contains(attempts) else {
        throw UsageError(message: "--retry-attempts must be a whole number from 1 to 100")
      }
      retryAttempts = attempts
    case "--retry-base-ms":
      guard let milliseconds = Int64(value), (1...3_600_000).contains(milliseconds) else {
        throw UsageError(
          message: "--retry-base-ms must be a whole number of milliseconds from 1 to 3600000")
      }
      retryBaseMilliseconds = milliseconds
    case "--retry-cap-ms":
      guard let milliseconds = Int64(value), (1...86_400_000).contains(milliseconds) else {
        throw UsageError(
          message: "--retry-cap-ms must be a whole number of milliseconds from 1 to 86400000")
      }
      retryCapMilliseconds = milliseconds
    case "--realtime": realtime = try Self.switchValue(flag, value)
    case "--offline": offline = try Self.switchValue(flag, value)
    case "--client-name":
      guard Self.isClientName(value) else {
        throw UsageError(
          message:
            "--client-name must be 1 to 63 printable ASCII characters (letters, digits, -./_ and the like)"
        )
      }
      clientName = value
    default:
      preconditionFailure("\(flag) is not a replica flag")
    }
  }

  /// Checks what holds across flags (after all were parsed).
  func settle() throws(UsageError) {
    if retryCapMilliseconds < retryBaseMilliseconds {
      throw UsageError(message: "--retry-cap-ms must be at least --retry-base-ms")
    }
  }

  /// Takes `PORTAL_UPSTREAM` when `--upstream` was not given, then checks that the other flags
  /// have an upstream to tune. Only the server takes it (not `--check` or the commands).
  mutating func adoptEnvironment(_ environment: (String) -> String?, inMemory: Bool)
    throws(UsageError)
  {
    if upstream == nil, let text = environment(Self.environmentVariable), !text.isEmpty {
      if inMemory {
        throw UsageError(
          message:
            "\(Self.environmentVariable) is set, but --in-memory cannot be a replica; unset it or give --data-dir"
        )
      }
      try Self.check(upstream: text, from: Self.environmentVariable)
      upstream = text
    }
    if upstream == nil, let flag = given.first {
      throw UsageError(message: "\(flag) needs --upstream URL (or \(Self.environmentVariable))")
    }
  }

  /// Refuses, without repeating it, a string libpq cannot parse or one holding a password.
  static func check(upstream text: String, from source: String) throws(UsageError) {
    do {
      _ = try PostgresConnectionString(text)
    } catch {
      if case .invalidConnectionString(let reason) = error,
        reason == PostgresConnectionString.passwordRefusal
      {
        throw UsageError(
          message:
            "\(source) holds a password, which any user of this machine could read; give it with PGPASSFILE or ~/.pgpass, PGPASSWORD, or --upstream-password-fd N"
        )
      }
      throw UsageError(
        message:
          "\(source) is not a libpq connection URI (postgresql://…) or conninfo string (host=… dbname=…)"
      )
    }
  }

  static func switchValue(_ flag: String, _ value: String) throws(UsageError) -> Bool {
    switch value {
    case "on": return true
    case "off": return false
    default: throw UsageError(message: "\(flag) must be on or off")
    }
  }

  /// What PostgreSQL accepts as an `application_name` unchanged: printable ASCII, under 64 bytes.
  static func isClientName(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    return (1...63).contains(bytes.count) && bytes.allSatisfy { (0x20...0x7E).contains($0) }
  }
}
