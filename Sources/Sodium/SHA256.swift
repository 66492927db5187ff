internal import CSodium

/// SHA-256, for the audit log's hash chain and for storing tokens as hashes.
public enum SHA256 {
  public static func digest(_ bytes: some Collection<UInt8>) -> [UInt8] {
    SodiumLibrary.require()
    var state = crypto_hash_sha256_state()
    crypto_hash_sha256_init(&state)
    update(&state, bytes)
    var output = [UInt8](repeating: 0, count: Int(crypto_hash_sha256_BYTES))
    crypto_hash_sha256_final(&state, &output)
    return output
  }

  /// The digest of `parts` joined, without joining them first.
  public static func digest(parts: [[UInt8]]) -> [UInt8] {
    SodiumLibrary.require()
    var state = crypto_hash_sha256_state()
    crypto_hash_sha256_init(&state)
    for part in parts { update(&state, part) }
    var output = [UInt8](repeating: 0, count: Int(crypto_hash_sha256_BYTES))
    crypto_hash_sha256_final(&state, &output)
    return output
  }

  /// Lower-case hex of the digest.
  public static func hex(_ bytes: some Collection<UInt8>) -> String {
    Hex.encode(digest(bytes))
  }

  private static func update(
    _ state: inout crypto_hash_sha256_state, _ bytes: some Collection<UInt8>
  ) {
    let done = bytes.withContiguousStorageIfAvailable { buffer in
      crypto_hash_sha256_update(&state, buffer.baseAddress, UInt64(buffer.count))
    }
    if done == nil {
      let copy = Array(bytes)
      crypto_hash_sha256_update(&state, copy, UInt64(copy.count))
    }
  }
}

/// Lower-case hexadecimal.
public enum Hex {
  private static let digits = Array("0123456789abcdef".utf8)

  public static func encode(_ bytes: some Collection<UInt8>) -> String {
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for byte in bytes {
      out.append(digits[Int(byte >> 4)])
      out.append(digits[Int(byte & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
  }
}
