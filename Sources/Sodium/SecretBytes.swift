internal import CSodium

/// Bytes of a secret (a key) in memory libsodium guards: locked out of swap, fenced by guard
/// pages, and wiped when released. Fixed once filled; a secret never passes through a Swift
/// `String` or `Array`, whose copies could not be wiped.
public final class SecretBytes: @unchecked Sendable {
  // Sendable: the bytes are written only by the initialiser's `fill`, before the value is
  // shared, and read-only afterwards.
  private let base: UnsafeMutableRawPointer
  public let count: Int

  /// `count` bytes, filled by `fill` (which may throw: the memory is wiped and freed).
  public init<E: Error>(count: Int, fill: (UnsafeMutableRawBufferPointer) throws(E) -> Void)
    throws(E)
  {
    SodiumLibrary.require()
    guard let base = sodium_malloc(max(count, 1)) else {
      fatalError("libsodium could not allocate \(count) bytes of guarded memory")
    }
    self.base = base
    self.count = count
    do {
      try fill(UnsafeMutableRawBufferPointer(start: base, count: count))
    } catch {
      sodium_free(base)
      throw error
    }
  }

  /// `count` random bytes.
  public convenience init(randomCount count: Int) {
    self.init(count: count) { buffer in randombytes_buf(buffer.baseAddress!, buffer.count) }
  }

  deinit { sodium_free(base) }

  public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R)
    throws(E) -> R
  {
    try body(UnsafeRawBufferPointer(start: base, count: count))
  }

  /// Wipes `buffer` (the compiler may not drop the writes).
  public static func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
    if let address = buffer.baseAddress { sodium_memzero(address, buffer.count) }
  }
}
