import Testing

@testable import PortalRPC

@Suite("Line framing")
struct LineFramerTests {
  /// Feeds `chunks` and returns what came out: lines as text, oversize lines as `!<id>`.
  private func frame(_ chunks: [String], limit: Int = 1000, finish: Bool = true) -> [String] {
    var framer = LineFramer(maxLineBytes: limit)
    var events: [String] = []
    let collect: (LineFramer.Event) -> Void = { event in
      switch event {
      case .line(let line): events.append(String(decoding: line, as: UTF8.self))
      case .oversize(let id): events.append("!\(id.json)")
      }
    }
    for chunk in chunks {
      Array(chunk.utf8).withUnsafeBufferPointer { framer.push($0, collect) }
    }
    if finish { framer.finish(collect) }
    return events
  }

  @Test("LF and CRLF end lines; blank lines are skipped")
  func lines() {
    #expect(frame(["a\nb\r\n\n \t\r\nc\n"]) == ["a", "b", "c"])
  }

  @Test("a line split across reads is joined")
  func split() {
    #expect(frame(["ab", "c", "d\ne", "f\n"]) == ["abcd", "ef"])
  }

  @Test("an unterminated last line counts at end of input, not before")
  func unterminated() {
    #expect(frame(["a\nb"], finish: false) == ["a"])
    #expect(frame(["a\nb"]) == ["a", "b"])
  }

  @Test("an oversize line is reported once, with its id, wherever it is cut")
  func oversize() {
    let long = #"{"id":7,"x":""# + String(repeating: "x", count: 200) + "\"}"
    #expect(frame([long + "\nok\n"], limit: 100) == ["!7", "ok"])
    let pieces = stride(from: 0, to: long.count, by: 30).map {
      String(long.dropFirst($0).prefix(30))
    }
    #expect(frame(pieces + ["\nok\n"], limit: 100) == ["!7", "ok"])
    #expect(frame([#"{"x":""# + String(repeating: "x", count: 200)], limit: 100) == ["!null"])
  }

  @Test("ids are read from the head of an oversize line when they are there")
  func oversizeIDs() {
    #expect(
      OversizeLineID.find(in: Array(#"{"jsonrpc":"2.0","id":"a\"b","params":[1,"#.utf8))
        == .string("a\"b"))
    #expect(
      OversizeLineID.find(in: Array(#"{"params":{"a":[1,{"id":2}]},"id":3}"#.utf8))
        == .integer(3))
    #expect(OversizeLineID.find(in: Array(#"{"params":{"a":[1,{"id":2}]"#.utf8)) == .null)
    #expect(OversizeLineID.find(in: Array(#"[{"id":1}]"#.utf8)) == .null)
    #expect(OversizeLineID.find(in: Array(#"{"id":{"x":1}}"#.utf8)) == .null)
  }
}
