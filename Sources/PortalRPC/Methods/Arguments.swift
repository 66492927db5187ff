public import PortalJSON

/// A call's params, decoded against its method's parameter list: the same lookup whether the
/// client sent them by position or by name. An omitted optional parameter and `null` read alike.
public struct Arguments: Sendable {
  private let params: [Param]
  private let values: [JSONValue?]

  /// Decodes `params` for `method`, listing every problem at once.
  static func decode(_ raw: JSONValue?, for params: [Param]) throws(ResponseError) -> Arguments {
    var values = [JSONValue?](repeating: nil, count: params.count)
    var problems: [ParamProblem] = []
    switch raw {
    case .array(let positional)?:
      for (index, value) in positional.enumerated() {
        if index < params.count {
          values[index] = value
        } else {
          problems.append(
            ParamProblem(
              path: "/\(index)",
              message: "unexpected parameter: this method takes at most \(params.count)"))
        }
      }
    case .object(let named)?:
      for member in named {
        if let index = params.firstIndex(where: { $0.name == member.key }) {
          values[index] = member.value
        } else {
          let expected = params.map(\.name).joined(separator: ", ")
          problems.append(
            ParamProblem(
              path: JSONPointer([member.key]).description,
              message: params.isEmpty
                ? "unknown parameter: this method takes none"
                : "unknown parameter; expected one of: \(expected)"))
        }
      }
    default:
      break
    }
    for (index, param) in params.enumerated() {
      let path = "/" + param.name
      switch values[index] {
      case nil, .null?:
        values[index] = nil
        if param.isRequired {
          problems.append(ParamProblem(path: path, message: "is required"))
        }
      case let value?:
        if !param.kind.accepts(value) {
          problems.append(
            ParamProblem(
              path: path, message: "must be \(param.kind.expectation), not \(value.typeName)"))
        }
      }
    }
    if !problems.isEmpty { throw .invalidParams(problems) }
    return Arguments(params: params, values: values)
  }

  /// The value of parameter `name`, or nil when it was omitted or null.
  public subscript(name: String) -> JSONValue? {
    guard let index = params.firstIndex(where: { $0.name == name }) else {
      preconditionFailure("no parameter named \(name)")
    }
    return values[index]
  }

  /// The same arguments with parameter `name` set to `value`.
  func replacing(_ name: String, with value: JSONValue) -> Arguments {
    guard let index = params.firstIndex(where: { $0.name == name }) else { return self }
    var values = self.values
    values[index] = value
    return Arguments(params: params, values: values)
  }

  public func string(_ name: String) -> String? { self[name]?.stringValue }
  public func object(_ name: String) -> JSONObject? { self[name]?.objectValue }
  public func int64(_ name: String) -> Int64? { self[name]?.int64Value }
  public func bool(_ name: String) -> Bool? { self[name]?.boolValue }
  public func array(_ name: String) -> [JSONValue]? { self[name]?.arrayValue }
}
