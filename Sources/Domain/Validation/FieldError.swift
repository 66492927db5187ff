public import PortalJSON

/// One validation problem: a JSON Pointer to the field and a sentence a person can act on. It
/// never quotes the field's value.
public struct FieldError: Sendable, Hashable, CustomStringConvertible {
  public let path: JSONPointer
  public let message: String

  public init(_ path: JSONPointer, _ message: String) {
    self.path = path
    self.message = message
  }

  public init(field: String, _ message: String) {
    self.init(JSONPointer([field]), message)
  }

  public var description: String { "\(path): \(message)" }
}
