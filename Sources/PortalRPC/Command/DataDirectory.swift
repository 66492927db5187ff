#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// Finds, creates and checks the data directory: the configured one (`--data-dir`,
/// `PORTAL_DATA_DIR` or `dataDir` in the config file), else `$XDG_DATA_HOME/portal-rpc`, else
/// `~/.local/share/portal-rpc`.
public enum DataDirectory {
  /// Why a data directory cannot be used: one line a person can act on; the process exits 3.
  public struct Unusable: Error, Equatable, Sendable {
    public let message: String
  }

  /// The directory the configuration names (`explicit`), else the default the environment
  /// gives, before it is checked.
  public static func resolve(
    explicit: String?, environment: (String) -> String?
  ) throws(Unusable) -> String {
    if let explicit { return explicit }
    if let xdg = environment("XDG_DATA_HOME"), !xdg.isEmpty { return xdg + "/portal-rpc" }
    if let home = environment("HOME"), !home.isEmpty { return home + "/.local/share/portal-rpc" }
    throw Unusable(
      message: "no data directory: set --data-dir, PORTAL_DATA_DIR or HOME, or use --in-memory")
  }

  /// Creates `path` (and its parents, mode 0700: this is health data) if missing, checks that it
  /// is a directory that can be written (or, read-only, already holds a store), and returns its
  /// absolute path.
  public static func prepare(_ path: String) throws(Unusable) -> String {
    try createDirectories(path)
    var info = stat()
    guard stat(path, &info) == 0 else { throw unusable(path, errno) }
    guard info.st_mode & S_IFMT == S_IFDIR else {
      throw Unusable(
        message:
          "cannot use data directory \(path): it is not a directory; pass --data-dir with a directory, or --in-memory"
      )
    }
    if access(path, W_OK | X_OK) != 0 {
      let reason = errno  // before the next call replaces it
      // A directory that cannot be written is still served, read-only, when it holds a store.
      guard access(path + "/portal.db", R_OK) == 0 else { throw unusable(path, reason) }
    }
    guard let resolved = realpath(path, nil) else { throw unusable(path, errno) }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  /// Whether files can be created and written in `path` now.
  public static func isWritable(_ path: String) -> Bool {
    access(path, W_OK | X_OK) == 0
      && (access(path + "/portal.db", F_OK) != 0 || access(path + "/portal.db", W_OK) == 0)
  }

  private static func createDirectories(_ path: String) throws(Unusable) {
    var prefix = path.hasPrefix("/") ? "/" : ""
    for component in path.split(separator: "/") {
      prefix += component
      if mkdir(prefix, 0o700) != 0 {
        let reason = errno
        // A read-only file system refuses even a directory that exists: that one is fine.
        guard reason == EEXIST || reason == EROFS && access(prefix, F_OK) == 0 else {
          throw unusable(path, reason)
        }
      }
      prefix += "/"
    }
  }

  /// The line for a failed file-system call, from its `errno`.
  private static func unusable(_ path: String, _ code: Int32) -> Unusable {
    let reason =
      switch code {
      case EACCES, EPERM: "permission denied"
      case EROFS: "the file system is read-only"
      case ENOENT: "it does not exist"
      case ENOTDIR: "a part of its path is not a directory"
      default: String(cString: strerror(code))
      }
    return Unusable(
      message:
        "cannot use data directory \(path): \(reason); pass --data-dir with a writable directory, or --in-memory"
    )
  }
}
