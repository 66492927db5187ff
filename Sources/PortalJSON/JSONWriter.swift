/// Appends compact JSON to a growable byte buffer. Keys keep their order, `/` is not escaped, and
/// every control character plus U+2028/U+2029 is escaped, so one message is always one line.
///
/// A class rather than a value: the server keeps one writer for its whole output and reuses its
/// memory, and building a response never copies the bytes written so far.
public final class JSONWriter {
  /// The buffer's state lives behind a pointer held in a `let`: the hot append path then pays no
  /// run-time exclusivity check, which class stored properties would (about 15 % of encoding).
  private struct Storage {
    var base: UnsafeMutablePointer<UInt8>
    var capacity: Int
    var count: Int
  }

  private let storage: UnsafeMutablePointer<Storage>

  public init(capacity: Int = 256) {
    let capacity = max(capacity, 16)
    storage = UnsafeMutablePointer<Storage>.allocate(capacity: 1)
    storage.initialize(
      to: Storage(
        base: UnsafeMutablePointer<UInt8>.allocate(capacity: capacity), capacity: capacity, count: 0
      ))
  }

  deinit {
    storage.pointee.base.deallocate()
    storage.deinitialize(count: 1)
    storage.deallocate()
  }

  public static func encode(_ value: JSONValue) -> [UInt8] {
    let writer = JSONWriter()
    writer.write(value)
    return writer.bytes
  }

  /// Number of bytes written.
  public var count: Int { storage.pointee.count }

  /// A copy of the bytes written.
  public var bytes: [UInt8] {
    Array(UnsafeBufferPointer(start: storage.pointee.base, count: storage.pointee.count))
  }

  public var isEmpty: Bool { storage.pointee.count == 0 }

  /// Lends the bytes written, without copying them.
  public func withBytes<R, E: Error>(
    _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R
  ) throws(E) -> R {
    try body(UnsafeBufferPointer(start: storage.pointee.base, count: storage.pointee.count))
  }

  /// The bytes from `start` to the end, copied: a finished value inside a larger output.
  public func bytes(from start: Int) -> [UInt8] {
    precondition(start >= 0 && start <= count, "slice past the end")
    return Array(UnsafeBufferPointer(start: storage.pointee.base + start, count: count - start))
  }

  /// Forgets everything written after `mark` (a former `count`): how a half-written reply is undone.
  public func truncate(to mark: Int) {
    precondition(mark >= 0 && mark <= storage.pointee.count, "truncate past the end")
    storage.pointee.count = mark
  }

  /// Empties the buffer; memory beyond `keepingCapacity` bytes is given back.
  public func reset(keepingCapacity limit: Int = 1 << 20) {
    storage.pointee.count = 0
    if storage.pointee.capacity > limit {
      storage.pointee.base.deallocate()
      storage.pointee.capacity = max(limit, 16)
      storage.pointee.base = UnsafeMutablePointer<UInt8>.allocate(
        capacity: storage.pointee.capacity)
    }
  }

  @inline(__always)
  private func reserve(_ extra: Int) {
    if storage.pointee.count + extra > storage.pointee.capacity {
      grow(toHold: storage.pointee.count + extra)
    }
  }

  private func grow(toHold needed: Int) {
    var newCapacity = storage.pointee.capacity * 2
    while newCapacity < needed { newCapacity *= 2 }
    let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
    newBase.update(from: storage.pointee.base, count: storage.pointee.count)
    storage.pointee.base.deallocate()
    storage.pointee.base = newBase
    storage.pointee.capacity = newCapacity
  }

  @inline(__always)
  public func append(_ byte: UInt8) {
    reserve(1)
    storage.pointee.base[storage.pointee.count] = byte
    storage.pointee.count += 1
  }

  public func append(_ buffer: UnsafeBufferPointer<UInt8>) {
    guard let source = buffer.baseAddress, buffer.count > 0 else { return }
    reserve(buffer.count)
    (storage.pointee.base + storage.pointee.count).update(from: source, count: buffer.count)
    storage.pointee.count += buffer.count
  }

  public func append(_ bytes: [UInt8]) {
    bytes.withUnsafeBufferPointer { append($0) }
  }

  // MARK: Values

  public func write(_ value: JSONValue) {
    switch value {
    case .null: writeRaw("null")
    case .bool(let flag): writeRaw(flag ? "true" : "false")
    case .number(let number): writeNumber(number)
    case .string(let string): writeString(string)
    case .array(let elements):
      append(UInt8(ascii: "["))
      var first = true
      for element in elements {
        if !first { append(UInt8(ascii: ",")) }
        first = false
        write(element)
      }
      append(UInt8(ascii: "]"))
    case .object(let object):
      write(object)
    }
  }

  public func write(_ object: JSONObject) {
    append(UInt8(ascii: "{"))
    var first = true
    for member in object.members {
      if !first { append(UInt8(ascii: ",")) }
      first = false
      writeString(member.key)
      append(UInt8(ascii: ":"))
      write(member.value)
    }
    append(UInt8(ascii: "}"))
  }

  /// Splices already-encoded JSON in verbatim (stored records are served this way).
  public func write(_ encoded: EncodedJSON) { append(encoded.bytes) }

  /// Appends ASCII text verbatim: punctuation and literals the caller knows to be valid JSON.
  public func writeRaw(_ text: StaticString) {
    append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
  }

  public func writeNumber(_ number: JSONNumber) { writeUTF8(of: number.literal) }

  public func writeInteger(_ value: Int64) {
    if value < 0 { append(UInt8(ascii: "-")) }
    let magnitude = value.magnitude
    if magnitude < 10 {
      append(UInt8(ascii: "0") + UInt8(magnitude))
      return
    }
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
      var remaining = magnitude
      var index = 20
      while remaining > 0 {
        index -= 1
        digits[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
        remaining /= 10
      }
      append(UnsafeBufferPointer(rebasing: digits[index..<20]))
    }
  }

  public func writeInteger(_ value: Int) { writeInteger(Int64(value)) }

  /// Writes `"key":`.
  public func writeKey(_ key: String) {
    writeString(key)
    append(UInt8(ascii: ":"))
  }

  public func writeString(_ string: String) {
    let done: Void? = string.utf8.withContiguousStorageIfAvailable { writeEscaped($0) }
    if done == nil {
      var copy = string
      copy.withUTF8 { writeEscaped($0) }
    }
  }

  /// Appends a string's UTF-8 bytes verbatim (for text already known to need no escaping).
  private func writeUTF8(of text: String) {
    let done: Void? = text.utf8.withContiguousStorageIfAvailable { append($0) }
    if done == nil {
      var copy = text
      copy.withUTF8 { append($0) }
    }
  }

  private func writeEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
    reserve(utf8.count + 2)
    append(UInt8(ascii: "\""))
    let count = utf8.count
    var runStart = 0
    var index = 0
    while index < count {
      // Skip eight clean bytes at a time; look closer only at a word that may need an escape.
      if index + 8 <= count {
        let word = UnsafeRawPointer(utf8.baseAddress! + index).loadUnaligned(as: UInt64.self)
        if !mayNeedEscape(word) {
          index += 8
          continue
        }
      }
      let end = min(index + 8, count)
      while index < end {
        let byte = utf8[index]
        if byte >= 0x20 && byte != 0x22 && byte != 0x5C
          && !(byte == 0xE2 && isLineOrParagraphSeparator(utf8, at: index))
        {
          index += 1
          continue
        }
        if runStart < index { append(UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
        index += writeEscape(for: byte, in: utf8, at: index)
        runStart = index
      }
    }
    if runStart < count { append(UnsafeBufferPointer(rebasing: utf8[runStart..<count])) }
    append(UInt8(ascii: "\""))
  }

  /// U+2028 and U+2029 are E2 80 A8 and E2 80 A9: legal JSON, but line breaks to JavaScript.
  @inline(__always)
  private func isLineOrParagraphSeparator(_ utf8: UnsafeBufferPointer<UInt8>, at index: Int)
    -> Bool
  {
    index + 2 < utf8.count && utf8[index + 1] == 0x80
      && (utf8[index + 2] == 0xA8 || utf8[index + 2] == 0xA9)
  }

  /// Writes the escape for the byte at `index`; returns how many input bytes it stood for.
  private func writeEscape(for byte: UInt8, in utf8: UnsafeBufferPointer<UInt8>, at index: Int)
    -> Int
  {
    switch byte {
    case 0x22: writeRaw("\\\"")
    case 0x5C: writeRaw("\\\\")
    case 0x0A: writeRaw("\\n")
    case 0x0D: writeRaw("\\r")
    case 0x09: writeRaw("\\t")
    case 0x08: writeRaw("\\b")
    case 0x0C: writeRaw("\\f")
    case 0xE2:
      writeRaw(utf8[index + 2] == 0xA8 ? "\\u2028" : "\\u2029")
      return 3
    default:
      writeRaw("\\u00")
      append(hexDigit(byte >> 4))
      append(hexDigit(byte & 0xF))
    }
    return 1
  }

  private func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
  }
}

/// True when any byte of `word` is below 0x20 or is `"`, `\` or 0xE2 (SWAR: eight bytes at once).
@inline(__always)
func mayNeedEscape(_ word: UInt64) -> Bool {
  let ones: UInt64 = 0x0101_0101_0101_0101
  let highs: UInt64 = 0x8080_8080_8080_8080
  let belowSpace = (word &- ones &* 0x20) & ~word & highs
  return (belowSpace | hasByte(word, 0x22) | hasByte(word, 0x5C) | hasByte(word, 0xE2)) != 0
}

/// True when any byte of `word` equals `byte` (the classic "has zero byte" test on `word ^ byte`).
@inline(__always)
func hasByte(_ word: UInt64, _ byte: UInt64) -> UInt64 {
  let ones: UInt64 = 0x0101_0101_0101_0101
  let spread = word ^ (ones &* byte)
  return (spread &- ones) & ~spread & 0x8080_8080_8080_8080
}

extension JSONValue {
  /// The compact encoding as bytes.
  public var encoded: [UInt8] { JSONWriter.encode(self) }
}

extension JSONWriter {
  /// Two-space indented JSON for files people read (schemas); protocol messages stay compact.
  public static func prettyPrinted(_ value: JSONValue) -> String {
    let writer = JSONWriter()
    writer.writePretty(value, indent: 0)
    writer.append(UInt8(ascii: "\n"))
    return String(decoding: writer.bytes, as: UTF8.self)
  }

  private func newline(_ indent: Int) {
    append(UInt8(ascii: "\n"))
    for _ in 0..<indent { append(UInt8(ascii: " ")) }
  }

  private func writePretty(_ value: JSONValue, indent: Int) {
    switch value {
    case .array(let elements) where !elements.isEmpty:
      append(UInt8(ascii: "["))
      for (index, element) in elements.enumerated() {
        if index > 0 { append(UInt8(ascii: ",")) }
        newline(indent + 2)
        writePretty(element, indent: indent + 2)
      }
      newline(indent)
      append(UInt8(ascii: "]"))
    case .object(let object) where !object.isEmpty:
      append(UInt8(ascii: "{"))
      for (index, member) in object.members.enumerated() {
        if index > 0 { append(UInt8(ascii: ",")) }
        newline(indent + 2)
        writeString(member.key)
        writeRaw(": ")
        writePretty(member.value, indent: indent + 2)
      }
      newline(indent)
      append(UInt8(ascii: "}"))
    default:
      write(value)
    }
  }
}
