import Foundation
import PortalJSON
import Testing

/// Several processes on one data directory (a shell opens one per window): each sees the others'
/// commits, as `origin: "peer"` notifications, in sequence order, none missing, none twice.
@Suite("Many windows, one store")
struct ManyWindowsTests {
  static let patient =
    #"{"name":"John Doe","email":"john.doe@example.com","phone":"(555) 111-2222","dob":"1970-01-01","address":"1 Elm St","status":"active","assignedDoctor":"Dr. Chen","insurance":{"provider":"Aetna","memberId":"A1","group":"G1","status":"active"},"emergencyContact":{"name":"Jane","relationship":"Spouse","phone":"(555) 111-3333"},"medicalHistory":{"conditions":[],"allergies":[],"medications":[]}}"#

  private func directory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "windows-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  private func window(_ data: URL) throws -> PortalProcess {
    let process = try PortalProcess(arguments: ["--data-dir", data.path])
    try process.call("initialize", id: 0, params: "{}")
    return process
  }

  /// The next notification's params.
  private func nextChange(_ process: PortalProcess) throws -> JSONValue {
    let line = try process.waitForLine { $0.contains("\"method\":\"dataSync/changed\"") }
    return try JSONParser.parse(line)["params"] ?? .null
  }

  @Test("a window hears another window's commits, as peer changes, in order")
  func peerChanges() throws {
    let data = try directory()
    let a = try window(data)
    let b = try window(data)
    try b.call("subscribeToUpdates", id: 1, params: #"["*"]"#)
    try a.call("addPatient", id: 1, params: "[\(Self.patient)]")
    try a.call(
      "addAppointment", id: 2,
      params:
        #"[{"patientId":"P001","date":"2026-02-20","time":"10:00 AM","type":"Follow-up","status":"scheduled"}]"#
    )
    try a.call("syncPatientData", id: 3, params: #"["P001",{"name":"Johnny Doe"}]"#)
    // A made: patient created (1), appointment created (2), patient derived fields (3), the
    // rename (4) and its copy into the appointment (5).
    var seen: [Int64] = []
    for _ in 1...5 {
      let change = try nextChange(b)
      #expect(change["cause"]?["origin"] == "peer")
      seen.append(change["sequence"]?.int64Value ?? -1)
    }
    #expect(seen == [1, 2, 3, 4, 5])
    let rename = try b.call("getChangesSince", id: 2, params: "[3]")
    #expect(rename.contains("\"fields\":[\"name\"]") && rename.contains("\"origin\":\"peer\""))
    try a.closeInput()
    try b.closeInput()
    #expect(try a.finish().status == 0)
    #expect(try b.finish().status == 0)
  }

  @Test("changes from both windows interleave in one gap-free order, each notified exactly once")
  func interleaved() throws {
    let data = try directory()
    let a = try window(data)
    let b = try window(data)
    try a.call("addPatient", id: 1, params: "[\(Self.patient)]")
    try b.call("subscribeToUpdates", id: 1, params: #"{"entityType":"appointment"}"#)
    let rounds = 40
    // Both windows add appointments as fast as they can; only B's are answered to B, but B must
    // hear all of them.
    for index in 0..<rounds {
      let request =
        #"{"jsonrpc":"2.0","id":\#(100 + index),"method":"addAppointment","params":[{"patientId":"P001","date":"2026-03-01","time":"9:00 AM","type":"Follow-up","status":"scheduled"}]}"#
      try a.send(request)
      try b.send(request)
    }
    for index in 0..<rounds {
      _ = try a.waitForLine { $0.hasPrefix("{\"jsonrpc\":\"2.0\",\"id\":\(100 + index),") }
    }
    var sequences: [Int64] = []
    var origins: [String: Int] = [:]
    var ids: Set<Int64> = []
    while sequences.count < 2 * rounds {
      let change = try nextChange(b)
      sequences.append(change["sequence"]?.int64Value ?? -1)
      origins[change["cause"]?["origin"]?.stringValue ?? "?", default: 0] += 1
      ids.insert(change["entityId"]?.int64Value ?? -1)
    }
    #expect(sequences == sequences.sorted(), "notifications out of sequence order")
    #expect(Set(sequences).count == sequences.count, "a change was notified twice")
    #expect(ids.count == 2 * rounds, "an appointment was missed")
    #expect(origins == ["self": rounds, "peer": rounds])
    try a.closeInput()
    try b.closeInput()
    _ = try a.finish()
    _ = try b.finish()
  }

  @Test("two windows appending to one thread keep every reply")
  func concurrentAppends() throws {
    let data = try directory()
    let a = try window(data)
    let b = try window(data)
    try a.call("addPatient", id: 1, params: "[\(Self.patient)]")
    try a.call(
      "addMessageThread", id: 2,
      params:
        #"[{"patientId":"P001","subject":"Hi","category":"general","priority":"normal","status":"unread","assignedTo":"Desk","messages":[{"id":1,"from":"patient","text":"Hello","timestamp":"2026-01-30T08:00:00Z"}]}]"#
    )
    let replies = 25
    for index in 0..<replies {
      let message = #"{"from":"admin","sender":"Desk","text":"reply"}"#
      try a.send(
        #"{"jsonrpc":"2.0","id":\#(200 + index),"method":"appendMessage","params":[1,\#(message)]}"#
      )
      try b.send(
        #"{"jsonrpc":"2.0","id":\#(200 + index),"method":"appendMessage","params":[1,\#(message)]}"#
      )
    }
    for index in 0..<replies {
      _ = try a.waitForLine { $0.hasPrefix("{\"jsonrpc\":\"2.0\",\"id\":\(200 + index),") }
      _ = try b.waitForLine { $0.hasPrefix("{\"jsonrpc\":\"2.0\",\"id\":\(200 + index),") }
    }
    let thread = try JSONParser.parse(try a.call("getMessageThread", id: 3, params: "[1]"))
    let messages = thread["result"]?["messages"]?.arrayValue ?? []
    #expect(messages.count == 1 + 2 * replies)
    #expect(Set(messages.compactMap { $0["id"]?.int64Value }).count == messages.count)
    try a.closeInput()
    try b.closeInput()
    _ = try a.finish()
    _ = try b.finish()
  }
}
