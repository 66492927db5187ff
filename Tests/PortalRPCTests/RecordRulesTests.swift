import Foundation
import PortalJSON
import Testing

/// What a new user's first afternoon found, each through the real executable: keys that could be
/// patient values stay out of error paths, ids order by their number, the derived dates follow
/// the clinic's day, server-owned fields take only the server's value, every list and record is
/// bounded, and text, phone numbers and dates of birth are what people really write.
@Suite("Record rules")
struct RecordRulesTests {
  static let patient =
    #"{"name":"John Doe","email":"john.doe@example.com","phone":"(555) 111-2222","dob":"1970-01-01","address":"1 Elm St","status":"active","assignedDoctor":"Dr. Chen","insurance":{"provider":"Aetna","memberId":"A1","group":"G1","status":"active"},"emergencyContact":{"name":"Jane","relationship":"Spouse","phone":"(555) 111-3333"},"medicalHistory":{"conditions":[],"allergies":[],"medications":[]}}"#

  private func server(_ extra: [String] = [], data: URL? = nil) throws -> PortalProcess {
    let folder =
      data
      ?? FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)")
    let process = try PortalProcess(
      arguments: ["--data-dir", folder.path, "--durability", "normal"] + extra)
    try process.call("initialize", id: 0, params: "{}")
    return process
  }

  private func paths(_ line: String) -> [String] {
    let errors = (try? JSONParser.parse(line))?["error"]?["data"]?["errors"]?.arrayValue ?? []
    return errors.compactMap { $0["path"]?.stringValue }
  }

  private func result(_ line: String) -> JSONValue? { (try? JSONParser.parse(line))?["result"] }

  @Test("a key that could be a patient value is withheld from error paths; our names are echoed")
  func keysWithheld() throws {
    let portal = try server()
    try portal.call("addPatient", id: 1, params: "[\(Self.patient)]")
    let sync = try portal.call(
      "syncPatientData", id: 2,
      params:
        #"["P001",{"sarah.johnson@example.com":"x","asthma":1,"nmaeFirst":2,"insurance":{"Sarah Johnson":1}}]"#
    )
    #expect(
      Set(paths(sync)) == ["/<withheld>", "/nmaeFirst", "/insurance/<withheld>"], "\(sync)")
    let filter = try portal.call(
      "getPatients", id: 3, params: #"[{"filter":{"Sarah Johnson":"x","name":{"sarah@x.org":1}}}]"#)
    #expect(paths(filter) == ["/query/filter/<withheld>", "/query/filter/name/<withheld>"])
    #expect(!filter.contains("Sarah") && !sync.contains("sarah") && !sync.contains("asthma"))
    let named = try portal.call("getPatient", id: 4, params: #"{"patientId":"P001","Sarah":1}"#)
    #expect(paths(named) == ["/<withheld>"])
    // A duplicate key makes the line unparsable: answered with id null, without the key.
    try portal.send(
      #"{"jsonrpc":"2.0","id":5,"method":"addPatient","params":[{"sarah@x.org":1,"sarah@x.org":2}]}"#
    )
    let duplicate = try portal.waitForLine { $0.contains("-32700") }
    #expect(duplicate.contains("duplicate object key") && !duplicate.contains("sarah"))
  }

  @Test("ids sort, page and compare by their number")
  func idsByNumber() throws {
    let portal = try server()
    let count = 1_005
    for index in 1...count {
      try portal.send(
        #"{"jsonrpc":"2.0","id":\#(index),"method":"addPatient","params":[\#(Self.patient)]}"#)
    }
    _ = try portal.waitForLine(timeout: 120) { $0.hasPrefix(#"{"jsonrpc":"2.0","id":\#(count),"#) }
    func ids(_ line: String) -> [String] {
      result(line)?["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
    }
    let descending = try portal.call(
      "getPatients", id: 2_000, params: #"[{"sort":[{"field":"id","direction":"desc"}],"limit":3}]"#
    )
    #expect(ids(descending) == ["P1005", "P1004", "P1003"])
    var seen: [String] = []
    var cursor = "null"
    var request = 2_001
    repeat {
      let page = try portal.call(
        "getPatients", id: request,
        params: #"[{"sort":[{"field":"id","direction":"desc"}],"limit":400,"cursor":\#(cursor)}]"#)
      seen += ids(page)
      cursor = result(page)?["nextCursor"]?.stringValue.map { "\"\($0)\"" } ?? "null"
      request += 1
    } while cursor != "null"
    #expect(
      seen == (1...count).reversed().map { $0 < 1000 ? String(format: "P%03d", $0) : "P\($0)" })
    let above = try portal.call(
      "getPatients", id: 3_000, params: #"[{"filter":{"id":{"gt":"P999"}},"limit":10}]"#)
    #expect(ids(above) == ["P1000", "P1001", "P1002", "P1003", "P1004", "P1005"])
    let appointment =
      #"{"patientId":"P1000","date":"2030-01-01","time":"10:00 AM","type":"Visit","status":"scheduled"}"#
    try portal.call("addAppointment", id: 3_001, params: "[\(appointment)]")
    try portal.call(
      "addAppointment", id: 3_002,
      params: "[\(appointment.replacingOccurrences(of: "P1000", with: "P999"))]")
    let byPatient = try portal.call(
      "getAppointments", id: 3_003,
      params: #"[{"sort":[{"field":"patientId","direction":"desc"}]}]"#)
    #expect(
      result(byPatient)?["items"]?.arrayValue?.compactMap { $0["patientId"]?.stringValue }
        == ["P1000", "P999"])
  }

  @Test("nextAppointment and lastVisit follow the clinic's day, and move when it turns")
  func clinicDay() throws {
    let data = FileManager.default.temporaryDirectory.appendingPathComponent(
      "day-\(UUID().uuidString)")
    // 23:30 UTC on 31 January is already 1 February in Auckland (UTC+13).
    let evening = ["--clock", "fixed:2026-01-31T23:30:00Z"]
    let utc = try server(evening + ["--timezone", "UTC"], data: data)
    try utc.call("addPatient", id: 1, params: "[\(Self.patient)]")
    func visit(_ date: String, _ status: String) -> String {
      #"[{"patientId":"P001","date":"\#(date)","time":"10:00 AM","type":"Visit","status":"\#(status)"}]"#
    }
    try utc.call("addAppointment", id: 2, params: visit("2026-01-30", "scheduled"))
    try utc.call("addAppointment", id: 3, params: visit("2026-01-31", "scheduled"))
    try utc.call("addAppointment", id: 4, params: visit("2026-02-03", "confirmed"))
    try utc.call("addAppointment", id: 5, params: visit("2026-01-31", "completed"))
    try utc.call("addAppointment", id: 6, params: visit("2026-02-01", "completed"))
    var patient = result(try utc.call("getPatient", id: 7, params: #"["P001"]"#))
    #expect(patient?["nextAppointment"] == "2026-01-31")
    #expect(patient?["lastVisit"] == "2026-01-31")
    let dob = #"["P001",{"dob":"2026-02-01"}]"#
    #expect(paths(try utc.call("syncPatientData", id: 8, params: dob)) == ["/dob"])
    try utc.closeInput()
    _ = try utc.finish()

    let auckland = try server(evening + ["--timezone", "Pacific/Auckland"], data: data)
    try auckland.call("subscribeToUpdates", id: 1, params: #"["patient"]"#)
    patient = result(try auckland.call("getPatient", id: 2, params: #"["P001"]"#))
    #expect(patient?["nextAppointment"] == "2026-02-03")
    #expect(patient?["lastVisit"] == "2026-02-01")
    // The turn was written before getPatient's answer, so its notification already came.
    _ = try auckland.waitUntil(timeout: 5) { lines in
      lines.contains { $0.contains(#""cause":{"method":"dayTurned""#) }
    }
    #expect(result(try auckland.call("syncPatientData", id: 3, params: dob)) != nil)
    try auckland.closeInput()
    _ = try auckland.finish()
    let check = try PortalProcess.check(data)
    #expect(check.status == 0, "\(check.lines)")
  }

  @Test("a window that waits through midnight hears the derived dates move")
  func midnightWhileIdle() throws {
    // The clock starts a second before midnight in UTC and runs.
    let portal = try server(["--clock", "start:2026-01-31T23:59:59.000Z", "--timezone", "UTC"])
    try portal.call("addPatient", id: 1, params: "[\(Self.patient)]")
    try portal.call(
      "addAppointment", id: 2,
      params:
        #"[{"patientId":"P001","date":"2026-01-31","time":"10:00 AM","type":"Visit","status":"scheduled"}]"#
    )
    #expect(
      result(try portal.call("getPatient", id: 3, params: #"["P001"]"#))?["nextAppointment"]
        == "2026-01-31")
    try portal.call("subscribeToUpdates", id: 4, params: #"["patient","P001"]"#)
    // No request follows: the turn comes from the idle loop.
    let lines = try portal.waitUntil(timeout: 10) { lines in
      lines.contains { $0.contains(#""cause":{"method":"dayTurned""#) }
    }
    let turn = try #require(lines.first { $0.contains(#""cause":{"method":"dayTurned""#) })
    #expect(turn.contains(#""fields":["nextAppointment"]"#))
    #expect(!turn.contains(#""nextAppointment":"#))
  }

  @Test("a derived or copied field takes only the value the server holds")
  func serverOwnedValues() throws {
    let portal = try server()
    try portal.call("addPatient", id: 1, params: "[\(Self.patient)]")
    try portal.call(
      "addAppointment", id: 2,
      params:
        #"[{"patientId":"P001","date":"2030-01-05","time":"10:00 AM","type":"Visit","status":"scheduled"}]"#
    )
    let wrong = try portal.call(
      "syncPatientData", id: 3, params: #"["P001",{"nextAppointment":"2030-01-01"}]"#)
    #expect(paths(wrong) == ["/nextAppointment"])
    #expect(wrong.contains("earliest scheduled or confirmed appointment"))
    let right = try portal.call(
      "syncPatientData", id: 4,
      params: #"["P001",{"nextAppointment":"2030-01-05","status":"inactive"}]"#)
    #expect(result(right)?["status"] == "inactive")
    let copy = try portal.call(
      "addAppointment", id: 5,
      params:
        #"[{"patientId":"P001","patientName":"Someone Else","date":"2030-01-06","time":"10:00 AM","type":"Visit","status":"scheduled"}]"#
    )
    #expect(paths(copy) == ["/patientName"])
    let stats = try portal.call(
      "addPatient", id: 6,
      params:
        "[\(Self.patient.dropLast()),\"quickStats\":{\"totalAppointments\":0,\"pendingDocuments\":0,\"unreadMessages\":0,\"activePrescriptions\":0}}]"
    )
    #expect(result(stats)?["id"] == "P002", "the zero counts a new patient has are accepted")
  }

  @Test("every list and every record is bounded")
  func bounded() throws {
    let portal = try server()
    try portal.call("addPatient", id: 1, params: "[\(Self.patient)]")
    let conditions = Array(repeating: "\"Asthma\"", count: 201).joined(separator: ",")
    let many = try portal.call(
      "syncPatientData", id: 2,
      params: #"["P001",{"medicalHistory":{"conditions":[\#(conditions)]}}]"#)
    #expect(paths(many) == ["/medicalHistory/conditions"])
    #expect(many.contains("at most 200 items"))
    let text = String(repeating: "x", count: 60_000)
    let messages = (1...20).map {
      #"{"id":\#($0),"from":"admin","sender":"Desk","text":"\#(text)","timestamp":"2026-01-30T08:00:00Z"}"#
    }.joined(separator: ",")
    let big = try portal.call(
      "addMessageThread", id: 3,
      params:
        #"[{"patientId":"P001","subject":"Hi","category":"general","priority":"normal","status":"unread","assignedTo":"Desk","messages":[\#(messages)]}]"#
    )
    #expect(big.contains("a record may take at most 1048576"), "\(big.prefix(300))")
    #expect(paths(big) == [""])
  }

  @Test("phone numbers, names and dates of birth are what people write; operations are exact")
  func validationGaps() throws {
    let portal = try server()
    try portal.call("addPatient", id: 1, params: "[\(Self.patient)]")
    var id = 1
    func refused(_ updates: String) throws -> [String] {
      id += 1
      return paths(try portal.call("syncPatientData", id: id, params: #"["P001",\#(updates)]"#))
    }
    #expect(try refused(#"{"phone":"abc"}"#) == ["/phone"])
    #expect(try refused(#"{"phone":"12"}"#) == ["/phone"])
    #expect(try refused(#"{"phone":"+1 555 123 4567 8901 2345"}"#) == ["/phone"])
    #expect(try refused(#"{"name":"Jo\u0000hn"}"#) == ["/name"])
    #expect(try refused(#"{"name":"John\nDoe"}"#) == ["/name"])
    #expect(try refused(#"{"name":" John Doe"}"#) == ["/name"])
    #expect(try refused(#"{"dob":"1800-05-01"}"#) == ["/dob"])
    // A filter compares with any real date: the birth-date rule is for records, not queries.
    let born = try portal.call(
      "getPatients", id: 40, params: #"[{"filter":{"dob":{"lt":"2030-01-01","gt":"1800-01-01"}}}]"#)
    #expect(result(born)?["total"] == 1, "\(born)")
    // Text filters take any string: a trailing space or a partial phone matches nothing, no error.
    for (filter, total) in [
      (#"{"name":"John Doe "}"#, 0), (#"{"phone":"555"}"#, 0), (#"{"phone":"(555) 111-2222"}"#, 1),
    ] {
      let found = try portal.call("getPatients", id: 41, params: #"[{"filter":\#(filter)}]"#)
      #expect(result(found)?["total"] == JSONValue(total), "\(found)")
    }
    #expect(try refused(#"{"address":"1 Elm St\u0007"}"#) == ["/address"])
    let typed = try portal.call(
      "syncPatientData", id: 50,
      params: #"["P001",{"phone":"+1 (555) 123-4567 ext. 89","address":"1 Elm St\nSpringfield"}]"#)
    #expect(result(typed)?["phone"] == "+1 (555) 123-4567 ext. 89")
    let operation = try portal.call(
      "transaction", id: 51,
      params: #"[[{"method":"getPatient","params":["P001"],"methodName":1,"extra":2}]]"#)
    #expect(paths(operation) == ["/operations/0/methodName", "/operations/0/<withheld>"])
  }

  @Test("a message from the patient names the patient, and follows a rename")
  func patientSender() throws {
    let portal = try server()
    try portal.call("addPatient", id: 1, params: "[\(Self.patient)]")
    let thread = try portal.call(
      "addMessageThread", id: 2,
      params:
        #"[{"patientId":"P001","subject":"Hi","category":"general","priority":"normal","status":"unread","assignedTo":"Desk","messages":[{"from":"patient","text":"Hello","id":1,"timestamp":"2026-01-30T08:00:00Z"},{"id":2,"from":"admin","sender":"Desk","text":"Hi","timestamp":"2026-01-30T09:00:00Z"}]}]"#
    )
    #expect(result(thread)?["messages"]?.arrayValue?[0]["sender"] == "John Doe")
    let impostor = try portal.call(
      "appendMessage", id: 3, params: #"[1,{"from":"patient","sender":"Someone","text":"x"}]"#)
    #expect(paths(impostor) == ["/message/sender"])
    try portal.call("updatePatientRelatedData", id: 4, params: #"["P001",{"name":"John Smith"}]"#)
    let renamed = result(try portal.call("getMessageThread", id: 5, params: "[1]"))
    #expect(renamed?["messages"]?.arrayValue?[0]["sender"] == "John Smith")
    #expect(renamed?["messages"]?.arrayValue?[1]["sender"] == "Desk")
    try portal.closeInput()
    _ = try portal.finish()
  }
}
