import Foundation

/// Starts a server process, writes `initialize`, and times the first response line; then reads
/// the process's resident memory while it idles.
enum StartupProbe {
  static func measure(_ command: [String], request: String? = nil) throws -> (
    milliseconds: Double, rssMiB: Double
  ) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: command[0])
    process.arguments = Array(command.dropFirst())
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    let line =
      request
      ?? #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"clientInfo":{"name":"bench","version":"1"}}}"#
    let start = DispatchTime.now().uptimeNanoseconds
    try process.run()
    try input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    var received = Data()
    while !received.contains(0x0A) {
      let chunk = output.fileHandleForReading.availableData
      if chunk.isEmpty { throw BenchError.failed("server exited before answering") }
      received.append(chunk)
    }
    let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000
    let rss = residentMiB(of: process.processIdentifier)
    try input.fileHandleForWriting.close()
    _ = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (milliseconds, rss)
  }

  static func residentMiB(of pid: Int32) -> Double {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
      let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
    else { return .nan }
    return kilobytes / 1024
  }
}
