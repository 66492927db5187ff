public import PortalJSON

/// An amount of money in whole cents: exact, so 0.30 − 0.10 − 0.20 is exactly 0. Read from a JSON
/// number with at most two decimal places; written in the shortest exact form (`250.75`, `40`,
/// `0.3`), the form JavaScript prints for the same value.
public struct Money: Sendable, Hashable, Comparable, CustomStringConvertible {
  public let cents: Int64

  /// Amounts are kept within ± one trillion, so any sum of a patient's records stays exact.
  public static let limitCents: Int64 = 100_000_000_000_000

  public static let zero = Money(cents: 0)

  public init(cents: Int64) { self.cents = cents }

  /// Why a number is not an amount.
  public enum Problem: Error, Sendable, Equatable {
    case tooManyDecimals
    case outOfRange
  }

  public static func parse(_ number: JSONNumber) -> Result<Money, Problem> {
    let decimal = number.decimal
    if decimal.exponent < -2 { return .failure(.tooManyDecimals) }
    guard let cents = decimal.scaledInt64(decimals: 2), abs(cents) <= limitCents else {
      return .failure(.outOfRange)
    }
    return .success(Money(cents: cents))
  }

  public init?(_ value: JSONValue) {
    guard case .number(let number) = value, case .success(let money) = Money.parse(number) else {
      return nil
    }
    self = money
  }

  public var json: JSONValue { .number(JSONNumber(validatedMoneyText: description)) }

  public var description: String {
    let magnitude = cents.magnitude
    let whole = magnitude / 100
    let fraction = magnitude % 100
    var text = (cents < 0 ? "-" : "") + String(whole)
    if fraction != 0 {
      text +=
        fraction % 10 == 0
        ? "." + String(fraction / 10) : (fraction < 10 ? ".0" : ".") + String(fraction)
    }
    return text
  }

  public static func + (lhs: Money, rhs: Money) -> Money { Money(cents: lhs.cents + rhs.cents) }
  public static func - (lhs: Money, rhs: Money) -> Money { Money(cents: lhs.cents - rhs.cents) }
  public static prefix func - (value: Money) -> Money { Money(cents: -value.cents) }
  public static func < (lhs: Money, rhs: Money) -> Bool { lhs.cents < rhs.cents }
}

extension JSONNumber {
  /// Text produced by `Money.description`, which is always valid number grammar.
  init(validatedMoneyText text: String) { self = JSONNumber(text)! }
}
