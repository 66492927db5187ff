/// A JSON number kept as the exact text it arrived in: 64-bit ids round-trip untouched and money
/// never passes through binary floating point. Equality and order are by exact decimal value.
public struct JSONNumber: Sendable {
  /// The number's text; always valid JSON number grammar.
  public let literal: String

  /// Accepts text in JSON's number grammar (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`).
  public init?(_ literal: String) {
    var copy = literal
    let valid = copy.withUTF8 { JSONNumber.isValidLiteral($0) }
    guard valid else { return nil }
    self.literal = literal
  }

  /// For text the parser has already checked.
  init(validatedLiteral literal: String) { self.literal = literal }

  public init(_ value: Int64) { literal = String(value) }
  public init(_ value: Int) { literal = String(value) }

  /// The exact value as an integer, when it is integral and fits in 64 bits (`7`, `7.0`, `7e0`).
  public var int64Value: Int64? {
    if let fast = plainInt64 { return fast }
    return decimal.scaledInt64(decimals: 0)
  }

  /// True when the exact value has no fractional part.
  public var isInteger: Bool {
    if plainInt64 != nil { return true }
    return decimal.exponent >= 0
  }

  /// The exact value as sign, significand and power of ten.
  public var decimal: ExactDecimal { ExactDecimal(validatedLiteral: literal) }

  /// The nearest binary double: for display and statistics only, never for money or ids.
  public var doubleValue: Double { Double(literal) ?? .nan }

  /// Fast path for plain integer text such as `42` or `-7`.
  private var plainInt64: Int64? {
    var copy = literal
    return copy.withUTF8 { bytes -> Int64? in
      guard !bytes.isEmpty, bytes.count <= 19 else { return nil }
      var index = 0
      let negative = bytes[0] == UInt8(ascii: "-")
      if negative { index = 1 }
      guard index < bytes.count else { return nil }
      var magnitude: UInt64 = 0
      while index < bytes.count {
        let digit = bytes[index] &- UInt8(ascii: "0")
        guard digit < 10 else { return nil }
        magnitude = magnitude * 10 + UInt64(digit)  // 19 digits cannot overflow UInt64
        index += 1
      }
      if negative {
        return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil
      }
      return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }
  }

  static func isValidLiteral(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var scanner = NumberScanner(bytes: bytes, position: 0)
    return scanner.scan() && scanner.position == bytes.count
  }
}

extension JSONNumber: Hashable, Comparable {
  public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
    if lhs.literal == rhs.literal { return true }
    if let left = lhs.plainInt64, let right = rhs.plainInt64 { return left == right }
    return lhs.decimal == rhs.decimal
  }

  public func hash(into hasher: inout Hasher) {
    // Integral values hash as their Int64 so that `7` and `7.0` (equal) hash alike, cheaply.
    if let integer = int64Value {
      hasher.combine(integer)
    } else {
      hasher.combine(decimal)
    }
  }

  public static func < (lhs: JSONNumber, rhs: JSONNumber) -> Bool { lhs.decimal < rhs.decimal }
}

extension JSONNumber: CustomStringConvertible {
  public var description: String { literal }
}

/// Walks JSON number grammar over bytes; shared by the parser and `JSONNumber.init?`.
struct NumberScanner {
  let bytes: UnsafeBufferPointer<UInt8>
  var position: Int

  private func byte(at index: Int) -> UInt8? { index < bytes.count ? bytes[index] : nil }

  private mutating func digits() -> Int {
    let start = position
    while let byte = byte(at: position), byte &- UInt8(ascii: "0") < 10 { position += 1 }
    return position - start
  }

  /// Advances over one number; false when the text at `position` is not one.
  mutating func scan() -> Bool {
    if byte(at: position) == UInt8(ascii: "-") { position += 1 }
    guard let first = byte(at: position) else { return false }
    if first == UInt8(ascii: "0") {
      position += 1
    } else if first &- UInt8(ascii: "1") < 9 {
      _ = digits()
    } else {
      return false
    }
    if byte(at: position) == UInt8(ascii: ".") {
      position += 1
      guard digits() > 0 else { return false }
    }
    if let marker = byte(at: position), marker | 0x20 == UInt8(ascii: "e") {
      position += 1
      if let sign = byte(at: position), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
        position += 1
      }
      guard digits() > 0 else { return false }
    }
    return true
  }
}

/// An exact decimal: `significand × 10^exponent`, the significand's digits without leading or
/// trailing zeros (empty for zero). Lets us compare, hash and scale numbers without rounding.
public struct ExactDecimal: Sendable, Hashable, Comparable {
  public let isNegative: Bool
  public let significand: [UInt8]
  public let exponent: Int

  public var isZero: Bool { significand.isEmpty }

  /// The largest exponent magnitude kept; beyond it every value is "huge" (no overflow).
  static let exponentLimit = 1 << 60

  init(validatedLiteral literal: String) {
    var copy = literal
    (isNegative, significand, exponent) = copy.withUTF8 { bytes in
      var index = 0
      var negative = false
      if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
        negative = true
        index += 1
      }
      var digits: [UInt8] = []
      var fractionDigits = 0
      var inFraction = false
      while index < bytes.count {
        let byte = bytes[index]
        if byte == UInt8(ascii: ".") {
          inFraction = true
        } else if byte &- UInt8(ascii: "0") < 10 {
          if !(digits.isEmpty && byte == UInt8(ascii: "0")) { digits.append(byte) }
          if inFraction { fractionDigits += 1 }
        } else {
          break
        }
        index += 1
      }
      var exponent = 0
      if index < bytes.count {  // e or E
        index += 1
        var exponentNegative = false
        if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
          exponentNegative = bytes[index] == UInt8(ascii: "-")
          index += 1
        }
        // Saturates at the limit: `exponent * 10 + digit` is computed only when it stays within
        // it (the limit times ten does not fit in 64 bits).
        let limit = ExactDecimal.exponentLimit
        while index < bytes.count {
          let digit = Int(bytes[index] &- UInt8(ascii: "0"))
          exponent = exponent > (limit - digit) / 10 ? limit : exponent * 10 + digit
          index += 1
        }
        if exponentNegative { exponent = -exponent }
      }
      exponent -= fractionDigits
      while let last = digits.last, last == UInt8(ascii: "0") {
        digits.removeLast()
        exponent += 1
      }
      if digits.isEmpty { return (false, [], 0) }
      return (negative, digits, exponent)
    }
  }

  /// The value times `10^decimals` as an integer, if that is integral and fits in 64 bits.
  public func scaledInt64(decimals: Int) -> Int64? {
    if isZero { return 0 }
    let shift = exponent + decimals
    guard shift >= 0, significand.count + shift <= 19 else { return nil }
    var magnitude: UInt64 = 0
    for digit in significand { magnitude = magnitude * 10 + UInt64(digit &- UInt8(ascii: "0")) }
    for _ in 0..<shift {
      let (product, overflow) = magnitude.multipliedReportingOverflow(by: 10)
      guard !overflow else { return nil }
      magnitude = product
    }
    if isNegative {
      return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil
    }
    return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
  }

  public static func < (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool {
    if lhs.isNegative != rhs.isNegative { return lhs.isNegative }
    let magnitudeLess = lessInMagnitude(lhs, rhs)
    if lhs.isNegative { return lessInMagnitude(rhs, lhs) }
    return magnitudeLess
  }

  private static func lessInMagnitude(_ lhs: ExactDecimal, _ rhs: ExactDecimal) -> Bool {
    if lhs.isZero || rhs.isZero { return lhs.isZero && !rhs.isZero }
    let lhsLead = lhs.significand.count + lhs.exponent
    let rhsLead = rhs.significand.count + rhs.exponent
    if lhsLead != rhsLead { return lhsLead < rhsLead }
    for (left, right) in zip(lhs.significand, rhs.significand) where left != right {
      return left < right
    }
    return lhs.significand.count < rhs.significand.count
  }
}
