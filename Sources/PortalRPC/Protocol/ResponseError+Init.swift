/// The one place where any error becomes a wire error. Domain and storage errors know nothing of
/// JSON-RPC; anything unexpected becomes -32603 with an opaque detail (never patient data).
extension ResponseError {
  public init(_ error: any Error) {
    switch error {
    case let error as ResponseError:
      self = error
    default:
      self = .withDetail(.internalError, "unexpected error of type \(type(of: error))")
    }
  }
}
