internal import CSQLite

/// What a store file is, from its first 16 bytes: a plain SQLite file starts with "SQLite
/// format 3" and a NUL; an encrypted one starts with random bytes (the SQLCipher salt), which
/// damage looks the same as.
///
/// The bytes are read through the connection's own file handle, never through a descriptor of
/// our own: closing any descriptor of a file drops every POSIX lock this process holds on it,
/// including the locks of the process's other connections, and SQLite relies on those.
enum StoreFileFormat: Equatable {
  /// No file yet, or an empty one: it becomes whatever the first opener makes it.
  case new
  /// An SQLite file in the clear.
  case plain
  /// Anything else: encrypted, or not SQLite at all.
  case other

  private static let magic = Array("SQLite format 3\0".utf8)

  /// The format of the main file of the connection `handle`, before anything has read it.
  static func of(connection handle: OpaquePointer) -> StoreFileFormat {
    var pointer: UnsafeMutableRawPointer?
    guard sqlite3_file_control(handle, "main", SQLITE_FCNTL_FILE_POINTER, &pointer) == SQLITE_OK,
      let file = pointer?.assumingMemoryBound(to: sqlite3_file.self),
      let methods = file.pointee.pMethods?.pointee,
      let size = methods.xFileSize, let read = methods.xRead
    else { return .new }
    var bytes: sqlite3_int64 = 0
    guard size(file, &bytes) == SQLITE_OK, bytes > 0 else { return .new }
    var header = [UInt8](repeating: 0, count: magic.count)
    guard read(file, &header, Int32(header.count), 0) == SQLITE_OK else { return .other }
    return header == magic ? .plain : .other
  }
}
