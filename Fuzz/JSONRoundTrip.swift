import PortalJSON

/// libFuzzer target `json-round-trip`: any bytes through `JSONParser` and `JSONWriter`. What
/// parses is written as one line, and that line parses to the same value and is written again
/// as the same bytes (compact and indented alike); what does not parse fails with a message that
/// is printable ASCII. The envelope reader (`parseMembers`) accepts exactly the objects the
/// parser accepts, with the same members; any text, as a string, is written as one line and read
/// back byte for byte; every integral number keeps its value and hash as an `Int64`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONRoundTrip(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let input = UnsafeBufferPointer(start: data, count: size)
  JSONRoundTrip.checkStringEscaping(input)
  let parsed: JSONValue
  do {
    parsed = try JSONParser.parse(input)
  } catch {
    invariant(error.offset >= 0 && error.offset <= size, "parse error offset out of range")
    invariant(
      error.message.utf8.allSatisfy { (0x20...0x7E).contains($0) },
      "parse error message is not printable ASCII: \(error.message)")
    JSONRoundTrip.checkEnvelopeReader(input, agreesWith: nil)
    return 0
  }
  JSONRoundTrip.checkEnvelopeReader(input, agreesWith: parsed)
  JSONRoundTrip.checkRoundTrip(parsed)
  JSONRoundTrip.checkNumbers(in: parsed)
  return 0
}

/// The checks of `json-round-trip`, one function per invariant.
enum JSONRoundTrip {
  static func checkRoundTrip(_ value: JSONValue) {
    let written = JSONWriter.encode(value)
    invariant(isOneLine(written), "written JSON is not one line: \(value)")
    guard let reread = try? JSONParser.parse(written) else {
      invariant(false, "written JSON does not parse: \(value)")
      return
    }
    invariant(reread == value, "written JSON reads back as another value: \(value)")
    invariant(JSONWriter.encode(reread) == written, "writing again gives other bytes: \(value)")
    invariant(reread.hashValue == value.hashValue, "equal values hash differently: \(value)")

    let pretty = JSONWriter.prettyPrinted(value)
    guard let rereadPretty = try? JSONParser.parse(pretty) else {
      invariant(false, "indented JSON does not parse: \(value)")
      return
    }
    invariant(
      JSONWriter.encode(rereadPretty) == written, "indented JSON reads back as another value")
  }

  /// Any bytes, decoded as UTF-8 (invalid sequences repaired), survive as a string value.
  static func checkStringEscaping(_ input: UnsafeBufferPointer<UInt8>) {
    let text = String(decoding: input, as: UTF8.self)
    let written = JSONWriter.encode(.string(text))
    invariant(isOneLine(written), "a written string is not one line")
    guard case .string(let reread)? = try? JSONParser.parse(written) else {
      invariant(false, "a written string does not parse as a string")
      return
    }
    invariant(Array(reread.utf8) == Array(text.utf8), "a string reads back with other bytes")
  }

  /// How the server reads a request envelope must agree with the parser: same acceptance, same
  /// members in the same order. Duplicate keys are the caller's to detect; this caller detects
  /// them by the parser's rule.
  static func checkEnvelopeReader(
    _ input: UnsafeBufferPointer<UInt8>, agreesWith parsed: JSONValue?
  ) {
    var members = JSONObject()
    let isObject: Bool
    do {
      isObject = try JSONParser.parseMembers(of: input) {
        (key, offset, value) throws(JSONParseError) in
        let name = String(decoding: key, as: UTF8.self)
        if members.contains(name) { throw JSONParseError(.duplicateKey(name), at: offset) }
        members.appendUnchecked(name, value)
      }
    } catch {
      invariant(parsed == nil, "the envelope reader refuses JSON the parser accepts")
      return
    }
    switch parsed {
    case .object(let object)?:
      invariant(isObject, "the envelope reader does not see an object the parser reads")
      invariant(
        object.members == members.members, "the envelope reader reads other members")
    case nil:
      invariant(!isObject, "the envelope reader accepts an object the parser refuses")
    case _?:
      invariant(!isObject, "the envelope reader sees an object where the parser does not")
    }
  }

  /// An integral number is equal to, and hashes like, the same `Int64` written plainly.
  static func checkNumbers(in value: JSONValue) {
    switch value {
    case .number(let number):
      invariant(JSONNumber(number.literal) != nil, "the parser kept an invalid number literal")
      if let integer = number.int64Value {
        let plain = JSONNumber(integer)
        invariant(plain == number, "\(number.literal) differs from its Int64 value \(integer)")
        invariant(plain.hashValue == number.hashValue, "\(number.literal) hashes unlike \(integer)")
        invariant(number.isInteger, "\(number.literal) has an Int64 value but is not integral")
      }
    case .array(let elements): for element in elements { checkNumbers(in: element) }
    case .object(let object): for member in object { checkNumbers(in: member.value) }
    default: break
    }
  }
}
