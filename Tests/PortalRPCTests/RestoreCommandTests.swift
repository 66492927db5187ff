import Foundation
import PortalJSON
import Testing

@testable import Storage

/// `portal-rpc restore SRC` against the real executable: refused while any process has the
/// store open, refused for a backup that fails the checks, and otherwise a whole new store with
/// the old one kept beside it.
@Suite("portal-rpc restore")
struct RestoreCommandTests {
  @Test("refused while a server has the store open; once none does, the backup is what is served")
  func restoresWhenUnused() throws {
    let data = try temporaryDirectory("restore-data")
    let backupFile = try temporaryDirectory("restore-backup").appendingPathComponent("clinic.db")
    let filled = try PortalProcess.run(
      arguments: ["--data-dir", data.path, "--demo"],
      input: requestLines([("addPatient", "[\(ManyWindowsTests.patient)]")]))
    let kept = try #require(Self.resultID(filled.lines.last))
    let backup = try PortalProcess.run(
      arguments: ["backup", backupFile.path, "--data-dir", data.path], input: Data())
    #expect(backup.status == 0, "stderr: \(backup.stderr)")

    let server = try PortalProcess(arguments: ["--data-dir", data.path])
    try server.call("initialize", id: 0, params: "{}")
    let later = try #require(
      Self.resultID(
        try server.call("addPatient", id: 1, params: "[\(ManyWindowsTests.patient)]")))
    let refused = try PortalProcess.run(
      arguments: ["restore", backupFile.path, "--data-dir", data.path], input: Data())
    #expect(refused.status == 3)
    #expect(refused.lines.isEmpty)
    #expect(refused.stderr.split(separator: "\n").count == 1)
    #expect(refused.stderr.contains("in use"))
    // Nothing changed under the server.
    #expect(Self.resultID(try server.call("getPatient", id: 2, params: "[\"\(later)\"]")) == later)
    try server.closeInput()
    #expect(try server.finish().status == 0)
    #expect(try Self.files(data).filter { $0.contains("replaced") }.isEmpty)

    let restored = try PortalProcess.run(
      arguments: ["restore", backupFile.path, "--data-dir", data.path], input: Data())
    #expect(restored.status == 0, "stderr: \(restored.stderr)")
    #expect(restored.lines.count == 1 && restored.lines[0].contains("kept as"))
    let files = try Self.files(data)
    #expect(!files.contains { $0.hasSuffix("-wal") || $0.hasSuffix("-shm") || $0.hasPrefix(".") })
    let side = try #require(files.first { $0.hasPrefix("portal.db.replaced-") })
    #expect(try permissions(data.appendingPathComponent("portal.db")) == 0o600)
    #expect(try permissions(data.appendingPathComponent(side)) == 0o600)
    #expect(try PortalProcess.check(data).status == 0)

    let served = try PortalProcess.run(
      arguments: ["--data-dir", data.path],
      input: requestLines([("getPatient", "[\"\(kept)\"]"), ("getPatient", "[\"\(later)\"]")]))
    #expect(Self.resultID(served.lines[1]) == kept)
    #expect(served.lines[2].contains("-32001"), "a write made after the backup is still there")
    // The replaced store, with that write, is whole beside it.
    let replaced = try Store(inspectingFile: data.appendingPathComponent(side).path)
    #expect(
      try replaced.recordCount()
        == Store(inspectingFile: backupFile.path).recordCount() + 1)
  }

  @Test("a backup that fails the checks, or is no store, changes nothing")
  func unsoundBackup() throws {
    let data = try temporaryDirectory("restore-data")
    _ = try PortalProcess.run(arguments: ["--data-dir", data.path, "--demo"], input: Data())
    let backup = try temporaryDirectory("restore-backup")
    #expect(
      try PortalProcess.run(
        arguments: ["backup", backup.path, "--data-dir", data.path], input: Data()
      ).status == 0)
    try breakInvariant(in: backup)
    let before = try Self.files(data)

    let unsound = try PortalProcess.run(
      arguments: ["restore", backup.path, "--data-dir", data.path], input: Data())
    #expect(unsound.status == 1)
    #expect(unsound.stderr.contains("failed the store checks"))
    #expect(try Self.files(data) == before)

    let garbage = backup.appendingPathComponent("garbage.db")
    try Data(repeating: 0x41, count: 8192).write(to: garbage)
    let notAStore = try PortalProcess.run(
      arguments: ["restore", garbage.path, "--data-dir", data.path], input: Data())
    #expect(notAStore.status == 3)
    #expect(notAStore.stderr.contains("not a plain SQLite database"))
    #expect(try Self.files(data) == before)
    #expect(try PortalProcess.check(data).status == 0)

    let itself = try PortalProcess.run(
      arguments: ["restore", data.path, "--data-dir", data.path], input: Data())
    #expect(itself.status == 2)
  }

  @Test("into a new data directory: created private, and served")
  func newDirectory() throws {
    let data = try temporaryDirectory("restore-data")
    _ = try PortalProcess.run(arguments: ["--data-dir", data.path, "--demo"], input: Data())
    let backup = try temporaryDirectory("restore-backup")
    _ = try PortalProcess.run(
      arguments: ["backup", backup.path, "--data-dir", data.path], input: Data())
    let fresh = try temporaryDirectory("restore-new").appendingPathComponent("clinic")
    let restored = try PortalProcess.run(
      arguments: ["restore", backup.path, "--data-dir", fresh.path], input: Data())
    #expect(restored.status == 0, "stderr: \(restored.stderr)")
    #expect(!restored.lines.joined().contains("kept as"))
    #expect(try Self.files(backup) == ["portal.db"], "reading the backup left files beside it")
    #expect(try permissions(fresh) == 0o700)
    let served = try PortalProcess.run(
      arguments: ["--data-dir", fresh.path], input: requestLines([("getPatient", #"["P001"]"#)]))
    #expect(Self.resultID(served.lines.last) == "P001")
  }

  static func resultID(_ line: String?) -> String? {
    line.flatMap { try? JSONParser.parse($0) }?["result"]?["id"]?.stringValue
  }

  static func files(_ directory: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
  }
}
