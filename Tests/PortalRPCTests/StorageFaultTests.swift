import Domain
import Foundation
import Glibc
import PortalJSON
import Storage
import Testing

/// The store's faults: a lock held past the busy timeout, a full disk, a read-only file system.
/// Each is answered -32005 with nothing changed, reads are still served, and the server recovers
/// when the fault clears.
@Suite("Storage faults", .serialized)
struct StorageFaultTests {
  static let patient = ManyWindowsTests.patient

  private func directory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "faults-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  private func errorCode(_ line: String) -> Int64? {
    (try? JSONParser.parse(line))?["error"]?["code"]?.int64Value
  }

  @Test("a write lock held past the busy timeout: -32005, reads served, then recovery")
  func busy() throws {
    let data = try directory()
    let server = try PortalProcess(arguments: ["--data-dir", data.path, "--busy-timeout-ms", "150"])
    try server.call("initialize", id: 0, params: "{}")
    try server.call("addPatient", id: 1, params: "[\(Self.patient)]")
    let before = try server.lastSequence(id: 2)

    let holder = try Store(directory: data.path, now: Timestamp(millisecondsSinceEpoch: 0))
    try holder.beginWrite()  // another process's write transaction, held
    let refused = try server.call(
      "syncPatientData", id: 3, params: #"["P001",{"phone":"555-010-0001"}]"#)
    #expect(errorCode(refused) == -32005)
    #expect(refused.contains("locked by another process"))
    let read = try server.call("getPatient", id: 4, params: #"["P001"]"#)
    #expect(read.contains("\"result\""))
    holder.rollback()

    #expect(try server.lastSequence(id: 5) == before)
    let accepted = try server.call(
      "syncPatientData", id: 6, params: #"["P001",{"phone":"555-010-0001"}]"#)
    #expect(accepted.contains("\"result\""))
    try server.closeInput()
    #expect(try server.finish().status == 0)
  }

  @Test(
    "a full store: -32005, nothing changed, reads served, writes again once the limit is lifted")
  func diskFull() throws {
    let data = try directory()
    let server = try PortalProcess(arguments: ["--data-dir", data.path, "--max-store-pages", "120"])
    try server.call("initialize", id: 0, params: "{}")
    var added = 0
    var refused: String?
    for index in 1...400 {
      let line = try server.call("addPatient", id: index, params: "[\(Self.patient)]")
      if errorCode(line) != nil {
        refused = line
        break
      }
      added += 1
    }
    let failure = try #require(refused)
    #expect(errorCode(failure) == -32005)
    #expect(failure.contains("disk is full"))
    let before = try server.lastSequence(id: 1000)
    let again = try server.call("addPatient", id: 1001, params: "[\(Self.patient)]")
    #expect(errorCode(again) == -32005)
    #expect(try server.lastSequence(id: 1002) == before, "a refused write changed the store")
    let read = try server.call("getPatients", id: 1003, params: #"[{"limit":1000}]"#)
    #expect(read.contains("\"total\":\(added)"))
    try server.closeInput()
    #expect(try server.finish().status == 0)
    let check = try PortalProcess.check(data)
    #expect(check.status == 0, "\(check.lines)")
    // The limit lifted (a bigger disk): the same store takes writes again.
    let input = Data(
      (#"{"jsonrpc":"2.0","id":1,"method":"initialize"}"# + "\n"
        + #"{"jsonrpc":"2.0","id":2,"method":"addPatient","params":[\#(Self.patient)]}"# + "\n")
        .utf8)
    let after = try PortalProcess.run(arguments: ["--data-dir", data.path], input: input)
    #expect(after.lines.last?.contains("\"result\"") == true)
  }

  /// Whether this machine lets the tests mount a small file system (root in a container with
  /// CAP_SYS_ADMIN, as CI is here).
  static let canMount: Bool = {
    let point = FileManager.default.temporaryDirectory.appendingPathComponent(
      "mount-probe-\(getpid())")
    try? FileManager.default.createDirectory(at: point, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: point) }
    guard mount("tmpfs", point.path, "tmpfs", 0, "size=64k") == 0 else { return false }
    umount(point.path)
    return true
  }()

  @Test("a real full file system and a read-only one", .enabled(if: canMount))
  func realFileSystem() throws {
    let point = try directory()
    #expect(mount("tmpfs", point.path, "tmpfs", 0, "size=1m") == 0)
    defer { umount2(point.path, Int32(MNT_DETACH)) }
    let data = point.appendingPathComponent("data")
    let server = try PortalProcess(arguments: ["--data-dir", data.path])
    try server.call("initialize", id: 0, params: "{}")
    var refused: String?
    for index in 1...2000 {
      let line = try server.call("addPatient", id: index, params: "[\(Self.patient)]")
      if errorCode(line) != nil {
        refused = line
        break
      }
    }
    #expect(errorCode(try #require(refused)) == -32005)
    let before = try server.lastSequence(id: 5000)
    #expect(try server.call("getPatient", id: 5001, params: #"["P001"]"#).contains("\"result\""))
    // The file system is made bigger: the fault clears.
    #expect(mount("tmpfs", point.path, "tmpfs", UInt(MS_REMOUNT), "size=8m") == 0)
    let recovered = try server.call("addPatient", id: 5002, params: "[\(Self.patient)]")
    #expect(recovered.contains("\"result\""))
    #expect(try server.lastSequence(id: 5003) > before)

    try server.closeInput()
    #expect(try server.finish().status == 0)

    // A read-only medium: reads served, writes refused; writable again: writes go through.
    #expect(mount("tmpfs", point.path, "tmpfs", UInt(MS_REMOUNT | MS_RDONLY), "size=8m") == 0)
    let reader = try PortalProcess(arguments: ["--data-dir", data.path])
    try reader.call("initialize", id: 0, params: "{}")
    #expect(try reader.call("getPatient", id: 1, params: #"["P001"]"#).contains("\"result\""))
    let readOnly = try reader.call(
      "syncPatientData", id: 2, params: #"["P001",{"phone":"555-010-0002"}]"#)
    #expect(errorCode(readOnly) == -32005)
    #expect(readOnly.contains("read-only"))
    #expect(mount("tmpfs", point.path, "tmpfs", UInt(MS_REMOUNT), "size=8m") == 0)
    // Writable again: another process writes, and the reader sees it (it reopened the store).
    let other = Data(
      (#"{"jsonrpc":"2.0","id":1,"method":"initialize"}"# + "\n"
        + #"{"jsonrpc":"2.0","id":2,"method":"syncPatientData","params":["P001",{"phone":"555-010-0004"}]}"#
        + "\n").utf8)
    #expect(try PortalProcess.run(arguments: ["--data-dir", data.path], input: other).status == 0)
    let seen = try reader.call("getPatient", id: 4, params: #"["P001"]"#)
    #expect(
      seen.contains(#""phone":"555-010-0004""#),
      "a reader on a formerly read-only store missed a write")
    let writable = try reader.call(
      "syncPatientData", id: 3, params: #"["P001",{"phone":"555-010-0003"}]"#)
    #expect(writable.contains("\"result\""), "\(writable)")
    try reader.closeInput()
    #expect(try reader.finish().status == 0)
  }
}
