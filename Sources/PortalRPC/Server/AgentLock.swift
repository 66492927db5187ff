#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// The sync agent's election among the processes serving one data directory (one per window):
/// whoever holds an exclusive `flock` on `DIR/portal.db-agent` (mode 0600) is the agent, the one
/// process that talks to PostgreSQL. The others try again without waiting every
/// `retryInterval`; the kernel drops the lock when its holder exits, however it exits (even
/// SIGKILL), so another window takes over within that interval. Like `StoreLock`'s file, the lock
/// file is never removed (two processes could otherwise lock two files of one name).
///
/// - SeeAlso: `docs/upstream.md`, "Roles".
final class AgentLock {
  /// The lock file's name inside the data directory.
  static let fileName = "portal.db-agent"
  /// How often a process that is not the agent tries to become it.
  static let retryInterval = Duration.milliseconds(250)

  let path: String
  private var descriptor: Int32 = -1
  /// Whether this process holds the lock (is the agent).
  private(set) var isHeld = false

  init(directory: String) { path = directory + "/" + Self.fileName }

  deinit { release() }

  /// Takes the lock if nobody holds it, without waiting; true when this process holds it.
  func tryAcquire() -> Bool {
    if isHeld { return true }
    if descriptor < 0 {
      descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
      if descriptor < 0 { return false }
    }
    while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
      if errno != EINTR { return false }
    }
    isHeld = true
    return true
  }

  /// Gives the lock up (another process may take it at once). Idempotent.
  func release() {
    guard descriptor >= 0 else { return }
    if isHeld { _ = flock(descriptor, LOCK_UN) }
    close(descriptor)
    descriptor = -1
    isHeld = false
  }
}
