import DataSync
import Domain
import Foundation
import PortalJSON
import Storage
import Testing

@Suite("Migrations")
struct MigrationTests {
  @Test("a store written by an older version upgrades on open, keeping its data")
  func upgrade() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "migrate-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let now = Timestamp("2026-01-31T09:15:00.000Z")!
    do {
      let old = try Store(
        directory: folder.path, migrations: Array(Migrations.all.prefix(2)), now: now)
      #expect(try old.schemaVersion() == 2)
      // What version 2 could hold: a patient row, written as that version wrote it.
      var document = samplePatient
      document["id"] = "P001"
      try old.beginWrite()
      try old.insertPatient(
        id: "P001", ordinal: 1, version: 1, openingBalance: .zero,
        document: EncodedJSON(document).bytes)
      try old.commit()
    }
    let current = try Store(directory: folder.path, now: now)
    #expect(try current.schemaVersion() == Migrations.latestVersion)
    let sync = DataSync(store: current, clock: .fixed(now), origin: "new")
    #expect(decode(try sync.get(.patient, id: "P001"))["name"] == "Ada Park")
    // and the upgraded store takes new records and their derived fields
    _ = try sync.add(
      .appointment,
      object(
        #"{"patientId":"P001","doctorId":1,"doctorName":"Dr. Chen","date":"2026-02-20","time":"10:00 AM","type":"Follow-up","status":"scheduled"}"#
      ))
    try sync.commit()
    #expect(decode(try sync.get(.patient, id: "P001"))["nextAppointment"] == "2026-02-20")
  }

  @Test("a store from a newer version is refused, untouched")
  func newer() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "newer-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let now = Timestamp("2026-01-31T09:15:00.000Z")!
    let future =
      Migrations.all + [Migration(version: 99, name: "future", sql: "CREATE TABLE future(x)")]
    _ = try Store(directory: folder.path, migrations: future, now: now)
    #expect(throws: StorageError.self) { try Store(directory: folder.path, now: now) }
  }
}
