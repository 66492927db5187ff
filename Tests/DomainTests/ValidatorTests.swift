import Domain
import PortalJSON
import Testing

@Suite("Validation")
struct ValidatorTests {
  private let today = CalendarDate("2026-01-31")!

  private func validate(_ json: String, _ kind: EntityKind, mode: Validator.Mode = .add) throws
    -> Result<JSONObject, ValidationFailure>
  {
    guard case .object(let object) = try JSONParser.parse(json) else { fatalError("not an object") }
    return Validator(mode: mode, today: today).validate(object, as: kind).map(\.fields)
  }

  private func paths(_ result: Result<JSONObject, ValidationFailure>) -> [String] {
    if case .failure(let failure) = result { return failure.errors.map(\.path.description) }
    return []
  }

  private let appointment =
    #"{"patientId":"P001","doctorId":1,"doctorName":"Dr. Chen","date":"2026-02-20","time":"10:00 AM","type":"Follow-up","status":"scheduled"}"#

  @Test("a valid entity comes back canonical, in field order, with defaults")
  func canonical() throws {
    let result = try validate(
      #"{"status":"scheduled","type":"Follow-up","time":"10:00 AM","date":"2026-02-20","doctorName":"Dr. Chen","doctorId":1.0,"patientId":"P001"}"#,
      .appointment)
    let object = try result.get()
    #expect(
      object.keys == [
        "patientId", "doctorId", "doctorName", "date", "time", "durationMinutes", "type", "status",
      ])
    #expect(object["durationMinutes"] == 30)
    #expect(object["doctorId"]?.numberValue?.literal == "1")
  }

  @Test("every problem is reported at once, with a pointer and no value")
  func allProblems() throws {
    let result = try validate(
      #"{"patientId":true,"doctorId":0,"date":"2026-02-30","time":"25:00","type":" ","status":"Crimson-Value","durationMinutes":481,"colour":"Crimson-Value","notes":null}"#,
      .appointment)
    #expect(
      paths(result) == [
        "/colour", "/patientId", "/doctorId", "/date", "/time", "/durationMinutes",
        "/type", "/status",
      ])
    if case .failure(let failure) = result {
      for error in failure.errors { #expect(!error.message.contains("Crimson")) }
    }
  }

  @Test("nested objects and arrays report exact paths")
  func nestedPaths() throws {
    let result = try validate(
      #"{"patientId":1,"subject":"Hi","category":"general","priority":"normal","status":"unread","assignedTo":"Desk","messages":[{"id":1,"from":"admin","sender":"A","text":"x","timestamp":"2026-01-01T00:00:00Z"},{"id":1,"from":"robot","sender":"B","text":"y","timestamp":"yesterday","extra":1}]}"#,
      .messageThread)
    #expect(
      paths(result) == [
        "/messages/1/extra", "/messages/1/from", "/messages/1/timestamp", "/messages/1/id",
      ])
    let duplicate = try validate(
      #"{"patientId":1,"subject":"Hi","category":"general","priority":"normal","status":"unread","assignedTo":"Desk","messages":[{"id":1,"from":"admin","sender":"A","text":"x","timestamp":"2026-01-01T00:00:00Z"},{"id":1,"from":"doctor","sender":"B","text":"y","timestamp":"2026-01-01T00:00:01Z"}]}"#,
      .messageThread)
    #expect(paths(duplicate) == ["/messages/1/id"])
  }

  @Test("server-owned fields: meta and id are refused on add, copies are held as claims")
  func serverFields() throws {
    let result = try validate(
      #"{"patientId":"P001","doctorId":1,"doctorName":"Dr. Chen","date":"2026-02-20","time":"10:00 AM","type":"Follow-up","status":"scheduled","patientName":"Anyone","meta":{"version":9},"id":4}"#,
      .appointment)
    #expect(paths(result) == ["/meta", "/id"])
  }

  @Test("dates of birth may not be in the future; money has two decimals")
  func patientRules() throws {
    let base =
      #""name":"A","email":"a@b.co","phone":"555-010-0001","address":"x","status":"active","assignedDoctor":"D","insurance":{"provider":"p","memberId":"m","group":"g","status":"active"},"emergencyContact":{"name":"n","relationship":"r","phone":"555-010-0001"},"medicalHistory":{"conditions":[],"allergies":[],"medications":[]}"#
    #expect(paths(try validate("{\(base),\"dob\":\"2026-02-01\"}", .patient)) == ["/dob"])
    #expect(paths(try validate("{\(base),\"dob\":\"2026-01-31\"}", .patient)).isEmpty)
    #expect(
      paths(try validate("{\(base),\"dob\":\"1980-01-01\",\"outstandingBalance\":1.001}", .patient))
        == ["/outstandingBalance"])
  }

  @Test("cross-field rules")
  func crossField() throws {
    let prescription =
      #"{"patientId":1,"medication":"M","dosage":"1","frequency":"daily","prescribedBy":"D","prescribedDate":"2026-01-01","status":"active","startDate":"2026-02-01","endDate":"2026-01-01"}"#
    #expect(paths(try validate(prescription, .prescription)) == ["/endDate"])
    let claim =
      #"{"patientId":1,"serviceDate":"2026-01-01","amount":100,"approvedAmount":100.01,"status":"denied"}"#
    #expect(paths(try validate(claim, .insuranceClaim)) == ["/denialReason", "/approvedAmount"])
    let adjustment =
      #"{"patientId":1,"type":"adjustment","amount":-5.5,"date":"2026-01-01","description":"write-off","status":"completed"}"#
    #expect(paths(try validate(adjustment, .transaction)).isEmpty)
    let refund =
      #"{"patientId":1,"type":"refund","amount":5,"date":"2026-01-01","description":"r","status":"completed"}"#
    #expect(paths(try validate(refund, .transaction)) == ["/method"])
  }
}
