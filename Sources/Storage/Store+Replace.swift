#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// Before `restore` replaces a store file: no connection may have it open, and the file alone
/// must hold the whole store.
extension Store {
  /// Makes sure no SQLite connection of any process has the store `file` open, copies whatever
  /// its write-ahead log holds into the file, and removes the log and its index, so
  /// the file alone is the whole store. Call it holding the data directory's exclusive
  /// `StoreLock`: this also finds processes that do not take that lock (an older portal-rpc, the
  /// `sqlite3` shell), which hold SQLite's own lock on a write-ahead-logging store while they
  /// have it open, and are refused with `inUse`.
  ///
  /// Returns false when the store cannot be read at all (damaged, not SQLite): its `-wal`, if
  /// any, is then left where it is, for the caller to keep with the file.
  public static func settleForReplacement(_ file: String, key: StoreKey? = nil)
    throws(StorageError)
    -> Bool
  {
    let blocked: Bool
    do throws(StorageError) {
      let database = try Database(path: file, key: key)
      database.setBusyTimeout(milliseconds: 0)
      // In exclusive locking mode the first read takes SQLite's exclusive lock on the file,
      // which fails while any other connection has the store open.
      try database.execute("PRAGMA locking_mode=EXCLUSIVE")
      _ = try database.integer("SELECT count(*) FROM sqlite_schema")
      let checkpoint = try database.statement("PRAGMA wal_checkpoint(TRUNCATE)").bind([])
      blocked = try checkpoint.step() && checkpoint.int64(0) != 0
      checkpoint.finish()
      // A connection in exclusive mode keeps its log index in memory, so a `-shm` file is a
      // crashed process's, and while this connection holds the lock nobody can be using it.
      if !blocked { unlink(file + "-shm") }
      // Closing the only connection (here) removes the log.
    } catch .unavailable(.busy, _) {
      throw .unavailable(.inUse, code: 5)
    } catch .unusable(_) {
      return false
    }
    if blocked { throw .unavailable(.inUse, code: 5) }
    return true
  }
}
