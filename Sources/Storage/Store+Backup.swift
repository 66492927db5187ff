internal import CSQLite

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// Copying a store while other processes keep writing to it: SQLite's online backup, page by
/// page, from one read snapshot.
extension Store {
  /// Pages copied per step (1 MiB of 4 KiB pages): the copy reports progress and gives the
  /// processor back between steps.
  public static let backupPagesPerStep: Int32 = 256

  /// How many times in a row a step may find the files locked before the copy gives up.
  static let backupBusyRetries = 500

  /// Copies the store, as of one moment, into the empty or new file at `destination` with
  /// SQLite's online backup, `pagesPerStep` pages at a time; `progress` hears the pages done
  /// and the total after each step. Returns the pages copied.
  ///
  /// The copy runs inside one read transaction opened here, so every step reads the same
  /// snapshot: a commit by another process neither restarts the copy (as it would between
  /// steps that each take a fresh snapshot, which under steady writes might never finish) nor
  /// waits for it (in write-ahead logging, readers and the writer do not block each other).
  /// A step that finds a file locked (SQLITE_BUSY or SQLITE_LOCKED) is retried a bounded
  /// number of times.
  @discardableResult
  public func copy(
    to destination: String, pagesPerStep: Int32 = Store.backupPagesPerStep,
    progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }
  ) throws(StorageError) -> Int {
    guard !isWriting else { throw .failed(code: SQLITE_MISUSE, sql: "backup inside a write") }
    let ownsSnapshot = !database.isInTransaction
    if ownsSnapshot { try database.run("BEGIN DEFERRED") }
    defer { if ownsSnapshot { try? database.execute("COMMIT") } }
    _ = try database.integer("SELECT count(*) FROM sqlite_schema")  // takes the snapshot

    // An encrypted store's copy is encrypted with the same key (SQLCipher copies pages as they
    // are only between files of one key).
    let target = try Database(path: destination, key: key)
    // The copy is a new file that is discarded on any failure: no journal is needed, and the
    // caller syncs the finished file once.
    try target.execute("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF")
    guard let backup = sqlite3_backup_init(target.handle, "main", database.handle, "main") else {
      throw StorageError.from(code: sqlite3_extended_errcode(target.handle), sql: "backup")
    }
    var busy = 0
    var failure: Int32?
    stepping: while true {
      let code = sqlite3_backup_step(backup, pagesPerStep)
      switch code & 0xFF {
      case SQLITE_DONE:
        break stepping
      case SQLITE_OK:
        busy = 0
        let total = Int(sqlite3_backup_pagecount(backup))
        progress(total - Int(sqlite3_backup_remaining(backup)), total)
      case SQLITE_BUSY, SQLITE_LOCKED:
        busy += 1
        guard busy <= Self.backupBusyRetries else {
          failure = code
          break stepping
        }
        usleep(useconds_t(min(busy, 20) * 1000))
      default:
        failure = code
        break stepping
      }
    }
    let pages = Int(sqlite3_backup_pagecount(backup))
    let finished = sqlite3_backup_finish(backup)
    if let failure { throw StorageError.from(code: failure, sql: "backup step") }
    guard finished == SQLITE_OK else {
      throw StorageError.from(code: sqlite3_extended_errcode(target.handle), sql: "backup finish")
    }
    progress(pages, pages)
    return pages
  }
}
