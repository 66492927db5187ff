#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// How much the server says on stderr.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable {
  case error, warn, info, debug

  public init?(name: String) {
    guard let level = LogLevel.allCases.first(where: { $0.name == name }) else { return nil }
    self = level
  }

  public var name: String {
    switch self {
    case .error: "error"
    case .warn: "warn"
    case .info: "info"
    case .debug: "debug"
    }
  }

  public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Writes one line per event to stderr (stdout carries only protocol messages).
///
/// Messages are built from `LogMessage`, which only interpolates values that cannot be patient
/// data (numbers, method names, error codes, field paths): a patient value cannot reach a log line
/// by accident.
public struct Log: Sendable {
  public let level: LogLevel

  public init(level: LogLevel) { self.level = level }

  public func error(_ message: @autoclosure () -> LogMessage) { emit(.error, message) }
  public func warn(_ message: @autoclosure () -> LogMessage) { emit(.warn, message) }
  public func info(_ message: @autoclosure () -> LogMessage) { emit(.info, message) }
  public func debug(_ message: @autoclosure () -> LogMessage) { emit(.debug, message) }

  private func emit(_ severity: LogLevel, _ message: () -> LogMessage) {
    guard severity <= level else { return }
    let line = "portal-rpc \(severity.name): \(message().text)\n"
    var bytes = Array(line.utf8)
    bytes.withUnsafeMutableBytes { buffer in
      var offset = 0
      while offset < buffer.count {
        let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
        if written < 0 && errno == EINTR { continue }
        if written <= 0 { return }
        offset += written
      }
    }
  }
}

/// A log line whose interpolations are limited to values that are never patient data.
public struct LogMessage: ExpressibleByStringInterpolation, Sendable {
  public let text: String

  public init(stringLiteral value: String) { text = value }
  public init(stringInterpolation: Interpolation) { text = stringInterpolation.text }

  public struct Interpolation: StringInterpolationProtocol {
    var text = ""
    public init(literalCapacity: Int, interpolationCount: Int) {}
    public mutating func appendLiteral(_ literal: String) { text += literal }
    public mutating func appendInterpolation(_ value: Int) { text += String(value) }
    public mutating func appendInterpolation(_ value: Int64) { text += String(value) }
    public mutating func appendInterpolation(_ value: Double) { text += String(value) }
    public mutating func appendInterpolation(_ value: ErrorCode) { text += String(value.rawValue) }
    /// A name the server itself defines (method, option, path in the file system, field path).
    public mutating func appendInterpolation(name: String) { text += name }
  }
}
