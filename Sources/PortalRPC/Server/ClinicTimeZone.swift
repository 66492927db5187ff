public import Domain

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// The clinic's time zone (`--timezone`, default the system's): what "today" means for
/// `nextAppointment`, `lastVisit` and dates that may not lie in the future. Read through the C
/// library's zone database, which this process uses for nothing else.
public enum ClinicTimeZone {
  /// Why a zone name was refused.
  public struct UnknownZone: Error, Sendable {
    public let name: String
  }

  /// Selects `name` (an IANA name such as `Europe/Berlin`, or `UTC`) for this process, or the
  /// system's zone when nil, and returns its offset function.
  public static func select(_ name: String?) throws(UnknownZone) -> @Sendable (Timestamp) -> Int {
    if let name {
      guard isKnown(name) else { throw UnknownZone(name: name) }
      setenv("TZ", name, 1)
    }
    tzset()
    return { instant in
      var seconds = time_t(instant.millisecondsSinceEpoch / 1000)
      var parts = tm()
      guard localtime_r(&seconds, &parts) != nil else { return 0 }
      return Int(parts.tm_gmtoff)
    }
  }

  /// True for `UTC` and for names the zone database holds (glibc silently treats an unknown name
  /// as UTC, which would move every clinic date without a word).
  static func isKnown(_ name: String) -> Bool {
    if name == "UTC" || name == "GMT" { return true }
    guard !name.isEmpty, !name.hasPrefix("/"), !name.contains(".."),
      name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
    else { return false }
    for folder in ["/usr/share/zoneinfo/", "/usr/lib/zoneinfo/", "/usr/share/lib/zoneinfo/"] {
      var info = stat()
      if stat(folder + name, &info) == 0, info.st_mode & S_IFMT == S_IFREG { return true }
    }
    return false
  }
}
