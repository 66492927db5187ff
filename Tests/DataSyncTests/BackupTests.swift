import DataSync
import Domain
import Foundation
import PortalJSON
import Testing

@testable import Storage

/// The store's side of backup and restore: the online copy, and settling a store before it is
/// replaced.
@Suite("Backup and restore, in the store")
struct BackupTests {
  private let today = CalendarDate("2026-01-31")!

  @Test("a copy finishes, as of its first step, while another connection commits after each step")
  func copyUnderWrites() throws {
    let (writer, folder) = try makeDataSync(demo: true)
    let source = try Store(inspecting: folder.path)
    let before = try source.recordCount()
    let copyPath = folder.appendingPathComponent("copy.db").path
    var steps = 0
    var commits = 0
    var firstTotal: Int?
    let pages = try source.copy(to: copyPath, pagesPerStep: 1) { done, total in
      steps += 1
      // A commit by another connection between every two steps (for as long as a sound copy
      // takes, and then some): a copy that took a fresh snapshot per step would start over
      // after each commit, and finish only once they stop.
      firstTotal = firstTotal ?? total
      guard done < total, steps < 3 * firstTotal! else { return }
      _ = try? writer.add(.patient, samplePatient)
      if (try? writer.commit()) != nil { commits += 1 }
    }
    #expect(commits > 50, "the writer committed only \(commits) times during the copy")
    #expect(steps <= pages + 1, "the copy restarted: \(steps) steps for \(pages) pages")
    let copy = try Store(inspectingFile: copyPath)
    #expect(try copy.recordCount() == before)
    #expect(try source.recordCount() == before + commits)
    #expect(try StoreCheck.run(copy, today: today).problems == [])
    #expect(!FileManager.default.fileExists(atPath: copyPath + "-wal"))
  }

  @Test("settling refuses a store another connection has open, then folds its log into the file")
  func settle() throws {
    let (sync, folder) = try makeDataSync(demo: true)
    let file = folder.appendingPathComponent(Store.fileName).path
    // A store left as a crash leaves it: its last commits only in the write-ahead log.
    let crashed = FileManager.default.temporaryDirectory.appendingPathComponent(
      "crashed-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: crashed, withIntermediateDirectories: true)
    let copy = crashed.appendingPathComponent(Store.fileName).path
    #expect(throws: StorageError.unavailable(.inUse, code: 5)) {
      try Store.settleForReplacement(file)
    }
    #expect(FileManager.default.fileExists(atPath: file + "-wal"))
    try FileManager.default.copyItem(atPath: file, toPath: copy)
    try FileManager.default.copyItem(atPath: file + "-wal", toPath: copy + "-wal")
    withExtendedLifetime(sync) {}
    let records = try Store(inspectingFile: copy).recordCount()
    #expect(records > 50)
    #expect(try Store.settleForReplacement(copy))
    #expect(!FileManager.default.fileExists(atPath: copy + "-wal"))
    #expect(!FileManager.default.fileExists(atPath: copy + "-shm"))
    // The file alone (read as immutable: no log beside it) now holds every record.
    #expect(try Store(inspectingFile: copy).recordCount() == records)
  }
}
