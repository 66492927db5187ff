/// Parses JSON text from bytes without Foundation: exact numbers, validated UTF-8, a nesting limit
/// instead of a stack overflow, and duplicate keys rejected (one documented rule, so two readers of
/// the same message can never disagree about which value counts).
public enum JSONParser {
  /// Deep enough for any message of ours, shallow enough that recursion is safe on any thread.
  public static let defaultMaxDepth = 128

  public static func parse(
    _ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = defaultMaxDepth
  ) throws(JSONParseError) -> JSONValue {
    guard let base = bytes.baseAddress else { throw JSONParseError(.unexpectedEnd, at: 0) }
    var reader = Reader(base: base, count: bytes.count, maxDepth: maxDepth)
    let value = try reader.parseValue()
    reader.skipWhitespace()
    guard reader.position == bytes.count else {
      let reason: JSONParseError.Reason =
        reader.isInvalidUTF8(at: reader.position) ? .invalidUTF8 : .trailingContent
      throw JSONParseError(reason, at: reader.position)
    }
    return value
  }

  public static func parse(
    _ bytes: some Collection<UInt8>, maxDepth: Int = defaultMaxDepth
  ) throws(JSONParseError) -> JSONValue {
    let result: Result<JSONValue, JSONParseError>? = bytes.withContiguousStorageIfAvailable {
      buffer in
      Result { () throws(JSONParseError) in try parse(buffer, maxDepth: maxDepth) }
    }
    if let result { return try result.get() }
    let copy = Array(bytes)
    return try copy.withUnsafeBufferPointer { buffer throws(JSONParseError) in
      try parse(buffer, maxDepth: maxDepth)
    }
  }

  public static func parse(
    _ text: String, maxDepth: Int = defaultMaxDepth
  ) throws(JSONParseError) -> JSONValue {
    try parse(Array(text.utf8), maxDepth: maxDepth)
  }
}

private let quote = UInt8(ascii: "\"")
private let backslash = UInt8(ascii: "\\")

private struct Reader {
  let base: UnsafePointer<UInt8>
  let count: Int
  let maxDepth: Int
  var position = 0
  var depth = 0

  init(base: UnsafePointer<UInt8>, count: Int, maxDepth: Int) {
    self.base = base
    self.count = count
    self.maxDepth = maxDepth
  }

  mutating func skipWhitespace() {
    while position < count {
      switch base[position] {
      case 0x20, 0x0A, 0x0D, 0x09: position += 1
      default: return
      }
    }
  }

  private func fail(_ reason: JSONParseError.Reason) -> JSONParseError {
    guard position < count else { return JSONParseError(.unexpectedEnd, at: position) }
    return JSONParseError(isInvalidUTF8(at: position) ? .invalidUTF8 : reason, at: position)
  }

  /// True when the byte at `index` starts no valid UTF-8 sequence (so "invalid UTF-8" is the
  /// better description of the error there).
  func isInvalidUTF8(at index: Int) -> Bool {
    guard index < count, base[index] >= 0x80 else { return false }
    var probe = self
    probe.position = index
    return (try? probe.utf8SequenceLength()) == nil
  }

  mutating func parseValue() throws(JSONParseError) -> JSONValue {
    skipWhitespace()
    guard position < count else { throw JSONParseError(.unexpectedEnd, at: position) }
    switch base[position] {
    case UInt8(ascii: "{"): return .object(try parseObject())
    case UInt8(ascii: "["): return .array(try parseArray())
    case quote: return .string(try parseString())
    case UInt8(ascii: "t"):
      try expectLiteral("true")
      return .bool(true)
    case UInt8(ascii: "f"):
      try expectLiteral("false")
      return .bool(false)
    case UInt8(ascii: "n"):
      try expectLiteral("null")
      return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      return .number(try parseNumber())
    default:
      throw fail(.unexpectedByte(expected: "a JSON value"))
    }
  }

  private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
    let length = literal.utf8CodeUnitCount
    let literalBytes = literal.utf8Start
    for offset in 0..<length {
      guard position + offset < count, base[position + offset] == literalBytes[offset] else {
        position += offset
        throw fail(.unexpectedByte(expected: "a JSON value"))
      }
    }
    position += length
  }

  private mutating func enter() throws(JSONParseError) {
    depth += 1
    if depth > maxDepth { throw JSONParseError(.tooDeep(limit: maxDepth), at: position) }
  }

  private mutating func parseObject() throws(JSONParseError) -> JSONObject {
    try enter()
    position += 1  // {
    var object = JSONObject()
    skipWhitespace()
    if position < count, base[position] == UInt8(ascii: "}") {
      position += 1
      depth -= 1
      return object
    }
    object.reserveCapacity(8)
    while true {
      skipWhitespace()
      guard position < count, base[position] == quote else {
        throw fail(.unexpectedByte(expected: "a string key"))
      }
      let keyOffset = position
      let key = try parseString()
      skipWhitespace()
      guard position < count, base[position] == UInt8(ascii: ":") else {
        throw fail(.unexpectedByte(expected: "':' after an object key"))
      }
      position += 1
      let value = try parseValue()
      if object.contains(key) { throw JSONParseError(.duplicateKey(key), at: keyOffset) }
      object.appendUnchecked(key, value)
      skipWhitespace()
      guard position < count else { throw JSONParseError(.unexpectedEnd, at: position) }
      let next = base[position]
      position += 1
      if next == UInt8(ascii: ",") { continue }
      if next == UInt8(ascii: "}") { break }
      position -= 1
      throw fail(.unexpectedByte(expected: "',' or '}' in an object"))
    }
    depth -= 1
    return object
  }

  private mutating func parseArray() throws(JSONParseError) -> [JSONValue] {
    try enter()
    position += 1  // [
    var elements: [JSONValue] = []
    skipWhitespace()
    if position < count, base[position] == UInt8(ascii: "]") {
      position += 1
      depth -= 1
      return elements
    }
    elements.reserveCapacity(8)
    while true {
      elements.append(try parseValue())
      skipWhitespace()
      guard position < count else { throw JSONParseError(.unexpectedEnd, at: position) }
      let next = base[position]
      position += 1
      if next == UInt8(ascii: ",") { continue }
      if next == UInt8(ascii: "]") { break }
      position -= 1
      throw fail(.unexpectedByte(expected: "',' or ']' in an array"))
    }
    depth -= 1
    return elements
  }

  private mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
    let start = position
    var scanner = NumberScanner(
      bytes: UnsafeBufferPointer(start: base, count: count), position: position)
    guard scanner.scan() else {
      position = scanner.position
      throw fail(.invalidNumber)
    }
    position = scanner.position
    let text = String(
      decoding: UnsafeBufferPointer(start: base + start, count: position - start), as: UTF8.self)
    return JSONNumber(validatedLiteral: text)
  }

  /// Reads a string; `position` is at its opening quote.
  mutating func parseString() throws(JSONParseError) -> String {
    position += 1
    let start = position
    while position < count {
      let byte = base[position]
      if byte == quote {
        let text = String(
          decoding: UnsafeBufferPointer(start: base + start, count: position - start),
          as: UTF8.self)
        position += 1
        return text
      }
      if byte == backslash || byte < 0x20 || byte >= 0x80 { break }
      position += 1
    }
    return try parseStringSlowly(from: start)
  }

  /// Escapes and non-ASCII: decode into a buffer, validating UTF-8 as we go.
  private mutating func parseStringSlowly(from start: Int) throws(JSONParseError) -> String {
    var buffer: [UInt8] = []
    buffer.reserveCapacity(position - start + 16)
    buffer.append(contentsOf: UnsafeBufferPointer(start: base + start, count: position - start))
    while position < count {
      let byte = base[position]
      if byte == quote {
        position += 1
        return String(decoding: buffer, as: UTF8.self)
      } else if byte == backslash {
        try appendEscape(to: &buffer)
      } else if byte < 0x20 {
        throw fail(.controlCharacterInString)
      } else if byte < 0x80 {
        buffer.append(byte)
        position += 1
      } else {
        let length = try utf8SequenceLength()
        buffer.append(contentsOf: UnsafeBufferPointer(start: base + position, count: length))
        position += length
      }
    }
    throw JSONParseError(.unexpectedEnd, at: position)
  }

  /// Length of the well-formed UTF-8 sequence at `position` (RFC 3629: shortest form, no
  /// surrogates, at most U+10FFFF), or an error.
  fileprivate func utf8SequenceLength() throws(JSONParseError) -> Int {
    let lead = base[position]
    let length: Int
    var lower: UInt8 = 0x80
    var upper: UInt8 = 0xBF
    switch lead {
    case 0xC2...0xDF: length = 2
    case 0xE0:
      length = 3
      lower = 0xA0
    case 0xE1...0xEC, 0xEE...0xEF: length = 3
    case 0xED:
      length = 3
      upper = 0x9F
    case 0xF0:
      length = 4
      lower = 0x90
    case 0xF1...0xF3: length = 4
    case 0xF4:
      length = 4
      upper = 0x8F
    default: throw JSONParseError(.invalidUTF8, at: position)
    }
    guard position + length <= count else { throw JSONParseError(.invalidUTF8, at: position) }
    let second = base[position + 1]
    guard second >= lower, second <= upper else { throw JSONParseError(.invalidUTF8, at: position) }
    for offset in 2..<max(2, length) where base[position + offset] & 0xC0 != 0x80 {
      throw JSONParseError(.invalidUTF8, at: position)
    }
    return length
  }

  private mutating func appendEscape(to buffer: inout [UInt8]) throws(JSONParseError) {
    let escapeStart = position
    position += 1
    guard position < count else { throw JSONParseError(.unexpectedEnd, at: position) }
    let code = base[position]
    position += 1
    switch code {
    case quote: buffer.append(quote)
    case backslash: buffer.append(backslash)
    case UInt8(ascii: "/"): buffer.append(UInt8(ascii: "/"))
    case UInt8(ascii: "b"): buffer.append(0x08)
    case UInt8(ascii: "f"): buffer.append(0x0C)
    case UInt8(ascii: "n"): buffer.append(0x0A)
    case UInt8(ascii: "r"): buffer.append(0x0D)
    case UInt8(ascii: "t"): buffer.append(0x09)
    case UInt8(ascii: "u"):
      var scalar = try hex4(at: escapeStart)
      if (0xD800...0xDBFF).contains(scalar) {
        guard position + 1 < count, base[position] == backslash,
          base[position + 1] == UInt8(ascii: "u")
        else { throw JSONParseError(.unpairedSurrogate, at: escapeStart) }
        position += 2
        let low = try hex4(at: escapeStart)
        guard (0xDC00...0xDFFF).contains(low) else {
          throw JSONParseError(.unpairedSurrogate, at: escapeStart)
        }
        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
      } else if (0xDC00...0xDFFF).contains(scalar) {
        throw JSONParseError(.unpairedSurrogate, at: escapeStart)
      }
      appendUTF8(scalar, to: &buffer)
    default:
      throw JSONParseError(.invalidEscape, at: escapeStart)
    }
  }

  private mutating func hex4(at escapeStart: Int) throws(JSONParseError) -> UInt32 {
    guard position + 4 <= count else { throw JSONParseError(.invalidEscape, at: escapeStart) }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let byte = base[position]
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
      default: throw JSONParseError(.invalidEscape, at: escapeStart)
      }
      value = value << 4 | UInt32(digit)
      position += 1
    }
    return value
  }

  private func appendUTF8(_ scalar: UInt32, to buffer: inout [UInt8]) {
    switch scalar {
    case 0..<0x80:
      buffer.append(UInt8(scalar))
    case 0x80..<0x800:
      buffer.append(UInt8(0xC0 | scalar >> 6))
      buffer.append(UInt8(0x80 | scalar & 0x3F))
    case 0x800..<0x10000:
      buffer.append(UInt8(0xE0 | scalar >> 12))
      buffer.append(UInt8(0x80 | scalar >> 6 & 0x3F))
      buffer.append(UInt8(0x80 | scalar & 0x3F))
    default:
      buffer.append(UInt8(0xF0 | scalar >> 18))
      buffer.append(UInt8(0x80 | scalar >> 12 & 0x3F))
      buffer.append(UInt8(0x80 | scalar >> 6 & 0x3F))
      buffer.append(UInt8(0x80 | scalar & 0x3F))
    }
  }
}

extension JSONParser {
  /// Parses a top-level object member by member without building it, handing each key (as its
  /// decoded UTF-8 bytes) and value to `body`: how message envelopes are read without allocating
  /// an object per message. Returns nil, having parsed nothing, when the text is not an object.
  /// Duplicate keys are the caller's to detect (`body` may throw `duplicateKey`).
  public static func parseMembers(
    of bytes: UnsafeBufferPointer<UInt8>,
    maxDepth: Int = defaultMaxDepth,
    _ body: (_ key: UnsafeBufferPointer<UInt8>, _ keyOffset: Int, JSONValue)
      throws(JSONParseError) -> Void
  ) throws(JSONParseError) -> Bool {
    guard let base = bytes.baseAddress else { throw JSONParseError(.unexpectedEnd, at: 0) }
    var reader = Reader(base: base, count: bytes.count, maxDepth: maxDepth)
    reader.skipWhitespace()
    guard reader.position < bytes.count, base[reader.position] == UInt8(ascii: "{") else {
      return false
    }
    try reader.parseMembers(body)
    reader.skipWhitespace()
    guard reader.position == bytes.count else {
      let reason: JSONParseError.Reason =
        reader.isInvalidUTF8(at: reader.position) ? .invalidUTF8 : .trailingContent
      throw JSONParseError(reason, at: reader.position)
    }
    return true
  }
}

extension Reader {
  fileprivate mutating func parseMembers(
    _ body: (UnsafeBufferPointer<UInt8>, Int, JSONValue) throws(JSONParseError) -> Void
  ) throws(JSONParseError) {
    depth += 1
    position += 1  // {
    skipWhitespace()
    if position < count, base[position] == UInt8(ascii: "}") {
      position += 1
      return
    }
    while true {
      skipWhitespace()
      guard position < count, base[position] == quote else {
        throw JSONParseError(
          position < count ? .unexpectedByte(expected: "a string key") : .unexpectedEnd,
          at: position)
      }
      // Plain ASCII keys are handed over in place; others are decoded (and validated) first.
      let keyStart = position + 1
      var keyEnd = keyStart
      while keyEnd < count {
        let byte = base[keyEnd]
        if byte == quote || byte == backslash || byte < 0x20 || byte >= 0x80 { break }
        keyEnd += 1
      }
      var decodedKey: String?
      if keyEnd < count, base[keyEnd] == quote {
        position = keyEnd + 1
      } else {
        decodedKey = try parseString()
      }
      skipWhitespace()
      guard position < count, base[position] == UInt8(ascii: ":") else {
        throw JSONParseError(
          position < count ? .unexpectedByte(expected: "':' after an object key") : .unexpectedEnd,
          at: position)
      }
      position += 1
      let value = try parseValue()
      if var decodedKey {
        let outcome = decodedKey.withUTF8 { keyBytes in
          Swift.Result { () throws(JSONParseError) in
            try body(keyBytes, keyStart - 1, value)
          }
        }
        try outcome.get()
      } else {
        let key = UnsafeBufferPointer(start: base + keyStart, count: keyEnd - keyStart)
        try body(key, keyStart - 1, value)
      }
      skipWhitespace()
      guard position < count else { throw JSONParseError(.unexpectedEnd, at: position) }
      let next = base[position]
      position += 1
      if next == UInt8(ascii: ",") { continue }
      if next == UInt8(ascii: "}") { return }
      position -= 1
      throw JSONParseError(.unexpectedByte(expected: "',' or '}' in an object"), at: position)
    }
  }
}
