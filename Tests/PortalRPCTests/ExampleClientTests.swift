import Foundation
import Testing

/// The Node and Python clients in `examples/` are part of the product: `swift test` checks that
/// their generated types match `schema/`, runs their own test suites against this build's
/// executable, and runs every example. Without `node` or `python3` on the PATH those tests are
/// skipped, except in CI (`CI=true`), where a missing tool is a failure.
@Suite("Example clients")
struct ExampleClientTests {
  static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

  /// `name` on the PATH, or nil.
  static func tool(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(name)" }.first {
      FileManager.default.isExecutableFile(atPath: $0)
    }
  }

  @Test(
    "Node: generated types current, its tests and examples pass",
    .enabled(if: inCI || tool("node") != nil))
  func node() throws {
    let node = try #require(Self.tool("node"), "node is not installed")
    try Self.run(node, "examples/node/generate-types.mjs", "--check")
    // Files, not the folder: how `node --test` reads a folder differs between Node versions.
    let tests = try FileManager.default.contentsOfDirectory(
      atPath: PortalProcess.packageRoot.appendingPathComponent("examples/node/test").path
    ).filter { $0.hasSuffix(".test.mjs") }.sorted().map { "examples/node/test/\($0)" }
    #expect(!tests.isEmpty)
    try Self.run(node, ["--test"] + tests)
    try Self.run(node, "examples/node/examples/cross-section-flow.mjs")
    try Self.run(node, "examples/node/examples/two-windows.mjs")
  }

  @Test(
    "Python: generated types current, its tests and examples pass",
    .enabled(if: inCI || tool("python3") != nil))
  func python() throws {
    let python = try #require(Self.tool("python3"), "python3 is not installed")
    try Self.run(python, "examples/python/generate_types.py", "--check")
    try Self.run(
      python, "-m", "unittest", "discover", "-s", "examples/python/tests", "-t", "examples/python")
    // The examples import the package `portal_rpc_client`, as after `pip install ./examples/python`.
    let package = [
      "PYTHONPATH": PortalProcess.packageRoot.appendingPathComponent("examples/python").path
    ]
    try Self.run(python, ["examples/python/examples/cross_section_flow.py"], environment: package)
    try Self.run(python, ["examples/python/examples/two_windows.py"], environment: package)
  }

  /// Runs a command in the package root against this build's `portal-rpc`; records its output
  /// unless it exits 0 within five minutes.
  static func run(_ executable: String, _ arguments: String...) throws {
    try run(executable, arguments)
  }

  static func run(
    _ executable: String, _ arguments: [String], environment extra: [String: String] = [:]
  ) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = PortalProcess.packageRoot
    var environment = ProcessInfo.processInfo.environment
    environment["PORTAL_RPC"] = PortalProcess.executableURL.path
    environment.merge(extra) { _, new in new }
    process.environment = environment
    // A file, not a pipe: a hung child cannot block the read, and the wait below has a limit.
    let log = FileManager.default.temporaryDirectory.appendingPathComponent(
      "client-\(UUID().uuidString).log")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: log) }
    let output = try FileHandle(forWritingTo: log)
    defer { try? output.close() }
    process.standardOutput = output
    process.standardError = output
    process.standardInput = FileHandle.nullDevice
    let exited = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in exited.signal() }
    try process.run()
    if exited.wait(timeout: .now() + 300) == .timedOut {
      process.terminate()
      Issue.record("\(arguments.joined(separator: " ")) did not finish in five minutes")
      return
    }
    let text = (try? Data(contentsOf: log)) ?? Data()
    #expect(
      process.terminationStatus == 0,
      "\(arguments.joined(separator: " ")) exited \(process.terminationStatus):\n\(String(decoding: text.suffix(4000), as: UTF8.self))"
    )
  }
}
