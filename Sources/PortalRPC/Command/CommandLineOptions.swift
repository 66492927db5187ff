internal import Domain

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

  public init() {}

  /// A command-line mistake: one line a person can act on; the process exits 2.
  public struct UsageError: Error, Equatable, Sendable {
    public let message: String
  }

  /// Parses `arguments` (without the program name). Accepts `--name value` and `--name=value`;
  /// refuses an option given twice and two actions at once.
  public static func parse(_ arguments: [String]) throws(UsageError) -> CommandLineOptions {
    var options = CommandLineOptions()
    var remaining = arguments[...]
    var seen: Set<String> = []
    var actionFlag: String?
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
        options.action = action
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
      switch name {
      case "--help", "-h": try act(.help)
      case "--version": try act(.version)
      case "--openrpc": try act(.printOpenRPC)
      case "--check": try act(.check)
      case "--data-dir":
        let directory = try value()
        guard !directory.isEmpty else { throw UsageError(message: "--data-dir needs a path") }
        options.dataDirectory = directory
      case "--in-memory":
        try noValue()
        options.inMemory = true
      case "--demo":
        try noValue()
        options.demo = true
      case "--log-level":
        let text = try value()
        guard let level = LogLevel(name: text) else {
          throw UsageError(message: "--log-level must be one of error, warn, info, debug")
        }
        options.logLevel = level
      case "--max-message-bytes":
        let text = try value()
        guard let bytes = Int(text), bytes >= 64, bytes <= 1 << 30 else {
          throw UsageError(
            message: "--max-message-bytes must be a whole number of bytes from 64 to 1073741824")
        }
        options.maxMessageBytes = bytes
      case "--durability":
        let text = try value()
        guard let durability = ServerConfiguration.Durability(rawValue: text) else {
          throw UsageError(message: "--durability must be full or normal")
        }
        options.durability = durability
      case "--busy-timeout-ms":
        let text = try value()
        guard let milliseconds = Int32(text), milliseconds >= 0, milliseconds <= 600_000 else {
          throw UsageError(
            message: "--busy-timeout-ms must be a whole number of milliseconds up to 600000")
        }
        options.busyTimeoutMilliseconds = milliseconds
      case "--max-store-pages":
        let text = try value()
        guard let pages = Int(text), pages >= 16 else {
          throw UsageError(message: "--max-store-pages must be a whole number of at least 16")
        }
        options.maxStorePages = pages
      case "--clock":
        let text = try value()
        let mode = text.prefix { $0 != ":" }
        let time = String(text.dropFirst(mode.count + 1))
        guard mode == "fixed" || mode == "start", Timestamp(time) != nil else {
          throw UsageError(
            message:
              "--clock must be fixed:<ISO 8601 time with zone> or start:<time>, e.g. fixed:2026-01-31T09:15:00.000Z"
          )
        }
        if mode == "fixed" { options.fixedClock = time } else { options.clockStart = time }
      case "--timezone":
        let text = try value()
        guard ClinicTimeZone.isKnown(text) else {
          throw UsageError(
            message:
              "--timezone must name a time zone such as Europe/Berlin, America/New_York or UTC")
        }
        options.timeZone = text
      default:
        throw UsageError(
          message: argument.hasPrefix("-")
            ? "unknown option \(name)" : "unexpected argument (this command takes options only)")
      }
    }
    if options.inMemory && options.dataDirectory != nil {
      throw UsageError(message: "--data-dir and --in-memory cannot be used together")
    }
    if options.action == .check && options.inMemory {
      throw UsageError(message: "--check needs a data directory; --in-memory has nothing to check")
    }
    if options.action == .check && options.demo {
      throw UsageError(message: "--check never changes the store, so --demo cannot be used with it")
    }
    return options
  }

  public static let helpText = """
    portal-rpc: the PortalRPC data backend, speaking JSON-RPC 2.0 on stdin/stdout.

    Usage: portal-rpc [--data-dir DIR | --in-memory] [--demo] [--log-level LEVEL]
                      [--max-message-bytes N] [--durability full|normal]
                      [--busy-timeout-ms N] [--timezone ZONE]
           portal-rpc --check [--data-dir DIR] [--timezone ZONE]
           portal-rpc --help | --version | --openrpc

    One JSON-RPC message (or batch) per line on stdin; one response per line on stdout; logs on
    stderr. Send initialize first, shutdown and exit (or close stdin) last.

    Options:
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
      --clock fixed:TIME        Use TIME (ISO 8601 UTC) for every timestamp (reproducible tests);
                                start:TIME starts the clock at TIME and lets it run.
      --max-store-pages N       Fault injection for tests: the store refuses to grow past N pages
                                (4 KiB each), as on a full disk.
      --check                   Check the store in the data directory (integrity, DataSync's
                                invariants, counts) without changing it; exit 1 on a problem.
      --openrpc                 Print the OpenRPC document of the interface and exit.
      --version                 Print the version and exit.
      -h, --help                Print this help and exit.

    Exit status: 0 after shutdown/exit or end of input, 2 for a bad command line,
    3 when the data directory or its store cannot be used; --check: 0 sound, 1 problems
    found (a damaged store, or another program's file, too), 3 no store to check.
    """
}
