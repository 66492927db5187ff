internal import CSodium

/// Argon2id password hashes in libsodium's self-describing string form (`$argon2id$v=19$m=…`),
/// so the cost is read back from each stored hash and can be raised later without a migration.
///
/// The cost is libsodium's "interactive" level: 64 MiB of memory and 2 passes, above OWASP's
/// minimum for Argon2id (19 MiB, 2 passes, 1 lane).
public enum PasswordHash {
  /// Memory, in bytes, one hash takes.
  public static let memoryLimit = Int(crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE)
  /// Passes over that memory.
  public static let passes = UInt64(crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE)

  /// The hash of `password` with a fresh random salt; nil only when the machine cannot spare the
  /// memory.
  public static func make(_ password: [UInt8]) -> String? {
    SodiumLibrary.require()
    var output = [CChar](repeating: 0, count: Int(crypto_pwhash_argon2id_STRBYTES))
    var chars = terminated(password)
    defer { wipe(&chars) }
    let result = crypto_pwhash_argon2id_str(
      &output, chars, UInt64(password.count), passes, memoryLimit)
    guard result == 0 else { return nil }
    return String(decoding: output.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// True when `password` matches `stored`. Takes the full cost whether or not it matches.
  public static func verify(_ password: [UInt8], against stored: String) -> Bool {
    SodiumLibrary.require()
    var hash = Array(stored.utf8CString)
    var chars = terminated(password)
    defer { wipe(&chars) }
    return crypto_pwhash_argon2id_str_verify(&hash, chars, UInt64(password.count)) == 0
  }

  /// The password as C characters with a terminator (so an empty one still has an address).
  private static func terminated(_ password: [UInt8]) -> [CChar] {
    password.map { CChar(bitPattern: $0) } + [0]
  }

  private static func wipe(_ chars: inout [CChar]) {
    chars.withUnsafeMutableBytes { buffer in
      if let base = buffer.baseAddress { sodium_memzero(base, buffer.count) }
    }
  }

  /// A hash of a password no one knows, computed once: verifying against it costs what a real
  /// check costs, so an unknown user takes as long to refuse as a wrong password.
  public static let decoy: String = make(SecureRandom.bytes(32)) ?? ""
}
