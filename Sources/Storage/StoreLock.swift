#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// Who has a data directory's store open: an advisory lock (`flock`) on `portal.db-lock` beside
/// the store, held shared by every process that opens the store (serving, `--check`, `backup`,
/// `export`) for as long as it has it open, and taken exclusively by `restore`, which replaces
/// the file. The kernel drops a process's lock when it exits, however it exits, so a crash never
/// leaves the store looking busy. The lock file itself is never removed (removing it would let
/// two processes lock two different files of the same name).
public final class StoreLock {
  private let descriptor: Int32

  /// The lock file's name inside the data directory.
  public static let fileName = Store.fileName + "-lock"

  private init(descriptor: Int32) { self.descriptor = descriptor }

  deinit { close(descriptor) }

  /// Takes the shared lock on `directory`'s store, waiting up to `timeout` milliseconds for a
  /// restore in progress to finish. Nil when the lock file cannot be created or opened (a
  /// read-only medium without one, where nobody can restore either).
  static func shared(_ directory: String, timeout: Int32) throws(StorageError) -> StoreLock? {
    guard let lock = openFile(directory) else { return nil }
    var waited: Int32 = 0
    while flock(lock.descriptor, LOCK_SH | LOCK_NB) != 0 {
      guard errno == EWOULDBLOCK || errno == EINTR, waited < timeout else {
        throw .unavailable(.beingRestored, code: 5)
      }
      usleep(2000)
      waited += 2
    }
    return lock
  }

  /// Takes the lock on `directory`'s store exclusively, without waiting: `inUse` when any
  /// process holds it (has the store open).
  public static func exclusive(_ directory: String) throws(StorageError) -> StoreLock {
    guard let lock = openFile(directory) else { throw .unavailable(.cannotOpen, code: 14) }
    while flock(lock.descriptor, LOCK_EX | LOCK_NB) != 0 {
      if errno != EINTR { throw .unavailable(.inUse, code: 5) }
    }
    return lock
  }

  private static func openFile(_ directory: String) -> StoreLock? {
    let path = directory + "/" + fileName
    var descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    if descriptor < 0 { descriptor = open(path, O_RDONLY | O_CLOEXEC) }
    return descriptor < 0 ? nil : StoreLock(descriptor: descriptor)
  }
}
