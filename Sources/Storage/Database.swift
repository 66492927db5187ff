internal import CSQLite

/// One SQLite connection with a cache of prepared statements. Deliberately not Sendable: one
/// serial owner uses it.
final class Database {
  let handle: OpaquePointer
  private var statements: [String: Statement] = [:]

  /// How a connection may touch its file.
  enum Access {
    case readWrite
    case readOnly
    /// Read-only on a medium nobody can write (a read-only mount): SQLite then needs neither a
    /// `-wal` nor a `-shm` file, which it could not create there.
    case immutable
  }

  /// Opens (creating if needed) the file at `path`, or an in-memory database for nil. With a
  /// `key` the file is encrypted (SQLCipher): a new file is created encrypted, and an existing
  /// one must be encrypted with that key. Without one it must be a plain SQLite file.
  init(path: String?, access: Access = .readWrite, key: StoreKey? = nil) throws(StorageError) {
    var handle: OpaquePointer?
    let flags =
      (access == .readWrite ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY)
      | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
    let name =
      path.map { access == .immutable ? Self.immutableURI($0) : Self.fileURI($0) } ?? ":memory:"
    let code = sqlite3_open_v2(name, &handle, flags, nil)
    guard code == SQLITE_OK, let handle else {
      let extended = handle.map { sqlite3_extended_errcode($0) } ?? code
      sqlite3_close_v2(handle)
      throw StorageError.from(code: extended, sql: "open")
    }
    // From here on, a throw closes the handle in deinit.
    self.handle = handle
    sqlite3_extended_result_codes(handle, 1)
    // Process-wide defaults, set before any key is: a store attached for `encrypt` or `rekey` is
    // written with the settings every connection later opens it with.
    try execute(StoreCipher.defaults)
    if path != nil {
      switch (StoreFileFormat.of(connection: handle), key) {
      case (.plain, .some): throw .key(.notEncrypted)
      case (.other, nil): throw .key(.missing)
      default: break
      }
    }
    if let key { try unlock(with: key) }
  }

  /// Gives SQLCipher the key, before anything is read, and proves it by reading the header and
  /// the schema: a key that does not decrypt the first page is `key(.wrong)`.
  private func unlock(with key: StoreKey) throws(StorageError) {
    let code = key.literal.withUnsafeBytes { literal in
      sqlite3_key_v2(handle, "main", literal.baseAddress, Int32(literal.count))
    }
    guard code == SQLITE_OK else { throw StorageError.from(code: code, sql: "key") }
    try execute(StoreCipher.settings)
    // The header's fields live in the first page alone: when it does not decrypt (SQLCipher says
    // "not a database"), the key is wrong; anything else is damage (a file cut short…).
    do {
      _ = try integer("PRAGMA application_id")
    } catch .damaged where sqlite3_errcode(handle) == SQLITE_NOTADB {
      throw .key(.wrong)
    }
    _ = try integer("SELECT count(*) FROM sqlite_schema")
  }

  /// `path` as a `file:` URI (so a path holding `?`, `#` or `%` still names that file).
  private static func fileURI(_ path: String) -> String {
    var uri = "file:"
    for byte in path.utf8 {
      switch byte {
      case UInt8(ascii: "%"), UInt8(ascii: "?"), UInt8(ascii: "#"), 0x80...:
        uri += "%" + String(byte, radix: 16, uppercase: true)
      default:
        uri.unicodeScalars.append(Unicode.Scalar(byte))
      }
    }
    return uri
  }

  private static func immutableURI(_ path: String) -> String { fileURI(path) + "?immutable=1" }

  deinit {
    statements.removeAll()
    sqlite3_close_v2(handle)
  }

  /// A cached prepared statement for `sql` (prepared once per connection).
  func statement(_ sql: String) throws(StorageError) -> Statement {
    if let cached = statements[sql] { return cached }
    let statement = try Statement(self, sql, persistent: true)
    statements[sql] = statement
    return statement
  }

  /// Runs one statement without parameters through the statement cache (transaction control is
  /// run per request, so it should not be parsed per request).
  func run(_ sql: String) throws(StorageError) {
    try statement(sql).bind([]).run()
  }

  /// Runs one or more statements that take no parameters.
  func execute(_ sql: String) throws(StorageError) {
    let code = sqlite3_exec(handle, sql, nil, nil, nil)
    guard code == SQLITE_OK else {
      throw StorageError.from(code: sqlite3_extended_errcode(handle), sql: sql)
    }
  }

  /// The first column of the first row, as an integer (nil when there is no row or it is NULL).
  func integer(_ sql: String, _ values: [SQLValue] = []) throws(StorageError) -> Int64? {
    let statement = try statement(sql).bind(values)
    guard try statement.step() else { return nil }
    defer { statement.finish() }
    return statement.isNull(0) ? nil : statement.int64(0)
  }

  func setBusyTimeout(milliseconds: Int32) { sqlite3_busy_timeout(handle, milliseconds) }

  var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }
  var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }
  var changes: Int { Int(sqlite3_changes(handle)) }

  /// The version of the SQLite library in use.
  static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}
