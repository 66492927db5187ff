public import PortalJSON

/// An instant with millisecond precision, read from RFC 3339 / ISO 8601 text with a zone
/// (`2026-01-31T09:15:00.000Z`, `2026-01-31T10:15:00+01:00`) and always written in UTC with
/// milliseconds, the form `meta` uses.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
  public let millisecondsSinceEpoch: Int64

  public init(millisecondsSinceEpoch: Int64) {
    self.millisecondsSinceEpoch = millisecondsSinceEpoch
  }

  /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; the fraction is cut to milliseconds.
  public init?(_ text: String) {
    let bytes = Array(text.utf8)
    guard bytes.count >= 20,
      let date = CalendarDate(String(decoding: bytes[0..<10], as: UTF8.self)),
      bytes[10] | 0x20 == UInt8(ascii: "t"), bytes[13] == UInt8(ascii: ":"),
      bytes[16] == UInt8(ascii: ":"),
      let hour = Digits.parse(bytes[11..<13]), let minute = Digits.parse(bytes[14..<16]),
      let second = Digits.parse(bytes[17..<19]), hour < 24, minute < 60, second < 60
    else { return nil }
    var index = 19
    var milliseconds = 0
    if bytes[index] == UInt8(ascii: ".") {
      index += 1
      let start = index
      while index < bytes.count, (48...57).contains(bytes[index]) { index += 1 }
      guard index > start else { return nil }
      let fraction = bytes[start..<min(index, start + 3)]
      milliseconds = Digits.parse(fraction)! * [100, 10, 1][fraction.count - 1]
    }
    guard index < bytes.count else { return nil }
    var offsetMinutes = 0
    if bytes[index] | 0x20 == UInt8(ascii: "z") {
      index += 1
    } else if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
      guard bytes.count == index + 6, bytes[index + 3] == UInt8(ascii: ":"),
        let offsetHours = Digits.parse(bytes[(index + 1)..<(index + 3)]),
        let offsetMins = Digits.parse(bytes[(index + 4)..<(index + 6)]), offsetHours < 24,
        offsetMins < 60
      else { return nil }
      offsetMinutes = (offsetHours * 60 + offsetMins) * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
      index += 6
    } else {
      return nil
    }
    guard index == bytes.count else { return nil }
    let seconds =
      Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
      - Int64(offsetMinutes * 60)
    millisecondsSinceEpoch = seconds * 1000 + Int64(milliseconds)
  }

  /// The UTC calendar date of this instant.
  public var date: CalendarDate {
    CalendarDate(daysSinceEpoch: Int(floorDivide(millisecondsSinceEpoch, 86_400_000)))
  }

  public var description: String { String(decoding: iso8601Bytes, as: UTF8.self) }

  /// The description as a JSON string, written straight into `writer` (no String between).
  public func writeQuoted(into writer: JSONWriter) {
    writer.append(UInt8(ascii: "\""))
    writer.append(iso8601Bytes)
    writer.append(UInt8(ascii: "\""))
  }

  private var iso8601Bytes: [UInt8] {
    let days = floorDivide(millisecondsSinceEpoch, 86_400_000)
    let rest = Int(millisecondsSinceEpoch - days * 86_400_000)
    let date = CalendarDate(daysSinceEpoch: Int(days))
    var bytes = [UInt8](repeating: 0, count: 24)
    Digits.write(date.year, width: 4, into: &bytes, at: 0)
    bytes[4] = UInt8(ascii: "-")
    Digits.write(date.month, width: 2, into: &bytes, at: 5)
    bytes[7] = UInt8(ascii: "-")
    Digits.write(date.day, width: 2, into: &bytes, at: 8)
    bytes[10] = UInt8(ascii: "T")
    Digits.write(rest / 3_600_000, width: 2, into: &bytes, at: 11)
    bytes[13] = UInt8(ascii: ":")
    Digits.write(rest / 60_000 % 60, width: 2, into: &bytes, at: 14)
    bytes[16] = UInt8(ascii: ":")
    Digits.write(rest / 1000 % 60, width: 2, into: &bytes, at: 17)
    bytes[19] = UInt8(ascii: ".")
    Digits.write(rest % 1000, width: 3, into: &bytes, at: 20)
    bytes[23] = UInt8(ascii: "Z")
    return bytes
  }

  public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
    lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
  }

  private func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
    let quotient = value / divisor
    return value % divisor < 0 ? quotient - 1 : quotient
  }
}
