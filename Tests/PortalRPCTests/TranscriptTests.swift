import Foundation
import Testing

@Suite("Golden transcripts against the real executable")
struct TranscriptTests {
  @Test("replays", arguments: Transcript.all())
  func replay(_ transcript: Transcript) throws {
    let data = FileManager.default.temporaryDirectory.appendingPathComponent(
      "portal-transcript-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: data) }
    let arguments = transcript.arguments.map { $0 == "$DATA" ? data.path : $0 }
    var result = try PortalProcess.run(arguments: arguments, input: transcript.input)
    result.lines = result.lines.map { $0.replacingOccurrences(of: data.path, with: "$DATA") }
    if ProcessInfo.processInfo.environment["PORTAL_RECORD"] == "1" {
      try transcript.record(result.lines)
      Issue.record("re-recorded \(transcript); review the diff and run again without PORTAL_RECORD")
      return
    }
    #expect(result.status == transcript.expectedStatus, "stderr: \(result.stderr)")
    let count = max(result.lines.count, transcript.expected.count)
    for index in 0..<count {
      let actual = index < result.lines.count ? result.lines[index] : "<no line>"
      let expected = index < transcript.expected.count ? transcript.expected[index] : "<no line>"
      #expect(actual == expected, "line \(index + 1) of \(transcript)")
    }
  }

  @Test("at least the protocol transcripts exist")
  func present() {
    #expect(Transcript.all().count >= 5)
  }
}
