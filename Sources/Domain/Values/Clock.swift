/// Where "now" and "today" come from. A parameter, not a global, so tests and transcripts pin it
/// (`--clock fixed:…`) and every timestamp the server writes is reproducible. "Today" is the
/// clinic's date: the instant shifted by the clinic's offset from UTC (`--timezone`).
public struct Clock: Sendable {
  private let read: @Sendable () -> Timestamp
  private let utcOffset: @Sendable (Timestamp) -> Int

  /// A clock reading `read`, whose days begin at midnight in a zone `utcOffset` seconds east of
  /// UTC at a given instant (UTC by default).
  public init(
    _ read: @escaping @Sendable () -> Timestamp,
    utcOffset: @escaping @Sendable (Timestamp) -> Int = { _ in 0 }
  ) {
    self.read = read
    self.utcOffset = utcOffset
  }

  public func now() -> Timestamp { read() }

  /// The clinic's date now.
  public func today() -> CalendarDate { date(of: now()) }

  /// The clinic's date at `instant`.
  public func date(of instant: Timestamp) -> CalendarDate {
    Timestamp(
      millisecondsSinceEpoch: instant.millisecondsSinceEpoch + Int64(utcOffset(instant)) * 1000
    )
    .date
  }

  /// The first instant after `instant` at which the clinic's date may differ from the one at
  /// `instant` (its next midnight, at the offset in force at `instant`).
  public func nextDayStart(after instant: Timestamp) -> Timestamp {
    let offset = Int64(utcOffset(instant)) * 1000
    let local = instant.millisecondsSinceEpoch + offset
    let day = Int64(86_400_000)
    let midnight = (local >= 0 ? local / day : (local - day + 1) / day) * day + day
    return Timestamp(millisecondsSinceEpoch: midnight - offset)
  }

  /// The same clock in another zone.
  public func inZone(utcOffset: @escaping @Sendable (Timestamp) -> Int) -> Clock {
    Clock(read, utcOffset: utcOffset)
  }

  public static func fixed(_ instant: Timestamp) -> Clock { Clock { instant } }
}
