#if canImport(Glibc)
  internal import Glibc
#endif

/// How this process learns, within a millisecond and at no idle cost, that another process
/// committed to the same store: every committer rings a "bell" file after COMMIT, and every
/// watcher waits on it with inotify. The store stays the truth: a wake-up only says "look at the
/// change log". A directory watch re-arms the bell if someone replaces it; when inotify is
/// unavailable the caller polls instead.
///
/// A ring opens and closes the bell (`IN_OPEN`). Touching its times (`IN_ATTRIB`, as the design
/// note measured) dirties the inode at every commit, a metadata write the disk then has to take;
/// watchers still wake on `IN_ATTRIB` and `IN_MODIFY` from a writer that rings that way.
///
/// - SeeAlso: `docs/design.md`, "Notifications and peers".
final class PeerWatcher {
  let bellPath: String
  private let directory: String
  private(set) var descriptor: Int32 = -1
  private var directoryWatch: Int32 = -1
  private var bellWatch: Int32 = -1
  private static let bellName = Array("portal.db-bell".utf8)

  init(directory: String) {
    self.directory = directory
    bellPath = directory + "/portal.db-bell"
  }

  deinit { if descriptor >= 0 { close(descriptor) } }

  /// Arms the watches (before the caller reads its baseline). False when inotify is unavailable
  /// (too many instances, say): the caller then polls.
  func arm() -> Bool {
    descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
    guard descriptor >= 0 else { return false }
    directoryWatch = inotify_add_watch(
      descriptor, directory,
      UInt32(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR))
    guard directoryWatch >= 0, armBell() else {
      close(descriptor)
      descriptor = -1
      return false
    }
    return true
  }

  private func armBell() -> Bool {
    let file = open(bellPath, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
    if file >= 0 { close(file) }
    bellWatch = inotify_add_watch(
      descriptor, bellPath, UInt32(IN_OPEN | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF))
    return bellWatch >= 0
  }

  /// Reads every queued event (to EAGAIN, so the next wait blocks) and re-arms the bell if it
  /// was replaced. Call before reading the change log, never after.
  func drain() {
    guard descriptor >= 0 else { return }
    var rearm = false
    let header = MemoryLayout<inotify_event>.size
    withUnsafeTemporaryAllocation(byteCount: 4096, alignment: 8) { buffer in
      while true {
        let count = read(descriptor, buffer.baseAddress, buffer.count)
        if count <= 0 { break }
        var offset = 0
        while offset + header <= count {
          let watch = buffer.loadUnaligned(fromByteOffset: offset, as: Int32.self)
          let mask = buffer.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
          let length = Int(buffer.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
          if watch == directoryWatch {
            let name = UnsafeRawBufferPointer(
              rebasing: buffer[(offset + header)..<min(count, offset + header + length)])
            if name.prefix(while: { $0 != 0 }).elementsEqual(Self.bellName) { rearm = true }
          } else if mask & UInt32(IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF) != 0 {
            rearm = true
          }
          offset += header + length
        }
      }
    }
    if rearm { _ = armBell() }
  }

  /// Rings the bell at `path` (after a commit); creates the bell if it is missing.
  static func ring(_ path: String) {
    var file = open(path, O_RDONLY | O_CLOEXEC)
    if file < 0 && errno == ENOENT { file = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600) }
    if file >= 0 { close(file) }
  }
}
