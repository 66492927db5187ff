internal import CSodium

/// libsodium, initialised once per process before any other call (sodium_init is idempotent and
/// thread-safe, so a lazy global is enough).
enum SodiumLibrary {
  static let ready: Bool = sodium_init() >= 0

  static func require() {
    precondition(ready, "libsodium could not be initialised")
  }
}
