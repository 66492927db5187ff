import Foundation

/// The measuring kit beside the repository (`../shared/bench`, or `--kit DIR` /
/// `PORTAL_BENCH_KIT`): the load driver, the peers and the floors.
struct BenchKit {
  let root: URL
  let workDirectory: URL
  let python: String

  init(root: URL) throws {
    self.root = root
    guard FileManager.default.fileExists(atPath: root.appendingPathComponent("rpc_load.py").path)
    else {
      throw BenchError.setup(
        "no rpc_load.py in \(root.path); pass --kit DIR (the bench kit folder)")
    }
    workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "portal-bench-\(getpid())")
    try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
    python =
      (try? Shell.output(["python3", "-c", "import sys; print(sys.executable)"]))?
      .trimmingCharacters(in: .whitespacesAndNewlines) ?? "python3"
  }

  var loadDriver: String { root.appendingPathComponent("rpc_load.py").path }
  var nodePeer: [String] { ["node", root.appendingPathComponent("peers/node_readline.js").path] }
  var pythonPeer: [String] { [python, root.appendingPathComponent("peers/py_stdlib.py").path] }
  var patientFixture: URL { root.appendingPathComponent("fixtures/patient.json") }

  /// Compiles a C program of the kit once, into the work directory.
  func compile(_ source: String, output: String, libraries: [String] = []) throws -> String {
    try compile(root.appendingPathComponent(source), output: output, libraries: libraries)
  }

  /// Compiles the C program at `source` (the kit's or the repository's own) once.
  func compile(_ source: URL, output: String, libraries: [String] = []) throws -> String {
    let binary = workDirectory.appendingPathComponent(output).path
    if !FileManager.default.fileExists(atPath: binary) {
      try Shell.run(["cc", "-O2", "-o", binary, source.path] + libraries)
    }
    return binary
  }

  var cFloor: [String] { get throws { [try compile("peers/floor.c", output: "floor")] } }

  /// Runs the load driver against `server` and returns its JSON summary.
  func load(
    mode: String, n: Int, method: String = "ping", params: String = "{}", initialize: Bool,
    pinned: Bool = false, cycle: Int = 0, warmup: Int = 1000, server: [String]
  ) throws -> [String: Any] {
    var command = [
      python, loadDriver, "--mode", mode, "--n", String(n), "--warmup", String(warmup),
      "--method", method, "--params", params, "--json",
    ]
    if cycle > 0 { command += ["--cycle", String(cycle)] }
    if initialize { command.append("--init") }
    command += ["--"] + server
    if pinned { command = ["taskset", "-c", "0"] + command }
    let text = try Shell.output(command)
    guard let line = text.split(separator: "\n").last,
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    else { throw BenchError.failed("unreadable load driver output: \(text.suffix(300))") }
    return object
  }
}

enum BenchError: Error, CustomStringConvertible {
  case setup(String)
  case failed(String)

  var description: String {
    switch self {
    case .setup(let message), .failed(let message): message
    }
  }
}

/// Runs commands and collects their output.
enum Shell {
  @discardableResult
  static func run(_ arguments: [String], input: Data? = nil) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    if let input {
      let pipe = Pipe()
      process.standardInput = pipe
      try process.run()
      try pipe.fileHandleForWriting.write(contentsOf: input)
      try pipe.fileHandleForWriting.close()
    } else {
      process.standardInput = FileHandle.nullDevice
      try process.run()
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorText = String(
      decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw BenchError.failed(
        "\(arguments.prefix(3).joined(separator: " ")) … exited \(process.terminationStatus): \(errorText.suffix(500))"
      )
    }
    return data
  }

  static func output(_ arguments: [String]) throws -> String {
    String(decoding: try run(arguments), as: UTF8.self)
  }
}
