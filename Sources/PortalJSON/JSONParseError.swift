/// Why a byte sequence is not the JSON we accept, and where. Messages name positions and keys,
/// never string contents, so they are safe to log and to send back.
public struct JSONParseError: Error, Sendable, Equatable {
  public enum Reason: Sendable, Equatable {
    case unexpectedEnd
    case unexpectedByte(expected: String)
    case invalidUTF8
    case invalidEscape
    case unpairedSurrogate
    case controlCharacterInString
    case invalidNumber
    case tooDeep(limit: Int)
    case duplicateKey(String)
    case trailingContent
  }

  public let reason: Reason
  /// Byte offset into the input where the problem was found.
  public let offset: Int

  public init(_ reason: Reason, at offset: Int) {
    self.reason = reason
    self.offset = offset
  }

  public var message: String {
    let what: String
    switch reason {
    case .unexpectedEnd: what = "unexpected end of input"
    case .unexpectedByte(let expected): what = "expected \(expected)"
    case .invalidUTF8: what = "invalid UTF-8"
    case .invalidEscape: what = "invalid escape sequence in a string"
    case .unpairedSurrogate: what = "unpaired UTF-16 surrogate in a \\u escape"
    case .controlCharacterInString: what = "unescaped control character in a string"
    case .invalidNumber: what = "invalid number"
    case .tooDeep(let limit): what = "nesting deeper than \(limit) levels"
    // The key itself is not repeated: a client may have used a patient value as a key.
    case .duplicateKey: what = "duplicate object key"
    case .trailingContent: what = "unexpected content after the JSON value"
    }
    return "\(what) at byte \(offset)"
  }

  /// A key as it may appear in a message: at most 64 characters, printable ASCII only.
  static func printable(_ key: String) -> String {
    let shown = key.unicodeScalars.prefix(64).map { scalar -> String in
      (0x20..<0x7F).contains(scalar.value) && scalar != "\"" && scalar != "\\"
        ? String(scalar) : "?"
    }
    return shown.joined() + (key.unicodeScalars.count > 64 ? "..." : "")
  }
}

extension JSONParseError: CustomStringConvertible {
  public var description: String { message }
}
