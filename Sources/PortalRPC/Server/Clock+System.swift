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
  /// The clinic's clock: fixed at `fixed` or running from `start` (`--clock`), else the system's,
  /// with days in `timeZone` (`--timezone`, already checked) or the system's zone.
  static func clinic(fixed: String?, start: String?, timeZone: String?) -> Clock {
    var base = fixed.flatMap(Timestamp.init).map(Clock.fixed) ?? Clock.system
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
