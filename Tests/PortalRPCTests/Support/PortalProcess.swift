import Foundation
import Glibc
import PortalJSON

/// The real `portal-rpc` executable, spawned with pipes: tests write request lines, wait for the
/// lines they expect (never for a duration), and read its exit status and stderr.
final class PortalProcess: @unchecked Sendable {
  /// `PORTAL_RPC_EXECUTABLE`, else `portal-rpc` beside the test bundle (SwiftPM's build folder).
  static let executableURL: URL = {
    if let explicit = ProcessInfo.processInfo.environment["PORTAL_RPC_EXECUTABLE"] {
      return URL(fileURLWithPath: explicit)
    }
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = bundle.deletingLastPathComponent()
    if bundle.pathExtension != "xctest" {
      let selfExe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
      directory = URL(fileURLWithPath: selfExe ?? bundle.path).deletingLastPathComponent()
    }
    return directory.appendingPathComponent("portal-rpc")
  }()

  /// The package's root folder (for transcripts and schema files).
  static let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  /// The test process's environment without what would configure the server behind a test's
  /// back: no inherited `PORTAL_*` variable, and a config directory that does not exist, so a
  /// developer's own `~/.config/portal-rpc/config.json` is never read. A test that wants either
  /// passes it.
  static let environment: [String: String] = {
    var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PORTAL_") }
    environment["XDG_CONFIG_HOME"] = "/nonexistent/portal-rpc-tests"
    return environment
  }()

  let process = Process()
  private let stdinPipe = Pipe()
  private let stdoutPipe = Pipe()
  private let stderrPipe = Pipe()
  private let condition = NSCondition()
  private var lines: [String] = []
  private var partial = Data()
  private var stdoutClosed = false
  private var stderrData = Data()
  private var stderrClosed = false
  private var consumed = 0

  /// `launcher`, when given, is a command that runs the executable (its path is appended, then
  /// `arguments`), such as one that drops privileges.
  init(arguments: [String], environment: [String: String]? = nil, launcher: [String] = [])
    throws
  {
    if let command = launcher.first {
      process.executableURL = URL(fileURLWithPath: command)
      process.arguments = launcher.dropFirst() + [Self.executableURL.path] + arguments
    } else {
      process.executableURL = Self.executableURL
      process.arguments = arguments
    }
    process.environment = Self.environment.merging(environment ?? [:]) { $1 }
    process.standardInput = stdinPipe
    process.standardOutput = stdoutPipe
    process.standardError = stderrPipe
    try process.run()
    startReading(stdoutPipe.fileHandleForReading, isStdout: true)
    startReading(stderrPipe.fileHandleForReading, isStdout: false)
  }

  private func startReading(_ handle: FileHandle, isStdout: Bool) {
    let thread = Thread { [self] in
      while true {
        let chunk = handle.availableData
        condition.lock()
        if chunk.isEmpty {
          if isStdout {
            if !partial.isEmpty { lines.append(String(decoding: partial, as: UTF8.self)) }
            partial = Data()
            stdoutClosed = true
          } else {
            stderrClosed = true
          }
          condition.broadcast()
          condition.unlock()
          return
        }
        if isStdout {
          partial.append(chunk)
          while let newline = partial.firstIndex(of: 0x0A) {
            lines.append(String(decoding: partial[partial.startIndex..<newline], as: UTF8.self))
            partial = Data(partial[(newline + 1)...])
          }
        } else {
          stderrData.append(chunk)
        }
        condition.broadcast()
        condition.unlock()
      }
    }
    thread.start()
  }

  /// Writes raw bytes to stdin; throws (instead of dying of SIGPIPE) once the process is gone.
  func write(_ bytes: Data) throws {
    Self.ignoreSIGPIPE
    let descriptor = stdinPipe.fileHandleForWriting.fileDescriptor
    try bytes.withUnsafeBytes { buffer in
      var offset = 0
      while offset < buffer.count {
        let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        offset += written
      }
    }
  }

  /// Test processes write to children that may have exited: that must be an error, not a signal.
  static let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN) }()

  /// Writes one line (a newline is added).
  func send(_ line: String) throws { try write(Data((line + "\n").utf8)) }

  /// Sends a request and waits for the response with its id.
  @discardableResult
  func call(_ method: String, id: Int, params: String? = nil, timeout: TimeInterval = 30) throws
    -> String
  {
    let paramsPart = params.map { ",\"params\":\($0)" } ?? ""
    try send("{\"jsonrpc\":\"2.0\",\"id\":\(id),\"method\":\"\(method)\"\(paramsPart)}")
    return try waitForLine(timeout: timeout) { $0.hasPrefix("{\"jsonrpc\":\"2.0\",\"id\":\(id),") }
  }

  func closeInput() throws { try stdinPipe.fileHandleForWriting.close() }

  /// The store's newest change sequence number, asked with request `id` (`getChangesSince` from
  /// beyond the end answers no changes and the newest number).
  func lastSequence(id: Int) throws -> Int64 {
    let line = try call("getChangesSince", id: id, params: "[4000000000,1]")
    guard let sequence = (try JSONParser.parse(line))["result"]?["lastSequence"]?.int64Value else {
      throw ProcessError.endedWithoutLine(stderr: "no lastSequence in: \(line.prefix(200))")
    }
    return sequence
  }

  /// `portal-rpc --check` on `directory`: its exit status and output.
  static func check(_ directory: URL) throws -> (lines: [String], status: Int32, stderr: String) {
    try run(arguments: ["--check", "--data-dir", directory.path], input: Data())
  }

  /// The next unread stdout line that satisfies `predicate` (earlier unread lines are skipped
  /// and stay readable through `allLines`).
  func waitForLine(timeout: TimeInterval = 30, where predicate: (String) -> Bool) throws -> String {
    let deadline = Date().addingTimeInterval(timeout)
    condition.lock()
    defer { condition.unlock() }
    while true {
      while consumed < lines.count {
        let line = lines[consumed]
        consumed += 1
        if predicate(line) { return line }
      }
      if stdoutClosed { throw ProcessError.endedWithoutLine(stderr: stderrText) }
      if !condition.wait(until: deadline) { throw ProcessError.timedOut(lines: lines) }
    }
  }

  /// Waits until `condition` holds over every stdout line so far, read or not (for lines that
  /// other waits may have skipped, such as notifications).
  @discardableResult
  func waitUntil(timeout: TimeInterval = 30, _ holds: ([String]) -> Bool) throws -> [String] {
    let deadline = Date().addingTimeInterval(timeout)
    condition.lock()
    defer { condition.unlock() }
    while !holds(lines) {
      if stdoutClosed { throw ProcessError.endedWithoutLine(stderr: stderrText) }
      if !condition.wait(until: deadline) { throw ProcessError.timedOut(lines: lines) }
    }
    return lines
  }

  /// Waits for stdout to close and the process to exit; returns every stdout line and the status.
  func finish(timeout: TimeInterval = 60) throws -> (lines: [String], status: Int32) {
    let deadline = Date().addingTimeInterval(timeout)
    condition.lock()
    while !(stdoutClosed && stderrClosed) {
      if !condition.wait(until: deadline) {
        condition.unlock()
        process.terminate()
        throw ProcessError.timedOut(lines: lines)
      }
    }
    let all = lines
    condition.unlock()
    process.waitUntilExit()
    return (all, process.terminationStatus)
  }

  var stderrText: String {
    String(decoding: stderrData, as: UTF8.self)
  }

  /// Everything written to stderr so far (waits for nothing).
  var stderrSnapshot: String {
    condition.lock()
    defer { condition.unlock() }
    return stderrText
  }

  enum ProcessError: Error, CustomStringConvertible {
    case timedOut(lines: [String])
    case endedWithoutLine(stderr: String)

    var description: String {
      switch self {
      case .timedOut(let lines): "timed out; stdout so far: \(lines.suffix(5))"
      case .endedWithoutLine(let stderr):
        "stdout closed before the expected line; stderr: \(stderr)"
      }
    }
  }

  /// Runs the executable to completion with `input` on stdin.
  static func run(
    arguments: [String], input: Data, environment: [String: String]? = nil,
    launcher: [String] = []
  ) throws -> (lines: [String], status: Int32, stderr: String) {
    let process = try PortalProcess(
      arguments: arguments, environment: environment, launcher: launcher)
    try process.write(input)
    try process.closeInput()
    let (lines, status) = try process.finish()
    return (lines, status, process.stderrText)
  }
}
