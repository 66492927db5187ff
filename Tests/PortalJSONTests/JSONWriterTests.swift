import PortalJSON
import Testing

@Suite("JSON writer")
struct JSONWriterTests {
  private func text(_ value: JSONValue) -> String { String(decoding: value.encoded, as: UTF8.self) }

  @Test("compact output, / not escaped")
  func compact() {
    #expect(text(["a": [1, true, .null], "b": "x/y"]) == #"{"a":[1,true,null],"b":"x/y"}"#)
  }

  @Test("every control character is escaped, so a message is one line")
  func controlCharacters() throws {
    let all = String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self)
    let encoded = text(.string(all))
    #expect(!encoded.utf8.contains { $0 < 0x20 })
    #expect(encoded.contains("\\n") && encoded.contains("\\r") && encoded.contains("\\t"))
    #expect(encoded.contains("\\u0000") && encoded.contains("\\u001f"))
    #expect(try JSONParser.parse(encoded) == .string(all))
  }

  @Test("U+2028 and U+2029 are escaped")
  func lineSeparators() throws {
    let encoded = text(.string("a\u{2028}b\u{2029}c€"))
    #expect(encoded == "\"a\\u2028b\\u2029c€\"")
    #expect(try JSONParser.parse(encoded) == .string("a\u{2028}b\u{2029}c€"))
  }

  @Test("quotes and backslashes at every offset of the fast path")
  func escapesAtEveryOffset() throws {
    for offset in 0..<20 {
      let original =
        String(repeating: "x", count: offset) + "\"\\" + String(repeating: "y", count: offset)
      #expect(try JSONParser.parse(text(.string(original))) == .string(original))
    }
  }

  @Test("integers")
  func integers() {
    let writer = JSONWriter()
    for value: Int64 in [0, 7, -7, 10, Int64.max, Int64.min] {
      writer.writeInteger(value)
      writer.append(UInt8(ascii: " "))
    }
    #expect(
      String(decoding: writer.bytes, as: UTF8.self)
        == "0 7 -7 10 9223372036854775807 -9223372036854775808 ")
  }

  @Test("truncate undoes a half-written value")
  func truncate() {
    let writer = JSONWriter(capacity: 16)
    writer.writeRaw("[1,")
    let mark = writer.count
    writer.write(.string(String(repeating: "z", count: 1000)))
    writer.truncate(to: mark)
    writer.writeRaw("2]")
    #expect(String(decoding: writer.bytes, as: UTF8.self) == "[1,2]")
  }

  @Test("the Patient fixture round-trips byte for byte")
  func fixtureRoundTrip() throws {
    let fixture =
      #"{"id":"P001","name":"Sarah Johnson","outstandingBalance":250.75,"billing":{"lastPayment":{"amount":40.00,"date":"2026-01-15"}},"recentActivity":[{"id":1,"title":"Follow-up visit"}]}"#
    #expect(text(try JSONParser.parse(fixture)) == fixture)
  }
}
