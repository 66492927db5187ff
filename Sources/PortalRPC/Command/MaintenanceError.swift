internal import Storage

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// Why `backup`, `restore` or `export` stopped, and the exit status each reason maps to (this is
/// the one place that mapping lives). Messages name paths and counts, never a record's value.
enum MaintenanceError: Error, Equatable {
  /// The destination is already there and `--force` was not given; nothing was written.
  case destinationExists(String)
  /// The command names something it must not touch (the live store as a backup's DEST).
  case misuse(String)
  /// The copy (or the backup to restore) failed the `--check` checks; nothing was changed.
  case checkFailed(what: String, problems: Int)
  /// `restore`, `encrypt`, `rekey`: another process has the store in `directory` open.
  case inUse(directory: String)
  /// A store that cannot be read or written (missing, damaged, from a newer version).
  case store(String, StorageError)
  /// A file operation failed: what was being done, to which path, and the system's reason.
  case file(String, path: String, code: Int32)
  /// A data directory that cannot be used.
  case directory(String)

  /// The process exit status: 1 a failed check, 2 a command line to change, 3 something on
  /// disk that cannot be used.
  var status: Int32 {
    switch self {
    case .checkFailed: 1
    case .destinationExists, .misuse: PortalCommand.usageErrorStatus
    case .inUse, .store, .file, .directory: PortalCommand.unusableDataStatus
    }
  }

  /// One line for stderr.
  var message: String {
    switch self {
    case .destinationExists(let path):
      "\(path) already exists; pass --force to replace it, or name another destination"
    case .misuse(let reason): reason
    case .checkFailed(let what, let problems):
      "\(what) failed the store checks (\(problems) problem\(problems == 1 ? "" : "s")); nothing was changed"
    case .inUse(let directory):
      "the store in \(directory) is in use by another process (a portal-rpc serving it, or a backup, check or export); stop it and run the command again"
    case .store(let path, let error): "cannot use the store \(path): \(error)"
    case .file(let action, let path, let code):
      "cannot \(action) \(path): \(String(cString: strerror(code)))"
    case .directory(let message): message
    }
  }
}
