internal import Domain
internal import PortalJSON

extension Setting {
  /// Every setting, in the order `portal-rpc config` and `docs/configuration.md` list them. To add
  /// a setting, add its entry here (and a line to `docs/configuration.md`); the flag, the file and
  /// the environment then take it, checked alike.
  static let all: [Setting] = [
    Setting(
      "dataDir", flag: "--data-dir", variable: "PORTAL_DATA_DIR", kind: .path,
      excludes: ["inMemory"], unsetText: "none: no HOME",
      apply: { text, options throws(Problem) in
        guard !text.isEmpty else { throw Problem("needs a path") }
        options.dataDirectory = text
        options.inMemory = false
      },
      show: { options in
        options.inMemory ? .null : options.dataDirectory.map(JSONValue.string) ?? .null
      }),
    // A stray --in-memory in a file or the environment would silently keep nothing.
    Setting(
      "inMemory", flag: "--in-memory", variable: nil, inFile: false, kind: .presence,
      excludes: ["dataDir"],
      apply: { _, options throws(Problem) in
        options.inMemory = true
        options.dataDirectory = nil
      },
      show: { .bool($0.inMemory) }),
    // A stray --demo would fill a clinic's new store with fictional patients.
    Setting(
      "demo", flag: "--demo", variable: nil, inFile: false, kind: .presence,
      apply: { _, options throws(Problem) in options.demo = true },
      show: { .bool($0.demo) }),
    Setting(
      "durability", flag: "--durability", variable: "PORTAL_DURABILITY", kind: .text,
      apply: { text, options throws(Problem) in
        guard let durability = ServerConfiguration.Durability(rawValue: text) else {
          throw Problem("must be full or normal")
        }
        options.durability = durability
      },
      show: { .string($0.durability.rawValue) }),
    Setting(
      "busyTimeoutMs", flag: "--busy-timeout-ms", variable: "PORTAL_BUSY_TIMEOUT_MS",
      kind: .number,
      apply: { text, options throws(Problem) in
        guard let milliseconds = Int32(text), milliseconds >= 0, milliseconds <= 600_000 else {
          throw Problem("must be a whole number of milliseconds up to 600000")
        }
        options.busyTimeoutMilliseconds = milliseconds
      },
      show: { JSONValue(Int($0.busyTimeoutMilliseconds)) }),
    Setting(
      "logLevel", flag: "--log-level", variable: "PORTAL_LOG_LEVEL", kind: .text,
      apply: { text, options throws(Problem) in
        guard let level = LogLevel(name: text) else {
          throw Problem("must be one of error, warn, info, debug")
        }
        options.logLevel = level
      },
      show: { .string($0.logLevel.name) }),
    Setting(
      "maxMessageBytes", flag: "--max-message-bytes", variable: "PORTAL_MAX_MESSAGE_BYTES",
      kind: .number,
      apply: { text, options throws(Problem) in
        guard let bytes = Int(text), bytes >= 64, bytes <= 1 << 30 else {
          throw Problem("must be a whole number of bytes from 64 to 1073741824")
        }
        options.maxMessageBytes = bytes
      },
      show: { JSONValue($0.maxMessageBytes) }),
    Setting(
      "timezone", flag: "--timezone", variable: "PORTAL_TIMEZONE", kind: .text,
      unsetText: "the system's",
      apply: { text, options throws(Problem) in
        guard ClinicTimeZone.isKnown(text) else {
          throw Problem(
            "must name a time zone such as Europe/Berlin, America/New_York or UTC")
        }
        options.timeZone = text
      },
      show: { $0.timeZone.map(JSONValue.string) ?? .null }),
    Setting(
      "metrics", flag: "--metrics", variable: "PORTAL_METRICS", kind: .toggle,
      apply: { text, options throws(Problem) in options.metrics = try toggle(text) },
      show: { .bool($0.metrics) }),
    Setting(
      "slowRequestMs", flag: "--slow-request-ms", variable: "PORTAL_SLOW_REQUEST_MS",
      kind: .number,
      apply: { text, options throws(Problem) in
        guard let milliseconds = Int(text), milliseconds >= 0, milliseconds <= 86_400_000 else {
          throw Problem("must be a whole number of milliseconds up to 86400000")
        }
        options.slowRequestMilliseconds = milliseconds
      },
      show: { JSONValue($0.slowRequestMilliseconds) }),
    Setting(
      "cacheMb", flag: "--cache-mb", variable: "PORTAL_CACHE_MB", kind: .number,
      unsetText: "16, or 512 for an encrypted store",
      apply: { text, options throws(Problem) in
        guard let megabytes = Int(text), megabytes >= 1, megabytes <= 65_536 else {
          throw Problem("must be a whole number of MiB from 1 to 65536")
        }
        options.cacheMegabytes = megabytes
      },
      show: { $0.cacheMegabytes.map { JSONValue($0) } ?? .null }),
    Setting(
      "auth", flag: "--auth", variable: "PORTAL_AUTH", kind: .text,
      apply: { text, options throws(Problem) in
        guard let mode = AuthMode(rawValue: text) else {
          throw Problem("must be auto, required or off")
        }
        options.authMode = mode
      },
      show: { .string($0.authMode.rawValue) }),
    Setting(
      "idleTimeout", flag: "--idle-timeout", variable: "PORTAL_IDLE_TIMEOUT", kind: .duration,
      apply: { text, options throws(Problem) in
        guard let milliseconds = CommandLineOptions.duration(text), milliseconds >= 1000,
          milliseconds <= 24 * 3_600_000
        else {
          throw Problem("must be a duration from 1s to 24h, e.g. 900s, 15m or 1h")
        }
        options.idleTimeoutMilliseconds = milliseconds
      },
      show: { .string(CommandLineOptions.durationText($0.idleTimeoutMilliseconds)) }),
    // A descriptor is this process's own: it means nothing in a file or to another process.
    Setting(
      "keyFd", flag: "--key-fd", variable: nil, inFile: false, kind: .number,
      excludes: ["keyFile"],
      apply: { text, options throws(Problem) in
        options.key = .descriptor(try descriptor(text))
      },
      show: { options in
        guard case .descriptor(let descriptor) = options.key else { return .null }
        return JSONValue(Int(descriptor))
      }),
    // The path, not the key: the key itself is never a configuration value.
    Setting(
      "keyFile", flag: "--key-file", variable: "PORTAL_KEY_FILE", isSecret: true, kind: .path,
      excludes: ["keyFd"],
      apply: { text, options throws(Problem) in
        guard !text.isEmpty else { throw Problem("needs a file path") }
        options.key = .file(text)
      },
      show: { options in
        guard case .file(let path) = options.key else { return .null }
        return .string(path)
      }),
    // Secret: it may name a user and a host (one holding a password is refused).
    Setting(
      "upstream", flag: "--upstream", variable: "PORTAL_UPSTREAM", isSecret: true, kind: .text,
      isReplica: true, unsetText: "none: standalone",
      apply: { text, options throws(Problem) in
        try ReplicaOptions.check(upstream: text)
        options.replica.upstream = text
      },
      show: { $0.replica.upstream.map(JSONValue.string) ?? .null }),
    Setting(
      "upstreamPasswordFd", flag: "--upstream-password-fd", variable: nil, inFile: false,
      kind: .number, isReplica: true,
      apply: { text, options throws(Problem) in
        options.replica.passwordDescriptor = try descriptor(text)
      },
      show: { $0.replica.passwordDescriptor.map { JSONValue(Int($0)) } ?? .null }),
    Setting(
      "retryAttempts", flag: "--retry-attempts", variable: "PORTAL_RETRY_ATTEMPTS", kind: .number,
      isReplica: true,
      apply: { text, options throws(Problem) in
        guard let attempts = Int(text), (1...100).contains(attempts) else {
          throw Problem("must be a whole number from 1 to 100")
        }
        options.replica.retryAttempts = attempts
      },
      show: { JSONValue($0.replica.retryAttempts) }),
    Setting(
      "retryBaseMs", flag: "--retry-base-ms", variable: "PORTAL_RETRY_BASE_MS", kind: .number,
      isReplica: true,
      apply: { text, options throws(Problem) in
        guard let milliseconds = Int64(text), (1...3_600_000).contains(milliseconds) else {
          throw Problem("must be a whole number of milliseconds from 1 to 3600000")
        }
        options.replica.retryBaseMilliseconds = milliseconds
      },
      show: { JSONValue($0.replica.retryBaseMilliseconds) }),
    Setting(
      "retryCapMs", flag: "--retry-cap-ms", variable: "PORTAL_RETRY_CAP_MS", kind: .number,
      isReplica: true,
      apply: { text, options throws(Problem) in
        guard let milliseconds = Int64(text), (1...86_400_000).contains(milliseconds) else {
          throw Problem("must be a whole number of milliseconds from 1 to 86400000")
        }
        options.replica.retryCapMilliseconds = milliseconds
      },
      show: { JSONValue($0.replica.retryCapMilliseconds) }),
    Setting(
      "realtime", flag: "--realtime", variable: "PORTAL_REALTIME", kind: .toggle, isReplica: true,
      apply: { text, options throws(Problem) in options.replica.realtime = try toggle(text) },
      show: { .bool($0.replica.realtime) }),
    Setting(
      "offline", flag: "--offline", variable: "PORTAL_OFFLINE", kind: .toggle, isReplica: true,
      apply: { text, options throws(Problem) in options.replica.offline = try toggle(text) },
      show: { .bool($0.replica.offline) }),
    Setting(
      "clientName", flag: "--client-name", variable: "PORTAL_CLIENT_NAME", kind: .text,
      isReplica: true, unsetText: "host name/data directory",
      apply: { text, options throws(Problem) in
        guard ReplicaOptions.isClientName(text) else {
          throw Problem(
            "must be 1 to 63 printable ASCII characters (letters, digits, -./_ and the like)")
        }
        options.replica.clientName = text
      },
      show: { $0.replica.clientName.map(JSONValue.string) ?? .null }),
  ]

  /// The settings by key, by flag and by variable.
  static let byKey = Dictionary(uniqueKeysWithValues: all.map { ($0.key, $0) })
  static let byFlag = Dictionary(uniqueKeysWithValues: all.map { ($0.flag, $0) })
  static let byVariable = Dictionary(
    uniqueKeysWithValues: all.compactMap { setting in setting.variable.map { ($0, setting) } })

  /// The flags of the replica's settings.
  static let replicaFlags = Set(all.filter(\.isReplica).map(\.flag))

  /// A descriptor number the process may read a secret from (0, 1 and 2 are taken).
  private static func descriptor(_ text: String) throws(Problem) -> Int32 {
    guard let descriptor = Int32(text), descriptor >= 3 else {
      throw Problem(
        "must be a descriptor number of 3 or more (0, 1 and 2 carry the protocol and the log)")
    }
    return descriptor
  }

  /// `on` or `off`.
  private static func toggle(_ text: String) throws(Problem) -> Bool {
    switch text {
    case "on": return true
    case "off": return false
    default: throw Problem("must be on or off")
    }
  }
}
