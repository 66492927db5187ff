/// An RFC 6901 JSON Pointer (`/insurance/memberId`): how every validation error names the field
/// it is about, without quoting the field's value.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
  public private(set) var tokens: [String]

  public init(_ tokens: [String] = []) { self.tokens = tokens }

  public static let root = JSONPointer()

  public func appending(_ key: String) -> JSONPointer {
    var copy = self
    copy.tokens.append(key)
    return copy
  }

  public func appending(_ index: Int) -> JSONPointer { appending(String(index)) }

  public var description: String {
    tokens.map { "/" + escape($0) }.joined()
  }

  private func escape(_ token: String) -> String {
    guard token.contains("~") || token.contains("/") else { return token }
    var result = ""
    for character in token {
      switch character {
      case "~": result += "~0"
      case "/": result += "~1"
      default: result.append(character)
      }
    }
    return result
  }
}
