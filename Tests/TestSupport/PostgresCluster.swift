import Foundation

/// A throwaway PostgreSQL cluster for one test: `initdb` (trust, user `postgres`) into a fresh
/// directory under /tmp, served on a Unix socket in that directory only, removed by `stop()`.
/// A watchdog process stops it and removes the directory if the test process dies first.
public final class PostgresCluster {
  /// A libpq connection string for the `postgres` database as user `postgres`.
  public let connectionString: String
  public let directory: String
  public let port: Int
  private let binDirectory: String
  private let dataDirectory: String
  private let runAs: [String]
  private var watchdog: (process: ChildProcess, lifeline: Int32)?

  /// Where the PostgreSQL server binaries are: `$PORTAL_POSTGRES_BIN`, else the newest
  /// `/usr/lib/postgresql/*/bin` (Debian), else the folder of `initdb` on the PATH.
  public static let binaries: String? = {
    let fileManager = FileManager.default
    func holdsServer(_ folder: String) -> Bool {
      ["initdb", "pg_ctl", "postgres"].allSatisfy {
        fileManager.isExecutableFile(atPath: "\(folder)/\($0)")
      }
    }
    let environment = ProcessInfo.processInfo.environment
    if let folder = environment["PORTAL_POSTGRES_BIN"] { return holdsServer(folder) ? folder : nil }
    let versions = (try? fileManager.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
    if let newest = versions.compactMap(Int.init).sorted().last(where: {
      holdsServer("/usr/lib/postgresql/\($0)/bin")
    }) {
      return "/usr/lib/postgresql/\(newest)/bin"
    }
    return (environment["PATH"] ?? "").split(separator: ":").map(String.init).first(
      where: holdsServer)
  }()

  /// Whether the PostgreSQL tests run: when a server is installed, and always in CI
  /// (`CI=true`), where a missing server makes them fail rather than skip.
  public static var testsRun: Bool {
    binaries != nil || ProcessInfo.processInfo.environment["CI"] == "true"
  }

  /// Creates and starts a cluster; throws when PostgreSQL is missing or does not start.
  public init() throws {
    guard let binaries = Self.binaries else { throw PostgresClusterError.notInstalled }
    binDirectory = binaries
    var template = Array("/tmp/portal-pg-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw PostgresClusterError.noDirectory }
    directory = String(cString: made)
    dataDirectory = directory + "/data"
    port = Int.random(in: 20_000...60_000)  // names the socket file in our own directory only
    connectionString = "host=\(directory) port=\(port) user=postgres dbname=postgres"
    if geteuid() == 0 {
      // The server refuses to run as root; it runs as the `postgres` account.
      guard let account = getpwnam("postgres") else { throw PostgresClusterError.noPostgresUser }
      guard chown(directory, account.pointee.pw_uid, account.pointee.pw_gid) == 0 else {
        throw PostgresClusterError.noDirectory
      }
      runAs = ["/usr/sbin/runuser", "-u", "postgres", "--"]
    } else {
      runAs = []
    }
    do {
      try startWatchdog()
      try run(
        "initdb", "-D", dataDirectory, "-A", "trust", "-U", "postgres", "-E", "UTF8",
        "--no-locale", "--no-sync")
      let settings = """

        listen_addresses = ''
        port = \(port)
        unix_socket_directories = '\(directory)'
        fsync = off
        full_page_writes = off
        shared_buffers = 16MB
        max_connections = 40

        """
      let configuration = try FileHandle(forWritingTo: URL(filePath: dataConfiguration))
      try configuration.seekToEnd()
      try configuration.write(contentsOf: Data(settings.utf8))
      try configuration.close()
      try pgCtl("start")
    } catch {
      stop()
      throw error
    }
  }

  deinit { stop() }

  private var dataConfiguration: String { dataDirectory + "/postgresql.conf" }

  /// Stops the server (`pg_ctl stop -m fast`, after resuming it) and removes the directory.
  /// Idempotent.
  public func stop() {
    guard let watchdog else { return }
    self.watchdog = nil
    close(watchdog.lifeline)  // the watchdog's cue to clean up
    _ = watchdog.process.wait()
  }

  /// Freezes the server (SIGSTOP to the postmaster and each of its child processes), as a hung
  /// machine would look: connections stay open and nothing answers.
  public func pause() throws {
    let postmaster = try postmasterPID()
    kill(postmaster, SIGSTOP)
    try run(["/usr/bin/pkill", "-STOP", "-P", String(postmaster)], allowing: [0, 1])
  }

  /// Undoes `pause()`.
  public func resume() throws {
    let postmaster = try postmasterPID()
    try run(["/usr/bin/pkill", "-CONT", "-P", String(postmaster)], allowing: [0, 1])
    kill(postmaster, SIGCONT)
  }

  /// Restarts the server (`pg_ctl restart -m fast`): every connection is ended by the server.
  public func restart() throws {
    try resume()
    try pgCtl("restart", "-m", "fast")
  }

  /// The postmaster's process id, from the first line of `postmaster.pid`.
  public func postmasterPID() throws -> Int32 {
    let text = try String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8)
    guard let first = text.split(separator: "\n").first, let pid = Int32(first) else {
      throw PostgresClusterError.notRunning
    }
    return pid
  }

  private func pgCtl(_ arguments: String...) throws {
    try run(
      "pg_ctl",
      ["-D", dataDirectory, "-l", directory + "/server.log", "-w", "-t", "60"]
        + arguments)
  }

  private func run(_ tool: String, _ arguments: String...) throws {
    try run(tool, arguments)
  }

  private func run(_ tool: String, _ arguments: [String]) throws {
    try run(runAs + ["\(binDirectory)/\(tool)"] + arguments, allowing: [0])
  }

  /// Runs a command to its end, its output into `directory/commands.log`; a status outside
  /// `allowing` throws with the log's tail.
  private func run(_ command: [String], allowing statuses: Set<Int32>) throws {
    let logPath = directory + "/commands.log"
    let log = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    guard log >= 0 else { throw PostgresClusterError.noDirectory }
    defer { close(log) }
    let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
    defer { close(input) }
    let status = try ChildProcess(command, input: input, output: log).wait()
    guard statuses.contains(status) else {
      let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
      throw PostgresClusterError.commandFailed(
        command.joined(separator: " "), status: status, output: String(output.suffix(2000)))
    }
  }

  /// Starts, in a session of its own (so Ctrl-C to the tests does not reach it), a shell that
  /// waits for end of input on a socket whose only holder is this process (close-on-exec, so no
  /// child inherits it): on `stop()` or when this process dies, it resumes and stops the server
  /// and removes the directory.
  private func startWatchdog() throws {
    var ends: [Int32] = [-1, -1]
    let kind = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
    guard socketpair(AF_UNIX, kind, 0, &ends) == 0 else { throw PostgresClusterError.noDirectory }
    defer { close(ends[0]) }
    let pgCtl = (runAs + ["\(binDirectory)/pg_ctl"]).map(Self.shellQuoted).joined(separator: " ")
    let data = Self.shellQuoted(dataDirectory)
    let script = """
      read -r _
      pid=$(head -n 1 \(data)/postmaster.pid 2>/dev/null)
      if [ -n "$pid" ]; then pkill -CONT -P "$pid"; kill -CONT "$pid"; fi 2>/dev/null
      \(pgCtl) -D \(data) -m fast -w -t 30 stop >/dev/null 2>&1 \\
        || { [ -n "$pid" ] && kill -QUIT "$pid" 2>/dev/null; }
      rm -rf \(Self.shellQuoted(directory))
      """
    let output = open("/dev/null", O_WRONLY | O_CLOEXEC)
    defer { close(output) }
    do {
      let process = try ChildProcess(
        ["/usr/bin/setsid", "/bin/sh", "-c", script], input: ends[0], output: output)
      watchdog = (process, ends[1])
    } catch {
      close(ends[1])
      throw error
    }
  }

  private static func shellQuoted(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}

/// Why a throwaway PostgreSQL cluster could not be used.
public enum PostgresClusterError: Error, CustomStringConvertible {
  case notInstalled
  case noPostgresUser
  case noDirectory
  case notRunning
  case cannotRun(String, errno: Int32)
  case commandFailed(String, status: Int32, output: String)

  public var description: String {
    switch self {
    case .notInstalled:
      "PostgreSQL is not installed: no initdb, pg_ctl and postgres under /usr/lib/postgresql/*/bin,"
        + " $PORTAL_POSTGRES_BIN or the PATH (bash .ci/run installs it)"
    case .noPostgresUser: "running as root, but there is no `postgres` account to run the server"
    case .noDirectory: "cannot make the cluster's directory under /tmp"
    case .notRunning: "the cluster has no postmaster.pid"
    case .cannotRun(let command, let errno): "cannot run \(command) (errno \(errno))"
    case .commandFailed(let command, let status, let output):
      "\(command) exited \(status):\n\(output)"
    }
  }
}
