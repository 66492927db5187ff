/// An appointment time as the seed writes it: `h:mm AM/PM` (`10:00 AM`) or 24-hour `HH:mm`.
public struct TimeOfDay: Sendable, Hashable, Comparable {
  /// Minutes after midnight.
  public let minutes: Int

  public init?(_ text: String) {
    let parts = text.split(separator: " ", omittingEmptySubsequences: false)
    let clock = parts[0].split(separator: ":", omittingEmptySubsequences: false)
    guard clock.count == 2, clock[1].count == 2, (1...2).contains(clock[0].count),
      let hour = Int(clock[0]), let minute = Int(clock[1]), clock[0].allSatisfy(\.isASCIIDigit),
      clock[1].allSatisfy(\.isASCIIDigit), (0..<60).contains(minute)
    else { return nil }
    switch parts.count {
    case 1:
      guard clock[0].count == 2, (0..<24).contains(hour) else { return nil }
      minutes = hour * 60 + minute
    case 2:
      let marker = parts[1].uppercased()
      guard (1...12).contains(hour), marker == "AM" || marker == "PM" else { return nil }
      minutes = (hour % 12 + (marker == "PM" ? 12 : 0)) * 60 + minute
    default:
      return nil
    }
  }

  public static func < (lhs: TimeOfDay, rhs: TimeOfDay) -> Bool { lhs.minutes < rhs.minutes }
}

extension Character {
  var isASCIIDigit: Bool { isASCII && isNumber }
}
