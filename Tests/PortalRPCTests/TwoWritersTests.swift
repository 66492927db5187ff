import Foundation
import PortalJSON
import TestSupport
import Testing

/// Two processes on one data directory, each reading a patient and writing it back with
/// `expectedVersion`, as two clinic windows do, at the same time and on the same records. Every
/// write is either applied or refused as a conflict (-32003), never lost; no lock escapes as an
/// error or a crash; and each window hears every change, its own and its peer's, exactly once.
@Suite("Two writers", .serialized)
struct TwoWritersTests {
  /// One writer's outcome: the tokens it appended (per patient) and how often it had to retry.
  struct Outcome: Sendable {
    var applied: [String: [String]] = [:]
    var conflicts = 0
    var failures: [String] = []
  }

  @Test("conflicting read-modify-writes: no lost update, no escaped busy error, notified once")
  func conflictingWriters() throws {
    let writes = environmentCount("PORTAL_TWO_WRITERS_WRITES", fallback: 60)
    let data = FileManager.default.temporaryDirectory.appendingPathComponent(
      "writers-\(UUID().uuidString)")
    let windows = try ["A", "B"].map { _ in
      try PortalProcess(arguments: ["--data-dir", data.path])
    }
    for window in windows { try window.call("initialize", id: 0, params: "{}") }
    var patients: [String] = []
    for index in 1...3 {
      let line = try windows[0].call(
        "addPatient", id: index, params: "[\(ManyWindowsTests.patient)]")
      patients.append(try #require((try JSONParser.parse(line))["result"]?["id"]?.stringValue))
    }
    let start = try windows[0].lastSequence(id: 10)
    for window in windows { try window.call("subscribeToUpdates", id: 11, params: #"["*"]"#) }

    let outcomes = OutcomeBox()
    let targets = patients
    let threads = zip(["A", "B"], windows).enumerated().map { index, pair in
      Thread {
        var random = SeededGenerator(seed: 17 + UInt64(index))
        outcomes.set(
          index, Self.write(writes, as: pair.0, through: pair.1, to: targets, using: &random))
      }
    }
    for thread in threads { thread.start() }
    try outcomes.waitForBoth()

    for outcome in outcomes.values {
      #expect(outcome.failures.isEmpty, "\(outcome.failures)")
    }
    // No lost update: every applied token is in the address, exactly once.
    for patient in patients {
      let line = try windows[0].call("getPatient", id: 20, params: "[\"\(patient)\"]")
      let address = try #require((try JSONParser.parse(line))["result"]?["address"]?.stringValue)
      let tokens = address.split(separator: "|").dropFirst().map(String.init)
      let applied = outcomes.values.flatMap { $0.applied[patient] ?? [] }
      #expect(tokens.sorted() == applied.sorted(), "\(patient) lost or repeated an update")
    }
    #expect(outcomes.values.map(\.conflicts).reduce(0, +) > 0, "the writers never conflicted")

    // Every change after the subscription, notified exactly once to each window.
    let end = try windows[0].lastSequence(id: 30)
    for window in windows {
      let lines = try window.waitUntil { Self.notifiedSequences($0).contains(end) }
      let sequences = Self.notifiedSequences(lines)
      #expect(sequences.count == Set(sequences).count, "a change was notified twice")
      #expect(Set(sequences) == Set((start + 1)...end), "a change was not notified")
    }
    print(
      "two writers: \(2 * writes) updates applied, \(outcomes.values.map(\.conflicts).reduce(0, +)) "
        + "conflicts retried, \(end - start) changes notified to each window once")
    for window in windows {
      try window.closeInput()
      #expect(try window.finish().status == 0)
    }
  }

  /// `count` read-modify-writes of random patients, appending `name-n` to the address; a
  /// conflict rereads and tries again.
  static func write(
    _ count: Int, as name: String, through window: PortalProcess, to patients: [String],
    using random: inout SeededGenerator
  ) -> Outcome {
    var outcome = Outcome()
    var id = 1000
    do {
      for step in 0..<count {
        let patient = patients.randomElement(using: &random)!
        let token = "\(name)-\(step)"
        while true {
          id += 2
          let read = try JSONParser.parse(
            try window.call("getPatient", id: id, params: "[\"\(patient)\"]"))
          let address = read["result"]?["address"]?.stringValue ?? ""
          let version = read["result"]?["meta"]?["version"]?.int64Value ?? 0
          let patch = JSONValue.object(["address": .string(address + "|" + token)])
          let line = try window.call(
            "syncPatientData", id: id + 1, params: "[\"\(patient)\",\(patch),\(version)]")
          let response = try JSONParser.parse(line)
          if response["result"] != nil {
            outcome.applied[patient, default: []].append(token)
            break
          }
          guard response["error"]?["code"]?.int64Value == -32003 else {
            outcome.failures.append(String(line.prefix(200)))
            return outcome
          }
          outcome.conflicts += 1
        }
      }
    } catch {
      outcome.failures.append("\(error)")
    }
    return outcome
  }

  static func notifiedSequences(_ lines: [String]) -> [Int64] {
    lines.filter { $0.contains(#""method":"dataSync/changed""#) }.compactMap {
      (try? JSONParser.parse($0))?["params"]?["sequence"]?.int64Value
    }
  }
}

/// The two writers' outcomes, handed from their threads to the test.
final class OutcomeBox: @unchecked Sendable {
  private let condition = NSCondition()
  private var outcomes: [Int: TwoWritersTests.Outcome] = [:]

  func set(_ index: Int, _ outcome: TwoWritersTests.Outcome) {
    condition.lock()
    outcomes[index] = outcome
    condition.broadcast()
    condition.unlock()
  }

  func waitForBoth(timeout: TimeInterval = 120) throws {
    let deadline = Date().addingTimeInterval(timeout)
    condition.lock()
    defer { condition.unlock() }
    while outcomes.count < 2 {
      if !condition.wait(until: deadline) { throw PortalProcess.ProcessError.timedOut(lines: []) }
    }
  }

  var values: [TwoWritersTests.Outcome] {
    condition.lock()
    defer { condition.unlock() }
    return outcomes.sorted { $0.key < $1.key }.map(\.value)
  }
}
