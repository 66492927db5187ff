/// Why the store could not do what was asked. Descriptions name the SQL and the SQLite code,
/// never a bound value, so they are safe to log.
public enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The store cannot take changes now; nothing was changed (disk full, read-only, locked by
  /// another process past the busy timeout, or an I/O error).
  case unavailable(Unavailability, code: Int32)
  /// The file is not a store we can read: missing, or from a newer version.
  case unusable(String)
  /// The file is not a valid SQLite database, or its pages are damaged (truncated, overwritten).
  case damaged
  /// The file is another program's SQLite database; it is left exactly as it was.
  case foreign
  /// A statement failed for a reason that is a bug on our side (a constraint, a misuse).
  case failed(code: Int32, sql: String)
  /// The key given does not fit the file: nothing was read or written.
  case key(KeyProblem)

  /// How a key and a store file fail to fit.
  public enum KeyProblem: Sendable {
    /// The key does not decrypt the file (another key, or not an encrypted store).
    case wrong
    /// A key was given for a plain (unencrypted) store.
    case notEncrypted
    /// No key was given and the file is not plain SQLite: encrypted, or damaged.
    case missing
  }

  public enum Unavailability: String, Sendable {
    case diskFull = "the disk is full"
    case readOnly = "the data directory is read-only"
    case busy = "the store is locked by another process and stayed locked past the busy timeout"
    case ioError = "the disk reported an I/O error"
    case cannotOpen = "the store file cannot be opened"
    case beingRestored =
      "the store is being replaced by portal-rpc restore; try again once it is done"
    case inUse = "another process has the store open"
  }

  public var description: String { description(naming: "the store file") }

  /// The description with `file` as the subject of its sentence ("DIR/portal.db is damaged: …").
  public func description(naming file: String) -> String {
    switch self {
    case .unavailable(let reason, let code): "\(reason.rawValue) (SQLite code \(code))"
    case .unusable(let reason): reason
    case .damaged:
      "\(file) is damaged: it is not a valid SQLite database (the file is truncated or overwritten)"
    case .foreign: "\(file) is not a PortalRPC store (it belongs to another program)"
    case .failed(let code, let sql): "SQLite code \(code) in: \(sql)"
    case .key(.wrong):
      "the key given does not open \(file): it is encrypted with another key, or it is not a PortalRPC store"
    case .key(.notEncrypted):
      "\(file) is not encrypted, but a key was given; encrypt it first with portal-rpc encrypt, or start without a key"
    case .key(.missing):
      "\(file) is encrypted or damaged (it is not a plain SQLite database): give its key with --key-fd N or --key-file PATH; if it has none, restore it from a backup"
    }
  }

  /// True when the file itself is the problem (damaged, or another program's database), not the
  /// directory or the moment: the remedy is to move the file away.
  public var isBadFile: Bool {
    switch self {
    case .damaged, .foreign, .key(.missing): true
    case .unavailable, .unusable, .failed, .key: false
    }
  }

  /// True when the key given (or not given) does not fit the file.
  public var isKeyProblem: Bool {
    if case .key = self { true } else { false }
  }

  /// Classifies an SQLite result code (extended codes included).
  static func from(code: Int32, sql: String) -> StorageError {
    switch code & 0xFF {
    case 13: .unavailable(.diskFull, code: code)  // SQLITE_FULL
    case 8: .unavailable(.readOnly, code: code)  // SQLITE_READONLY
    case 5, 6: .unavailable(.busy, code: code)  // SQLITE_BUSY, SQLITE_LOCKED
    case 10: .unavailable(.ioError, code: code)  // SQLITE_IOERR
    case 14: .unavailable(.cannotOpen, code: code)  // SQLITE_CANTOPEN
    case 11, 26: .damaged  // SQLITE_CORRUPT, SQLITE_NOTADB
    default: .failed(code: code, sql: sql)
    }
  }
}
