public import Domain

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

extension Clock {
  /// The real time of day (CLOCK_REALTIME), to the millisecond.
  public static let system = Clock {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Timestamp(
      millisecondsSinceEpoch: Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000)
  }
}

extension Clock {
  /// A clock whose time is the ISO 8601 time in the file at `path`, read at every look (for
  /// tests that move time: token expiry, idle logoff); the system's time while the file is
  /// missing or unreadable.
  static func reading(_ path: String) -> Clock {
    Clock {
      let descriptor = open(path, O_RDONLY | O_CLOEXEC)
      guard descriptor >= 0 else { return Clock.system.now() }
      defer { close(descriptor) }
      var buffer = [UInt8](repeating: 0, count: 64)
      let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
      guard count > 0 else { return Clock.system.now() }
      let text = String(decoding: buffer.prefix(count), as: UTF8.self).trimmingSuffix {
        $0 == "\n" || $0 == " "
      }
      return Timestamp(text) ?? Clock.system.now()
    }
  }
}

extension Clock {
  /// The clinic's clock: fixed at `fixed` or running from `start` (`--clock`), else the system's,
  /// with days in `timeZone` (`--timezone`, already checked) or the system's zone.
  static func clinic(fixed: String?, start: String?, timeZone: String?, file: String? = nil)
    -> Clock
  {
    var base = fixed.flatMap(Timestamp.init).map(Clock.fixed) ?? Clock.system
    if let file { base = .reading(file) }
    if let start = start.flatMap(Timestamp.init) {
      let began = Clock.system.now().millisecondsSinceEpoch
      base = Clock {
        Timestamp(
          millisecondsSinceEpoch: start.millisecondsSinceEpoch
            + Clock.system.now()
            .millisecondsSinceEpoch - began)
      }
    }
    let offset: @Sendable (Timestamp) -> Int
    do {
      offset = try ClinicTimeZone.select(timeZone)
    } catch {
      offset = { _ in 0 }
    }
    return base.inZone(utcOffset: offset)
  }
}

extension String {
  fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> String {
    var text = self
    while let last = text.last, predicate(last) { text.removeLast() }
    return text
  }
}
