/// A phone number as people type it, stored as typed: digits grouped with spaces, `+`, `-`, `.`
/// or parentheses, then an optional extension (`x12`, `ext. 12`, `#12`). What is checked is the
/// shape, not the numbering plan: 7 to 15 digits before the extension (E.164 allows 15).
public enum PhoneNumber {
  public static let minimumDigits = 7
  public static let maximumDigits = 15
  public static let maximumExtensionDigits = 6

  /// The same rule as a JSON Schema pattern (for `schema/`); the count of digits is checked in
  /// code.
  public static let pattern =
    #"^\+?[0-9 ().-]*[0-9][0-9 ().-]*(([xX]|[eE][xX][tT]\.?|#) ?[0-9]{1,6})?$"#

  public static func isValid(_ text: String) -> Bool {
    var digits = 0
    var index = text.startIndex
    var seenSomething = false
    while index < text.endIndex {
      let character = text[index]
      switch character {
      case "0"..."9": digits += 1
      case "+": if seenSomething { return false }
      case " ", "(", ")", "-", ".": break
      default:
        return digits >= minimumDigits && digits <= maximumDigits
          && isExtension(text[index...])
      }
      seenSomething = true
      index = text.index(after: index)
    }
    return digits >= minimumDigits && digits <= maximumDigits
  }

  /// `x12`, `ext 12`, `ext. 12`, `#12` (any case), digits only after the marker.
  private static func isExtension(_ text: Substring) -> Bool {
    var rest = text.lowercased()[...]
    if rest.hasPrefix("ext.") {
      rest = rest.dropFirst(4)
    } else if rest.hasPrefix("ext") {
      rest = rest.dropFirst(3)
    } else if rest.hasPrefix("x") || rest.hasPrefix("#") {
      rest = rest.dropFirst()
    } else {
      return false
    }
    if rest.first == " " { rest = rest.dropFirst() }
    return !rest.isEmpty && rest.count <= maximumExtensionDigits && rest.allSatisfy(\.isASCII)
      && rest.allSatisfy(\.isNumber)
  }
}
