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

  /// The ordinal of an id in exactly the form the server generates (`P007` is 7; `P0007` and
  /// `P7` are not generated ids), or nil.
  public static func ordinal(of canonical: String) -> Int64? {
    guard canonical.hasPrefix("P"), canonical.utf8.count >= 4, canonical.utf8.count <= 20 else {
      return nil
    }
    guard let ordinal = Int64(canonical.dropFirst()), ordinal > 0,
      generated(ordinal: ordinal) == canonical
    else { return nil }
    return ordinal
  }
}
