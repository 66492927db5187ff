import Foundation
import PortalJSON
import TestSupport

/// Turns valid request lines into hostile ones: truncated, retyped, with huge and negative
/// numbers, deep nesting, invalid UTF-8, oversize, random bytes, or valid JSON of the wrong shape.
/// Never produces a newline inside a line, nor the methods that end the session.
struct RequestMutator {
  /// Valid requests touching every kind of parameter the interface has.
  static let corpus: [String] = [
    #"{"jsonrpc":"2.0","id":1,"method":"addPatient","params":[\#(ManyWindowsTests.patient)]}"#,
    #"{"jsonrpc":"2.0","id":2,"method":"syncPatientData","params":["P001",{"phone":"(555) 000-0000","insurance":{"status":"inactive"}}]}"#,
    #"{"jsonrpc":"2.0","id":3,"method":"getPatients","params":[{"filter":{"status":"active"},"sort":{"field":"name","direction":"asc"},"limit":5}]}"#,
    #"{"jsonrpc":"2.0","id":4,"method":"addAppointment","params":[{"patientId":"P001","date":"2026-03-01","time":"09:00","type":"Check-up","status":"scheduled"}]}"#,
    #"{"jsonrpc":"2.0","id":5,"method":"addTransaction","params":{"transaction":{"patientId":"P001","type":"payment","method":"cash","amount":12.5,"date":"2026-02-01","description":"Visit","status":"completed"}}}"#,
    #"{"jsonrpc":"2.0","id":6,"method":"appendMessage","params":[1,{"sender":"Dr. Chen","senderType":"staff","content":"See you soon"}]}"#,
    #"{"jsonrpc":"2.0","id":7,"method":"transaction","params":{"operations":[{"method":"syncPatientData","params":["P001",{"phone":"555-010-0001"}]},{"method":"addAppointment","params":[{"patientId":"P001","date":"2026-03-02","time":"10:00","type":"Visit","status":"scheduled"}]}]}}"#,
    #"{"jsonrpc":"2.0","id":8,"method":"getChangesSince","params":{"sequence":0,"limit":3}}"#,
    #"{"jsonrpc":"2.0","id":9,"method":"subscribeToUpdates","params":{"entityTypes":["patient"]}}"#,
    #"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":3}}"#,
    #"{"jsonrpc":"2.0","id":10,"method":"syncAppointmentData","params":[1,{"status":"confirmed","meta":{"expectedVersion":1}}]}"#,
    #"{"jsonrpc":"2.0","id":11,"method":"deleteTransaction","params":[1]}"#,
    #"[{"jsonrpc":"2.0","id":12,"method":"ping"},{"jsonrpc":"2.0","id":13,"method":"getPatient","params":["P001"]}]"#,
    #"{"jsonrpc":"2.0","id":14,"method":"updatePatientRelatedData","params":["P001",{"name":"Sam Doe"}]}"#,
    #"{"jsonrpc":"2.0","id":15,"method":"rpc.discover"}"#,
  ]

  /// Strings that might land anywhere (method names included; never "exit" or "shutdown").
  static let strings: [String] = [
    "", "P001", "p-0001", "P999999999999", "addPatient", "getPatient", "transaction", "ping",
    "2.0", "1.0", "null", "\u{0}", "\u{FEFF}", "😀", "é", String(repeating: "x", count: 5000),
    "2026-02-30", "25:99", "-1", "1e999", "\\", "\"", "'; DROP TABLE records; --", "%s%n",
  ]

  /// Numbers at the edges: huge, negative, fractional where integers belong, beyond every range.
  static let numbers: [String] = [
    "0", "-0", "-1", "1.5", "1e999", "-1e999", "1e-999", "9223372036854775807",
    "9223372036854775808", "-9223372036854775809", "18446744073709551616",
    "0.000000000000000000001", "123456789012345678901234567890.123456789", "2147483648",
  ]

  let maxLineBytes: Int
  var random: SeededGenerator

  /// One hostile line (bytes, no newline) made from a corpus request.
  mutating func line() -> [UInt8] {
    let seed = Self.corpus.randomElement(using: &random)!
    switch Int.random(in: 0..<12, using: &random) {
    case 0: return truncated(seed)
    case 1, 2, 3: return Array(structurallyMutated(seed).utf8)
    case 4: return withInvalidUTF8(seed)
    case 5: return deeplyNested(seed)
    case 6: return oversize(seed)
    case 7: return randomBytes()
    case 8: return Array(numbersSwapped(seed).utf8)
    case 9: return flippedBytes(seed)
    case 10: return Array(wrongShape(seed).utf8)
    default: return Array(duplicatedKey(seed).utf8)
    }
  }

  private mutating func truncated(_ seed: String) -> [UInt8] {
    let bytes = Array(seed.utf8)
    return Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &random)))
  }

  private mutating func structurallyMutated(_ seed: String) -> String {
    guard var value = try? JSONParser.parse(seed) else { return seed }
    for _ in 0..<Int.random(in: 1...3, using: &random) { mutate(&value, depth: 0) }
    return value.description
  }

  /// Replaces, removes or adds one value somewhere in `value`.
  private mutating func mutate(_ value: inout JSONValue, depth: Int) {
    switch value {
    case .object(var object) where !object.isEmpty && Int.random(in: 0..<4, using: &random) != 0:
      let key = object.keys.randomElement(using: &random)!
      switch Int.random(in: 0..<6, using: &random) {
      case 0: _ = object.removeValue(forKey: key)
      case 1: object[Self.strings.randomElement(using: &random)!] = randomValue(depth: depth)
      default:
        var child = object[key]!
        mutate(&child, depth: depth + 1)
        object[key] = child
      }
      value = .object(object)
    case .array(var array) where !array.isEmpty && Int.random(in: 0..<4, using: &random) != 0:
      let index = Int.random(in: 0..<array.count, using: &random)
      switch Int.random(in: 0..<5, using: &random) {
      case 0: array.remove(at: index)
      case 1: array.insert(randomValue(depth: depth), at: index)
      default: mutate(&array[index], depth: depth + 1)
      }
      value = .array(array)
    default:
      value = randomValue(depth: depth)
    }
  }

  private mutating func randomValue(depth: Int) -> JSONValue {
    switch Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &random) {
    case 0: return .null
    case 1: return .bool(Bool.random(using: &random))
    case 2: return .string(Self.strings.randomElement(using: &random)!)
    case 3: return (try? JSONParser.parse(Self.numbers.randomElement(using: &random)!)) ?? .null
    case 4: return .number(JSONNumber(Int64.random(in: Int64.min...Int64.max, using: &random)))
    case 5:
      return .array(
        (0..<Int.random(in: 0...3, using: &random)).map { _ in randomValue(depth: depth + 1) })
    default:
      var object = JSONObject()
      for _ in 0..<Int.random(in: 0...3, using: &random) {
        object[Self.strings.randomElement(using: &random)!] = randomValue(depth: depth + 1)
      }
      return .object(object)
    }
  }

  private mutating func withInvalidUTF8(_ seed: String) -> [UInt8] {
    let invalid: [[UInt8]] = [
      [0xFF], [0xC3, 0x28], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80],
    ]
    var bytes = Array(seed.utf8)
    bytes.insert(
      contentsOf: invalid.randomElement(using: &random)!,
      at: Int.random(in: 0...bytes.count, using: &random))
    return bytes
  }

  private mutating func deeplyNested(_ seed: String) -> [UInt8] {
    let depth = [50, 127, 128, 129, 1000, 100_000].randomElement(using: &random)!
    let nested = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    guard let range = seed.range(of: #""params":"#) else { return Array(nested.utf8) }
    var text = seed
    text.insert(contentsOf: nested + ",", at: text.index(range.upperBound, offsetBy: 1))
    return Array(text.utf8)
  }

  private mutating func oversize(_ seed: String) -> [UInt8] {
    let padding = String(
      repeating: "a", count: maxLineBytes + Int.random(in: 0...1000, using: &random))
    return Array(seed.replacingFirst(#""jsonrpc""#, with: #""pad":"\#(padding)","jsonrpc""#).utf8)
  }

  private mutating func randomBytes() -> [UInt8] {
    (0..<Int.random(in: 1...200, using: &random)).map { _ in
      let byte = UInt8.random(in: 0...255, using: &random)
      return byte == 0x0A ? 0x20 : byte
    }
  }

  private mutating func numbersSwapped(_ seed: String) -> String {
    var text = seed
    for digit in ["1", "2", "5", "0"] where Bool.random(using: &random) {
      text = text.replacingFirst(
        ":\(digit)", with: ":" + Self.numbers.randomElement(using: &random)!)
    }
    return text
  }

  private mutating func flippedBytes(_ seed: String) -> [UInt8] {
    var bytes = Array(seed.utf8)
    for _ in 0..<Int.random(in: 1...4, using: &random) {
      let index = Int.random(in: 0..<bytes.count, using: &random)
      bytes[index] ^= UInt8(1) << UInt8.random(in: 0...7, using: &random)
      if bytes[index] == 0x0A { bytes[index] = 0x20 }
    }
    return bytes
  }

  /// Valid JSON, wrong shape: params of another type, or the whole message replaced.
  private mutating func wrongShape(_ seed: String) -> String {
    guard case .object(var message)? = try? JSONParser.parse(seed) else { return "{}" }
    switch Int.random(in: 0..<5, using: &random) {
    case 0: message["params"] = randomValue(depth: 3)
    case 1: message["id"] = randomValue(depth: 3)
    case 2: message["jsonrpc"] = randomValue(depth: 3)
    case 3: message["method"] = randomValue(depth: 3)
    default: return randomValue(depth: 0).description
    }
    return JSONValue.object(message).description
  }

  private mutating func duplicatedKey(_ seed: String) -> String {
    let key = [#""id":"#, #""method":"#, #""params":"#, #""patientId":"#].randomElement(
      using: &random)!
    return seed.replacingFirst(key, with: key + #"0,"# + key)
  }
}

extension String {
  fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
    guard let range = range(of: target) else { return self }
    return replacingCharacters(in: range, with: replacement)
  }
}
