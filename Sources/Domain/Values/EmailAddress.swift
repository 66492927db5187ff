/// The deliberately plain check a portal needs: one `@`, something before it, a dotted domain
/// after it, no spaces or control characters, at most 254 bytes. (Full RFC 5322 accepts
/// addresses no mail client would let a patient type.)
public enum EmailAddress {
  public static func isValid(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    guard bytes.count <= 254, let at = bytes.firstIndex(of: UInt8(ascii: "@")),
      at > 0, at <= 64, !bytes[(at + 1)...].contains(UInt8(ascii: "@")),
      !bytes.contains(where: { $0 <= 0x20 || $0 == 0x7F })
    else { return false }
    let labels = bytes[(at + 1)...].split(
      separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty && $0.first != UInt8(ascii: "-") }
      && labels.last!.count >= 2
  }
}
