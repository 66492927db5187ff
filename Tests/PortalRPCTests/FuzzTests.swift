import Foundation
import PortalJSON
import TestSupport
import Testing

/// Hostile input against the real executable and a real store. After every fuzzed line a marker
/// request proves the server is alive and reads the change log's last sequence: every line gets
/// the answers JSON-RPC promises, no answer is an internal error, and a line answered only with
/// errors changed nothing.
///
/// `swift test` runs a bounded, seeded run; a long one is
/// `PORTAL_FUZZ_ITERATIONS=200000 swift test --filter Fuzz` (`PORTAL_FUZZ_SEED` picks another run).
@Suite("Fuzzing")
struct FuzzTests {
  static let maxLineBytes = 65_536

  @Test("every hostile line is answered, the server lives, a refused request changes nothing")
  func hostileLines() throws {
    let iterations = environmentCount("PORTAL_FUZZ_ITERATIONS", fallback: 3000)
    let seed = SeededGenerator(environment: "PORTAL_FUZZ_SEED", fallback: 1).seed
    var mutator = RequestMutator(
      maxLineBytes: Self.maxLineBytes, random: SeededGenerator(seed: seed))
    let data = FileManager.default.temporaryDirectory.appendingPathComponent(
      "fuzz-\(UUID().uuidString)")
    let server = try PortalProcess(arguments: [
      "--data-dir", data.path, "--max-message-bytes", "\(Self.maxLineBytes)", "--durability",
      "normal",
    ])
    try server.call("initialize", id: 0, params: "{}")
    for line in RequestMutator.corpus {  // so that mutated requests find records to touch
      try server.send(line)
    }
    var sequence = try server.lastSequence(id: 1_000_000)
    var counts: [String: Int] = [:]

    for iteration in 0..<iterations {
      let line = mutator.line()
      try server.write(Data(line + [0x0A]))
      let marker = "fuzz-\(iteration)"
      try server.send(
        #"{"jsonrpc":"2.0","id":"\#(marker)","method":"getChangesSince","params":[4000000000,1]}"#)
      var answers: [JSONObject] = []
      var markerResult: JSONObject?
      while markerResult == nil {
        let output = try server.waitForLine { _ in true }
        let parsed = try? JSONParser.parse(output)
        if case .array(let batch)? = parsed, !batch.isEmpty {
          answers += batch.compactMap(\.objectValue)
          #expect(batch.allSatisfy { $0.objectValue != nil })
          continue
        }
        guard case .object(let message)? = parsed else {
          Issue.record("seed \(seed), iteration \(iteration): stdout line is not JSON-RPC")
          return
        }
        if message["id"]?.stringValue == marker {
          markerResult = message["result"]?.objectValue
          #expect(markerResult != nil, "seed \(seed), iteration \(iteration): the marker failed")
          if markerResult == nil { return }
        } else if message["method"] == nil {
          answers.append(message)
        }
      }
      let expected = Self.expectedAnswers(line)
      #expect(
        expected.contains(answers.count),
        "seed \(seed), iteration \(iteration): \(answers.count) answers, expected \(expected)")
      for answer in answers {
        #expect(answer["jsonrpc"]?.stringValue == "2.0")
        #expect((answer["result"] == nil) != (answer["error"] == nil))
        let code = answer["error"]?["code"]?.int64Value
        #expect(code != -32603, "seed \(seed), iteration \(iteration): internal error \(answer)")
        counts[code.map { "\($0)" } ?? "result", default: 0] += 1
      }
      let newSequence = markerResult?["lastSequence"]?.int64Value ?? -1
      if !answers.isEmpty && answers.allSatisfy({ $0["error"] != nil }) {
        #expect(
          newSequence == sequence,
          "seed \(seed), iteration \(iteration): a refused request changed the store")
      }
      sequence = newSequence
    }

    try server.closeInput()
    #expect(try server.finish().status == 0)
    let check = try PortalProcess.check(data)
    #expect(check.status == 0, "seed \(seed): \(check.lines.joined(separator: "\n"))")
    print(
      "fuzzing: \(iterations) lines, seed \(seed), answers by code: \(counts.sorted { $0.key < $1.key })"
    )
  }

  /// How many responses JSON-RPC 2.0 promises for `line`: one for anything that is not a
  /// well-formed message (parse error, invalid request, oversize), none for a blank line, at most
  /// one for a message without an id (a notification is not answered; an invalid one is), one for
  /// a request, up to one per member of a batch.
  static func expectedAnswers(_ line: [UInt8]) -> ClosedRange<Int> {
    if line.count > maxLineBytes { return 1...1 }
    if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return 0...0 }
    guard let value = try? JSONParser.parse(line) else { return 1...1 }
    switch value {
    case .array(let items): return items.isEmpty ? 1...1 : 0...items.count
    case .object(let message): return message.contains("id") ? 1...1 : 0...1
    default: return 1...1
    }
  }
}
