import Domain
import Foundation
import PortalJSON
import Storage
import Testing

@Suite("Checkpoints")
struct CheckpointTests {
  /// A steady stream of one-record commits, as one client adding records one at a time: the
  /// write-ahead log must keep restarting from its beginning instead of growing with every commit.
  @Test("the write-ahead log stays bounded under a steady stream of commits")
  func logStaysBounded() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "checkpoint-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = try Store(
      directory: folder.path, options: Store.Options(synchronousFull: false),
      now: Timestamp("2026-01-31T09:15:00.000Z")!)
    var patient = samplePatient
    patient["notes"] = .string(String(repeating: "x", count: 1500))  // about 2 KB, like a real one
    let commits = 4000
    for ordinal in 1...Int64(commits) {
      let id = PatientID.generated(ordinal: ordinal)
      patient["id"] = .string(id)
      try store.beginWrite()
      try store.insertPatient(
        id: id, ordinal: ordinal, version: 1, openingBalance: .zero,
        document: EncodedJSON(patient).bytes)
      try store.commit()
    }
    store.waitForCheckpoint()
    let logBytes =
      try FileManager.default.attributesOfItem(atPath: folder.path + "/" + Store.fileName + "-wal")[
        .size]
      as? Int ?? .max
    let frameBytes = 4096 + 24
    // Each commit appends two or three frames; without restarts the log would hold over 8,000.
    #expect(logBytes / frameBytes < 4000, "the log grew to \(logBytes / frameBytes) frames")
    #expect(try store.counts().first { $0.table == "patients" }?.rows == commits)
  }
}
