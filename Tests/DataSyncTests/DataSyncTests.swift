import DataSync
import Domain
import Foundation
import PortalJSON
import Storage
import Testing

@Suite("DataSync over a real SQLite file")
struct DataSyncTests {
  @Test("every entity type round-trips: add, get, list, per patient")
  func roundTrip() throws {
    let (sync, _) = try makeDataSync(demo: true)
    for kind in EntityKind.all {
      let first = decode(try sync.get(kind, id: kind.name == .patient ? "P001" : 1))
      #expect((first["meta"]?["version"]?.int64Value ?? 0) >= 1, "\(kind.name)")
      let page = decode(try sync.list(kind, query: nil))
      let perPatient = kind.name == .appointment || kind.name == .transaction ? 2 : 1
      #expect(page["total"] == JSONValue(8 * perPatient), "\(kind.name)")
      if kind.belongsToPatient {
        let mine = decode(try sync.records(kind, ofPatient: "P001")).arrayValue ?? []
        #expect(!mine.isEmpty)
        #expect(
          mine.allSatisfy { $0["patientId"] == "P001" && $0["patientName"] == "Sarah Johnson" })
        #expect(
          mine.compactMap { $0["id"]?.int64Value }
            == mine.compactMap { $0["id"]?.int64Value }.sorted())
      }
    }
  }

  @Test("ids are assigned by the server and never reused")
  func idsNeverReused() throws {
    let (sync, _) = try makeDataSync()
    let first = decode(try sync.add(.patient, samplePatient))
    #expect(first["id"] == "P001")
    _ = try sync.delete(.patient, id: "P001")
    let second = decode(try sync.add(.patient, samplePatient))
    #expect(second["id"] == "P002")
    try sync.commit()
  }

  @Test("patientId is matched by its text and stored as the patient's own id")
  func canonicalPatientID() throws {
    let (sync, _) = try makeDataSync(demo: true)
    var input = object(
      #"{"patientId":"P001","doctorId":1,"doctorName":"Dr. Chen","date":"2026-02-20","time":"10:00 AM","type":"Follow-up","status":"scheduled","patientName":"Someone Else"}"#
    )
    // A copy of the patient's name is accepted only with the patient's name.
    #expect(throws: DomainError.self) { try sync.add(.appointment, input) }
    input["patientName"] = "Sarah Johnson"
    let added = decode(try sync.add(.appointment, input))
    #expect(added["patientId"] == "P001")
    #expect(added["patientName"] == "Sarah Johnson")
    input["patientId"] = 404
    #expect(throws: DomainError.self) { try sync.add(.appointment, input) }
  }

  @Test("a merge patch that changes nothing stores nothing")
  func noOpUpdate() throws {
    let (sync, _) = try makeDataSync(demo: true)
    let before = decode(try sync.get(.appointment, id: 1))
    let after = decode(
      try sync.sync(.appointment, id: 1, updates: ["status": before["status"]!], expectedVersion: 1)
    )
    #expect(after == before)
    let changed = decode(
      try sync.sync(.appointment, id: 1, updates: ["notes": "Bring records"], expectedVersion: 1))
    #expect(changed["meta"]?["version"] == 2)
    #expect(throws: DomainError.self) {
      try sync.sync(.appointment, id: 1, updates: ["notes": "Again"], expectedVersion: 1)
    }
  }

  @Test("a request that fails inside a group is undone alone")
  func savepoints() throws {
    let (sync, folder) = try makeDataSync()
    _ = try sync.add(.patient, samplePatient)
    var bad = samplePatient
    bad["email"] = "not an email"
    #expect(throws: DomainError.self) { try sync.add(.patient, bad) }
    _ = try sync.add(.patient, samplePatient)
    try sync.commit()
    let reopened = try Store(directory: folder.path, now: Timestamp(millisecondsSinceEpoch: 0))
    #expect(try reopened.contents()["patients"]?.count == 2)
    #expect(try reopened.lastSequence() == 2)
  }

  @Test("paging by cursor never skips or repeats, while records are added and deleted")
  func paging() throws {
    let (sync, _) = try makeDataSync(demo: true)
    var seen: [Int64] = []
    var cursor: JSONValue = .null
    var round = 0
    repeat {
      var query: JSONObject = ["limit": 3, "sort": [["field": "date", "direction": "desc"]]]
      if cursor != .null { query["cursor"] = cursor }
      let page = decode(try sync.list(.appointment, query: .object(query)))
      seen += page["items"]?.arrayValue?.compactMap { $0["id"]?.int64Value } ?? []
      cursor = page["nextCursor"] ?? .null
      round += 1
      // Others write between pages: a new far-future appointment and a deleted one ahead.
      _ = try sync.add(
        .appointment,
        object(
          #"{"patientId":"P002","doctorId":1,"doctorName":"Dr. Chen","date":"2099-01-01","time":"10:00 AM","type":"Follow-up","status":"scheduled"}"#
        ))
      try sync.commit()
    } while cursor != .null && round < 20
    #expect(Set(seen).count == seen.count, "a record was repeated")
    #expect(Set(seen).isSuperset(of: Set(1...16)), "an original record was skipped")
  }
}

@Suite("Refused requests leave the store exactly as it was")
struct UnchangedStoreTests {
  static let badRequests: [(String, @Sendable (DataSync<Store>) throws -> Void)] = [
    ("invalid entity", { _ = try $0.add(.patient, object(#"{"name":"x"}"#)) }),
    (
      "unknown field",
      { sync in
        var p = samplePatient; p["colour"] = "blue"; _ = try sync.add(.patient, p)
      }
    ),
    (
      "wrong type",
      { sync in
        var p = samplePatient; p["phone"] = 5551234; _ = try sync.add(.patient, p)
      }
    ),
    (
      "impossible date",
      { sync in
        var p = samplePatient; p["dob"] = "2025-02-29"; _ = try sync.add(.patient, p)
      }
    ),
    (
      "three decimals",
      {
        _ = try $0.add(
          .transaction,
          object(
            #"{"patientId":"P001","type":"charge","amount":10.005,"date":"2026-01-01","description":"x","status":"completed"}"#
          ))
      }
    ),
    (
      "unknown patient",
      {
        _ = try $0.add(
          .appointment,
          object(
            #"{"patientId":"P404","doctorId":1,"doctorName":"D","date":"2026-02-20","time":"10:00 AM","type":"F","status":"scheduled"}"#
          ))
      }
    ),
    (
      "unknown id",
      { _ = try $0.sync(.appointment, id: 999, updates: ["notes": "x"], expectedVersion: nil) }
    ),
    (
      "stale version",
      { _ = try $0.sync(.appointment, id: 1, updates: ["notes": "x"], expectedVersion: 9) }
    ),
    (
      "derived field",
      { _ = try $0.sync(.patient, id: "P001", updates: ["quickStats": [:]], expectedVersion: nil) }
    ),
    (
      "null on a required field",
      { _ = try $0.sync(.patient, id: "P001", updates: ["name": .null], expectedVersion: nil) }
    ),
    (
      "reference to another patient's appointment",
      {
        _ = try $0.sync(.document, id: 1, updates: ["appointmentId": 3], expectedVersion: nil)
      }
    ),
    ("delete with records", { _ = try $0.delete(.patient, id: "P001") }),
    (
      "stale version on a related update",
      {
        _ = try $0.updateRelated(.patient, id: "P001", updates: ["name": "New"], expectedVersion: 1)
      }
    ),
    (
      "invalid message appended",
      { _ = try $0.appendMessage(threadID: 1, message: ["from": "robot", "text": ""]) }
    ),
    (
      "appending to a missing thread",
      {
        _ = try $0.appendMessage(
          threadID: 404, message: ["from": "admin", "sender": "A", "text": "x"])
      }
    ),
    (
      "a group whose last step fails",
      { sync in
        _ = try sync.atomically {
          _ = try sync.sync(
            .patient, id: "P001", updates: ["name": "Renamed"], expectedVersion: nil)
          _ = try sync.delete(.appointment, id: 1)
          _ = try sync.delete(.appointment, id: 404)
        }
      }
    ),
    (
      "moving a record to a missing patient",
      { _ = try $0.sync(.appointment, id: 1, updates: ["patientId": "P404"], expectedVersion: nil) }
    ),
    (
      "bad filter operator",
      { _ = try $0.list(.appointment, query: json(#"{"filter":{"date":{"like":"2026"}}}"#)) }
    ),
    (
      "bad filter field",
      { _ = try $0.list(.appointment, query: json(#"{"filter":{"colour":"blue"}}"#)) }
    ),
  ]

  @Test("each bad request", arguments: badRequests.map(\.0))
  func unchanged(name: String) throws {
    let (sync, folder) = try makeDataSync(demo: true)
    let observer = try Store(directory: folder.path, now: Timestamp(millisecondsSinceEpoch: 0))
    let before = try observer.contents()
    let body = Self.badRequests.first { $0.0 == name }!.1
    #expect(throws: (any Error).self) { try body(sync) }
    try sync.commit()
    #expect(try observer.contents() == before)
  }
}
