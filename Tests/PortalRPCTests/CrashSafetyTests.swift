import Foundation
import Glibc
import PortalJSON
import TestSupport
import Testing

/// The server is killed (SIGKILL) at random instants while writes stream in. After every kill the
/// store must hold every change that was answered, pass `--check` (SQLite's integrity check, every
/// denormalized copy and balance, no gap in the change log), and serve the next round.
///
/// `swift test` runs a short version; the long one is
/// `PORTAL_CRASH_KILLS=60 swift test --filter CrashSafety` (`PORTAL_CRASH_SEED` replays a run).
@Suite("Crash safety", .serialized)
struct CrashSafetyTests {
  @Test("every answered change survives SIGKILL at random instants")
  func killedAtRandomInstants() throws {
    let kills = environmentCount("PORTAL_CRASH_KILLS", fallback: 4)
    var random = SeededGenerator(environment: "PORTAL_CRASH_SEED", fallback: 20_261_125)
    let data = FileManager.default.temporaryDirectory.appendingPathComponent(
      "crash-\(UUID().uuidString)")
    var ledger = CrashLedger()

    for round in 0..<kills {
      let server = try PortalProcess(arguments: ["--data-dir", data.path])
      try server.call("initialize", id: 0, params: "{}")
      try ledger.verify(against: server, round: round, seed: random.seed)
      if ledger.patients.isEmpty {
        for index in 1...4 {
          let line = try server.call(
            "addPatient", id: index, params: "[\(ManyWindowsTests.patient)]")
          ledger.patients.append(try #require(CrashLedger.result(line)?["id"]?.stringValue))
        }
      }

      var workload = CrashWorkload(round: round, ledger: ledger)
      let requests = (0..<400).map { workload.request(id: 100 + $0, using: &random) }
      let writer = Thread {
        // Stops at the first failed write: the server is dead.
        for line in requests { if (try? server.send(line)) == nil { return } }
      }
      writer.start()
      // A random instant: after 0–399 answers, while later requests are in flight.
      let answersBeforeKill = Int.random(in: 0..<requests.count, using: &random)
      var answered: [Int: JSONValue] = [:]
      while answered.count < answersBeforeKill {
        let line = try server.waitForLine { $0.hasPrefix("{\"jsonrpc\":\"2.0\",\"id\":") }
        let response = try JSONParser.parse(line)
        guard let id = response["id"]?.int64Value, let result = response["result"] else {
          Issue.record("round \(round) (seed \(random.seed)): a write was refused: \(line)")
          break
        }
        answered[Int(id)] = result
      }
      kill(server.process.processIdentifier, SIGKILL)
      _ = try? server.finish()
      ledger.record(workload, answered: answered)
    }

    let server = try PortalProcess(arguments: ["--data-dir", data.path])
    try server.call("initialize", id: 0, params: "{}")
    try ledger.verify(against: server, round: kills, seed: random.seed)
    try server.closeInput()
    #expect(try server.finish().status == 0)
    let check = try PortalProcess.check(data)
    #expect(check.status == 0, "seed \(random.seed): \(check.lines.joined(separator: "\n"))")
    print(
      "crash safety: \(kills) kills survived, \(ledger.answeredWrites) answered requests kept, "
        + "\(ledger.committedUnanswered) committed but unanswered, seed \(random.seed)")
  }
}

/// What the answered writes promise about the store.
struct CrashLedger {
  var patients: [String] = []
  /// Per patient: the phone the store held when the round began, the phones sent in the round
  /// in order, and the index of the last one answered. Commits are in order, so the store must
  /// hold that phone or a later one; with none answered, the old phone or any sent one.
  var phones: [String: (settled: String?, sent: [String], lastAnswered: Int?)] = [:]
  /// Writes that were answered before a kill, and writes the store held although their answer
  /// never came (evidence that the kill landed mid-stream, not between requests).
  var answeredWrites = 0
  var committedUnanswered = 0
  /// Records whose add was answered and that no later request deleted.
  var mustExist: Set<String> = []
  /// Records whose delete was answered.
  var mustNotExist: Set<String> = []

  static func result(_ line: String) -> JSONObject? {
    guard case .object(let result)? = (try? JSONParser.parse(line))?["result"] else { return nil }
    return result
  }

  mutating func record(_ workload: CrashWorkload, answered: [Int: JSONValue]) {
    answeredWrites += answered.count
    for patient in patients {
      let sent = workload.phones[patient] ?? []
      let lastAnswered = sent.indices.last { answered[sent[$0].id] != nil }
      phones[patient] = (phones[patient]?.settled, sent.map(\.value), lastAnswered)
    }
    for (id, kind) in workload.adds {
      guard let result = answered[id], let recordID = result["id"]?.int64Value else { continue }
      mustExist.insert("\(kind):\(recordID)")
    }
    for (id, key) in workload.deletes {
      mustExist.remove(key)
      if answered[id] != nil { mustNotExist.insert(key) }
    }
  }

  /// Reads the store through a restarted server and checks every promise; settles each patient's
  /// phone to what the store now holds.
  mutating func verify(against server: PortalProcess, round: Int, seed: UInt64) throws {
    var id = 1_000_000
    for patient in patients {
      id += 1
      let line = try server.call("getPatient", id: id, params: "[\"\(patient)\"]")
      let phone = try #require(Self.result(line)?["phone"]?.stringValue)
      let entry = phones[patient] ?? (nil, [], nil)
      if let lastAnswered = entry.lastAnswered {
        let stored = entry.sent.firstIndex(of: phone)
        if let stored, stored > lastAnswered { committedUnanswered += 1 }
        #expect(
          stored.map { $0 >= lastAnswered } == true,
          "round \(round) (seed \(seed)): \(patient) lost an answered change")
      } else if let settled = entry.settled {
        if entry.sent.contains(phone) { committedUnanswered += 1 }
        #expect(
          phone == settled || entry.sent.contains(phone),
          "round \(round) (seed \(seed)): \(patient) holds a phone nobody sent")
      }
      phones[patient] = (phone, [], nil)
    }
    for key in mustExist.union(mustNotExist) {
      id += 1
      let parts = key.split(separator: ":")
      let line = try server.call("get\(parts[0])", id: id, params: "[\(parts[1])]")
      if mustExist.contains(key) {
        #expect(
          line.contains("\"result\""), "round \(round) (seed \(seed)): answered add of \(key) lost")
      } else {
        #expect(
          line.contains("-32001"), "round \(round) (seed \(seed)): answered delete of \(key) undone"
        )
      }
    }
  }
}

/// One round's requests: phone changes (tracked), renames (cascade to every copy), appointments,
/// transactions (balances) and deletes of appointments answered in earlier rounds.
struct CrashWorkload {
  let round: Int
  let patients: [String]
  var deletable: [String]
  var phones: [String: [(id: Int, value: String)]] = [:]
  var adds: [(id: Int, kind: String)] = []
  var deletes: [(id: Int, key: String)] = []

  init(round: Int, ledger: CrashLedger) {
    self.round = round
    patients = ledger.patients
    deletable = ledger.mustExist.filter { $0.hasPrefix("Appointment:") }.sorted()
  }

  mutating func request(id: Int, using random: inout SeededGenerator) -> String {
    let patient = patients.randomElement(using: &random)!
    let call: (String, String)
    switch Int.random(in: 0..<10, using: &random) {
    case 0...2:
      let phone = "(555) \(round)-\(id)"
      phones[patient, default: []].append((id, phone))
      call = ("syncPatientData", #"["\#(patient)",{"phone":"\#(phone)"}]"#)
    case 3:
      call = ("syncPatientData", #"["\#(patient)",{"name":"Pat \#(round) \#(id)"}]"#)
    case 4...5:
      adds.append((id, "Appointment"))
      call = (
        "addAppointment",
        #"[{"patientId":"\#(patient)","date":"2026-03-0\#(id % 9 + 1)","time":"09:00","type":"Check-up","status":"scheduled"}]"#
      )
    case 6...8:
      adds.append((id, "Transaction"))
      let type = Bool.random(using: &random) ? #""charge""# : #""payment","method":"credit-card""#
      let status = Int.random(in: 0..<4, using: &random) == 0 ? "pending" : "completed"
      let cents = Int.random(in: 1...99_999, using: &random)
      call = (
        "addTransaction",
        #"[{"patientId":"\#(patient)","type":\#(type),"amount":\#(cents / 100).\#(String(format: "%02d", cents % 100)),"date":"2026-02-01","description":"Visit","status":"\#(status)"}]"#
      )
    default:
      if let key = deletable.popLast() {
        deletes.append((id, key))
        call = ("deleteAppointment", "[\(key.split(separator: ":")[1])]")
      } else {
        call = ("ping", "[]")
      }
    }
    return #"{"jsonrpc":"2.0","id":\#(id),"method":"\#(call.0)","params":\#(call.1)}"#
  }
}
