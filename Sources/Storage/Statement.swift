internal import CSQLite

/// A prepared statement: prepared in `init`, finalized in `deinit`. Not Sendable: it belongs to
/// the one thread that owns its `Database`.
final class Statement {
  let handle: OpaquePointer
  let sql: String
  private unowned let database: Database

  init(_ database: Database, _ sql: String, persistent: Bool) throws(StorageError) {
    var handle: OpaquePointer?
    let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
    let code = sqlite3_prepare_v3(database.handle, sql, -1, flags, &handle, nil)
    guard code == SQLITE_OK, let handle else {
      sqlite3_finalize(handle)
      throw StorageError.from(code: code, sql: sql)
    }
    self.handle = handle
    self.sql = sql
    self.database = database
  }

  deinit { sqlite3_finalize(handle) }

  /// Binds `values` to parameters 1…n after clearing the previous run.
  @discardableResult
  func bind(_ values: [SQLValue]) -> Statement {
    sqlite3_reset(handle)
    sqlite3_clear_bindings(handle)
    for (offset, value) in values.enumerated() { bind(value, at: Int32(offset + 1)) }
    return self
  }

  func bind(_ value: SQLValue, at index: Int32) {
    switch value {
    case .null: sqlite3_bind_null(handle, index)
    case .integer(let integer): sqlite3_bind_int64(handle, index, integer)
    case .real(let real): sqlite3_bind_double(handle, index, real)
    case .text(let text): sqlite3_bind_text(handle, index, text, -1, transient)
    case .json(let bytes):
      bytes.withUnsafeBufferPointer { buffer in
        _ =
          buffer.baseAddress.map {
            sqlite3_bind_text(
              handle, index, UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self),
              Int32(buffer.count), transient)
          } ?? sqlite3_bind_text(handle, index, "", 0, transient)
      }
    case .blob(let bytes):
      bytes.withUnsafeBytes { buffer in
        _ = sqlite3_bind_blob(
          handle, index, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(buffer.count),
          transient)
      }
    }
  }

  /// Advances one row: true when a row is ready, false when done.
  func step() throws(StorageError) -> Bool {
    let code = sqlite3_step(handle)
    switch code {
    case SQLITE_ROW: return true
    case SQLITE_DONE:
      sqlite3_reset(handle)
      return false
    default:
      sqlite3_reset(handle)
      throw StorageError.from(code: sqlite3_extended_errcode(database.handle), sql: sql)
    }
  }

  /// Runs to completion, discarding rows.
  func run() throws(StorageError) {
    while try step() {}
  }

  /// Ends the current run early (a read that wanted one row), releasing its read snapshot.
  func finish() { sqlite3_reset(handle) }

  func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
  func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

  func text(_ column: Int32) -> String? {
    guard let pointer = sqlite3_column_text(handle, column) else { return nil }
    let count = Int(sqlite3_column_bytes(handle, column))
    return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
  }

  /// The column's bytes, copied (stored JSON is served this way, without decoding it).
  func bytes(_ column: Int32) -> [UInt8] {
    guard let pointer = sqlite3_column_text(handle, column) else { return [] }
    let count = Int(sqlite3_column_bytes(handle, column))
    return Array(UnsafeBufferPointer(start: pointer, count: count))
  }

  func blob(_ column: Int32) -> [UInt8] {
    let count = Int(sqlite3_column_bytes(handle, column))
    guard count > 0, let pointer = sqlite3_column_blob(handle, column) else { return [] }
    return Array(UnsafeRawBufferPointer(start: pointer, count: count))
  }

  /// Lends the column's bytes without copying them; valid only inside `body`.
  func withBytes<R>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows
    -> R
  {
    let pointer = sqlite3_column_text(handle, column)
    let count = Int(sqlite3_column_bytes(handle, column))
    return try body(UnsafeBufferPointer(start: pointer, count: count))
  }
}

/// SQLite copies the bound bytes (the `SQLITE_TRANSIENT` destructor, which C spells as -1).
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A value bound to a statement parameter.
enum SQLValue {
  case null
  case integer(Int64)
  case real(Double)
  case text(String)
  /// UTF-8 JSON text, bound as TEXT without a String in between.
  case json([UInt8])
  /// Bytes, bound as a BLOB (token hashes).
  case blob([UInt8])
}

/// The number of columns a statement returns.
func sqlite3ColumnCount(_ statement: Statement) -> Int32 {
  sqlite3_column_count(statement.handle)
}
