internal import Domain
internal import Storage

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// `portal-rpc restore SRC`: replaces the store with a backup, once the backup passes the
/// checks and only while no process has the store open. The replaced store is kept beside it.
enum RestoreCommand {
  /// Restores `source` (a store file, or a directory holding `portal.db`) into `directory` and
  /// returns the line to print.
  static func run(
    directory: String, source: String, key: StoreKey?, busyTimeout: Int32, now: Timestamp
  ) throws(MaintenanceError) -> String {
    let target = directory + "/" + Store.fileName
    let sourceIsDirectory = BackupCommand.isDirectory(source)
    let sourceFile = sourceIsDirectory ? source + "/" + Store.fileName : source
    guard access(sourceFile, F_OK) == 0 else {
      throw .store(sourceFile, .unusable("there is no store file there"))
    }
    if BackupCommand.sameFile(sourceFile, target) {
      throw .misuse("\(source) is the store to be replaced; name a backup")
    }
    // Held to the end: no portal-rpc can open the store meanwhile (one that starts waits for
    // the restore, up to its busy timeout).
    let lock: StoreLock
    do {
      lock = try StoreLock.exclusive(directory)
    } catch .unavailable(.inUse, _) {
      throw .inUse(directory: directory)
    } catch {
      throw .store(target, error)
    }
    // The backup is copied into the data directory first (checked, synced), so that replacing
    // the store is one rename within one file system.
    // A backup is read as a lone file (immutable when no -wal is beside it), even inside a
    // directory: reading it then leaves nothing beside it.
    let backup: Store
    do throws(StorageError) {
      backup = try Store(
        inspectingFile: sourceFile, key: key, busyTimeoutMilliseconds: busyTimeout)
    } catch {
      throw .store(sourceFile, error)
    }
    let copy = try CheckedCopy(of: backup, beside: target, what: "the backup", today: now.date)
    // The backup's audit chain ends where it was taken: its head becomes the one kept beside
    // the store (the replaced store's head is kept beside it), so --check does not mistake the
    // restore for a log cut short.
    let restoredHead = (try? backup.auditHead()) ?? nil
    let kept = try setAside(target, key: key, stamp: now)
    if let kept, let head = AuditHeadFile.read(directory) {
      AuditHeadFile.write(head, toFile: kept + "-audit-head")
    }
    try copy.file.install(at: target, replacing: true)
    AuditHeadFile.reset(directory, to: restoredHead)
    withExtendedLifetime(lock) {}
    return "restored \(sourceFile) into \(target): \(copy.summary)"
      + (kept.map { "; the replaced store is kept as \($0)" } ?? "")
  }

  /// Keeps the store at `target` (if there is one) under a timestamped name beside it and
  /// removes its write-ahead log and index, which must not meet the new file. Returns the name
  /// it is kept under.
  private static func setAside(_ target: String, key: StoreKey?, stamp: Timestamp)
    throws(MaintenanceError) -> String?
  {
    guard access(target, F_OK) == 0 else { return nil }
    let complete: Bool
    do {
      complete = try Store.settleForReplacement(target, key: key)
    } catch .key {
      // A store the key given does not open (its key is lost, or another) is kept as it is.
      complete = false
    } catch .unavailable(.inUse, _) {
      throw .inUse(directory: PrivateFile.directory(of: target))
    } catch {
      throw .store(target, error)
    }
    let kept = freeName(target + ".replaced-" + compact(stamp))
    // A second name first: until the new store is renamed over it, `target` stays whole.
    try keep(target, as: kept)
    if !complete, access(target + "-wal", F_OK) == 0 {
      // A store SQLite cannot read keeps its log beside it, in case it still matters.
      try keep(target + "-wal", as: kept + "-wal")
    }
    for suffix in ["-wal", "-shm"] where unlink(target + suffix) != 0 && errno != ENOENT {
      throw .file("remove", path: target + suffix, code: errno)
    }
    try PrivateFile.syncDirectory(PrivateFile.directory(of: target))
    return kept
  }

  /// Gives `path` the second name `kept` (a hard link; a file system without them renames it).
  private static func keep(_ path: String, as kept: String) throws(MaintenanceError) {
    guard link(path, kept) == 0 || rename(path, kept) == 0 else {
      throw .file("keep the replaced store as", path: kept, code: errno)
    }
    chmod(kept, 0o600)
  }

  /// `path`, or `path-2`, `path-3`, … if it is taken.
  private static func freeName(_ path: String) -> String {
    var candidate = path
    var number = 1
    while access(candidate, F_OK) == 0 {
      number += 1
      candidate = path + "-\(number)"
    }
    return candidate
  }

  /// `20260131T091500Z` for 2026-01-31T09:15:00.000Z.
  private static func compact(_ stamp: Timestamp) -> String {
    let digits = stamp.description.filter { $0 != "-" && $0 != ":" }
    return String(digits.prefix(15)) + "Z"
  }
}
