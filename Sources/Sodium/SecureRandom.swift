internal import CSodium

/// Bytes from the operating system's cryptographic random source.
public enum SecureRandom {
  public static func bytes(_ count: Int) -> [UInt8] {
    SodiumLibrary.require()
    var bytes = [UInt8](repeating: 0, count: count)
    bytes.withUnsafeMutableBytes { buffer in
      if let base = buffer.baseAddress { randombytes_buf(base, buffer.count) }
    }
    return bytes
  }
}
