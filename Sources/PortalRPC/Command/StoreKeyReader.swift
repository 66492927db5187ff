internal import Sodium
internal import Storage

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// Reads the store's key from where `StoreKeySource` says, once, straight into guarded memory.
/// Errors say which flag and what is wrong with it, never what was read.
enum StoreKeyReader {
  struct Failure: Error {
    let message: String
  }

  /// The most a key's text may take: 64 hex digits and a line break (CR LF too).
  private static let longestText = 2 * StoreKey.byteCount + 2

  /// Hardens the process (no core file, no peeking by other processes) before any key is in
  /// memory, then reads the key (`isNew`: a rekey's new key, given with `--new-key-…`).
  static func read(_ source: StoreKeySource, isNew: Bool = false) throws(Failure) -> StoreKey {
    ProcessHardening.apply()
    return try read(source, flag: source.flag(new: isNew))
  }

  /// Reads the key; `flag` is how the person gave it (`--key-fd`, `--new-key-file`…).
  private static func read(_ source: StoreKeySource, flag: String) throws(Failure) -> StoreKey {
    switch source {
    case .descriptor(let descriptor):
      defer { close(descriptor) }
      return try read(descriptor, from: "\(flag) \(descriptor)", timeout: .seconds(10))
    case .file(let path):
      let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
      guard descriptor >= 0 else {
        throw Failure(message: "\(flag): the key file cannot be opened (errno \(errno))")
      }
      defer { close(descriptor) }
      var status = stat()
      guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
        throw Failure(message: "\(flag): the key file is not a regular file")
      }
      guard status.st_mode & 0o077 == 0 else {
        throw Failure(
          message:
            "\(flag): the key file may be read by other users (mode \(String(status.st_mode & 0o777, radix: 8))); make it readable by its owner only (chmod 600)"
        )
      }
      return try read(descriptor, from: flag, timeout: .seconds(10))
    }
  }

  /// Reads `descriptor` to its end into guarded memory and decodes the key.
  private static func read(_ descriptor: Int32, from source: String, timeout: Duration)
    throws(Failure) -> StoreKey
  {
    var filled = 0
    let deadline = ContinuousClock.now + timeout
    let text = try SecretBytes(count: longestText + 1) { buffer throws(Failure) in
      while true {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let left = deadline - .now
        let ready = poll(&entry, 1, Int32(max(0, left.components.seconds * 1000)))
        if ready < 0 && errno == EINTR { continue }
        if ready == 0 {
          SecretBytes.wipe(buffer)
          throw Failure(
            message:
              "\(source) did not reach its end within \(timeout); close the pipe after writing the key"
          )
        }
        let count = Glibc.read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
        if count < 0 && errno == EINTR { continue }
        if count < 0 {
          SecretBytes.wipe(buffer)
          throw Failure(message: "\(source) cannot be read (errno \(errno))")
        }
        if count == 0 { return }
        filled += count
        if filled > longestText {
          SecretBytes.wipe(buffer)
          throw Failure(message: "\(source) holds more than a key (64 hex digits and a line break)")
        }
      }
    }
    do {
      return try text.withUnsafeBytes { buffer throws(StoreKey.Malformed) in
        try StoreKey(hexText: UnsafeRawBufferPointer(rebasing: buffer.prefix(filled)))
      }
    } catch {
      throw Failure(
        message:
          "\(source) does not hold a key: it must be 64 hexadecimal digits (32 random bytes), e.g. from: openssl rand -hex 32"
      )
    }
  }
}
