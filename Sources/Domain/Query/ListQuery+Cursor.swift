public import PortalJSON

/// Cursors are opaque to clients: base64url of `[fingerprint, [sort values…, row order]]`, where
/// the fingerprint ties a cursor to the filter and sort it came from.
extension ListQuery {
  /// The cursor that continues after `document` (the last item of a page), whose place in id
  /// order is `rowOrder`.
  public func cursor(after document: JSONObject, rowOrder: Int64) -> String {
    var values: [JSONValue] = sort.map { document[$0.field.name] ?? .null }
    values.append(JSONValue(rowOrder))
    let payload: JSONValue = [.string(fingerprint), .array(values)]
    return Base64URL.encode(payload.encoded)
  }

  func decodeCursor(_ text: String) -> [JSONValue]? {
    guard let bytes = Base64URL.decode(text), let payload = try? JSONParser.parse(bytes),
      case .array(let parts) = payload, parts.count == 2, parts[0] == .string(fingerprint),
      case .array(let values) = parts[1], values.count == sort.count + 1
    else { return nil }
    return values
  }

  /// FNV-1a over the canonical filter and sort: a cursor from another query does not fit.
  var fingerprint: String {
    var text = kind.name.rawValue
    for condition in conditions {
      text += "|\(condition.field.name) \(condition.op.rawValue) \(condition.value)"
    }
    for key in sort { text += "|\(key.field.name) \(key.descending ? "desc" : "asc")" }
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x0000_0100_0000_01b3
    }
    return String(hash, radix: 36)
  }
}

/// RFC 4648 base64url without padding, without Foundation.
enum Base64URL {
  private static let alphabet = Array(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

  static func encode(_ bytes: [UInt8]) -> String {
    var output: [UInt8] = []
    output.reserveCapacity((bytes.count + 2) / 3 * 4)
    var index = 0
    while index < bytes.count {
      let chunk = bytes[index..<min(index + 3, bytes.count)]
      var value: UInt32 = 0
      for (offset, byte) in chunk.enumerated() { value |= UInt32(byte) << (16 - 8 * offset) }
      for position in 0...chunk.count {
        output.append(alphabet[Int(value >> (18 - 6 * position) & 63)])
      }
      index += 3
    }
    return String(decoding: output, as: UTF8.self)
  }

  static func decode(_ text: String) -> [UInt8]? {
    var output: [UInt8] = []
    var value: UInt32 = 0
    var bits = 0
    for byte in text.utf8 {
      guard let digit = alphabet.firstIndex(of: byte) else { return nil }
      value = value << 6 | UInt32(digit)
      bits += 6
      if bits >= 8 {
        bits -= 8
        output.append(UInt8(truncatingIfNeeded: value >> UInt32(bits)))
      }
    }
    return output
  }
}
