import Foundation

/// One running `portal-rpc` driven line by line from the bench: send a request, wait for the
/// line with its id, time it; read the process's memory and CPU from /proc.
final class ServerSession {
  let process = Process()
  private let input = Pipe()
  private let output = Pipe()
  private var buffer: [UInt8] = []
  private var consumed = 0
  private static let notificationPrefix = Array(
    #"{"jsonrpc":"2.0","method":"dataSync/changed""#.utf8)
  private(set) var notificationsSeen = 0
  /// Arrival times of notification lines, in order (when `recordNotifications` is on).
  var recordNotifications = false
  private(set) var notificationTimes: [UInt64] = []
  /// How long `readUntil` waits for the next bytes before it gives up (nil: for ever).
  var readTimeout: Double?

  /// Starts `command`; its standard error goes to `log` (the bench's own when nil).
  init(_ command: [String], log: FileHandle? = nil) throws {
    process.executableURL = URL(fileURLWithPath: command[0])
    process.arguments = Array(command.dropFirst())
    process.standardInput = input
    process.standardOutput = output
    process.standardError = log ?? FileHandle.standardError
    try process.run()
  }

  var pid: Int32 { process.processIdentifier }

  /// The server's input, for a writer thread of the caller's (pipelined requests).
  var inputHandle: FileHandle { input.fileHandleForWriting }

  func send(_ line: String) throws {
    try input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
  }

  /// Reads lines until one satisfies `predicate`; counts the notification lines on the way.
  /// Reads with read(2) into one buffer: the client must not be slower than the server.
  func readUntil(_ predicate: (ArraySlice<UInt8>) -> Bool) throws -> [UInt8] {
    let descriptor = output.fileHandleForReading.fileDescriptor
    while true {
      while let newline = buffer[consumed...].firstIndex(of: 0x0A) {
        let line = buffer[consumed..<newline]
        consumed = newline + 1
        if line.starts(with: Self.notificationPrefix) {
          notificationsSeen += 1
          if recordNotifications { notificationTimes.append(DispatchTime.now().uptimeNanoseconds) }
        }
        if predicate(line) { return Array(line) }
      }
      buffer.removeFirst(consumed)
      consumed = 0
      if let readTimeout {
        var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&ready, 1, Int32(readTimeout * 1000)) > 0 else {
          throw BenchError.failed("no answer from the server within \(readTimeout) s")
        }
      }
      let start = buffer.count
      buffer.append(contentsOf: repeatElement(0, count: 1 << 20))
      let count = buffer.withUnsafeMutableBytes {
        read(descriptor, $0.baseAddress! + start, 1 << 20)
      }
      buffer.removeLast((1 << 20) - max(count, 0))
      if count <= 0 { throw BenchError.failed("server closed its output") }
    }
  }

  /// Sends a request and waits for its response; returns the response and the seconds it took.
  @discardableResult
  func call(_ id: Int, _ method: String, _ params: String) throws -> ([UInt8], Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    try send(#"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","params":\#(params)}"#)
    let line = try response(id, method)
    return (line, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
  }

  /// Waits for the response with `id`; throws when it is an error.
  func response(_ id: Int, _ method: String) throws -> [UInt8] {
    let prefix = Array(#"{"jsonrpc":"2.0","id":\#(id),"#.utf8)
    let line = try readUntil { $0.starts(with: prefix) }
    if line.starts(with: prefix + Array(#""error""#.utf8)) {
      throw BenchError.failed(
        "\(method) failed: \(String(decoding: line.prefix(300), as: UTF8.self))")
    }
    return line
  }

  /// Resident memory now and at its peak (VmRSS, VmHWM), in MiB.
  func memory() -> (resident: Double, peak: Double) {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else {
      return (.nan, .nan)
    }
    func field(_ name: String) -> Double {
      guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name) }),
        let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
      else { return .nan }
      return kilobytes / 1024
    }
    return (field("VmRSS:"), field("VmHWM:"))
  }

  /// CPU time used so far (user + system), in milliseconds.
  func cpuMilliseconds() -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return .nan }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else {
      return .nan
    }
    return (user + system) * 1000 / Double(sysconf(Int32(_SC_CLK_TCK)))
  }

  func finish() {
    try? input.fileHandleForWriting.close()
    _ = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
  }
}
