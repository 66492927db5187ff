public import Domain

#if canImport(Glibc)
  internal import Glibc
#endif

/// The durable source of truth: one SQLite file in WAL mode holding every record, the id
/// sequences and the change log, marked as ours by its `application_id` (`applicationID`).
/// Writes happen in `BEGIN IMMEDIATE` transactions, each request in its own savepoint, so several
/// requests can share one commit (and one fsync) while each still succeeds or fails alone.
///
/// Not Sendable: one thread owns a store. Other processes may open the same file; each holds the
/// data directory's `StoreLock` shared while it has the store open.
public final class Store {
  public struct Options: Sendable {
    /// `full`: a commit is on disk before it returns. `normal`: it survives a crash of this
    /// process, not a power cut.
    public var synchronousFull: Bool
    /// How long to wait for another process's write lock before giving up with `busy`.
    public var busyTimeoutMilliseconds: Int32

    /// Fault injection for tests: refuse to grow past this many pages (SQLITE_FULL, as on a
    /// full disk).
    public var maxPages: Int?
    /// The key the store is encrypted with; nil for a plain store.
    public var key: StoreKey?
    /// The most memory SQLite's page cache may take, in MiB; nil for the default
    /// (`defaultCacheMegabytes`). It fills only as pages are read.
    public var cacheMegabytes: Int?

    public init(
      synchronousFull: Bool = true, busyTimeoutMilliseconds: Int32 = 5000, maxPages: Int? = nil,
      key: StoreKey? = nil, cacheMegabytes: Int? = nil
    ) {
      self.synchronousFull = synchronousFull
      self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
      self.maxPages = maxPages
      self.key = key
      self.cacheMegabytes = cacheMegabytes
    }

    /// The page cache's default size. A plain store's pages are also in the operating system's
    /// file cache, so a small cache of our own costs only a copy on a miss; an encrypted store's
    /// file cache holds ciphertext, so every miss decrypts and checks a page. Chosen by measurement
    /// (`portal-bench encryption`).
    public static func defaultCacheMegabytes(encrypted: Bool) -> Int { encrypted ? 512 : 16 }
  }

  /// The bytes a write-ahead log keeps on disk when it restarts: a big write (a cascade over
  /// thousands of records) leaves no big file behind, while the log of ordinary commits, which
  /// restarts well below this, is reused in place.
  static let logSizeLimit = 16 << 20

  /// The file name inside the data directory.
  public static let fileName = "portal.db"

  /// The store's file, or nil when it lives in memory.
  public let path: String?
  /// The key the file is encrypted with (nil: plain). Every connection to it needs it.
  public let key: StoreKey?
  let database: Database
  /// This process's share of the data directory's lock, held while the store is open (nil in
  /// memory, for a lone file, or where no lock file can be made).
  private let lock: StoreLock?
  /// Runs checkpoints off the request path (file stores only).
  private let checkpointer: Checkpointer?

  /// Opens (creating and migrating as needed) the store in `directory`, or in memory for nil.
  public init(
    directory: String?, options: Options = Options(), migrations: [Migration] = Migrations.all,
    now: Timestamp
  ) throws(StorageError) {
    path = directory.map { $0 + "/" + Store.fileName }
    // The lock comes first: a restore must not replace the file between our open and our lock.
    lock = try directory.flatMap { directory throws(StorageError) in
      try StoreLock.shared(directory, timeout: options.busyTimeoutMilliseconds)
    }
    key = path == nil ? nil : options.key
    database = try Database(path: path, key: key)
    database.setBusyTimeout(milliseconds: options.busyTimeoutMilliseconds)
    checkpointer = path.map {
      Checkpointer(path: $0, key: options.key, busyTimeout: options.busyTimeoutMilliseconds)
    }
    // Two processes opening a new store at once contend for the lock that switching to WAL and
    // migrating need, and SQLite reports that contention without waiting; retry it for up to
    // the busy timeout.
    let cacheKilobytes =
      1024 * (options.cacheMegabytes ?? Options.defaultCacheMegabytes(encrypted: key != nil))
    try Self.retryingWhileBusy(timeout: options.busyTimeoutMilliseconds) {
      () throws(StorageError) in
      if path != nil {
        // Before anything is written (switching to WAL rewrites the header): a file that is not
        // ours is refused untouched.
        guard try database.ownership() != .foreign else { throw StorageError.foreign }
        let mode = try database.statement("PRAGMA journal_mode=WAL")
        guard try mode.step(), mode.text(0) == "wal" else {
          mode.finish()
          throw StorageError.unusable("the store could not switch to write-ahead logging")
        }
        mode.finish()
      }
      try database.execute(
        """
        PRAGMA synchronous=\(options.synchronousFull ? "FULL" : "NORMAL");
        PRAGMA foreign_keys=ON;
        PRAGMA temp_store=MEMORY;
        PRAGMA cache_size=-\(cacheKilobytes);
        PRAGMA journal_size_limit=\(Self.logSizeLimit);
        """)
      try Migrations.migrate(database, with: migrations, at: now.description)
    }
    if let pages = options.maxPages { try database.execute("PRAGMA max_page_count=\(pages)") }
    checkpointer?.install(on: database)
  }

  private static func retryingWhileBusy(
    timeout: Int32, _ body: () throws(StorageError) -> Void
  ) throws(StorageError) {
    var waited: Int32 = 0
    while true {
      do {
        return try body()
      } catch .unavailable(.busy, let code) {
        guard waited < timeout else { throw .unavailable(.busy, code: code) }
        usleep(2000)
        waited += 2
      }
    }
  }

  /// Waits for a background checkpoint in progress, if any.
  public func waitForCheckpoint() { checkpointer?.wait() }

  /// Opens an existing store without changing it (no migration, no journal-mode switch): for
  /// `--check`, `backup` and `export`. Throws `unusable` when there is no store in `directory`.
  public convenience init(
    inspecting directory: String, key: StoreKey? = nil, busyTimeoutMilliseconds: Int32 = 5000
  ) throws(StorageError) {
    let file = directory + "/" + Store.fileName
    guard access(file, F_OK) == 0 else {
      throw StorageError.unusable("there is no store (\(Store.fileName)) in \(directory)")
    }
    let lock = try StoreLock.shared(directory, timeout: busyTimeoutMilliseconds)
    // Nobody can write a store on a read-only medium, and SQLite could not create the `-shm`
    // file it needs to read a WAL store there; with no `-wal` left over, the file is complete.
    let mayChange = access(directory, W_OK) == 0 || access(file + "-wal", F_OK) == 0
    try self.init(
      file: file, access: mayChange ? .readOnly : .immutable, key: key, lock: lock,
      busyTimeoutMilliseconds: busyTimeoutMilliseconds)
  }

  /// Opens the store file at `file` without changing it, outside any data directory: a backup
  /// to check or to restore from. A file that no process serves and that has no `-wal` beside
  /// it is complete, and is read as `immutable` (SQLite then creates no file beside it).
  public convenience init(
    inspectingFile file: String, key: StoreKey? = nil, busyTimeoutMilliseconds: Int32 = 5000
  ) throws(StorageError) {
    guard access(file, R_OK) == 0 else {
      throw StorageError.unusable("there is no readable store file at \(file)")
    }
    let complete = access(file + "-wal", F_OK) != 0
    try self.init(
      file: file, access: complete ? .immutable : .readOnly, key: key, lock: nil,
      busyTimeoutMilliseconds: busyTimeoutMilliseconds)
  }

  private init(
    file: String, access: Database.Access, key: StoreKey?, lock: StoreLock?,
    busyTimeoutMilliseconds: Int32
  )
    throws(StorageError)
  {
    path = file
    self.key = key
    self.lock = lock
    let database = try Database(path: file, access: access, key: key)
    database.setBusyTimeout(milliseconds: busyTimeoutMilliseconds)
    guard try database.ownership() != .foreign else { throw StorageError.foreign }
    self.database = database
    checkpointer = nil
    isReadOnly = true
  }

  /// True for a store opened without write access (`--check`, or a data directory that is
  /// read-only): every write is refused with `readOnly`.
  public private(set) var isReadOnly = false

  /// Whether the store's file and directory can be written now (a read-only store checks this
  /// before each write, to reopen once the fault clears).
  public var isWritableNow: Bool {
    guard let path else { return true }
    let directory = String(path.dropLast(Store.fileName.count + 1))
    return access(directory, W_OK) == 0 && access(path, W_OK) == 0
  }

  /// The SQLite library's version.
  public static var sqliteVersion: String { Database.libraryVersion }

  /// The schema version recorded in the file (0 for a file nothing was written to yet).
  public func schemaVersion() throws(StorageError) -> Int {
    try Migrations.recordedVersion(database)
  }

  // MARK: Transactions

  /// Runs right after this connection takes the write lock: nobody else can commit until it is
  /// released, so what is read here is everything committed before this process's next change.
  public var onWriteLock: (() throws(StorageError) -> Void)?

  /// True inside a write transaction (after `beginWrite`).
  public private(set) var isWriting = false

  public var isInTransaction: Bool { database.isInTransaction }

  /// Takes the write lock (`BEGIN IMMEDIATE`), ending a read transaction first. Waits up to the
  /// busy timeout for another process.
  public func beginWrite() throws(StorageError) {
    if isWriting { return }
    if isReadOnly { throw .unavailable(.readOnly, code: 8) }
    if database.isInTransaction { try database.run("COMMIT") }
    try database.run("BEGIN IMMEDIATE")
    isWriting = true
    do {
      try onWriteLock?()
    } catch {
      rollback()
      throw error
    }
  }

  /// Opens a read transaction if none is open, so a run of reads sees one snapshot and pays for
  /// it once.
  public func beginRead() throws(StorageError) {
    if !database.isInTransaction { try database.run("BEGIN DEFERRED") }
  }

  /// Commits whatever transaction is open (the write lock is released).
  public func commit() throws(StorageError) {
    defer { isWriting = false }
    guard database.isInTransaction else { return }
    do {
      try database.run("COMMIT")
    } catch {
      rollback()
      throw error
    }
  }

  /// Abandons the open transaction, if any.
  public func rollback() {
    isWriting = false
    if database.isInTransaction { try? database.execute("ROLLBACK") }
  }

  /// Runs `body` in a savepoint of the write transaction: its changes stay if it returns and are
  /// undone, alone, if it throws. Several requests share one commit this way.
  public func inSavepoint<T>(_ body: () throws -> T) throws -> T {
    try beginWrite()
    try database.run("SAVEPOINT request")
    do {
      let result = try body()
      try database.run("RELEASE request")
      return result
    } catch {
      try? database.run("ROLLBACK TO request")
      try? database.run("RELEASE request")
      throw error
    }
  }

  // MARK: Ids

  /// The id the next record of `kind` gets (for a patient, its ordinal): one past the largest
  /// ever used, deleted ones included, so ids are never reused. Race-free inside a write
  /// transaction, which is the only place records are added.
  public func nextID(for kind: EntityKind) throws(StorageError) -> Int64 {
    let used = try database.integer(Self.largestUsedID[kind.name]!, [.text(kind.tableName)])
    return (used ?? 0) + 1
  }

  /// Per kind, the query for the largest id ever used (written once: every add runs it).
  private static let largestUsedID = Dictionary(
    uniqueKeysWithValues: EntityKind.all.map { kind in
      let column = kind.belongsToPatient ? "id" : "ordinal"
      return (
        kind.name,
        "SELECT max(coalesce((SELECT max(\(column)) FROM \(kind.tableName)), 0), coalesce((SELECT max_id FROM retired_ids WHERE table_name = ?), 0))"
      )
    })
}
