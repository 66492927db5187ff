import DataSync
import Domain
import Foundation
import PortalJSON
import Testing

@testable import Storage

@Suite("Store check (--check)")
struct StoreCheckTests {
  private let today = CalendarDate("2026-01-31")!

  @Test("the demo practice, after every kind of change, is sound")
  func sound() throws {
    let (sync, folder) = try makeDataSync(demo: true)
    _ = try sync.updateRelated(
      .patient, id: "P001", updates: ["name": "Sarah Miller"], expectedVersion: nil)
    _ = try sync.sync(.transaction, id: 1, updates: ["status": "voided"], expectedVersion: nil)
    _ = try sync.delete(.appointment, id: 1)
    _ = try sync.sync(.document, id: 2, updates: ["patientId": "P003"], expectedVersion: nil)
    _ = try sync.appendMessage(
      threadID: 1, message: ["from": "admin", "sender": "Desk", "text": "Hi"])
    try sync.commit()
    let report = try StoreCheck.run(try Store(inspecting: folder.path), today: today)
    #expect(report.problems == [])
    #expect(report.counts.first { $0.table == "patients" }?.rows == 8)
  }

  @Test(
    "each broken invariant is named, without its value",
    arguments: [
      (
        "UPDATE appointments SET doc = json_set(doc, '$.patientName', 'Zed Zebra') WHERE id = 3",
        "appointment 3: patientName"
      ),
      (
        "UPDATE patients SET doc = json_set(doc, '$.outstandingBalance', 1) WHERE ordinal = 2",
        "patient #2: outstandingBalance"
      ),
      ("DELETE FROM changes WHERE seq = 10", "the change log misses 1 sequence number"),
      (
        "UPDATE patients SET doc = json_set(doc, '$.nextAppointment', '2030-01-01') WHERE ordinal = 1",
        "patient #1: nextAppointment"
      ),
      (
        "UPDATE patient_totals SET appointments = appointments + 1 WHERE patient = 1",
        "patient #1: its kept totals"
      ),
      (
        "UPDATE message_threads SET doc = json_set(doc, '$.messages[0].sender', 'Zed') WHERE id = 1",
        "messageThread 1: message 0"
      ),
      ("UPDATE transactions SET effect = 5 WHERE id = 4", "transaction 4: its balance effect"),
      (
        "UPDATE message_threads SET doc = json_set(doc, '$.lastMessageTime', '2001-01-01T00:00:00.000Z') WHERE id = 2",
        "messageThread 2: lastMessageTime"
      ),
      (
        "UPDATE documents SET doc = json_set(doc, '$.appointmentId', 3) WHERE id = 1",
        "document 1: appointmentId"
      ),
      ("UPDATE prescriptions SET version = 7 WHERE id = 1", "prescription 1: meta.version"),
    ])
  func broken(sql: String, expected: String) throws {
    let (sync, folder) = try makeDataSync(demo: true)
    try sync.store.database.execute(sql)
    let report = try StoreCheck.run(try Store(inspecting: folder.path), today: today)
    #expect(report.problems.contains { $0.hasPrefix(expected) }, "\(report.problems)")
    #expect(!report.problems.joined().contains("Zed Zebra"))
  }
}
