import Foundation
import Glibc
import PortalJSON
import Postgres
import TestSupport
import Testing

/// Replicas that end equal: concurrent edits merged by the rules, a workstation joining by
/// download or upload, and a seeded random mix of writes on three workstations with PostgreSQL
/// restarted under them, after which every replica holds what PostgreSQL holds.
@Suite(
  "A clinic's replicas converge", .serialized,
  .enabled(if: PostgresCluster.testsRun, PostgresCluster.missing))
struct ClinicConvergenceTests {
  @Test(
    "offline edits on two workstations: different fields both kept, the later push wins a field")
  func concurrentEdits() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let upstream = UpstreamView(cluster: cluster)
    let root = try temporaryDirectory("clinic-edits")
    let url = cluster.connectionString
    let a = try Workstation("a", upstream: url, root: root, extra: quickRetry)
    var b = try Workstation("b", upstream: url, root: root, extra: quickRetry)
    try a.awaitReady()
    try b.awaitReady()
    let id = try a.addPatientWhenLeased("Shared Patient")
    try a.awaitDrained()
    try awaitCondition(seconds: 20) { (try? b.call("getPatient", "[\"\(id)\"]")) != nil }

    // Both edit while PostgreSQL is frozen; B's process is then killed, so A pushes first and
    // B, started again, pushes last.
    try cluster.pause()
    _ = try a.call(
      "syncPatientData", #"["\#(id)",{"name":"Name From A","phone":"(555) 000-1111"}]"#)
    _ = try b.call(
      "syncPatientData", #"["\#(id)",{"name":"Name From B","address":"2 Oak Ave"}]"#)
    b.killHard()
    try cluster.resume()
    try a.awaitDrained()
    b = try Workstation("b", upstream: url, root: root, extra: quickRetry)
    let sequence = try upstream.lastSequence()
    try b.awaitCaughtUp(to: sequence + 1)
    let last = try upstream.lastSequence()
    try a.awaitCaughtUp(to: last)
    try b.awaitCaughtUp(to: last)

    let onA = try a.call("getPatient", "[\"\(id)\"]")
    #expect(onA["name"] == "Name From B")
    #expect(onA["phone"] == "(555) 000-1111" && onA["address"] == "2 Oak Ave")
    #expect(try b.call("getPatient", "[\"\(id)\"]") == onA)
    let stored = try upstream.rows(
      "SELECT doc::text FROM portal.records WHERE kind = 'patient' AND doc ->> 'id' = $1", [id])
    let document = try JSONParser.parse(try #require(stored.first?.first ?? nil))
    #expect(document["name"] == onA["name"] && document["phone"] == onA["phone"])
    #expect(document["address"] == onA["address"])
    #expect(document["meta"]?["version"] == onA["meta"]?["version"])
    #expect(try b.status()["rejected"] == 0 && a.status()["rejected"] == 0)
    #expect(try a.close() == 0 && b.close() == 0)
  }

  @Test("a new workstation downloads the clinic and answers as the others do")
  func newWorkstationMatches() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let upstream = UpstreamView(cluster: cluster)
    let root = try temporaryDirectory("clinic-join")
    let a = try Workstation("a", upstream: cluster.connectionString, root: root)
    try a.awaitReady()
    var patients: [String] = []
    for index in 0..<6 {
      patients.append(try a.addPatientWhenLeased("Joined \(index)"))
    }
    try writeRelatedRecords(a, patients: patients)
    _ = try a.call("deletePatient", "[\"\(patients[5])\",true]")
    try a.awaitCaughtUp(to: upstream.lastSequence())

    let c = try Workstation("c", upstream: cluster.connectionString, root: root)
    try c.awaitCaughtUp(to: upstream.lastSequence())
    let expected = try a.lists()
    #expect(try c.lists() == expected)
    for patient in patients.prefix(5) {
      for method in ["getPatient", "getPatientAppointments", "getPatientTransactions"] {
        #expect(try c.call(method, "[\"\(patient)\"]") == a.call(method, "[\"\(patient)\"]"))
      }
    }
    #expect(try a.close() == 0 && c.close() == 0)
  }

  @Test("a standalone store joins an empty upstream by upload; data on both sides is refused")
  func uploadThenDownloadAndRefusal() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let upstream = UpstreamView(cluster: cluster)
    let root = try temporaryDirectory("clinic-upload")
    // The clinic's first workstation, standalone, with its data.
    let first = root.appendingPathComponent("first")
    let standalone = try PortalProcess(arguments: ["--data-dir", first.path])
    try standalone.call("initialize", id: 0, params: "{}")
    for index in 1...4 {
      try standalone.call(
        "addPatient", id: index, params: "[\(patientJSON(named: "Local \(index)"))]")
    }
    try standalone.call(
      "addAppointment", id: 10,
      params:
        #"[{"patientId":"P002","date":"2026-03-02","time":"09:00","type":"Check-up","status":"scheduled"}]"#
    )
    try standalone.closeInput()
    #expect(try standalone.finish().status == 0)

    // Pointed at the empty upstream, it uploads everything.
    let uploaded = try Workstation("first", upstream: cluster.connectionString, root: root)
    try uploaded.awaitReady()
    #expect(
      try upstream.integer("SELECT count(*) FROM portal.records WHERE kind = 'patient'") == 4)
    #expect(
      try upstream.integer("SELECT count(*) FROM portal.records WHERE kind = 'appointment'") == 1)
    // And a second, empty workstation downloads it.
    let second = try Workstation("second", upstream: cluster.connectionString, root: root)
    let sequence = try upstream.lastSequence()
    try second.awaitCaughtUp(to: sequence)
    try uploaded.awaitCaughtUp(to: sequence)
    let expected = try uploaded.lists()
    let downloaded = try second.lists()
    for method in listMethods {
      #expect(downloaded[method] == expected[method], "\(method)")
    }
    #expect(try uploaded.close() == 0 && second.close() == 0)

    // Another standalone store with data, pointed at the upstream that has data: refused.
    let other = root.appendingPathComponent("other")
    let result = try PortalProcess.run(
      arguments: ["--data-dir", other.path],
      input: Data(
        """
        {"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}
        {"jsonrpc":"2.0","id":1,"method":"addPatient","params":[\(ClinicTests.patient)]}

        """.utf8))
    #expect(result.status == 0 && result.lines.last?.contains("\"result\"") == true)
    let refused = try PortalProcess.run(
      arguments: ["--data-dir", other.path, "--upstream", cluster.connectionString],
      input: Data())
    #expect(refused.status == 3)
    #expect(refused.lines.isEmpty)
    let lines = refused.stderr.split(separator: "\n")
    #expect(lines.count == 1 && refused.stderr.contains("not merged"), "\(refused.stderr)")
    #expect(
      try upstream.integer("SELECT count(*) FROM portal.records WHERE kind = 'patient'") == 4)
  }

  @Test("a seeded random mix on three workstations, PostgreSQL restarted: every replica ends equal")
  func randomizedConvergence() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let upstream = UpstreamView(cluster: cluster)
    let root = try temporaryDirectory("clinic-random")
    var random = SeededGenerator(
      environment: "PORTAL_CLINIC_SEED", fallback: UInt64.random(in: 1...UInt64.max))
    print("randomized convergence: seed \(random.seed) (PORTAL_CLINIC_SEED replays it)")
    let names = ["front", "exam", "billing"]
    let desks = try names.map {
      try Workstation($0, upstream: cluster.connectionString, root: root, extra: quickRetry)
    }
    for desk in desks { try desk.awaitReady() }
    var mix = RandomMix()
    // Each desk's answered writes, in order: its k-th is its mutation k.
    var answered = [[String]](repeating: [], count: desks.count)
    var firstPatients: [String] = []
    for (index, desk) in desks.enumerated() {
      firstPatients.append(try desk.addPatientWhenLeased("Seed Patient \(index)"))
      answered[index].append("addPatient")
    }
    mix.patients = firstPatients
    for desk in desks {
      try awaitCondition(seconds: 20) {
        firstPatients.allSatisfy { (try? desk.call("getPatient", "[\"\($0)\"]")) != nil }
      }
    }
    var refusals: [String: Int] = [:]
    let operations = environmentCount("PORTAL_CLINIC_OPERATIONS", fallback: 300)
    for step in 0..<operations {
      if step == operations / 2 {
        try cluster.restart()
      }
      let index = Int.random(in: 0..<desks.count, using: &random)
      let (method, params) = mix.next(&random)
      do {
        let result = try desks[index].call(method, params)
        answered[index].append(method)
        mix.note(method, result: result)
      } catch let failure as ClinicTests.CallFailed {
        // Refused locally (a record deleted elsewhere, say): nothing was queued.
        refusals["\(method) \(failure.error["code"]?.int64Value ?? 0)", default: 0] += 1
      }
    }
    print("randomized convergence: \(answered.map(\.count)) writes answered")
    print("randomized convergence: refused locally \(refusals)")

    let last = try upstream.lastSequence()
    for desk in desks { try desk.awaitCaughtUp(to: last, seconds: 60) }
    let settled = try upstream.lastSequence()
    for desk in desks { try desk.awaitCaughtUp(to: settled) }

    // Every replica holds what PostgreSQL holds.
    let reference = try desks[0].lists()
    for desk in desks.dropFirst() {
      let lists = try desk.lists()
      for method in listMethods {
        #expect(lists[method] == reference[method], "\(method) differs")
      }
    }
    var replicaVersions: [String: String] = [:]
    for (method, answer) in reference {
      let kind = RandomMix.kind(ofList: method)
      for item in answer.listItems {
        let id = item["id"]?.stringValue ?? item["id"]?.int64Value.map { String($0) } ?? "?"
        replicaVersions["\(kind):\(id)"] = item["meta"]?["version"]?.int64Value.map { String($0) }
      }
    }
    #expect(replicaVersions == (try upstream.versions()))
    // Nothing answered was lost or applied twice.
    for (index, desk) in desks.enumerated() {
      let client = try #require(try upstream.client(creating: firstPatients[index]))
      try upstream.expectExactlyOnce(client: client, writes: answered[index].count)
      #expect(try desk.close() == 0)
    }
    try upstream.expectNoRecordCreatedTwice()
    for name in names {
      let check = try PortalProcess.check(root.appendingPathComponent(name))
      #expect(check.status == 0, "\(name): \(check.lines) \(check.stderr)")
    }
  }

  /// Appointments, a transaction, a message thread with replies and a batch on `patients`.
  private func writeRelatedRecords(_ desk: Workstation, patients: [String]) throws {
    for (index, patient) in patients.enumerated() {
      try desk.callWhenLeased(
        "addAppointment",
        #"[{"patientId":"\#(patient)","date":"2026-03-0\#(index + 1)","time":"09:00","type":"Check-up","status":"scheduled"}]"#
      )
      try desk.callWhenLeased(
        "addTransaction",
        #"[{"patientId":"\#(patient)","type":"charge","amount":\#(index + 1)0.50,"date":"2026-02-01","description":"Visit","status":"completed"}]"#
      )
    }
    let thread = try desk.callWhenLeased(
      "addMessageThread",
      #"[{"patientId":"\#(patients[0])","subject":"Hi","category":"general","priority":"normal","status":"unread","assignedTo":"Desk","messages":[{"id":1,"from":"patient","text":"Hello","timestamp":"2026-01-30T08:00:00Z"}]}]"#
    )
    let threadID = try #require(thread["id"]?.int64Value)
    _ = try desk.call(
      "appendMessage", #"[\#(threadID),{"from":"admin","sender":"Desk","text":"Reply"}]"#)
    _ = try desk.call(
      "transaction",
      #"[[{"method":"syncPatientData","params":["\#(patients[1])",{"phone":"(555) 222-0000"}]},{"method":"syncAppointmentData","params":[2,{"status":"confirmed"}]}]]"#
    )
  }
}

/// The seeded mix of writes of the convergence test, over the records it knows of (some of
/// them deleted elsewhere meanwhile: such a write is refused, locally or by PostgreSQL).
struct RandomMix {
  var patients: [String] = []
  var appointments: [Int64] = []
  var threads: [Int64] = []
  var transactions: [Int64] = []
  private var count = 0

  /// The entity type a list method lists, as PostgreSQL's records name it.
  static func kind(ofList method: String) -> String {
    let plural = method.dropFirst(3)
    let singular = plural.dropLast()
    return singular.prefix(1).lowercased() + singular.dropFirst()
  }

  /// The next write: its method and params.
  mutating func next(_ random: inout SeededGenerator) -> (String, String) {
    count += 1
    let patient = patients.randomElement(using: &random) ?? "P001"
    let phone = String(
      format: "(555) %03d-%04d", Int.random(in: 200...999, using: &random),
      Int.random(in: 0...9999, using: &random))
    let appointment = """
      {"patientId":"\(patient)","date":"2026-04-\(String(format: "%02d", count % 28 + 1))","time":"10:00","type":"Follow-up","status":"scheduled"}
      """
    switch Int.random(in: 0..<20, using: &random) {
    case 0..<3:
      return ("addPatient", "[\(patientJSON(named: "Random \(count)"))]")
    case 3..<5:
      return ("syncPatientData", #"["\#(patient)",{"phone":"\#(phone)"}]"#)
    case 5..<7:
      return ("syncPatientData", #"["\#(patient)",{"name":"Renamed \#(count)"}]"#)
    case 7..<9:
      return ("addAppointment", "[\(appointment)]")
    case 9..<11:
      guard let id = appointments.randomElement(using: &random) else {
        return ("addAppointment", "[\(appointment)]")
      }
      let status = ["confirmed", "checked-in", "completed", "cancelled"].randomElement(
        using: &random)!
      return ("syncAppointmentData", #"[\#(id),{"status":"\#(status)"}]"#)
    case 11:
      guard !appointments.isEmpty else { return ("addAppointment", "[\(appointment)]") }
      let id = appointments.remove(at: Int.random(in: 0..<appointments.count, using: &random))
      return ("deleteAppointment", "[\(id)]")
    case 12:
      return (
        "addMessageThread",
        #"[{"patientId":"\#(patient)","subject":"Visit \#(count)","category":"general","priority":"normal","status":"unread","assignedTo":"Desk","messages":[{"id":1,"from":"patient","text":"Hello","timestamp":"2026-01-30T08:00:00Z"}]}]"#
      )
    case 13..<15:
      guard let thread = threads.randomElement(using: &random) else {
        return ("addPatient", "[\(patientJSON(named: "Random \(count)"))]")
      }
      return (
        "appendMessage", #"[\#(thread),{"from":"admin","sender":"Desk","text":"Reply \#(count)"}]"#
      )
    case 15:
      let cents = Int.random(in: 100...99_999, using: &random)
      return (
        "addTransaction",
        #"[{"patientId":"\#(patient)","type":"charge","amount":\#(cents / 100).\#(String(format: "%02d", cents % 100)),"date":"2026-02-01","description":"Visit","status":"completed"}]"#
      )
    case 16..<18:
      return (
        "transaction",
        #"[[{"method":"syncPatientData","params":["\#(patient)",{"address":"\#(count) Batch St"}]},{"method":"addAppointment","params":[\#(appointment)]}]]"#
      )
    default:
      guard patients.count > 4 else {
        return ("syncPatientData", #"["\#(patient)",{"phone":"\#(phone)"}]"#)
      }
      // Never one of the seed patients, which name each desk's client upstream.
      let index = Int.random(in: 3..<patients.count, using: &random)
      let deleted = patients.remove(at: index)
      return ("deletePatient", #"["\#(deleted)",true]"#)
    }
  }

  /// Remembers the records an answered write made.
  mutating func note(_ method: String, result: JSONValue) {
    switch method {
    case "addPatient": result["id"]?.stringValue.map { patients.append($0) }
    case "addAppointment": result["id"]?.int64Value.map { appointments.append($0) }
    case "addMessageThread": result["id"]?.int64Value.map { threads.append($0) }
    case "addTransaction": result["id"]?.int64Value.map { transactions.append($0) }
    case "transaction":
      result.arrayValue?.last?["id"]?.int64Value.map { appointments.append($0) }
    default: break
    }
  }
}
