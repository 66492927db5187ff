/// The deliberately plain check a portal needs: one `@`, something before it, a dotted domain
/// after it, no spaces, at most 254 characters. (Full RFC 5322 accepts addresses no mail client
/// would let a patient type.)
public enum EmailAddress {
  public static func isValid(_ text: String) -> Bool {
    guard text.utf8.count <= 254, !text.contains(where: { $0.isWhitespace || $0.isNewline }) else {
      return false
    }
    let parts = text.split(separator: "@", omittingEmptySubsequences: false)
    guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return false }
    let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
    return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty && !$0.hasPrefix("-") }
      && labels.last!.count >= 2
  }
}
