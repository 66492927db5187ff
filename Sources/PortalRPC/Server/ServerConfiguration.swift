public import Storage

/// How one server process is set up: where its data lives and the limits it enforces. Built from
/// the command line (`CommandLineOptions`) or directly by tests.
public struct ServerConfiguration: Sendable {
  public enum Durability: String, Sendable, CaseIterable {
    /// Every commit is synced to disk before its response is written.
    case full
    /// Commits survive a crash of this process, not a power cut; several times faster.
    case normal
  }

  /// The data directory, or nil for `--in-memory`.
  public var dataDirectory: String?
  public var demo: Bool
  public var logLevel: LogLevel
  public var maxMessageBytes: Int
  public var durability: Durability
  /// A fixed time for every timestamp the server writes (`--clock fixed:…`), for reproducible
  /// transcripts; nil uses the system clock.
  public var fixedClock: String?
  /// A clock that starts at this time and then runs (`--clock start:…`); nil for the system's.
  public var clockStart: String?
  /// `--clock file:PATH`: the time is read from this file at every look (tests); nil otherwise.
  public var clockFile: String?
  /// The clinic's time zone (an IANA name), which decides what "today" is; nil for the system's.
  public var timeZone: String?
  /// How long a write waits for another process's lock.
  public var busyTimeoutMilliseconds: Int32 = 5000
  /// Fault injection: the store refuses to grow past this many pages.
  public var maxStorePages: Int?
  /// Whether requests need a signed-in staff member (`--auth`).
  public var authMode: AuthMode = .auto
  /// Idle logoff and token lifetimes (`--idle-timeout`).
  public var sessionLimits = SessionLimits()
  /// How to follow the clinic's PostgreSQL (`--upstream`); nil when standalone.
  public var replica: ReplicaConfiguration?
  /// The key the store is encrypted with (`--key-fd`, `--key-file`); nil for a plain store.
  public var storeKey: StoreKey?

  /// How every connection of this process opens the store; `synchronousFull` overrides the
  /// durability (a connection whose commits need no fsync of their own).
  func storeOptions(synchronousFull: Bool? = nil) -> Store.Options {
    Store.Options(
      synchronousFull: synchronousFull ?? (durability == .full),
      busyTimeoutMilliseconds: busyTimeoutMilliseconds, maxPages: maxStorePages, key: storeKey,
      cacheMegabytes: cacheMegabytes)
  }
  /// Whether requests, commits and upstream calls are timed for `getMetrics` (`--metrics`).
  public var metrics = true
  /// At `--log-level debug`, a request that takes at least this long is logged with its method
  /// and duration (`--slow-request-ms`).
  public var slowRequestMilliseconds = 500
  /// The page cache of the serving connection, in MiB (`--cache-mb`); nil for the store's
  /// default (larger for an encrypted store: see `Store.Options.defaultCacheMegabytes`).
  public var cacheMegabytes: Int?

  public static let defaultMaxMessageBytes = 16 << 20

  public init(
    dataDirectory: String? = nil,
    demo: Bool = false,
    logLevel: LogLevel = .info,
    maxMessageBytes: Int = ServerConfiguration.defaultMaxMessageBytes,
    durability: Durability = .full,
    fixedClock: String? = nil
  ) {
    self.dataDirectory = dataDirectory
    self.demo = demo
    self.logLevel = logLevel
    self.maxMessageBytes = maxMessageBytes
    self.durability = durability
    self.fixedClock = fixedClock
  }
}
