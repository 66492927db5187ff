internal import Postgres

/// The replica's part of the configuration (`--upstream` and the settings that tune it): checked
/// as each layer sets it (see `Setting.all`), turned into a `ReplicaConfiguration` once the data
/// directory is known and the password read. No field holds a password.
///
/// - SeeAlso: `docs/upstream.md`, "Running it".
public struct ReplicaOptions: Sendable, Equatable {
  /// The libpq URI or conninfo string; nil when no layer names one (standalone). Never echoed:
  /// it may name a user.
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

  public init() {}

  /// Refuses, without repeating it, a string libpq cannot parse or one holding a password.
  static func check(upstream text: String) throws(Setting.Problem) {
    do {
      _ = try PostgresConnectionString(text)
    } catch {
      if case .invalidConnectionString(let reason) = error,
        reason == PostgresConnectionString.passwordRefusal
      {
        throw Setting.Problem(
          "holds a password, which any user of this machine could read; give it with PGPASSFILE or ~/.pgpass, PGPASSWORD, or --upstream-password-fd N"
        )
      }
      throw Setting.Problem(
        "is not a libpq connection URI (postgresql://…) or conninfo string (host=… dbname=…)")
    }
  }

  /// What PostgreSQL accepts as an `application_name` unchanged: printable ASCII, under 64 bytes.
  static func isClientName(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    return (1...63).contains(bytes.count) && bytes.allSatisfy { (0x20...0x7E).contains($0) }
  }
}
