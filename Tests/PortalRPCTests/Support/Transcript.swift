import Foundation

/// A golden transcript: request lines in, the exact stdout lines expected out.
///
///     # A comment; blank lines are ignored.
///     #! args: --in-memory            (command-line arguments; the default is below)
///     #! exit: 0                      (expected exit status)
///     > {"jsonrpc":"2.0","id":1,"method":"ping"}      (a line sent, newline added)
///     >raw {"jsonrpc":"2.0",\xff}\r\n                 (bytes sent as written: \xHH \r \n \t \\)
///     < {"jsonrpc":"2.0","id":1,"result":"pong"}      (a line expected, in order)
///
/// By default the server runs on a fresh data directory (a real SQLite file), named `$DATA` in
/// arguments and in expected output, with a fixed clock.
///
/// `PORTAL_RECORD=1 swift test` rewrites the expected lines from what the server printed, and
/// fails, so the change is reviewed in the diff.
struct Transcript: CustomStringConvertible, Sendable {
  static let defaultArguments = [
    "--data-dir", "$DATA", "--clock", "fixed:2026-01-31T09:15:00.000Z",
  ]

  let url: URL
  let arguments: [String]
  let expectedStatus: Int32
  let input: Data
  let expected: [String]

  var description: String { url.lastPathComponent }

  init(url: URL) throws {
    self.url = url
    var arguments = Self.defaultArguments
    var status: Int32 = 0
    var input = Data()
    var expected: [String] = []
    let text = try String(contentsOf: url, encoding: .utf8)
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("#! args:") {
        arguments = line.dropFirst(8).split(separator: " ").map(String.init)
      } else if line.hasPrefix("#! more args:") {
        arguments += line.dropFirst(13).split(separator: " ").map(String.init)
      } else if line.hasPrefix("#! exit:") {
        status = Int32(line.dropFirst(8).trimmingCharacters(in: .whitespaces)) ?? -1
      } else if line.hasPrefix(">raw ") {
        input.append(Self.unescape(line.dropFirst(5)))
      } else if line.hasPrefix("> ") {
        input.append(Data((line.dropFirst(2) + "\n").utf8))
      } else if line.hasPrefix("< ") {
        expected.append(String(line.dropFirst(2)))
      }
    }
    self.arguments = arguments
    self.expectedStatus = status
    self.input = input
    self.expected = expected
  }

  private static func unescape(_ text: Substring) -> Data {
    var bytes: [UInt8] = []
    var iterator = Array(text.utf8).makeIterator()
    while let byte = iterator.next() {
      guard byte == UInt8(ascii: "\\"), let code = iterator.next() else {
        bytes.append(byte)
        continue
      }
      switch code {
      case UInt8(ascii: "n"): bytes.append(0x0A)
      case UInt8(ascii: "r"): bytes.append(0x0D)
      case UInt8(ascii: "t"): bytes.append(0x09)
      case UInt8(ascii: "x"):
        let high = iterator.next() ?? 0
        let low = iterator.next() ?? 0
        bytes.append(UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) ?? 0)
      default: bytes.append(code)
      }
    }
    return Data(bytes)
  }

  /// Rewrites the `< ` lines with `actual`, keeping everything else.
  func record(_ actual: [String]) throws {
    let text = try String(contentsOf: url, encoding: .utf8)
    var output: [String] = []
    var inserted = false
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("< ") {
        if !inserted {
          output.append(contentsOf: actual.map { "< " + $0 })
          inserted = true
        }
      } else {
        output.append(String(line))
      }
    }
    if !inserted {
      if output.last == "" { output.removeLast() }
      output.append(contentsOf: actual.map { "< " + $0 })
      output.append("")
    }
    try output.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
  }

  /// Every transcript in the repository: protocol edge cases under Tests/, and the documented
  /// examples under examples/transcripts.
  static func all() -> [Transcript] {
    let folders = [
      PortalProcess.packageRoot.appendingPathComponent("Tests/PortalRPCTests/Transcripts"),
      PortalProcess.packageRoot.appendingPathComponent("examples/transcripts"),
    ]
    let urls = folders.flatMap { folder in
      ((try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil))
        ?? []).filter { $0.pathExtension == "transcript" }
    }
    return urls.sorted { $0.path < $1.path }.compactMap { try? Transcript(url: $0) }
  }
}
