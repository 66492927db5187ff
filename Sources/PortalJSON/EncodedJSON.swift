/// JSON text that is already encoded and known to be valid (our own writer's output, or a stored
/// record), spliced into responses without decoding and encoding it again.
public struct EncodedJSON: Sendable, Hashable {
  public let bytes: [UInt8]

  /// Trusts the caller that `bytes` is one valid, compact JSON value.
  public init(trusted bytes: [UInt8]) { self.bytes = bytes }

  public init(_ value: JSONValue) { bytes = JSONWriter.encode(value) }

  public init(_ object: JSONObject) {
    let writer = JSONWriter(capacity: 1024)
    writer.write(object)
    bytes = writer.bytes
  }

  /// Decodes it, for the rare caller that needs the value's structure.
  public func decoded() throws(JSONParseError) -> JSONValue { try JSONParser.parse(bytes) }

  public var text: String { String(decoding: bytes, as: UTF8.self) }
}
