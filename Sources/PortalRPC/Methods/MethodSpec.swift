public import PortalJSON

/// Everything about one method in one value: its name, parameters, result and errors (which also
/// make its OpenRPC entry) and the function that runs it. A class, so the table hands out a
/// reference per call instead of copying a dozen fields.
public final class MethodSpec {
  public typealias Handler = (MethodCall) throws -> Reply

  public let name: String
  public let summary: String
  public let params: [Param]
  /// Name and JSON Schema of the result, for the OpenRPC document; nil for a method that is only
  /// ever sent as a notification (`exit`, `$/cancelRequest`).
  public let result: (name: String, schema: JSONValue)?
  /// Error codes this method can answer besides the protocol-wide ones.
  public let errors: [ErrorCode]
  /// Who may call it, and where the records are in its answer (for masks and the audit log).
  public let access: MethodAccess
  /// `ping` and `rpc.discover` may be called before `initialize`.
  public let allowedBeforeInitialize: Bool
  /// The parameter holding the id of the record the method looks up: an id of the wrong shape
  /// for its kind is reported at this parameter's path.
  public let idParameter: String?
  public let handler: Handler
  /// Its place in the method table that registered it (`rpc.discover`'s order): its entry in
  /// the performance monitor.
  public internal(set) var position = -1

  public init(
    _ name: String,
    summary: String,
    params: [Param] = [],
    result: (name: String, schema: JSONValue)?,
    errors: [ErrorCode] = [],
    allowedBeforeInitialize: Bool = false,
    idParameter: String? = nil,
    access: MethodAccess,
    handler: @escaping Handler
  ) {
    self.name = name
    self.summary = summary
    self.params = params
    self.result = result
    self.errors = errors
    self.access = access
    self.allowedBeforeInitialize = allowedBeforeInitialize
    self.idParameter = idParameter
    self.handler = handler
  }
}

/// One running call: its id, its decoded arguments and the session it runs in.
public struct MethodCall {
  public let id: RequestID?
  public let arguments: Arguments
  public let session: Session

  /// Throws `requestCancelled` if the client has cancelled this call; long operations call it
  /// between steps.
  public func checkCancellation() throws(ResponseError) {
    guard let id else { return }
    if session.isCancelled(id) { throw ResponseError(.requestCancelled) }
  }
}
