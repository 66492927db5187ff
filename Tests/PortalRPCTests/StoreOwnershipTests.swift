import Foundation
import Testing

@testable import Storage

/// Whose `portal.db` it is: another program's SQLite file is refused and left byte for byte as it
/// was; a store from before the `application_id` mark is adopted and marked.
@Suite("Store ownership")
struct StoreOwnershipTests {
  private func directory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "ownership-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  private func applicationID(_ data: URL) throws -> Int64? {
    try Database(path: data.appendingPathComponent(Store.fileName).path)
      .integer("PRAGMA application_id")
  }

  private let initialize = Data(#"{"jsonrpc":"2.0","id":1,"method":"initialize"}"#.utf8 + [0x0A])

  @Test(
    "another program's SQLite file is refused untouched: serving exits 3, --check exits 1",
    arguments: [
      "CREATE TABLE foo (x); INSERT INTO foo VALUES (1);",
      "PRAGMA application_id = 42; CREATE TABLE patients (x);",
      "CREATE TABLE schema_migrations (version TEXT PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20240101');",
    ])
  func foreign(sql: String) throws {
    let data = try directory()
    let file = data.appendingPathComponent(Store.fileName)
    try Database(path: file.path).execute(sql)
    let before = try Data(contentsOf: file)
    let line =
      "portal-rpc: \(file.path) is not a PortalRPC store (it belongs to another program); move it away or choose another --data-dir\n"

    let served = try PortalProcess.run(arguments: ["--data-dir", data.path], input: initialize)
    #expect(served.status == 3)
    #expect(served.lines.isEmpty)
    #expect(served.stderr == line)

    let check = try PortalProcess.check(data)
    #expect(check.status == 1)
    #expect(check.stderr == line)

    #expect(try Data(contentsOf: file) == before, "the foreign file was written to")
    // Nothing beside it either, but the lock every process takes on a data directory.
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: data.path).sorted() == [
        Store.fileName, Store.fileName + "-lock",
      ])
  }

  @Test("a new store is marked with PortalRPC's application_id")
  func marked() throws {
    let data = try directory()
    #expect(try PortalProcess.run(arguments: ["--data-dir", data.path], input: Data()).status == 0)
    #expect(try applicationID(data) == Int64(Store.applicationID))
  }

  @Test("a store from before the mark is adopted, keeps its data, and is marked")
  func unmarked() throws {
    let data = try directory()
    let demo = try PortalProcess.run(arguments: ["--data-dir", data.path, "--demo"], input: Data())
    #expect(demo.status == 0)
    try Database(path: data.appendingPathComponent(Store.fileName).path)
      .execute("PRAGMA application_id = 0")
    #expect(try PortalProcess.check(data).status == 0)
    let input = Data(
      (#"{"jsonrpc":"2.0","id":1,"method":"initialize"}"# + "\n"
        + #"{"jsonrpc":"2.0","id":2,"method":"getPatient","params":["P001"]}"# + "\n").utf8)
    let served = try PortalProcess.run(arguments: ["--data-dir", data.path], input: input)
    #expect(served.status == 0)
    #expect(served.lines.last?.contains(#""id":"P001""#) == true)
    #expect(try applicationID(data) == Int64(Store.applicationID))
  }
}
