internal import PortalJSON

/// `meta.syncState` put into a stored record's bytes without decoding it: a record is stored with
/// `id` as its first member and `meta` (strings and numbers only) as its last, so the id is read
/// from the front and the state goes in just before the two closing braces. Anything of another
/// shape gives nil, and the caller decodes.
enum SyncStateSplice {
  private static let idPrefix = Array(#"{"id":"#.utf8)
  private static let metaKey = Array(#""meta":{"#.utf8)

  /// The record's id when it is the first member: a string without escapes, or an integer.
  static func leadingID(_ bytes: [UInt8]) -> JSONValue? {
    guard bytes.starts(with: idPrefix) else { return nil }
    var index = idPrefix.count
    if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
      index += 1
      let start = index
      while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
        if bytes[index] == UInt8(ascii: "\\") { return nil }
        index += 1
      }
      guard index < bytes.count else { return nil }
      return .string(String(decoding: bytes[start..<index], as: UTF8.self))
    }
    var value: Int64 = 0
    let start = index
    while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
      let (product, overflow) = value.multipliedReportingOverflow(by: 10)
      guard !overflow else { return nil }
      value = product + Int64(bytes[index] - UInt8(ascii: "0"))
      index += 1
    }
    guard index > start, index < bytes.count, bytes[index] == UInt8(ascii: ",") else { return nil }
    return JSONValue(value)
  }

  /// The bytes with `"syncState":"<state>"` as `meta`'s last member; nil when `meta` is not the
  /// record's last member or holds an object or array.
  static func insert(_ state: String, into bytes: [UInt8]) -> [UInt8]? {
    let count = bytes.count
    guard count > 2, bytes[count - 1] == UInt8(ascii: "}"), bytes[count - 2] == UInt8(ascii: "}")
    else { return nil }
    // Back from the end to the `"meta":{` that opens the last object; no brace in between.
    var index = count - 3
    while index >= metaKey.count - 1 {
      let byte = bytes[index]
      if byte == UInt8(ascii: "{") {
        let start = index - (metaKey.count - 1)
        guard start >= 0, bytes[start...index].elementsEqual(metaKey) else { return nil }
        var result = [UInt8]()
        result.reserveCapacity(count + 24)
        result += bytes[0..<(count - 2)]
        if bytes[count - 3] != UInt8(ascii: "{") { result.append(UInt8(ascii: ",")) }
        result += Array(#""syncState":""#.utf8) + Array(state.utf8)
        result += Array(#""}}"#.utf8)
        return result
      }
      if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]") {
        return nil
      }
      index -= 1
    }
    return nil
  }
}
