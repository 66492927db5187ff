public import PortalJSON

/// A patient's id: a string (`"P001"`) or an integer (`1`), matched by its canonical text, so
/// `1` and `"1"` name the same patient.
public enum PatientID {
  /// The canonical text of an id value, or nil when the value cannot be a patient id.
  public static func canonical(_ value: JSONValue) -> String? {
    switch value {
    case .string(let text): return text.isEmpty ? nil : text
    case .number(let number):
      guard let integer = number.int64Value else { return nil }
      return String(integer)
    default: return nil
    }
  }

  /// The id the server gives the `ordinal`-th patient: `P` and at least three digits.
  public static func generated(ordinal: Int64) -> String {
    let digits = String(ordinal)
    return "P" + String(repeating: "0", count: max(0, 3 - digits.count)) + digits
  }

  /// The ordinal of a generated id (`P007` is 7), for sorting by id in creation order.
  public static func ordinal(of canonical: String) -> Int64? {
    guard canonical.hasPrefix("P"), canonical.count >= 4 else { return nil }
    let digits = canonical.dropFirst()
    guard digits.allSatisfy(\.isASCIIDigit) else { return nil }
    return Int64(digits)
  }
}
