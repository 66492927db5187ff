public import PortalJSON

/// The `error` member of a JSON-RPC response. Every failure becomes one of these in exactly one
/// place (`ResponseError+Init.swift`).
public struct ResponseError: Error, Sendable, Equatable {
  public var code: ErrorCode
  public var message: String
  public var data: JSONValue?

  public init(_ code: ErrorCode, message: String? = nil, data: JSONValue? = nil) {
    self.code = code
    self.message = message ?? code.message
    self.data = data
  }

  /// An error whose `data` is `{detail}`: a sentence for a person, never a patient value.
  public static func withDetail(_ code: ErrorCode, _ detail: String) -> ResponseError {
    ResponseError(code, data: ["detail": .string(detail)])
  }

  public static func invalidRequest(_ detail: String) -> ResponseError {
    withDetail(.invalidRequest, detail)
  }

  /// -32602 with `{errors: [{path, message}]}`.
  public static func invalidParams(_ problems: [ParamProblem]) -> ResponseError {
    let errors = problems.map { problem -> JSONValue in
      ["path": .string(problem.path), "message": .string(problem.message)]
    }
    return ResponseError(.invalidParams, data: ["errors": .array(errors)])
  }

  public static func invalidParams(path: String, _ message: String) -> ResponseError {
    invalidParams([ParamProblem(path: path, message: message)])
  }
}

/// One problem with a request's params: a JSON Pointer and a sentence a person can act on. The
/// pointer repeats only keys that could be ours (`EchoedKey`); any other becomes a placeholder.
public struct ParamProblem: Sendable, Hashable {
  public var path: String
  public var message: String

  public init(path: String, message: String) {
    self.path = EchoedKey.redact(path)
    self.message = message
  }
}
