internal import CSodium

/// Comparisons and wipes that do not leak through timing or leave secrets in memory.
public enum ConstantTime {
  /// True when `a` and `b` are equal, in time that depends only on their length.
  public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    SodiumLibrary.require()
    return sodium_memcmp(a, b, a.count) == 0
  }

  /// Overwrites `bytes` with zeros in a way the compiler keeps.
  public static func wipe(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { buffer in
      if let base = buffer.baseAddress { sodium_memzero(base, buffer.count) }
    }
  }
}
