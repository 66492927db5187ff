import DataSync
import Domain
import Foundation
import PortalJSON
import Postgres
import Storage
import TestSupport
import Testing
import Upstream

/// A replica's outbox entries applied to a throwaway PostgreSQL: once only, with the replica's
/// ids, refused with the client's error when the rules or a change made elsewhere say no.
@Suite(.enabled(if: PostgresCluster.testsRun, PostgresCluster.missing))
struct UpstreamApplierTests {
  static let patient: JSONObject = try! JSONParser.parse(
    Array(
      #"{"name":"Ada Park","email":"ada@example.com","phone":"(555) 000-1111","dob":"1980-06-01","address":"1 Test St","status":"active","assignedDoctor":"Dr. Chen","insurance":{"provider":"Aetna","memberId":"A1","group":"G1","status":"active"},"emergencyContact":{"name":"Bo Park","relationship":"Spouse","phone":"(555) 000-2222"},"medicalHistory":{"conditions":[],"allergies":[],"medications":[]}}"#
        .utf8)
  ).objectValue!

  /// A replica with leased ids whose writes land in its outbox.
  private func replica() throws -> (DataSync<Store>, URL) {
    let (sync, folder) = try PostgresRecordStoreTests.sqliteDataSync()
    sync.journal = try ReplicaJournal(store: sync.store)
    try sync.atomically {
      for kind in EntityKind.all { try sync.store.addLease(for: kind, 501...1000) }
    }
    try sync.commit()
    return (sync, folder)
  }

  /// A replica, a migrated throwaway PostgreSQL and the applier of the replica's client `ws-1`;
  /// `end` stops the cluster and removes the replica's files.
  private func clinic() throws -> (
    DataSync<Store>, PostgresConnection, UpstreamApplier, end: () -> Void
  ) {
    let (local, folder) = try replica()
    let cluster = try PostgresCluster()
    let end = {
      cluster.stop()
      try? FileManager.default.removeItem(at: folder)
    }
    do {
      let connection = try cluster.connect()
      try UpstreamMigrator().migrate(connection, deadline: .in(seconds: 30))
      let applier = UpstreamApplier(
        clientID: "ws-1", callTimeout: .seconds(10), describe: Self.describe)
      return (local, connection, applier, end)
    } catch {
      end()
      throw error
    }
  }

  private func entries(_ sync: DataSync<Store>) throws -> [(Int64, JournalEntry)] {
    try sync.store.outboxRows().map { ($0.mutationID, try #require(JournalEntry($0))) }
  }

  private static func describe(_ error: any Error) -> JSONValue? {
    switch error {
    case DomainError.versionConflict: ["code": -32003]
    case DomainError.notFound: ["code": -32001]
    case DomainError.invalid: ["code": -32602]
    case is PostgresError: ["code": -32603]
    default: nil
    }
  }

  @Test func appliesOnceWithTheReplicasIDs() throws {
    let (local, connection, applier, end) = try clinic()
    defer { end() }

    _ = try local.add(.patient, Self.patient)
    try local.commit()
    let (id, entry) = try #require(try entries(local).first)
    let first = try applier.apply(entry, mutationID: id, on: connection)
    guard case .applied(let sequence) = first else {
      Issue.record("not applied: \(first)")
      return
    }
    #expect(sequence > 0)
    // The reply was lost: the same push again changes nothing and answers the same.
    #expect(try applier.apply(entry, mutationID: id, on: connection) == first)
    let rows = try connection.query(
      "SELECT entity_id, count(*) FROM portal.changes GROUP BY entity_id", deadline: .in(seconds: 5)
    )
    #expect(rows.rows == [["P501", "1"]])
    let upstream = try #require(
      try connection.query(
        "SELECT doc::text FROM portal.records WHERE kind = 'patient'", deadline: .in(seconds: 5)
      ).scalar)
    // PostgreSQL holds what the replica stored, byte for byte.
    let mine = try #require(try local.store.record(.patient, .patient("P501")))
    #expect(Array(upstream.utf8) == mine.document)
  }

  @Test func aChangeMadeElsewhereRejectsAnExpectedVersion() throws {
    let (local, connection, mine, end) = try clinic()
    defer { end() }

    _ = try local.add(.patient, Self.patient)
    try local.commit()
    let (addID, add) = try #require(try entries(local).first)
    guard case .applied = try mine.apply(add, mutationID: addID, on: connection) else {
      Issue.record("the add was not applied")
      return
    }
    try local.store.markOutboxApplied(addID, sequence: 1)
    let confirmed = try #require(
      try connection.query(
        "SELECT doc::text FROM portal.records WHERE kind = 'patient'", deadline: .in(seconds: 5)
      ).scalar)
    let record = ConfirmedRecord(
      patientOrdinal: 501, customID: nil, version: 1, openingBalance: 0,
      document: Array(confirmed.utf8))
    _ = try local.rebase(
      applying: [ConfirmedChange(kind: .patient, row: 501, record: record)], cursor: 1)
    try local.commit()

    // Another workstation renames the patient upstream (version 2).
    let other = try PostgresRecordStoreTests.postgresDataSync(connection)
    _ = try other.sync(.patient, id: "P501", updates: ["name": "Ada Lee"], expectedVersion: nil)
    try other.commit()

    // This one edits the email based on version 1, and an unrelated phone without a version.
    _ = try local.sync(
      .patient, id: "P501", updates: ["email": "a@example.com"], expectedVersion: 1)
    _ = try local.sync(
      .patient, id: "P501", updates: ["phone": "(555) 000-2222"], expectedVersion: nil)
    try local.commit()
    let queued = try entries(local).filter { $0.0 != addID }
    #expect(queued.count == 2)
    let stale = try mine.apply(queued[0].1, mutationID: queued[0].0, on: connection)
    #expect(stale == .rejected(error: ["code": -32003]))
    // The write behind it goes through, merged with the rename made elsewhere.
    guard case .applied = try mine.apply(queued[1].1, mutationID: queued[1].0, on: connection)
    else {
      Issue.record("the merge was not applied")
      return
    }
    let now = try JSONParser.parse(
      Array(
        try #require(
          try connection.query(
            "SELECT doc::text FROM portal.records WHERE kind = 'patient'",
            deadline: .in(seconds: 5)
          ).scalar
        ).utf8))
    #expect(now["name"] == "Ada Lee")
    #expect(now["phone"] == "(555) 000-2222")
    #expect(now["email"] == "ada@example.com")
  }

  @Test func aWriteTheRulesRefuseIsRecordedAsRejected() throws {
    let (local, connection, applier, end) = try clinic()
    defer { end() }
    // An update of a record PostgreSQL never had.
    let entry = JournalEntry(
      method: "syncPatientData",
      operation: .update(.patient, id: "P9", updates: ["name": "X"], expectedVersion: nil),
      assignedIDs: [:], baseVersions: [], time: Timestamp("2026-01-31T09:15:00.000Z")!)
    let outcome = try applier.apply(entry, mutationID: 7, on: connection)
    #expect(outcome == .rejected(error: ["code": -32001]))
    #expect(try applier.apply(entry, mutationID: 7, on: connection) == outcome)
    _ = local
  }
}
