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
