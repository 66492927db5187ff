/// What text a record may hold: no control characters (tab and line breaks only where text may
/// run over several lines), and no white space at either end of a one-line value.
enum TextRules {
  /// True when `text` holds a C0 control character, DEL, or (for one-line text) a line or
  /// paragraph separator. Tab, LF and CR pass when `allowingLineBreaks`.
  static func hasControlCharacter(_ text: String, allowingLineBreaks: Bool) -> Bool {
    for scalar in text.unicodeScalars {
      switch scalar.value {
      case 0x09, 0x0A, 0x0D: if !allowingLineBreaks { return true }
      case 0x00...0x1F, 0x7F: return true
      case 0x85, 0x2028, 0x2029: if !allowingLineBreaks { return true }
      default: continue
      }
    }
    return false
  }

  /// True when the first or last character is white space.
  static func hasOuterWhiteSpace(_ text: String) -> Bool {
    guard let first = text.first, let last = text.last else { return false }
    return first.isWhitespace || last.isWhitespace
  }
}
