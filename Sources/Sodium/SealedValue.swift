internal import CSodium

/// Authenticated encryption of small values under a key derived from a master key:
/// XChaCha20-Poly1305 with a random 192-bit nonce, so nonces never need counting. A sealed
/// value is `pv1.` and base64url (no padding) of nonce ‖ ciphertext ‖ tag; opening fails on any
/// change to it.
public struct SealedValue: Sendable {
  private let key: SecretBytes

  static let prefix = "pv1."
  static let nonceBytes = Int(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
  static let tagBytes = Int(crypto_aead_xchacha20poly1305_ietf_ABYTES)

  /// The sealing key for `context` (8 ASCII characters, e.g. "values01"), derived from the
  /// 32-byte `master` with BLAKE2b (libsodium's `crypto_kdf`), so it is not the master key.
  public init(master: SecretBytes, context: String) {
    precondition(master.count == Int(crypto_kdf_KEYBYTES), "the master key must be 32 bytes")
    let label = Array(context.utf8)
    precondition(label.count == Int(crypto_kdf_CONTEXTBYTES), "a context is 8 bytes")
    key = SecretBytes(count: Int(crypto_aead_xchacha20poly1305_ietf_KEYBYTES)) { subkey in
      master.withUnsafeBytes { master in
        label.withUnsafeBufferPointer { label in
          label.withMemoryRebound(to: CChar.self) { label in
            _ = crypto_kdf_derive_from_key(
              subkey.baseAddress!.assumingMemoryBound(to: UInt8.self), subkey.count, 1,
              label.baseAddress!, master.baseAddress!.assumingMemoryBound(to: UInt8.self))
          }
        }
      }
    }
  }

  /// `plaintext` sealed; `associated` (not secret, not stored) must be given again to open it.
  public func seal(_ plaintext: [UInt8], associated: [UInt8] = []) -> String {
    var nonce = [UInt8](repeating: 0, count: Self.nonceBytes)
    randombytes_buf(&nonce, nonce.count)
    var sealed = [UInt8](repeating: 0, count: plaintext.count + Self.tagBytes)
    var length: UInt64 = 0
    key.withUnsafeBytes { key in
      _ = crypto_aead_xchacha20poly1305_ietf_encrypt(
        &sealed, &length, plaintext, UInt64(plaintext.count), associated,
        UInt64(associated.count), nil, nonce, key.baseAddress!.assumingMemoryBound(to: UInt8.self))
    }
    return Self.prefix + Base64URL.encode(nonce + sealed.prefix(Int(length)))
  }

  /// The plaintext of `text`, or nil when it is not a value this key sealed with `associated`
  /// (changed, cut short, sealed by another key, or not a sealed value at all).
  public func open(_ text: String, associated: [UInt8] = []) -> [UInt8]? {
    guard text.hasPrefix(Self.prefix),
      let bytes = Base64URL.decode(text.dropFirst(Self.prefix.count)),
      bytes.count >= Self.nonceBytes + Self.tagBytes
    else { return nil }
    let nonce = Array(bytes.prefix(Self.nonceBytes))
    let sealed = Array(bytes.dropFirst(Self.nonceBytes))
    var plaintext = [UInt8](repeating: 0, count: sealed.count - Self.tagBytes)
    var length: UInt64 = 0
    let status = key.withUnsafeBytes { key in
      crypto_aead_xchacha20poly1305_ietf_decrypt(
        &plaintext, &length, nil, sealed, UInt64(sealed.count), associated,
        UInt64(associated.count), nonce, key.baseAddress!.assumingMemoryBound(to: UInt8.self))
    }
    return status == 0 ? Array(plaintext.prefix(Int(length))) : nil
  }
}

/// Base64 with the URL-safe alphabet and no padding (RFC 4648 §5).
enum Base64URL {
  private static let alphabet = Array(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
  private static let values: [UInt8: UInt32] = Dictionary(
    uniqueKeysWithValues: alphabet.enumerated().map { ($1, UInt32($0)) })

  static func encode(_ bytes: [UInt8]) -> String {
    var out: [UInt8] = []
    out.reserveCapacity((bytes.count + 2) / 3 * 4)
    var index = 0
    while index < bytes.count {
      let chunk = bytes[index..<min(index + 3, bytes.count)]
      var word: UInt32 = 0
      for (offset, byte) in chunk.enumerated() { word |= UInt32(byte) << (16 - 8 * offset) }
      for digit in 0...chunk.count { out.append(alphabet[Int((word >> (18 - 6 * digit)) & 63)]) }
      index += 3
    }
    return String(decoding: out, as: UTF8.self)
  }

  static func decode(_ text: Substring) -> [UInt8]? {
    let digits = Array(text.utf8)
    guard digits.count % 4 != 1 else { return nil }
    var out: [UInt8] = []
    var index = 0
    while index < digits.count {
      let chunk = digits[index..<min(index + 4, digits.count)]
      var word: UInt32 = 0
      for (offset, digit) in chunk.enumerated() {
        guard let value = values[digit] else { return nil }
        word |= value << (18 - 6 * offset)
      }
      for byte in 0..<(chunk.count - 1) { out.append(UInt8((word >> (16 - 8 * byte)) & 0xFF)) }
      index += 4
    }
    return out
  }
}
