public import PortalJSON

/// The JSON shape a parameter accepts; checked for every method by one decoder, before the
/// method runs.
public enum ParamKind: Sendable {
  case string
  case integer
  /// Any JSON number (a shell's duration in milliseconds).
  case number
  case boolean
  case object
  case array
  case stringOrInteger
  case any

  func accepts(_ value: JSONValue) -> Bool {
    switch (self, value) {
    case (.any, _), (.string, .string), (.boolean, .bool), (.object, .object), (.array, .array):
      true
    case (.integer, .number(let number)), (.stringOrInteger, .number(let number)):
      number.isInteger
    case (.number, .number):
      true
    case (.stringOrInteger, .string):
      true
    default:
      false
    }
  }

  var expectation: String {
    switch self {
    case .string: "a string"
    case .integer: "an integer"
    case .number: "a number"
    case .boolean: "true or false"
    case .object: "an object"
    case .array: "an array"
    case .stringOrInteger: "a string or an integer"
    case .any: "a JSON value"
    }
  }

  /// The JSON Schema used for this kind when a parameter gives none of its own.
  var schema: JSONValue {
    switch self {
    case .string: ["type": "string"]
    case .integer: ["type": "integer"]
    case .number: ["type": "number"]
    case .boolean: ["type": "boolean"]
    case .object: ["type": "object"]
    case .array: ["type": "array"]
    case .stringOrInteger: ["type": ["string", "integer"]]
    case .any: [:]
    }
  }
}

/// One parameter of a method: its name (used for named params and in error paths), its position
/// (its index in the method's list), and what it accepts.
public struct Param: Sendable {
  public let name: String
  public let kind: ParamKind
  public let isRequired: Bool
  public let summary: String
  /// JSON Schema for the OpenRPC document.
  public let schema: JSONValue

  public init(
    _ name: String, _ kind: ParamKind, required: Bool = true, summary: String,
    schema: JSONValue? = nil
  ) {
    self.name = name
    self.kind = kind
    self.isRequired = required
    self.summary = summary
    self.schema = schema ?? kind.schema
  }

  public static func required(
    _ name: String, _ kind: ParamKind, _ summary: String, schema: JSONValue? = nil
  ) -> Param {
    Param(name, kind, required: true, summary: summary, schema: schema)
  }

  public static func optional(
    _ name: String, _ kind: ParamKind, _ summary: String, schema: JSONValue? = nil
  ) -> Param {
    Param(name, kind, required: false, summary: summary, schema: schema)
  }
}
