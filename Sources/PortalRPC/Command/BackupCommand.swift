internal import Domain
internal import Storage

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// `portal-rpc backup DEST`: a copy of the store as of one moment, taken while other processes
/// go on reading and writing it, checked, and moved into place whole with mode 0600.
enum BackupCommand {
  /// Backs up the store in `directory` to `destination` (a file path, or an existing directory
  /// that then holds `portal.db`) and returns the line to print.
  static func run(
    directory: String, destination: String, force: Bool, key: StoreKey?, busyTimeout: Int32,
    today: CalendarDate
  ) throws(MaintenanceError) -> String {
    let source = directory + "/" + Store.fileName
    let target = isDirectory(destination) ? destination + "/" + Store.fileName : destination
    if sameFile(target, source) {
      throw .misuse("\(destination) is the store being backed up; name another destination")
    }
    if !force && access(target, F_OK) == 0 { throw .destinationExists(target) }
    let store: Store
    do {
      store = try Store(inspecting: directory, key: key, busyTimeoutMilliseconds: busyTimeout)
    } catch {
      throw .store(source, error)
    }
    let copy = try CheckedCopy(of: store, beside: target, what: "the copy", today: today)
    try copy.file.install(at: target, replacing: force)
    return "backed up \(source) to \(target): \(copy.summary)"
  }

  static func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return path.hasSuffix("/") || (stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR)
  }

  /// Whether two paths name the same existing file (by device and inode, so links and `..` do
  /// not hide it).
  static func sameFile(_ one: String, _ other: String) -> Bool {
    var first = stat()
    var second = stat()
    return stat(one, &first) == 0 && stat(other, &second) == 0 && first.st_dev == second.st_dev
      && first.st_ino == second.st_ino
  }
}
