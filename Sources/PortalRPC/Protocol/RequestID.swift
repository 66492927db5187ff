public import PortalJSON

/// A request's `id`, echoed back with its exact type and text (`7`, `"7"`, `7.0` and `null` are
/// four different ids).
public enum RequestID: Sendable, Hashable {
  case string(String)
  /// A number written in canonical integer form (`42`, `-7`): the common case, kept without text.
  case integer(Int64)
  /// Any other number (`7.0`, `1e3`, `123456789012345678901`), kept as its exact text.
  case number(JSONNumber)
  case null

  /// Reads an id member; nil when the value is not a string, number or null.
  public init?(_ value: JSONValue) {
    switch value {
    case .string(let text): self = .string(text)
    case .number(let number):
      if let integer = number.int64Value, number.literal == String(integer) {
        self = .integer(integer)
      } else {
        self = .number(number)
      }
    case .null: self = .null
    default: return nil
    }
  }

  public var json: JSONValue {
    switch self {
    case .string(let text): .string(text)
    case .integer(let integer): .number(JSONNumber(integer))
    case .number(let number): .number(number)
    case .null: .null
    }
  }
}

extension JSONWriter {
  /// Writes an id exactly as it arrived.
  public func write(_ id: RequestID) {
    switch id {
    case .string(let text): writeString(text)
    case .integer(let integer): writeInteger(integer)
    case .number(let number): writeNumber(number)
    case .null: writeRaw("null")
    }
  }
}
