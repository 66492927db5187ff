import PortalJSON
import Testing

@Suite("JSON parser")
struct JSONParserTests {
  private func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

  private func reason(_ text: String) -> JSONParseError.Reason? {
    do {
      _ = try JSONParser.parse(text)
      return nil
    } catch {
      return error.reason
    }
  }

  private func reason(bytes: [UInt8]) -> JSONParseError.Reason? {
    do {
      _ = try JSONParser.parse(bytes)
      return nil
    } catch {
      return error.reason
    }
  }

  @Test("scalars, arrays and objects")
  func values() throws {
    #expect(try parse("null") == .null)
    #expect(try parse(" true ") == .bool(true))
    #expect(try parse("false") == .bool(false))
    #expect(try parse("\"a\"") == .string("a"))
    #expect(try parse("[1, \"x\", null]") == [1, "x", .null])
    #expect(try parse("{\"a\": {\"b\": []}}") == ["a": ["b": []]])
    #expect(try parse("\t\r\n[ ]\n") == [])
  }

  @Test("object keys keep their order")
  func keyOrder() throws {
    let value = try parse(#"{"z":1,"a":2,"m":3}"#)
    #expect(value.objectValue?.keys == ["z", "a", "m"])
    #expect(String(decoding: value.encoded, as: UTF8.self) == #"{"z":1,"a":2,"m":3}"#)
  }

  @Test(
    "numbers keep their exact text",
    arguments: [
      "0", "-0", "7", "-7", "9223372036854775807", "-9223372036854775808",
      "123456789012345678901234567890", "0.1", "250.75", "40.00", "1e400", "-1.5E-7", "2.50e+3",
    ])
  func exactNumbers(text: String) throws {
    let value = try parse(text)
    #expect(value.numberValue?.literal == text)
    #expect(String(decoding: value.encoded, as: UTF8.self) == text)
  }

  @Test("64-bit integers are exact")
  func int64() throws {
    #expect(try parse("9223372036854775807").int64Value == Int64.max)
    #expect(try parse("-9223372036854775808").int64Value == Int64.min)
    #expect(try parse("9223372036854775808").int64Value == nil)
    #expect(try parse("7.0").int64Value == 7)
    #expect(try parse("7e2").int64Value == 700)
    #expect(try parse("7.5").int64Value == nil)
  }

  @Test(
    "number grammar is strict",
    arguments: [
      "01", "+1", ".5", "1.", "-", "1e", "1e+", "NaN", "Infinity", "-Infinity", "0x10", "1_000",
    ])
  func badNumbers(text: String) {
    #expect(reason(text) != nil)
  }

  @Test("string escapes decode")
  func escapes() throws {
    #expect(try parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{8}\u{c}\n\r\t"))
    #expect(try parse(#""\u00e9\u20AC""#) == .string("é€"))
    #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
    #expect(try parse("\"é😀\"") == .string("é😀"))
  }

  @Test("bad strings are rejected")
  func badStrings() {
    #expect(reason(#""\ud83d""#) == .unpairedSurrogate)
    #expect(reason(#""\ude00""#) == .unpairedSurrogate)
    #expect(reason(#""\x""#) == .invalidEscape)
    #expect(reason(#""\u12""#) == .invalidEscape)
    #expect(reason("\"a\nb\"") == .controlCharacterInString)
    #expect(reason("\"abc") == .unexpectedEnd)
  }

  @Test(
    "invalid UTF-8 is rejected, not repaired",
    arguments: [
      [0x22, 0xFF, 0x22],  // never valid
      [0x22, 0xC0, 0xAF, 0x22],  // overlong '/'
      [0x22, 0xED, 0xA0, 0x80, 0x22],  // encoded surrogate
      [0x22, 0xE2, 0x82, 0x22],  // truncated sequence
      [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
    ] as [[UInt8]])
  func invalidUTF8(bytes: [UInt8]) {
    #expect(reason(bytes: bytes) == .invalidUTF8)
  }

  @Test("nesting is limited, and deep input does not overflow the stack")
  func depth() throws {
    let limit = JSONParser.defaultMaxDepth
    let ok = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
    #expect(throws: Never.self) { try parse(ok) }
    let tooDeep =
      String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
    #expect(reason(tooDeep) == .tooDeep(limit: limit))
    #expect(reason(String(repeating: "[", count: 1_000_000)) == .tooDeep(limit: limit))
    #expect(reason(String(repeating: "{\"a\":", count: 100_000)) == .tooDeep(limit: limit))
  }

  @Test("duplicate keys are rejected")
  func duplicates() {
    #expect(reason(#"{"a":1,"a":2}"#) == .duplicateKey("a"))
    #expect(reason(#"{"x":{"a":1,"b":2,"a":3}}"#) == .duplicateKey("a"))
    #expect(reason(#"{"a":1,"b":{"a":2}}"#) == nil)
  }

  @Test(
    "syntax errors name a position",
    arguments: [
      "", " ", "{", "[1,", "[1 2]", "{\"a\" 1}", "{\"a\":1,}", "[1,]", "{1:2}", "tru", "nul", "1 2",
      "\"a\" x",
    ])
  func syntaxErrors(text: String) {
    #expect(reason(text) != nil)
  }

  @Test("error messages never quote string contents")
  func messagesAreSafe() {
    do {
      _ = try JSONParser.parse(#"{"name":"Sarah Johnson",}"#)
      Issue.record("expected an error")
    } catch {
      #expect(!error.message.contains("Sarah"))
      #expect(error.message.contains("byte"))
    }
  }

  @Test("parseMembers reads an object without building it")
  func members() throws {
    var seen: [String] = []
    let text = Array(#"{"a":1,"b\u0041":[2],"c":{}}"#.utf8)
    let isObject = try text.withUnsafeBufferPointer { buffer throws(JSONParseError) in
      try JSONParser.parseMembers(of: buffer) { key, _, value in
        seen.append(String(decoding: key, as: UTF8.self) + "=" + value.description)
      }
    }
    #expect(isObject)
    #expect(seen == ["a=1", "bA=[2]", "c={}"])
    let array = Array("[1]".utf8)
    let arrayIsObject = try array.withUnsafeBufferPointer { buffer throws(JSONParseError) in
      try JSONParser.parseMembers(of: buffer) { _, _, _ in }
    }
    #expect(!arrayIsObject)
  }
}
