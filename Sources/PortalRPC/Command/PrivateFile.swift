#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// A new file that only its owner may read (mode 0600: it holds health data), written under a
/// temporary name beside the path it is for and moved there whole once complete, so that name
/// never shows half a file. Dropped without `install`, the temporary file is removed.
final class PrivateFile {
  /// The temporary file's path.
  let path: String
  /// Open for writing until the file is installed or dropped.
  let descriptor: Int32
  private let directory: String
  private var installed = false

  /// Creates an empty temporary file in the directory of `target`.
  init(beside target: String) throws(MaintenanceError) {
    directory = Self.directory(of: target)
    let base = target.split(separator: "/").last.map(String.init) ?? "file"
    var template = Array((directory + "/." + base + ".partial-XXXXXX").utf8CString)
    let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard descriptor >= 0 else {
      throw .file("create a file in", path: directory, code: errno)
    }
    _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
    fchmod(descriptor, 0o600)
    self.descriptor = descriptor
    path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
  }

  deinit {
    close(descriptor)
    if !installed { unlink(path) }
  }

  /// The directory `path` is in ("." for a bare name).
  static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }

  /// Writes all of `buffer` at the end of the file.
  func write(_ buffer: UnsafeBufferPointer<UInt8>) throws(MaintenanceError) {
    guard Self.writeAll(descriptor, buffer) else { throw .file("write", path: path, code: errno) }
  }

  /// Writes all of `buffer` to `descriptor`; false (with `errno` set) when it cannot.
  static func writeAll(_ descriptor: Int32, _ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
    var offset = 0
    while offset < buffer.count {
      let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
      if written < 0 && errno == EINTR { continue }
      if written <= 0 { return false }
      offset += written
    }
    return true
  }

  /// Puts the file's contents on disk.
  func sync() throws(MaintenanceError) {
    guard fsync(descriptor) == 0 else { throw .file("sync", path: path, code: errno) }
  }

  /// Moves the file to `target` (on the same file system: it was made beside it) and syncs the
  /// directory, so the name survives a power cut. Without `replacing`, an existing `target` is
  /// left alone and reported, even one that appeared since the caller looked.
  func install(at target: String, replacing: Bool) throws(MaintenanceError) {
    if replacing {
      guard rename(path, target) == 0 else { throw .file("write", path: target, code: errno) }
    } else if link(path, target) == 0 {
      unlink(path)
    } else if errno == EEXIST {
      throw .destinationExists(target)
    } else {
      // A file system without hard links (FAT on a removable disk): look, then move.
      guard access(target, F_OK) != 0 else { throw .destinationExists(target) }
      guard rename(path, target) == 0 else { throw .file("write", path: target, code: errno) }
    }
    installed = true
    try Self.syncDirectory(directory)
  }

  /// Syncs a directory, making the names created, renamed or removed in it durable.
  static func syncDirectory(_ directory: String) throws(MaintenanceError) {
    let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { throw .file("open", path: directory, code: errno) }
    defer { close(descriptor) }
    guard fsync(descriptor) == 0 else { throw .file("sync", path: directory, code: errno) }
  }
}
