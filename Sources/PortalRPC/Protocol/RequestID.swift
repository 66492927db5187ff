public import PortalJSON

/// A request's `id`, echoed back with its exact type and text (`7`, `"7"`, `7.0` and `null` are
/// four different ids).
public enum RequestID: Sendable, Hashable {
  case string(String)
  case number(JSONNumber)
  case null

  /// Reads an id member; nil when the value is not a string, number or null.
  public init?(_ value: JSONValue) {
    switch value {
    case .string(let text): self = .string(text)
    case .number(let number): self = .number(number)
    case .null: self = .null
    default: return nil
    }
  }

  public var json: JSONValue {
    switch self {
    case .string(let text): .string(text)
    case .number(let number): .number(number)
    case .null: .null
    }
  }
}
