#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Stops the run when a fuzz target's invariant does not hold: says which one on stderr, then
/// aborts, so libFuzzer saves the input as a crash (a `precondition` would lose its message in
/// an optimized build).
func invariant(_ condition: Bool, _ message: @autoclosure () -> String) {
  guard !condition else { return }
  var line = Array("invariant broken: \(message())\n".utf8)
  _ = line.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
  abort()
}

/// True when `bytes` is one line: no control character and no unescaped U+2028 or U+2029, which
/// JavaScript reads as line breaks.
func isOneLine(_ bytes: [UInt8]) -> Bool {
  for index in bytes.indices {
    if bytes[index] < 0x20 { return false }
    if bytes[index] == 0xE2, index + 2 < bytes.count, bytes[index + 1] == 0x80,
      bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9
    {
      return false
    }
  }
  return true
}
