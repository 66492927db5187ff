/// How SQLCipher encrypts a store: chosen by measurement (`portal-bench encryption`) and the
/// same for every connection, since a file opens only with the settings it was written with.
///
/// The key is raw (no passphrase derivation runs). Pages are AES-256-CBC with a per-page HMAC.
enum StoreCipher {
  /// The format of every encrypted store: SQLCipher 4's, with an HMAC-SHA256 per page in place
  /// of HMAC-SHA512 (as strong for an integrity tag, and cheaper per page written).
  static let defaults = """
    PRAGMA cipher_default_hmac_algorithm = HMAC_SHA256;
    """

  /// Run on every keyed connection right after the key, before the first read.
  /// (SQLCipher resets its log level when keyed, so the level is set after the key; left on, it
  /// writes its own lines to stderr when a page fails its check.)
  static let settings = """
    PRAGMA cipher_log_level = NONE;
    PRAGMA cipher_memory_security = OFF;
    """
}
