import Foundation
import Glibc
import PortalRPC
import Testing

@Suite("Command line")
struct CommandLineTests {
  @Test("options parse in both spellings")
  func parse() throws {
    let options = try CommandLineOptions.parse([
      "--data-dir", "/tmp/x", "--log-level=debug", "--max-message-bytes", "1024",
      "--durability=normal", "--demo", "--clock", "fixed:2026-01-31T09:15:00.000Z",
    ])
    #expect(options.dataDirectory == "/tmp/x")
    #expect(options.logLevel == .debug)
    #expect(options.maxMessageBytes == 1024)
    #expect(options.durability == .normal)
    #expect(options.demo)
    #expect(options.fixedClock == "2026-01-31T09:15:00.000Z")
    #expect(try CommandLineOptions.parse(["--in-memory"]).inMemory)
    #expect(try CommandLineOptions.parse(["--help"]).action == .help)
  }

  @Test("backup, restore and export take their path and options")
  func subcommands() throws {
    let backup = try CommandLineOptions.parse(["backup", "/b", "--data-dir=/d", "--force"])
    #expect(backup.action == .backup(destination: "/b"))
    #expect(backup.dataDirectory == "/d")
    #expect(backup.force)
    #expect(
      try CommandLineOptions.parse(["restore", "--data-dir", "/d", "/b"]).action
        == .restore(source: "/b"))
    let export = try CommandLineOptions.parse(["export", "--format", "jsonl", "--output", "/o"])
    #expect(export.action == .export)
    #expect(export.exportFormat == .jsonl)
    #expect(export.outputFile == "/o")
    #expect(try CommandLineOptions.parse(["backup", "--help"]).action == .help)
  }

  @Test(
    "mistakes are refused with a message",
    arguments: [
      ["--bogus"], ["--data-dir"], ["--log-level", "loud"], ["--max-message-bytes", "ten"],
      ["--max-message-bytes", "0"], ["--durability", "sometimes"],
      ["--in-memory", "--data-dir", "/x"],
      ["--demo=yes"], ["stray"], ["--clock", "now"], ["--clock", "fixed:2026-02-30T00:00:00Z"],
      ["backup"], ["backup", "/a", "/b"], ["backup", "/a", "--demo"],
      ["backup", "/a", "--in-memory"],
      ["restore"], ["restore", "/a", "--force"], ["export"], ["export", "--format", "csv"],
      ["export", "--format", "jsonl", "/a"], ["export", "--format", "jsonl", "--force"],
      ["--force"], ["--format", "jsonl"], ["--output", "/o"], ["--check", "backup", "/a"],
    ])
  func mistakes(arguments: [String]) {
    #expect(throws: CommandLineOptions.UsageError.self) {
      try CommandLineOptions.parse(arguments)
    }
  }

  @Test("the data directory comes from the flag, then the environment")
  func dataDirectory() throws {
    let env: [String: String] = ["PORTAL_DATA_DIR": "/a", "XDG_DATA_HOME": "/b", "HOME": "/c"]
    func directory(_ arguments: [String], _ lookup: @escaping (String) -> String?) throws
      -> String
    {
      let configured = try Configuration.resolve(arguments: arguments, environment: lookup)
      return try DataDirectory.resolve(
        explicit: configured.options.dataDirectory, environment: lookup)
    }
    #expect(try directory(["--data-dir", "/x"]) { env[$0] } == "/x")
    #expect(try directory([]) { env[$0] } == "/a")
    #expect(try directory([]) { $0 == "PORTAL_DATA_DIR" ? nil : env[$0] } == "/b/portal-rpc")
    #expect(try directory([]) { $0 == "HOME" ? "/c" : nil } == "/c/.local/share/portal-rpc")
  }
}

@Suite("The executable as a process")
struct ProcessTests {
  private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "portal-rpc-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  @Test("a bad command line exits 2 with one line on stderr and nothing on stdout")
  func usageError() throws {
    let result = try PortalProcess.run(arguments: ["--nope"], input: Data())
    #expect(result.status == 2)
    #expect(result.lines.isEmpty)
    #expect(result.stderr.split(separator: "\n").count == 1)
    #expect(result.stderr.contains("--help"))
  }

  @Test(
    "an option given twice, two actions, or --check with what it cannot use: exit 2, named",
    arguments: [
      (["--demo", "--demo", "--in-memory"], "--demo is given more than once"),
      (["--data-dir", "/tmp/a", "--data-dir=/tmp/b"], "--data-dir is given more than once"),
      (["--in-memory", "--in-memory"], "--in-memory is given more than once"),
      (["--log-level=info", "--log-level", "debug"], "--log-level is given more than once"),
      (["--durability", "full", "--durability", "full"], "--durability is given more than once"),
      (
        ["--max-message-bytes", "100", "--max-message-bytes", "200"],
        "--max-message-bytes is given more than once"
      ),
      (
        ["--busy-timeout-ms", "1", "--busy-timeout-ms", "2"],
        "--busy-timeout-ms is given more than once"
      ),
      (
        ["--max-store-pages", "20", "--max-store-pages", "30"],
        "--max-store-pages is given more than once"
      ),
      (
        ["--clock", "fixed:2026-01-31T09:15:00.000Z", "--clock", "fixed:2026-01-31T09:15:00.000Z"],
        "--clock is given more than once"
      ),
      (["--check", "--check"], "--check is given more than once"),
      (["-h", "--help"], "--help is given more than once"),
      (["--version", "--openrpc"], "--version and --openrpc cannot be used together"),
      (
        ["--check", "--in-memory"],
        "--check needs a data directory; --in-memory has nothing to check"
      ),
      (["--check", "--demo"], "--check never changes the store, so --demo cannot be used with it"),
    ])
  func refusedCombination(arguments: [String], message: String) throws {
    let result = try PortalProcess.run(arguments: arguments, input: Data())
    #expect(result.status == 2)
    #expect(result.lines.isEmpty)
    #expect(result.stderr == "portal-rpc: \(message). Run 'portal-rpc --help' for usage.\n")
  }

  @Test("an unusable data directory exits 3 with one actionable line")
  func unusableDirectory() throws {
    let directory = try temporaryDirectory()
    let file = directory.appendingPathComponent("a-file")
    try Data().write(to: file)
    let result = try PortalProcess.run(arguments: ["--data-dir", file.path], input: Data())
    #expect(result.status == 3)
    #expect(result.lines.isEmpty)
    #expect(result.stderr.split(separator: "\n").count == 1)
    #expect(result.stderr.contains("--data-dir"))
  }

  @Test("the data directory is created, private, and reported by initialize")
  func createsDirectory() throws {
    let directory = try temporaryDirectory().appendingPathComponent("nested/data")
    let input = Data(#"{"jsonrpc":"2.0","id":1,"method":"initialize"}"#.utf8 + [0x0A])
    let result = try PortalProcess.run(arguments: ["--data-dir", directory.path], input: input)
    #expect(result.status == 0)
    var isDirectory: ObjCBool = false
    #expect(FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory))
    #expect(isDirectory.boolValue)
    let permissions =
      try FileManager.default.attributesOfItem(atPath: directory.path)[.posixPermissions] as? Int
    #expect(permissions == 0o700)
    #expect(result.lines.first?.contains("\"dataDir\":\"\(directory.path)\"") == true)
  }

  @Test("a directory name holding URI characters and non-ASCII names exactly that directory")
  func unusualDirectoryName() throws {
    let directory = try temporaryDirectory().appendingPathComponent("Clinic ?#%20 Zürich")
    let input = Data(#"{"jsonrpc":"2.0","id":1,"method":"initialize"}"#.utf8 + [0x0A])
    let result = try PortalProcess.run(arguments: ["--data-dir", directory.path], input: input)
    #expect(result.status == 0)
    let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
    #expect(files.contains("portal.db"))
    let check = try PortalProcess.check(directory)
    #expect(check.status == 0)
  }

  @Test("PORTAL_DATA_DIR is used when no flag is given")
  func environmentDirectory() throws {
    let directory = try temporaryDirectory().appendingPathComponent("from-env")
    let input = Data(#"{"jsonrpc":"2.0","id":1,"method":"initialize"}"#.utf8 + [0x0A])
    let result = try PortalProcess.run(
      arguments: [], input: input, environment: ["PORTAL_DATA_DIR": directory.path])
    #expect(result.lines.first?.contains(directory.path) == true)
  }

  @Test("--help and --version print to stdout and exit 0")
  func helpAndVersion() throws {
    let help = try PortalProcess.run(arguments: ["--help"], input: Data())
    #expect(help.status == 0)
    #expect(help.lines.first?.hasPrefix("portal-rpc:") == true)
    let version = try PortalProcess.run(arguments: ["--version"], input: Data())
    #expect(version.lines == ["portal-rpc 0.1.0 (protocol 1.0)"])
  }

  @Test("a client that stops reading ends the process cleanly")
  func vanishedClient() throws {
    PortalProcess.ignoreSIGPIPE
    let process = Process()
    process.executableURL = PortalProcess.executableURL
    process.arguments = ["--in-memory"]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    try output.fileHandleForReading.close()  // the client vanishes before reading anything
    let line = Array(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#.utf8 + [0x0A])
    while process.isRunning {
      let written = line.withUnsafeBytes {
        Glibc.write(input.fileHandleForWriting.fileDescriptor, $0.baseAddress, $0.count)
      }
      if written < 0 { break }  // the server has exited: its stdin is gone too
    }
    process.waitUntilExit()
    #expect(process.terminationReason == .exit)
    #expect(process.terminationStatus == 0)
  }

  @Test("every stdout line is one JSON-RPC message, even at debug level")
  func stdoutHoldsOnlyMessages() throws {
    let input = Data(
      """
      {"jsonrpc":"2.0","id":1,"method":"initialize"}
      garbage
      {"jsonrpc":"2.0","method":"nothing"}
      {"jsonrpc":"2.0","id":2,"method":"ping"}

      """.utf8)
    let result = try PortalProcess.run(
      arguments: ["--in-memory", "--log-level", "debug"], input: input)
    #expect(result.lines.count == 3)
    for line in result.lines {
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
      #expect(object?["jsonrpc"] as? String == "2.0")
    }
  }
}

@Suite("portal-rpc --check")
struct CheckCommandTests {
  @Test("a sound store exits 0; a missing one exits 3")
  func exitStatus() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "check-\(UUID().uuidString)")
    let fill = try PortalProcess.run(
      arguments: ["--data-dir", directory.path, "--demo"], input: Data())
    #expect(fill.status == 0)
    let sound = try PortalProcess.check(directory)
    #expect(sound.status == 0)
    #expect(sound.lines.last == "sound: no problems found")
    let missing = try PortalProcess.check(directory.appendingPathComponent("none"))
    #expect(missing.status == 3)
    #expect(missing.stderr.contains("there is no store"))
  }
}
