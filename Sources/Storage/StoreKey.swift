public import Sodium

/// The key a store is encrypted with: 32 random bytes, written as 64 hexadecimal digits where a
/// person or a shell keeps it. Held only in guarded memory (`SecretBytes`); it never appears in
/// SQL text, a log line or an error.
public final class StoreKey: Sendable {
  /// The 32 bytes.
  public let bytes: SecretBytes
  /// SQLCipher's raw-key form, `x'<64 hex digits>'`, which skips its passphrase derivation.
  let literal: SecretBytes

  public static let byteCount = 32

  /// Why a key's text was refused (naming where it came from, never what it held).
  public enum Malformed: Error, Sendable {
    case notHex
  }

  /// The key written in `text`: exactly 64 hex digits, then optionally one line break.
  public init(hexText text: UnsafeRawBufferPointer) throws(Malformed) {
    var digits = text
    if digits.last == 0x0A { digits = UnsafeRawBufferPointer(rebasing: digits.dropLast()) }
    if digits.last == 0x0D { digits = UnsafeRawBufferPointer(rebasing: digits.dropLast()) }
    guard digits.count == 2 * Self.byteCount, digits.allSatisfy({ Self.nibble($0) != nil })
    else { throw .notHex }
    bytes = SecretBytes(count: Self.byteCount) { out in
      for index in 0..<Self.byteCount {
        out[index] = Self.nibble(digits[2 * index])! << 4 | Self.nibble(digits[2 * index + 1])!
      }
    }
    literal = Self.literal(of: bytes)
  }

  /// A new random key.
  public init() {
    bytes = SecretBytes(randomCount: Self.byteCount)
    literal = Self.literal(of: bytes)
  }

  /// The key as 64 hex digits and a line break, for a key file being written; `body` must not
  /// keep the bytes.
  public func withHexLine<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    let line = SecretBytes(count: 2 * Self.byteCount + 1) { out in
      bytes.withUnsafeBytes { key in
        for (index, byte) in key.enumerated() {
          out[2 * index] = Self.digits[Int(byte >> 4)]
          out[2 * index + 1] = Self.digits[Int(byte & 0xF)]
        }
      }
      out[2 * Self.byteCount] = 0x0A
    }
    return try line.withUnsafeBytes(body)
  }

  private static let digits = Array("0123456789abcdef".utf8)

  private static func literal(of bytes: SecretBytes) -> SecretBytes {
    SecretBytes(count: 2 * byteCount + 3) { out in
      out[0] = UInt8(ascii: "x")
      out[1] = UInt8(ascii: "'")
      bytes.withUnsafeBytes { key in
        for (index, byte) in key.enumerated() {
          out[2 + 2 * index] = digits[Int(byte >> 4)]
          out[3 + 2 * index] = digits[Int(byte & 0xF)]
        }
      }
      out[2 * byteCount + 2] = UInt8(ascii: "'")
    }
  }

  private static func nibble(_ digit: UInt8) -> UInt8? {
    switch digit {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
    default: nil
    }
  }
}
