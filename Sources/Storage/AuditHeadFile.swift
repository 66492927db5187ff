#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// The audit chain's head kept outside the store, in `portal.db-audit-head` beside it: one line,
/// `<seq> <hash>`, the sequence number zero-padded to 19 digits. It only moves forward, so a log cut short or rolled back to an older copy of
/// the store ends before its head and `--check` says so. Every process that appends advances
/// it after its commit, under an exclusive `flock` so two processes cannot step back each
/// other's head.
public enum AuditHeadFile {
  public static let fileName = Store.fileName + "-audit-head"

  /// The head recorded for `directory`'s store; nil when none was (no event yet, or a store that
  /// predates the audit log).
  public static func read(_ directory: String) -> AuditHead? {
    let descriptor = open(directory + "/" + fileName, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    _ = flock(descriptor, LOCK_SH)
    return parse(contents(descriptor))
  }

  /// Moves the head to `head` unless it already records a later event. Best effort: a head that
  /// cannot be written only weakens the check for truncation, never the chain itself.
  public static func advance(_ directory: String, to head: AuditHead) {
    write(directory, head, force: false)
  }

  /// Sets the head to `head` even when it is older (a restore put an older store in place), or
  /// removes it for nil.
  public static func reset(_ directory: String, to head: AuditHead?) {
    guard let head else {
      unlink(directory + "/" + fileName)
      return
    }
    write(directory, head, force: true)
  }

  /// Writes `head` to the file at `path` (a replaced store's head, kept beside it).
  public static func write(_ head: AuditHead, toFile path: String) {
    write(path: path, head, force: true)
  }

  private static func write(_ directory: String, _ head: AuditHead, force: Bool) {
    write(path: directory + "/" + fileName, head, force: force)
  }

  private static func write(path: String, _ head: AuditHead, force: Bool) {
    let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { return }
    defer { close(descriptor) }
    guard flock(descriptor, LOCK_EX) == 0 else { return }
    let existing = contents(descriptor)
    if !force, let current = parse(existing), current.seq >= head.seq { return }
    // A fixed width (the sequence number padded to 19 digits), so the line is overwritten in
    // place and the file never changes size.
    let digits = String(head.seq)
    let line = Array(
      (String(repeating: "0", count: max(0, 19 - digits.count)) + digits + " " + head.hash + "\n")
        .utf8)
    _ = line.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    if existing.count != line.count { _ = ftruncate(descriptor, off_t(line.count)) }
  }

  private static func contents(_ descriptor: Int32) -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: 128)
    let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
    return count > 0 ? Array(buffer.prefix(count)) : []
  }

  private static func parse(_ bytes: [UInt8]) -> AuditHead? {
    let parts = String(decoding: bytes, as: UTF8.self).split(whereSeparator: {
      $0 == " " || $0 == "\n"
    })
    guard parts.count == 2, let seq = Int64(parts[0]), parts[1].count == 64 else { return nil }
    return AuditHead(seq: seq, hash: String(parts[1]))
  }
}
