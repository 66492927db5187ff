import Domain
import Foundation
import PortalJSON
import Testing

@testable import Storage

/// `portal-rpc backup DEST` against the real executable: a checked, private copy taken while
/// another process keeps writing, which never replaces a file unasked.
@Suite("portal-rpc backup")
struct BackupCommandTests {
  @Test("taken while another process keeps writing: sound, and holding every write answered before")
  func underWrites() throws {
    let data = try temporaryDirectory("backup-data")
    let destination = try temporaryDirectory("backup-dest")
    let server = try PortalProcess(arguments: ["--data-dir", data.path, "--demo"])
    try server.call("initialize", id: 0, params: "{}")
    let writer = PatientWriter(server)
    writer.start()
    let before = try writer.waitForWrites(20)
    let backup = try PortalProcess.run(
      arguments: ["backup", destination.path, "--data-dir", data.path], input: Data())
    let answeredMeanwhile = writer.count
    writer.stop()
    try server.closeInput()
    #expect(try server.finish().status == 0)
    #expect(writer.failures.isEmpty, "\(writer.failures)")

    #expect(backup.status == 0, "stderr: \(backup.stderr)")
    #expect(backup.stderr.isEmpty)
    #expect(backup.lines.count == 1 && backup.lines[0].hasPrefix("backed up "))
    #expect(answeredMeanwhile > before.count, "no write was answered while the backup ran")
    // DEST is a directory: the copy is DEST/portal.db, private, and nothing else was left.
    let copy = destination.appendingPathComponent("portal.db")
    #expect(try FileManager.default.contentsOfDirectory(atPath: destination.path) == ["portal.db"])
    #expect(try permissions(copy) == 0o600)
    #expect(try PortalProcess.check(destination).status == 0)
    let served = try PortalProcess.run(
      arguments: ["--data-dir", destination.path],
      input: requestLines(before.map { ("getPatient", "[\"\($0)\"]") }))
    #expect(served.lines.count == before.count + 1)
    for line in served.lines.dropFirst() {
      #expect(line.contains(#""result":{"id":"P"#), "missing from the copy: \(line.prefix(120))")
    }
  }

  @Test("an existing DEST is kept unless --force; the store itself is never a DEST")
  func refusesToOverwrite() throws {
    let data = try temporaryDirectory("backup-data")
    _ = try PortalProcess.run(arguments: ["--data-dir", data.path, "--demo"], input: Data())
    let target = try temporaryDirectory("backup-dest").appendingPathComponent("clinic.db")
    let first = try PortalProcess.run(
      arguments: ["backup", target.path, "--data-dir", data.path], input: Data())
    #expect(first.status == 0, "stderr: \(first.stderr)")
    #expect(try permissions(target) == 0o600)

    try Data("not a backup".utf8).write(to: target)
    let again = try PortalProcess.run(
      arguments: ["backup", target.path, "--data-dir", data.path], input: Data())
    #expect(again.status == 2)
    #expect(again.lines.isEmpty)
    #expect(again.stderr.split(separator: "\n").count == 1)
    #expect(again.stderr.contains("--force"))
    #expect(try Data(contentsOf: target) == Data("not a backup".utf8))

    let forced = try PortalProcess.run(
      arguments: ["backup", target.path, "--data-dir", data.path, "--force"], input: Data())
    #expect(forced.status == 0, "stderr: \(forced.stderr)")
    #expect(try Store(inspectingFile: target.path).recordCount() > 50)

    for itself in [data.path, data.appendingPathComponent("portal.db").path] {
      let refused = try PortalProcess.run(
        arguments: ["backup", itself, "--data-dir", data.path, "--force"], input: Data())
      #expect(refused.status == 2)
      #expect(refused.stderr.contains("is the store being backed up"))
    }
    #expect(try PortalProcess.check(data).status == 0)
  }

  @Test("a store that fails the checks is not backed up: exit 1, nothing at DEST")
  func unsoundStore() throws {
    let data = try temporaryDirectory("backup-data")
    _ = try PortalProcess.run(arguments: ["--data-dir", data.path, "--demo"], input: Data())
    try breakInvariant(in: data)
    let destination = try temporaryDirectory("backup-dest")
    let result = try PortalProcess.run(
      arguments: ["backup", destination.path, "--data-dir", data.path], input: Data())
    #expect(result.status == 1)
    #expect(result.stderr.contains("failed the store checks"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: destination.path).isEmpty)
  }

  @Test("a missing store exits 3; a DEST in a missing directory exits 3")
  func unusable() throws {
    let empty = try temporaryDirectory("backup-empty")
    let missing = try PortalProcess.run(
      arguments: ["backup", empty.appendingPathComponent("b.db").path, "--data-dir", empty.path],
      input: Data())
    #expect(missing.status == 3)
    #expect(missing.stderr.contains("there is no store"))
    let data = try temporaryDirectory("backup-data")
    _ = try PortalProcess.run(arguments: ["--data-dir", data.path, "--demo"], input: Data())
    let nowhere = try PortalProcess.run(
      arguments: ["backup", empty.path + "/no/such/dir/b.db", "--data-dir", data.path],
      input: Data())
    #expect(nowhere.status == 3)
    #expect(nowhere.stderr.split(separator: "\n").count == 1)
  }
}

/// Makes the store in `directory` unsound (a balance that its transactions do not explain),
/// as a disk or a hand edit might.
func breakInvariant(in directory: URL) throws {
  let store = try Store(directory: directory.path, now: Timestamp(millisecondsSinceEpoch: 0))
  try store.database.execute(
    "UPDATE patients SET doc = json_set(doc, '$.outstandingBalance', 1) WHERE ordinal = 2")
}

/// Adds patients through one server, one at a time, on a thread of its own until stopped,
/// remembering the id of each add the server answered.
final class PatientWriter: @unchecked Sendable {
  private let server: PortalProcess
  private let condition = NSCondition()
  private var ids: [String] = []
  private var stopped = false
  private var finished = false
  private(set) var failures: [String] = []

  init(_ server: PortalProcess) { self.server = server }

  func start() {
    Thread { [self] in
      var id = 1000
      while !isStopped {
        id += 1
        do {
          let line = try server.call("addPatient", id: id, params: "[\(ManyWindowsTests.patient)]")
          guard let patient = (try JSONParser.parse(line))["result"]?["id"]?.stringValue else {
            throw PortalProcess.ProcessError.endedWithoutLine(stderr: String(line.prefix(200)))
          }
          condition.lock()
          ids.append(patient)
          condition.broadcast()
          condition.unlock()
        } catch {
          condition.lock()
          failures.append("\(error)")
          stopped = true
          condition.unlock()
        }
      }
      condition.lock()
      finished = true
      condition.broadcast()
      condition.unlock()
    }.start()
  }

  /// How many adds were answered so far.
  var count: Int {
    condition.lock()
    defer { condition.unlock() }
    return ids.count
  }

  private var isStopped: Bool {
    condition.lock()
    defer { condition.unlock() }
    return stopped
  }

  /// Waits until at least `count` adds were answered; returns the ids of all answered so far.
  func waitForWrites(_ count: Int, timeout: TimeInterval = 60) throws -> [String] {
    let deadline = Date().addingTimeInterval(timeout)
    condition.lock()
    defer { condition.unlock() }
    while ids.count < count {
      if stopped || !condition.wait(until: deadline) {
        throw PortalProcess.ProcessError.timedOut(lines: failures)
      }
    }
    return ids
  }

  /// Stops after the add in flight, and waits for it.
  func stop() {
    condition.lock()
    stopped = true
    while !finished { condition.wait() }
    condition.unlock()
  }
}
