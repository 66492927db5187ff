internal import PortalJSON

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// Splits a byte stream into lines on LF, as raw bytes (no UTF-8 repair). It tolerates CRLF,
/// skips blank lines, and refuses a line longer than the limit without ever holding it whole: it
/// keeps only the line's first bytes, to find the request's id for the error answer.
public struct LineFramer {
  /// What the stream held next.
  public enum Event {
    /// A complete line without its terminator; valid only during the callback.
    case line(UnsafeBufferPointer<UInt8>)
    /// A line over the limit, skipped; `id` is the request's id when its first bytes show it.
    case oversize(id: RequestID)
  }

  public let maxLineBytes: Int
  /// How much of an oversize line is kept to look for its id.
  static let oversizeHeadBytes = 4096

  private var pending: [UInt8] = []
  private var skipping = false
  private var oversizeHead: [UInt8] = []

  public init(maxLineBytes: Int) { self.maxLineBytes = maxLineBytes }

  /// Feeds `chunk`, calling `body` for each line it completes.
  public mutating func push(_ chunk: UnsafeBufferPointer<UInt8>, _ body: (Event) -> Void) {
    guard let base = chunk.baseAddress else { return }
    var start = 0
    while start < chunk.count {
      let remaining = chunk.count - start
      guard let found = memchr(base + start, 0x0A, remaining) else {
        keepPartial(UnsafeBufferPointer(start: base + start, count: remaining))
        return
      }
      let end = UnsafeRawPointer(found).assumingMemoryBound(to: UInt8.self) - base
      completeLine(UnsafeBufferPointer(start: base + start, count: end - start), body)
      start = end + 1
    }
  }

  /// End of input: an unterminated last line still counts as a line.
  public mutating func finish(_ body: (Event) -> Void) {
    if skipping || !pending.isEmpty {
      completeLine(UnsafeBufferPointer(start: nil, count: 0), body)
    }
  }

  private mutating func keepPartial(_ bytes: UnsafeBufferPointer<UInt8>) {
    if skipping { return }
    if pending.count + bytes.count > maxLineBytes {
      skipping = true
      oversizeHead = pending
      oversizeHead.append(
        contentsOf: bytes.prefix(max(0, Self.oversizeHeadBytes - oversizeHead.count)))
      pending = []
    } else {
      pending.append(contentsOf: bytes)
    }
  }

  private mutating func completeLine(
    _ tail: UnsafeBufferPointer<UInt8>, _ body: (Event) -> Void
  ) {
    if skipping {
      skipping = false
      let head = oversizeHead
      oversizeHead = []
      body(.oversize(id: OversizeLineID.find(in: head)))
      return
    }
    if pending.isEmpty {
      if tail.count > maxLineBytes {
        body(.oversize(id: OversizeLineID.find(in: Array(tail.prefix(Self.oversizeHeadBytes)))))
      } else {
        emit(tail, body)
      }
      return
    }
    if pending.count + tail.count > maxLineBytes {
      let head = Array((pending + Array(tail)).prefix(Self.oversizeHeadBytes))
      pending = []
      body(.oversize(id: OversizeLineID.find(in: head)))
      return
    }
    pending.append(contentsOf: tail)
    let line = pending
    pending = []
    line.withUnsafeBufferPointer { emit($0, body) }
  }

  /// Strips a trailing CR and skips lines that are only whitespace.
  private func emit(_ line: UnsafeBufferPointer<UInt8>, _ body: (Event) -> Void) {
    var count = line.count
    if count > 0, line[count - 1] == 0x0D { count -= 1 }
    var index = 0
    while index < count, line[index] == 0x20 || line[index] == 0x09 || line[index] == 0x0D {
      index += 1
    }
    guard index < count else { return }
    body(.line(UnsafeBufferPointer(rebasing: line[0..<count])))
  }
}

/// Finds a request's `id` in the first bytes of a line too long to parse: a top-level `"id"`
/// member whose value is a string, a number or null, before the bytes run out.
enum OversizeLineID {
  static func find(in head: [UInt8]) -> RequestID {
    var scanner = Scanner(bytes: head)
    return scanner.topLevelID() ?? .null
  }

  private struct Scanner {
    let bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func topLevelID() -> RequestID? {
      skipWhitespace()
      guard take(UInt8(ascii: "{")) else { return nil }
      while true {
        skipWhitespace()
        let keyStart = position
        guard skipString() else { return nil }
        let key = bytes[keyStart..<position]
        skipWhitespace()
        guard take(UInt8(ascii: ":")) else { return nil }
        skipWhitespace()
        let valueStart = position
        guard skipValue() else { return nil }
        if key.elementsEqual("\"id\"".utf8) {
          let text = Array(bytes[valueStart..<position])
          guard let value = try? JSONParser.parse(text) else { return nil }
          return RequestID(value)
        }
        skipWhitespace()
        guard take(UInt8(ascii: ",")) else { return nil }
      }
    }

    private mutating func take(_ byte: UInt8) -> Bool {
      guard position < bytes.count, bytes[position] == byte else { return false }
      position += 1
      return true
    }

    private mutating func skipWhitespace() {
      while position < bytes.count,
        [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position])
      {
        position += 1
      }
    }

    private mutating func skipString() -> Bool {
      guard take(UInt8(ascii: "\"")) else { return false }
      while position < bytes.count {
        let byte = bytes[position]
        position += 1
        if byte == UInt8(ascii: "\\") {
          position += 1
        } else if byte == UInt8(ascii: "\"") {
          return true
        }
      }
      return false
    }

    /// Skips one value; false when the bytes end inside it.
    private mutating func skipValue() -> Bool {
      guard position < bytes.count else { return false }
      switch bytes[position] {
      case UInt8(ascii: "\""):
        return skipString()
      case UInt8(ascii: "{"), UInt8(ascii: "["):
        var depth = 0
        while position < bytes.count {
          let byte = bytes[position]
          if byte == UInt8(ascii: "\"") {
            guard skipString() else { return false }
            continue
          }
          position += 1
          if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") { depth += 1 }
          if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
            depth -= 1
            if depth == 0 { return true }
          }
        }
        return false
      default:
        while position < bytes.count,
          ![UInt8(ascii: ","), UInt8(ascii: "}"), 0x20, 0x09, 0x0A, 0x0D].contains(bytes[position])
        {
          position += 1
        }
        return position < bytes.count
      }
    }
  }
}
