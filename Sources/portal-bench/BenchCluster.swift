import Foundation

/// A throwaway PostgreSQL for the upstream figures: `initdb` into a fresh directory under /tmp,
/// served on a Unix socket in that directory only (`listen_addresses = ''`), run as the `postgres`
/// account when the bench runs as root (the server refuses root). Durability stays as installed
/// (fsync on), as a clinic's server would run. A watchdog in a session of its own stops the server
/// and removes the directory when `stop()` is called or when the bench dies first.
final class BenchCluster {
  let directory: String
  let port: Int
  private let binaries: String
  private let runAs: [String]
  private var watchdog: (process: Process, lifeline: FileHandle)?

  /// Where the server binaries are: `$PORTAL_POSTGRES_BIN`, else the newest
  /// `/usr/lib/postgresql/*/bin`, else the folder of `initdb` on the PATH; nil when missing.
  static var binaries: String? {
    let fileManager = FileManager.default
    func holdsServer(_ folder: String) -> Bool {
      ["initdb", "pg_ctl", "postgres", "psql"].allSatisfy {
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
  }

  init(binaries: String) throws {
    self.binaries = binaries
    var template = Array("/tmp/portal-bench-pg-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw BenchError.setup("cannot make a temp dir") }
    directory = String(cString: made)
    port = Int.random(in: 20_000...60_000)  // names the socket file in our own directory only
    if geteuid() == 0 {
      guard let account = getpwnam("postgres"),
        chown(directory, account.pointee.pw_uid, account.pointee.pw_gid) == 0
      else {
        try? FileManager.default.removeItem(atPath: directory)
        throw BenchError.setup("running as root, but the postgres account cannot own \(directory)")
      }
      runAs = ["/usr/sbin/runuser", "-u", "postgres", "--"]
    } else {
      runAs = []
    }
    do {
      try startWatchdog()
      try runLogged(
        runAs + [
          "\(binaries)/initdb", "-D", dataDirectory, "-A", "trust", "-U", "postgres", "-E", "UTF8",
          "--no-locale",
        ])
      let settings = """

        listen_addresses = ''
        port = \(port)
        unix_socket_directories = '\(directory)'
        max_connections = 40

        """
      let configuration = try FileHandle(
        forWritingTo: URL(filePath: dataDirectory + "/postgresql.conf"))
      try configuration.seekToEnd()
      try configuration.write(contentsOf: Data(settings.utf8))
      try configuration.close()
      try runLogged(
        runAs + [
          "\(binaries)/pg_ctl", "-D", dataDirectory, "-l", directory + "/server.log", "-w", "-t",
          "60", "start",
        ])
    } catch {
      stop()
      throw error
    }
  }

  deinit { stop() }

  private var dataDirectory: String { directory + "/data" }

  /// The `--upstream` value for database `name` (no password: trust on a private socket).
  func upstream(_ name: String) -> String {
    "host=\(directory) port=\(port) user=postgres dbname=\(name)"
  }

  func createDatabase(_ name: String) throws {
    _ = try query("CREATE DATABASE \(name)", database: "postgres")
  }

  /// Runs `sql` with psql and returns its unaligned output, trimmed.
  func query(_ sql: String, database: String) throws -> String {
    try Shell.output([
      "\(binaries)/psql", "-X", "-q", "-t", "-A", "-h", directory, "-p", String(port), "-U",
      "postgres", "-d", database, "-c", sql,
    ]).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Runs a command with `posix_spawn`, its output into `directory/commands.log`, and reaps it
  /// with `waitpid`. Foundation's `Process` notices an exit only when every inheritor of a
  /// descriptor it hands the child has closed it, which the server `pg_ctl start` leaves running
  /// never does.
  private func runLogged(_ command: [String]) throws {
    let logPath = directory + "/commands.log"
    let log = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
    defer {
      close(log)
      close(input)
    }
    guard log >= 0, input >= 0 else { throw BenchError.setup("cannot open \(logPath)") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, input, 0)
    posix_spawn_file_actions_adddup2(&actions, log, 1)
    posix_spawn_file_actions_adddup2(&actions, log, 2)
    let arguments = command.map { strdup($0) } + [nil]
    let environment =
      ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { (arguments + environment).forEach { free($0) } }
    var pid: Int32 = 0
    let spawned = posix_spawn(&pid, command[0], &actions, nil, arguments, environment)
    guard spawned == 0 else { throw BenchError.setup("cannot run \(command[0]) (\(spawned))") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
      guard errno == EINTR else { break }
    }
    guard status == 0 else {
      let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
      throw BenchError.failed(
        "\(command.joined(separator: " ")) failed (\(status)): \(output.suffix(1000))")
    }
  }

  /// Freezes the server (SIGSTOP to the postmaster and each of its children), as a hung machine
  /// looks: connections stay open and nothing answers.
  func pause() throws {
    let postmaster = try postmasterPID()
    kill(postmaster, SIGSTOP)
    _ = try? Shell.run(["/usr/bin/pkill", "-STOP", "-P", String(postmaster)])
  }

  /// Undoes `pause()`.
  func resume() throws {
    let postmaster = try postmasterPID()
    _ = try? Shell.run(["/usr/bin/pkill", "-CONT", "-P", String(postmaster)])
    kill(postmaster, SIGCONT)
  }

  private func postmasterPID() throws -> Int32 {
    let text = try String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8)
    guard let first = text.split(separator: "\n").first, let pid = Int32(first) else {
      throw BenchError.failed("the cluster has no postmaster.pid")
    }
    return pid
  }

  /// Stops the server (after resuming it) and removes the directory. Idempotent.
  func stop() {
    guard let watchdog else { return }
    self.watchdog = nil
    try? watchdog.lifeline.close()  // the watchdog's cue to clean up
    watchdog.process.waitUntilExit()
  }

  /// A shell in a session of its own (Ctrl-C to the bench does not reach it) that waits for end
  /// of input, which comes from `stop()` or from the bench's death, then resumes and stops the
  /// server and removes the directory.
  private func startWatchdog() throws {
    func quoted(_ text: String) -> String {
      "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
    let pgCtl = (runAs + ["\(binaries)/pg_ctl"]).map(quoted).joined(separator: " ")
    let data = quoted(dataDirectory)
    let script = """
      read -r _
      pid=$(head -n 1 \(data)/postmaster.pid 2>/dev/null)
      if [ -n "$pid" ]; then pkill -CONT -P "$pid"; kill -CONT "$pid"; fi 2>/dev/null
      \(pgCtl) -D \(data) -m fast -w -t 30 stop >/dev/null 2>&1 \\
        || { [ -n "$pid" ] && kill -QUIT "$pid" 2>/dev/null; }
      rm -rf \(quoted(directory))
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
    process.arguments = ["/bin/sh", "-c", script]
    let lifeline = Pipe()
    // Only this process may hold the writing end: a child that inherited it (the server itself)
    // would keep the watchdog waiting after the bench is gone.
    _ = fcntl(lifeline.fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
    process.standardInput = lifeline
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    try? lifeline.fileHandleForReading.close()
    watchdog = (process, lifeline.fileHandleForWriting)
  }
}
