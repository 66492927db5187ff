import Domain
import Foundation
import PortalJSON
import Testing

/// `portal-rpc export --format jsonl` against the real executable: every record once, one line
/// each, patients first and each type by id, to stdout or a private file.
@Suite("portal-rpc export")
struct ExportCommandTests {
  @Test("one parsable line per record, patients first, each type by id, and nothing else")
  func linesMatchTheStore() throws {
    let data = try temporaryDirectory("export-data")
    _ = try PortalProcess.run(arguments: ["--data-dir", data.path, "--demo"], input: Data())
    let export = try PortalProcess.run(
      arguments: ["export", "--format", "jsonl", "--data-dir", data.path], input: Data())
    #expect(export.status == 0, "stderr: \(export.stderr)")
    #expect(export.stderr.hasSuffix("exported \(export.lines.count) records to stdout\n"))

    // What the server lists, type by type, in id order.
    let listed = try PortalProcess.run(
      arguments: ["--data-dir", data.path],
      input: requestLines(EntityKind.all.map { ($0.listMethod, #"[{"limit":1000}]"#) }))
    var expected: [(String, JSONValue)] = []
    for (kind, line) in zip(EntityKind.all, listed.lines.dropFirst()) {
      let items = try #require(JSONParser.parse(line)["result"]?["items"]?.arrayValue)
      let sorted = items.sorted { Self.order($0["id"]) < Self.order($1["id"]) }
      expected += sorted.map { (kind.name.rawValue, $0) }
    }
    #expect(expected.count > 50)
    #expect(export.lines.count == expected.count)
    for (line, (type, entity)) in zip(export.lines, expected) {
      let object = try JSONParser.parse(line)
      #expect(object.objectValue?.count == 2)
      #expect(object["entityType"]?.stringValue == type)
      #expect(object["entity"] == entity, "\(type) \(entity["id"] ?? .null)")
    }
  }

  @Test("--output writes a private file, the same lines; an existing one needs --force")
  func outputFile() throws {
    let data = try temporaryDirectory("export-data")
    _ = try PortalProcess.run(arguments: ["--data-dir", data.path, "--demo"], input: Data())
    let toStdout = try PortalProcess.run(
      arguments: ["export", "--format=jsonl", "--data-dir", data.path], input: Data())
    let file = try temporaryDirectory("export-out").appendingPathComponent("clinic.jsonl")
    let arguments = ["export", "--format", "jsonl", "--data-dir", data.path, "--output", file.path]
    let written = try PortalProcess.run(arguments: arguments, input: Data())
    #expect(written.status == 0, "stderr: \(written.stderr)")
    #expect(written.lines.isEmpty)
    #expect(try permissions(file) == 0o600)
    let contents = try String(contentsOf: file, encoding: .utf8)
    #expect(contents == toStdout.lines.joined(separator: "\n") + "\n")
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: file.deletingLastPathComponent().path)
        == ["clinic.jsonl"])

    let again = try PortalProcess.run(arguments: arguments, input: Data())
    #expect(again.status == 2)
    #expect(again.stderr.contains("--force"))
    let forced = try PortalProcess.run(arguments: arguments + ["--force"], input: Data())
    #expect(forced.status == 0)
  }

  @Test("an unknown format, or none, is a bad command line")
  func formats() throws {
    let data = try temporaryDirectory("export-data")
    for arguments in [["--format", "csv"], [], ["--format", "jsonl", "extra"]] {
      let result = try PortalProcess.run(
        arguments: ["export", "--data-dir", data.path] + arguments, input: Data())
      #expect(result.status == 2, "\(arguments)")
      #expect(result.lines.isEmpty)
      #expect(result.stderr.split(separator: "\n").count == 1)
    }
  }

  /// Patients sort by their number (`P002` before `P010`), other records by their integer id.
  static func order(_ id: JSONValue?) -> Int64 {
    if let number = id?.int64Value { return number }
    return Int64(id?.stringValue?.dropFirst() ?? "") ?? .max
  }
}
