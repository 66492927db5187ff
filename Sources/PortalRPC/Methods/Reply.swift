public import PortalJSON

/// A method's successful result: a value to encode, or JSON already encoded (stored records go
/// out as stored, without a decode and re-encode).
public enum Reply: Sendable {
  case value(JSONValue)
  case encoded(EncodedJSON)

  public static let null = Reply.value(.null)
}
