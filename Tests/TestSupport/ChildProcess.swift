import Foundation

/// A command run with `posix_spawn` and reaped with `waitpid`. Unlike Foundation's `Process`,
/// whose exit is noticed only when every inheritor of a descriptor it hands the child has closed
/// it, this notices the exit of a command that leaves a daemon behind (`pg_ctl start`).
struct ChildProcess {
  let pid: Int32

  /// Starts `command` (an absolute path, then its arguments) with `input` as its standard input
  /// and `output` as its standard output and error.
  init(_ command: [String], input: Int32, output: Int32) throws {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, input, 0)
    posix_spawn_file_actions_adddup2(&actions, output, 1)
    posix_spawn_file_actions_adddup2(&actions, output, 2)
    // Nothing else of the test process's: a server the command leaves behind (`pg_ctl start`)
    // would otherwise hold a pipe to a portal-rpc window open, which then never sees its input end.
    let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    for descriptor in open.compactMap(Int32.init) where descriptor > 2 {
      posix_spawn_file_actions_addclose(&actions, descriptor)
    }
    let arguments = command.map { strdup($0) } + [nil]
    let environment =
      ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { (arguments + environment).forEach { free($0) } }
    var pid: Int32 = 0
    let result = posix_spawn(&pid, command[0], &actions, nil, arguments, environment)
    guard result == 0 else { throw PostgresClusterError.cannotRun(command[0], errno: result) }
    self.pid = pid
  }

  /// Waits for the command to end; its exit status (128 + the signal when one ended it).
  func wait() -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
      guard errno == EINTR else { return -1 }
    }
    let signal = status & 0x7f
    return signal == 0 ? (status >> 8) & 0xff : 128 + signal
  }
}
