internal import Domain
internal import Postgres

/// The parsed command line, before anything touches the disk.
///
/// - SeeAlso: `docs/protocol.md`, "Running it".
public struct CommandLineOptions: Sendable, Equatable {
  public enum Action: Sendable, Equatable {
    case serve
    case help
    case version
    case printOpenRPC
    case check
    /// `backup DEST`: a checked copy of the store at DEST (a file, or a directory to hold
    /// `portal.db`).
    case backup(destination: String)
    /// `restore SRC`: replaces the store with the checked copy at SRC (a file or a directory).
    case restore(source: String)
    /// `export --format jsonl`: every record, one JSON line each.
    case export
    /// `encrypt`: turns the plain store into one encrypted with the key given.
    case encrypt
    /// `rekey`: re-encrypts the store under the new key given.
    case rekey
    /// `config`: prints the effective configuration and where each value came from.
    case showConfiguration
  }

  /// What `export` writes.
  public enum ExportFormat: String, Sendable, Equatable {
    /// One `{"entityType":…,"entity":{…}}` object per line.
    case jsonl
  }

  public var action: Action = .serve
  public var dataDirectory: String?
  public var inMemory = false
  public var demo = false
  public var logLevel: LogLevel = .info
  public var maxMessageBytes = ServerConfiguration.defaultMaxMessageBytes
  public var durability: ServerConfiguration.Durability = .full
  public var fixedClock: String?
  /// A clock that starts at this time and runs (`--clock start:…`), for tests of the day turn.
  public var clockStart: String?
  /// The clinic's time zone (`--timezone`); nil for the system's.
  public var timeZone: String?
  public var busyTimeoutMilliseconds: Int32 = 5000
  public var maxStorePages: Int?
  /// `backup` and `export --output`: replace a file that is already there.
  public var force = false
  public var exportFormat: ExportFormat?
  /// `export`: the file to write (stdout when nil).
  public var outputFile: String?
  /// Whether requests need a signed-in staff member (`--auth`).
  public var authMode: AuthMode = .auto
  /// `--idle-timeout`: a session with no request for this long is signed out.
  public var idleTimeoutMilliseconds: Int64 = SessionLimits().idleMilliseconds
  /// `--clock file:PATH`: the time is read from PATH at every look (tests of expiry and idle
  /// logoff move it).
  public var clockFile: String?
  /// The replica's options (`--upstream` and the rest); see `ReplicaOptions`.
  public var replica = ReplicaOptions()
  /// Where the store's key comes from (`--key-fd` or `--key-file`); nil for a plain store.
  public var key: StoreKeySource?
  /// `rekey`: where the new key comes from (`--new-key-fd` or `--new-key-file`).
  public var newKey: StoreKeySource?
  /// `config --json`: the configuration as JSON rather than aligned text.
  public var json = false
  /// `--metrics`: whether requests and upstream calls are timed for `getMetrics`.
  public var metrics = true
  /// `--slow-request-ms`: at `--log-level debug`, requests that take this long are logged.
  public var slowRequestMilliseconds = 500
  /// `--cache-mb`: the most memory the store's page cache may take; nil for the default.
  public var cacheMegabytes: Int?

  public init() {}

  /// A command-line mistake: one line a person can act on; the process exits 2.
  public struct UsageError: Error, Equatable, Sendable {
    public let message: String
  }

  /// Parses `arguments` (without the program name) over the built-in defaults, without the
  /// environment or a config file (`Configuration.resolve` adds those). Accepts `--name value`
  /// and `--name=value`; refuses an option given twice and two actions at once.
  public static func parse(_ arguments: [String]) throws(UsageError) -> CommandLineOptions {
    try Configuration.resolve(arguments: arguments, environment: { _ in nil }).options
  }

  /// The command line read once: the action and the command's own flags in `options`, and the
  /// settings it gives, in order, for `Configuration` to lay over the other layers.
  struct Scanned {
    var options = CommandLineOptions()
    /// The flags of `Setting.all` that were given, each value already checked.
    var assignments: [Setting.Assignment] = []
    /// `--config PATH`.
    var configFile: String?
    /// `--profile`.
    var profile: Profile?
    var subcommand: String?
    var operand: String?
    /// Every flag given, in order.
    var given: [String] = []

    /// Whether the action reads the environment and the config file (`--help`, `--version` and
    /// `--openrpc` do not, so a broken configuration never hides them).
    var readsConfiguration: Bool {
      ![.help, .version, .printOpenRPC].contains(options.action)
    }
  }

  /// Reads the flags, the action and the operand; checks each setting's value where it stands,
  /// so the first mistake on the line is the one reported.
  static func scan(_ arguments: [String]) throws(UsageError) -> Scanned {
    var scanned = Scanned()
    var remaining = arguments[...]
    var seen: Set<String> = []
    var actionFlag: String?
    var checked = CommandLineOptions()
    if let first = remaining.first, Self.optionsBySubcommand.keys.contains(first) {
      scanned.subcommand = remaining.popFirst()
    }
    while let argument = remaining.popFirst() {
      var name = argument
      var inlineValue: String?
      if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
        name = String(argument[..<equals])
        inlineValue = String(argument[argument.index(after: equals)...])
      }
      guard seen.insert(name == "-h" ? "--help" : name).inserted else {
        throw UsageError(message: "\(name) is given more than once")
      }
      func act(_ action: Action) throws(UsageError) {
        if inlineValue != nil { throw UsageError(message: "\(name) takes no value") }
        if let actionFlag {
          throw UsageError(message: "\(actionFlag) and \(name) cannot be used together")
        }
        actionFlag = name
        scanned.options.action = action
      }
      func value() throws(UsageError) -> String {
        if let inlineValue { return inlineValue }
        guard let next = remaining.popFirst(), !next.hasPrefix("--") else {
          throw UsageError(message: "\(name) needs a value")
        }
        return next
      }
      func noValue() throws(UsageError) {
        if inlineValue != nil { throw UsageError(message: "\(name) takes no value") }
      }
      if argument.hasPrefix("-") { scanned.given.append(name) }
      if let setting = Setting.byFlag[name] {
        let text: String
        if setting.kind == .presence {
          try noValue()
          text = ""
        } else {
          text = try value()
        }
        do {
          try setting.apply(text, &checked)
        } catch {
          throw UsageError(message: setting.message(error, from: .flag(name)))
        }
        scanned.assignments.append(.init(setting: setting, text: text, source: .flag(name)))
        continue
      }
      switch name {
      case "--help", "-h": try act(.help)
      case "--version": try act(.version)
      case "--openrpc": try act(.printOpenRPC)
      case "--check": try act(.check)
      case "--config":
        let path = try value()
        guard !path.isEmpty else { throw UsageError(message: "--config needs a path") }
        scanned.configFile = path
      case "--profile":
        let text = try value()
        do {
          scanned.profile = try Profile.named(text)
        } catch {
          throw UsageError(message: "--profile \(error.predicate)")
        }
      case "--json":
        try noValue()
        scanned.options.json = true
      case "--max-store-pages":
        let text = try value()
        guard let pages = Int(text), pages >= 16 else {
          throw UsageError(message: "--max-store-pages must be a whole number of at least 16")
        }
        scanned.options.maxStorePages = pages
      case "--clock":
        let text = try value()
        let mode = text.prefix { $0 != ":" }
        let time = String(text.dropFirst(mode.count + 1))
        if mode == "file", !time.isEmpty {
          scanned.options.clockFile = time
          continue
        }
        guard mode == "fixed" || mode == "start", Timestamp(time) != nil else {
          throw UsageError(
            message:
              "--clock must be fixed:<ISO 8601 time with zone> or start:<time>, e.g. fixed:2026-01-31T09:15:00.000Z"
          )
        }
        if mode == "fixed" {
          scanned.options.fixedClock = time
        } else {
          scanned.options.clockStart = time
        }
      case "--force":
        try noValue()
        scanned.options.force = true
      case "--format":
        let text = try value()
        guard let format = ExportFormat(rawValue: text) else {
          throw UsageError(message: "--format must be jsonl (the one export format so far)")
        }
        scanned.options.exportFormat = format
      case "--output":
        let file = try value()
        guard !file.isEmpty else { throw UsageError(message: "--output needs a file path") }
        scanned.options.outputFile = file
      case "--new-key-fd", "--new-key-file":
        let source = try StoreKeySource.parse(flag: name, value: try value())
        if scanned.options.newKey != nil {
          throw UsageError(message: "--new-key-fd and --new-key-file cannot be used together")
        }
        scanned.options.newKey = source
      default:
        guard !argument.hasPrefix("-") else { throw UsageError(message: "unknown option \(name)") }
        let subcommand = scanned.subcommand
        guard subcommand == "backup" || subcommand == "restore", scanned.operand == nil,
          !argument.isEmpty
        else {
          throw UsageError(
            message: subcommand == nil
              ? "unexpected argument (the commands are backup, restore, export, encrypt, rekey, users and config; the server takes options only)"
              : "unexpected argument (\(subcommand!) takes \(["backup", "restore"].contains(subcommand!) ? "one path" : "no path"))"
          )
        }
        scanned.operand = argument
      }
    }
    return scanned
  }

  /// Checks, once every layer is applied, what holds across settings and the action, and sets a
  /// subcommand's action. `source` says where a setting's value came from.
  mutating func settle(_ scanned: Scanned, source: (String) -> SettingSource) throws(UsageError) {
    let given = scanned.given
    if action == .check && inMemory {
      throw UsageError(message: "--check needs a data directory; --in-memory has nothing to check")
    }
    if action == .check && demo {
      throw UsageError(message: "--check never changes the store, so --demo cannot be used with it")
    }
    let replicaFlags = given.filter(Setting.replicaFlags.contains)
    if let flag = replicaFlags.first, inMemory {
      throw UsageError(
        message:
          "\(flag) cannot be used with --in-memory: a replica keeps its data in a data directory")
    }
    // --check compares a replica with its upstream, so it takes where that is.
    if action == .check,
      let flag = replicaFlags.first(where: {
        !["--upstream", "--upstream-password-fd"].contains($0)
      })
    {
      throw UsageError(
        message: "--check does not take \(flag); it takes only --upstream and its password")
    }
    if replica.retryCapMilliseconds < replica.retryBaseMilliseconds {
      func named(_ key: String) -> String {
        let setting = Setting.byKey[key]!
        let from = source(key)
        return from == .builtIn ? setting.flag : setting.subject(from: from)
      }
      throw UsageError(
        message: "\(named("retryCapMs")) must be at least \(named("retryBaseMs"))")
    }
    if let subcommand = scanned.subcommand {
      try settle(subcommand, operand: scanned.operand, given: given)
    } else if let misplaced = given.first(where: Self.subcommandOptions.keys.contains) {
      throw UsageError(
        message: "\(misplaced) is used only by \(Self.subcommandOptions[misplaced]!)")
    }
  }

  /// Milliseconds in `text`: a whole number with `ms`, `s` (also without a unit), `m` or `h`.
  static func duration(_ text: String) -> Int64? {
    let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
    for (suffix, scale) in units where text.hasSuffix(suffix) {
      guard let number = Int64(text.dropLast(suffix.count)), number >= 0 else { return nil }
      return number.multipliedReportingOverflow(by: scale).overflow ? nil : number * scale
    }
    return Int64(text).flatMap { $0 >= 0 && $0 < Int64.max / 1000 ? $0 * 1000 : nil }
  }

  /// `milliseconds` in the largest unit `duration` reads back exactly: `15m`, `90s`, `1500ms`.
  static func durationText(_ milliseconds: Int64) -> String {
    for (suffix, scale) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1000)]
    where milliseconds % scale == 0 && milliseconds > 0 {
      return "\(milliseconds / scale)\(suffix)"
    }
    return "\(milliseconds)ms"
  }

  /// Options that belong to one or two subcommands, and where they belong.
  private static let subcommandOptions = [
    "--force": "backup and export", "--format": "export", "--output": "export",
    "--new-key-fd": "rekey", "--new-key-file": "rekey", "--json": "config",
  ]

  /// The options each subcommand takes (besides `--help`): its own, and where the configuration
  /// comes from.
  private static let optionsBySubcommand: [String: Set<String>] = {
    let commands: [String: Set<String>] = [
      "backup": [
        "--data-dir", "--force", "--busy-timeout-ms", "--clock", "--timezone", "--key-fd",
        "--key-file",
      ],
      "restore": [
        "--data-dir", "--busy-timeout-ms", "--clock", "--timezone", "--key-fd", "--key-file",
      ],
      "export": [
        "--data-dir", "--format", "--output", "--force", "--busy-timeout-ms", "--key-fd",
        "--key-file",
      ],
      "encrypt": ["--data-dir", "--busy-timeout-ms", "--key-fd", "--key-file"],
      "rekey": [
        "--data-dir", "--busy-timeout-ms", "--key-fd", "--key-file", "--new-key-fd",
        "--new-key-file",
      ],
      // `config` shows what the server would run with, so it takes every setting's flag.
      "config": Set(Setting.all.map(\.flag)).union(["--json"]),
    ]
    return commands.mapValues { $0.union(["--config", "--profile"]) }
  }()

  /// Sets the action of `subcommand` and checks that it got what it needs and nothing else.
  private mutating func settle(_ subcommand: String, operand: String?, given: [String])
    throws(UsageError)
  {
    if action == .help { return }
    let allowed = Self.optionsBySubcommand[subcommand]!
    if let stray = given.first(where: { !allowed.contains($0) }) {
      throw UsageError(message: "\(subcommand) does not take \(stray)")
    }
    switch subcommand {
    case "backup":
      guard let operand else {
        throw UsageError(message: "backup needs a destination: portal-rpc backup DEST")
      }
      action = .backup(destination: operand)
    case "restore":
      guard let operand else {
        throw UsageError(message: "restore needs the backup to restore: portal-rpc restore SRC")
      }
      action = .restore(source: operand)
    case "encrypt":
      guard key != nil else {
        throw UsageError(
          message: "encrypt needs the key to encrypt with: --key-fd N or --key-file PATH")
      }
      action = .encrypt
    case "config":
      action = .showConfiguration
    case "rekey":
      guard key != nil, newKey != nil else {
        throw UsageError(
          message:
            "rekey needs the current key (--key-fd or --key-file) and the new one (--new-key-fd or --new-key-file)"
        )
      }
      action = .rekey
    default:
      guard exportFormat != nil else {
        throw UsageError(message: "export needs --format jsonl")
      }
      if force && outputFile == nil {
        throw UsageError(message: "--force is for replacing an --output file")
      }
      action = .export
    }
  }

  public static let helpText = """
    portal-rpc: the PortalRPC data backend, speaking JSON-RPC 2.0 on stdin/stdout.

    Usage: portal-rpc [--config PATH] [--profile production|development]
                      [--data-dir DIR | --in-memory] [--demo] [--log-level LEVEL]
                      [--max-message-bytes N] [--durability full|normal]
                      [--busy-timeout-ms N] [--timezone ZONE]
                      [--auth auto|required|off] [--idle-timeout DURATION]
                      [--key-fd N | --key-file PATH]
                      [--metrics on|off] [--slow-request-ms N] [--cache-mb N]
                      [--upstream URL [--upstream-password-fd N] [--retry-attempts N]
                       [--retry-base-ms N] [--retry-cap-ms N] [--realtime on|off]
                       [--offline on|off] [--client-name NAME]]
           portal-rpc config [--json] [--config PATH] [--profile P] [any option above]
           portal-rpc --check [--data-dir DIR] [--timezone ZONE]
                      [--upstream URL [--upstream-password-fd N]]
           portal-rpc backup DEST [--data-dir DIR] [--force]
           portal-rpc restore SRC [--data-dir DIR]
           portal-rpc export --format jsonl [--data-dir DIR] [--output FILE [--force]]
           portal-rpc encrypt [--data-dir DIR] (--key-fd N | --key-file PATH)
           portal-rpc rekey [--data-dir DIR] (--key-fd N | --key-file PATH)
                      (--new-key-fd M | --new-key-file PATH)
           portal-rpc users add|list|disable|enable|reset-password|set-role …
           portal-rpc users --help
           portal-rpc --help | --version | --openrpc

    One JSON-RPC message (or batch) per line on stdin; one response per line on stdout; logs on
    stderr. Send initialize first, shutdown and exit (or close stdin) last.

    Settings come from, lowest first: built-in defaults, a profile, the config file, PORTAL_*
    environment variables (PORTAL_DURABILITY for --durability, and so on) and flags.
    portal-rpc config shows each value and where it came from; docs/configuration.md lists
    them all.

    Options:
      --config PATH             The config file, a JSON object of settings (default
                                $XDG_CONFIG_HOME/portal-rpc/config.json, else
                                ~/.config/portal-rpc/config.json; also $PORTAL_CONFIG).
      --profile NAME            production: durability full, auth required, realtime and offline
                                on, 3 retries; refuses to start without a key or with auth off.
                                development: debug logs, realtime and offline off, 1 retry.
                                Also $PORTAL_PROFILE or "profile" in the config file.
      --data-dir DIR            Where the data lives (created if missing). Default: $PORTAL_DATA_DIR,
                                else $XDG_DATA_HOME/portal-rpc, else ~/.local/share/portal-rpc.
      --in-memory               Keep nothing on disk.
      --demo                    Fill an empty store with a small demo practice.
      --log-level LEVEL         error, warn, info (default) or debug. Logs never hold patient data.
      --max-message-bytes N     Longest accepted line (default 16777216); longer ones get -32600.
      --durability MODE         full (default): a response is written only after its change is on
                                disk. normal: faster; survives a crash of this process, not a power cut.
      --busy-timeout-ms N       How long a write waits for another process's lock before it is
                                refused with -32005 (default 5000).
      --timezone ZONE           The clinic's time zone (IANA name, e.g. Europe/Berlin; default the
                                system's): what "today" is for nextAppointment, lastVisit and
                                dates that may not be in the future.
      --auth MODE               auto (default): staff must log in as soon as the store has one
                                account (portal-rpc users add); required: even with none;
                                off: never (a warning on every start; requests still audited).
      --idle-timeout DURATION   Sign a session out after this long without a request (default
                                15m; e.g. 900s, 15m, 1h), with an auth/expired notification.
      --key-fd N                Read the store's key from descriptor N (3 or more).
      --key-file PATH           Read the store's key from PATH (also $PORTAL_KEY_FILE). The key
                                itself is never an argument or an environment variable.
      --metrics on|off          on (default): time every request and upstream call for
                                getMetrics; off: record nothing (getMetrics answers empty).
      --slow-request-ms N       At --log-level debug, log each request that takes N ms or more
                                (default 500): its method and duration, never its params.
      --cache-mb N              The most memory the store's page cache may take (default 16 MiB,
                                512 for an encrypted store, whose misses each decrypt a page).
      --clock fixed:TIME        Use TIME (ISO 8601 UTC) for every timestamp (reproducible tests);
                                start:TIME starts the clock at TIME and lets it run;
                                file:PATH reads the time from PATH at every look (tests).
      --max-store-pages N       Fault injection for tests: the store refuses to grow past N pages
                                (4 KiB each), as on a full disk.
      --check                   Check the store in the data directory (integrity, DataSync's
                                invariants, counts) without changing it; exit 1 on a problem.
      --openrpc                 Print the OpenRPC document of the interface and exit.
      --version                 Print the version and exit.
      -h, --help                Print this help and exit.

    A replica of the clinic's PostgreSQL, none of these with --in-memory:
      --upstream URL            Serve the data directory as a replica of this PostgreSQL (a libpq
                                URI or conninfo string; default $PORTAL_UPSTREAM). A URL holding
                                a password is refused: use PGPASSFILE or ~/.pgpass, PGPASSWORD,
                                or --upstream-password-fd N.
      --upstream-password-fd N  Read the password from descriptor N (3 or more) once at start,
                                up to its end, without one trailing newline; N is then closed.
      --retry-attempts N        Tries of a sync<E>DataWithAPI before it answers -32006 (default 3).
      --retry-base-ms N         The first retry's longest wait (default 1000); each next one
                                doubles, with full jitter.
      --retry-cap-ms N          The longest wait between retries (default 300000).
      --realtime on|off         on (default): upstream changes arrive at once (LISTEN/NOTIFY);
                                off: by polling only, every 5 s.
      --offline on|off          on (default): writes queue while the upstream is down; off: they
                                fail with -32006 instead.
      --client-name NAME        This workstation's name upstream (PostgreSQL's application_name;
                                1 to 63 printable ASCII characters). Default: the host name and
                                the data directory's last path component, e.g. desk1/ws1.

    Commands (each works while other processes serve the same data directory, except restore):
      config                    Print every setting, its value and its source (default, profile,
                                file, env, flag), secrets as <redacted>; --json for JSON.
      backup DEST               Copy the store, as of one moment, to DEST (a file, or an existing
                                directory to hold portal.db), mode 0600; the copy must pass the
                                --check checks before it is moved into place. --force replaces
                                an existing DEST.
      restore SRC               Replace the store with the backup SRC (a file, or a directory
                                holding portal.db) once it passes the checks. Refused while any
                                process has the store open; the replaced store is kept beside it
                                as portal.db.replaced-TIME.
      export --format jsonl     Write every record, one {"entityType","entity"} line each (patients,
                                then each other type, by id), to stdout or --output FILE (mode
                                0600; --force replaces it). Progress, as counts only, on stderr.
      encrypt                   Encrypt the plain store with the key given (64 hex digits, e.g.
                                from openssl rand -hex 32). Refused while any process has the
                                store open; a kill midway leaves the plain store as it was.
      rekey                     Re-encrypt the store under the new key; a kill midway leaves it
                                opening with the old key or the new one. The other commands and
                                --check take the key the same way.

    Exit status: 0 after shutdown/exit, end of input or SIGTERM, 2 for a bad command line or
    configuration (one line naming the setting and where it came from),
    3 when the data directory or its store cannot be used; --check: 0 sound, 1 problems
    found (a damaged store, or another program's file, too), 3 no store to check.
    backup, restore, export: 0 done; 1 the copy or the backup failed the checks (nothing was
    changed); 2 a bad command line, or an existing destination without --force given; 3 the
    store, the backup or the destination cannot be used (missing, unwritable, or in use for
    restore). A wrong key, no key for an encrypted store, or a key for a plain one: 3, with one
    line saying which.
    """
}
