internal import Domain

/// Which object keys an error's path may repeat. A client can put anything where a key goes (an
/// email address as a field name, a patient's name as a filter field), so a key is echoed only
/// when it could be one of ours: a field or parameter name of the interface, a query word, an
/// array index (at most four digits), or a camelCase or snake_case identifier (a mistyped field name). Anything else,
/// a single lowercase word included ("asthma"), becomes `placeholder`.
enum EchoedKey {
  static let placeholder = "<withheld>"

  /// `pointer` with every token that may not be repeated replaced by the placeholder.
  static func redact(_ pointer: String) -> String {
    guard pointer.hasPrefix("/") else { return pointer.isEmpty ? pointer : placeholder }
    var result = ""
    for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
      result += "/" + (isEchoable(unescape(raw)) ? String(raw) : placeholder)
    }
    return result
  }

  /// An RFC 6901 token as the key it names (`~1` is `/`, `~0` is `~`).
  private static func unescape(_ token: Substring) -> String {
    guard token.contains("~") else { return String(token) }
    var key = ""
    var escaped = false
    for character in token {
      if escaped {
        key.append(character == "1" ? "/" : character == "0" ? "~" : character)
        escaped = false
      } else if character == "~" {
        escaped = true
      } else {
        key.append(character)
      }
    }
    return key
  }

  static func isEchoable(_ token: String) -> Bool {
    guard !token.isEmpty, token.utf8.count <= 40 else { return false }
    if known.contains(token) { return true }
    let bytes = Array(token.utf8)
    if bytes.allSatisfy({ (0x30...0x39).contains($0) }) {
      // An array index (no list holds more than 5,000 items); a longer number, or one with a
      // leading zero, is more likely a code or a number from the record.
      return bytes.count <= 4 && (bytes.count == 1 || bytes[0] != 0x30)
    }
    guard (0x61...0x7A).contains(bytes[0]),
      bytes.allSatisfy({
        (0x61...0x7A).contains($0) || (0x41...0x5A).contains($0) || (0x30...0x39).contains($0)
          || $0 == 0x5F
      })
    else { return false }
    // An identifier with a hump or an underscore: a name written for a program, not a word.
    return bytes.contains(where: { (0x41...0x5A).contains($0) || $0 == 0x5F })
  }

  /// Every name the interface defines: entity fields at any depth, method parameters, query
  /// members and operators.
  static let known: Set<String> = {
    var names: Set<String> = ["filter", "sort", "limit", "cursor", "field", "direction"]
    names.formUnion(ListQuery.Operator.allCases.map(\.rawValue))
    func add(_ fields: [Field]) {
      for field in fields {
        names.insert(field.name)
        var type = field.type
        while case .array(let element, _, _) = type { type = element }
        if case .object(let nested) = type { add(nested) }
      }
    }
    for kind in EntityKind.all { add(kind.fields) }
    for spec in PortalInterface().table.specs { names.formUnion(spec.params.map(\.name)) }
    names.formUnion(["method", "params", "message", "version", "createdAt", "updatedAt"])
    names.formUnion(["type", "entityId", "data", "timestamp", "state"])  // a sync operation's
    names.formUnion(["staffId", "from", "to", "after", "credentials"])  // audit queries, login
    return names
  }()
}
