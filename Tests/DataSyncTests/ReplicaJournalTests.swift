import Domain
import Foundation
import PortalJSON
import Storage
import Testing

@testable import DataSync

/// A replica's local side over a real SQLite file: the outbox row in each write's transaction,
/// ids from leased blocks, and the rebase onto PostgreSQL's confirmed state.
@Suite("Replica journal and rebase")
struct ReplicaJournalTests {
  private func replica() throws -> DataSync<Store> {
    let (sync, _) = try makeDataSync()
    sync.journal = try ReplicaJournal(store: sync.store)
    try sync.atomically {
      for kind in EntityKind.all { try sync.store.addLease(for: kind, 1001...2000) }
    }
    try sync.commit()
    return sync
  }

  @Test("every write leaves one outbox row with the ids it handed out")
  func outboxRows() throws {
    let sync = try replica()
    sync.currentMethod = "addPatient"
    let patient = decode(try sync.add(.patient, samplePatient))
    #expect(patient["id"] == "P1001")
    sync.currentMethod = "syncPatientData"
    _ = try sync.sync(.patient, id: "P1001", updates: ["name": "Ada Lee"], expectedVersion: 1)
    try sync.commit()
    let rows = try sync.store.outboxRows()
    #expect(rows.map(\.method) == ["addPatient", "syncPatientData"])
    let add = try #require(JournalEntry(rows[0]))
    #expect(add.assignedIDs == [.patient: [1001]])
    let update = try #require(JournalEntry(rows[1]))
    // The record is this replica's own, not yet confirmed: no base version to hold it to.
    #expect(update.baseVersions.isEmpty)
    #expect(try sync.store.leasedIDsLeft(for: .patient) == 999)
  }

  @Test("a failed write leaves no outbox row")
  func failedWrite() throws {
    let sync = try replica()
    #expect(throws: (any Error).self) {
      try sync.sync(.patient, id: "P9", updates: ["name": "X"], expectedVersion: nil)
    }
    #expect(try sync.store.outboxRows().isEmpty)
  }

  @Test("with no id left, an add is refused and nothing is queued")
  func noIDs() throws {
    let (sync, _) = try makeDataSync()
    sync.journal = try ReplicaJournal(store: sync.store)
    #expect(throws: ReplicaError.self) { try sync.add(.patient, samplePatient) }
    #expect(try sync.store.outboxRows().isEmpty)
  }

  @Test("a pulled change lands under the pending write, which is applied again on top")
  func rebaseKeepsPending() throws {
    let sync = try replica()
    let patient = decode(try sync.add(.patient, samplePatient)).objectValue!
    try sync.commit()
    // PostgreSQL confirms the patient, then another workstation changes its email.
    var confirmed = patient
    confirmed["email"] = "ada@elsewhere.example"
    try sync.store.markOutboxApplied(1, sequence: 1)
    let record = ConfirmedRecord(
      patientOrdinal: 1001, customID: nil, version: 2, openingBalance: 0,
      document: EncodedJSON(confirmed).bytes)
    #expect(
      try sync.rebase(
        applying: [ConfirmedChange(kind: .patient, row: 1001, record: record)], cursor: 1) == 1)
    try sync.commit()
    #expect(try sync.store.outboxRows().isEmpty)
    // A pending rename on top of the confirmed record; then a pull of someone else's phone edit.
    _ = try sync.sync(.patient, id: "P1001", updates: ["name": "Ada Lee"], expectedVersion: 2)
    try sync.commit()
    #expect(
      try #require(JournalEntry(sync.store.outboxRows()[0])).baseVersions.map(\.version) == [2])
    confirmed["phone"] = "(555) 000-3333"
    confirmed["meta"] = [
      "version": 3, "createdAt": patient["meta"]!["createdAt"]!,
      "updatedAt": "2026-01-31T09:20:00.000Z",
    ]
    let before = try sync.store.lastSequence()
    _ = try sync.rebase(
      applying: [
        ConfirmedChange(
          kind: .patient, row: 1001,
          record: ConfirmedRecord(
            patientOrdinal: 1001, customID: nil, version: 3, openingBalance: 0,
            document: EncodedJSON(confirmed).bytes))
      ], cursor: 2)
    try sync.commit()
    let now = decode(try sync.get(.patient, id: "P1001"))
    #expect(now["name"] == "Ada Lee")
    #expect(now["phone"] == "(555) 000-3333")
    #expect(now["email"] == "ada@elsewhere.example")
    var origins: [String] = []
    try sync.store.forEachChange(after: before) { origins.append($0.origin) }
    #expect(origins == ["upstream"])
  }

  @Test("a rejected entry's effect is rolled back; the entries behind it stay applied")
  func rejection() throws {
    let sync = try replica()
    _ = try sync.add(.patient, samplePatient)
    try sync.commit()
    _ = try sync.sync(.patient, id: "P1001", updates: ["name": "Ada Lee"], expectedVersion: nil)
    _ = try sync.sync(
      .patient, id: "P1001", updates: ["phone": "(555) 000-4444"], expectedVersion: nil)
    try sync.commit()
    try sync.store.rejectOutbox(2, error: Array(#"{"code":-32003}"#.utf8))
    _ = try sync.rebase(applying: [], cursor: nil)
    try sync.commit()
    let now = decode(try sync.get(.patient, id: "P1001"))
    #expect(now["name"] == "Ada Park")
    #expect(now["phone"] == "(555) 000-4444")
    #expect(try sync.store.outboxCounts().rejected == 1)
  }
}

@Suite("meta.syncState spliced into stored bytes")
struct SyncStateSpliceTests {
  @Test("a stored record gets the state as meta's last member, equal to decoding and encoding")
  func splice() throws {
    let (sync, _) = try makeDataSync(demo: true)
    for kind in EntityKind.all {
      let page = decode(try sync.list(kind, query: ["limit": 5]))
      for item in page["items"]?.arrayValue ?? [] {
        let stored = EncodedJSON(item).bytes
        let spliced = try #require(SyncStateSplice.insert("pending", into: stored))
        var object = try #require(item.objectValue)
        var meta = try #require(object["meta"]?.objectValue)
        meta["syncState"] = "pending"
        object["meta"] = .object(meta)
        #expect(spliced == EncodedJSON(object).bytes)
        #expect(SyncStateSplice.leadingID(stored) == item["id"])
      }
    }
  }

  @Test("anything of another shape is left to decoding")
  func otherShapes() {
    for text in [
      #"{"name":"x","meta":{"version":1}}"#, #"{"id":"P1","meta":{"a":[1]}}"#,
      #"{"id":"P1","notes":"a {b"}"#, #"{"id":"P\"1","meta":{}}"#, "{}",
    ] {
      let bytes = Array(text.utf8)
      let both = (SyncStateSplice.leadingID(bytes), SyncStateSplice.insert("synced", into: bytes))
      #expect(both.0 == nil || both.1 == nil, "\(text)")
    }
  }
}
