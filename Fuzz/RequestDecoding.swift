import DataSync
import Domain
import PortalJSON
import PortalRPC
import Storage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// libFuzzer target `request-decoding`: bytes go to a real server over the demo practice in an
/// in-memory store, through the same `LineFramer`, `Server.receive(line:)` and `runQueued()` that
/// serve stdin. An input whose first byte is 0x80 or more calls the method that byte picks from
/// the method table (`(byte - 0x80) % count`, table order) with the rest as its `params`; any
/// other input is stdin itself, one line or several.
///
/// Invariants: nothing crashes; every output line is one compact JSON-RPC response, batch of
/// responses or change notification, and reads back as the same bytes; no answer is an internal
/// error; the number of answers is what JSON-RPC promises for the lines sent; a single request
/// answered with an error changes nothing; no error carries a patient value (one from the demo
/// practice, or any input string holding `@` or non-ASCII text) except a conflict's
/// `data.current`; and after any change the store passes `portal-rpc --check`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestDecoding(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let input = UnsafeBufferPointer(start: data, count: size)
  let harness = RequestHarness.current ?? RequestHarness()
  RequestHarness.current = harness
  let stdin: [UInt8]
  if let selector = input.first, selector >= 0x80 {
    let names = RequestHarness.table.names
    let method = names[Int(selector - 0x80) % names.count]
    stdin =
      Array(#"{"jsonrpc":"2.0","id":1,"method":"\#(method)","params":"#.utf8)
      + input.dropFirst() + Array("}\n".utf8)
  } else {
    stdin = Array(input)
  }
  if !harness.serve(stdin) { RequestHarness.current = nil }
  return 0
}

/// One server as a new process has it after `initialize`: the demo practice in memory, a fixed
/// clock. Replaced after any input that changed the store, subscribed or ended the session, so
/// every input meets the same state and a crash replays from its input alone.
final class RequestHarness {
  nonisolated(unsafe) static var current: RequestHarness?
  nonisolated(unsafe) static let table = PortalInterface().table
  static let today = Timestamp(RequestHarness.clock)!.date
  static let clock = "2026-01-31T09:15:00.000Z"
  static let maxMessageBytes = 4096
  /// Patient values of the demo practice; no error may hold one.
  nonisolated(unsafe) static var secrets: [[UInt8]] = []

  let session: Session
  let server: Server
  let sequence: Int64

  init() {
    let configuration = ServerConfiguration(
      demo: true, logLevel: .error, maxMessageBytes: Self.maxMessageBytes, durability: .normal,
      fixedClock: Self.clock)
    do {
      session = try Session.open(configuration: configuration)
    } catch {
      fatalError("the demo practice cannot be opened in memory: \(error)")
    }
    server = Server(session: session, table: Self.table)
    var setup =
      #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"clientInfo":{"name":"fuzz","version":"1"}}}"#
      + "\n"
    let listing = Self.secrets.isEmpty
    if listing {
      for kind in EntityKind.all {
        setup +=
          #"{"jsonrpc":"2.0","id":"list","method":"\#(kind.listMethod)","params":[{"limit":1000}]}"#
          + "\n"
      }
    }
    let (_, output) = Self.send(Array(setup.utf8), to: server)
    invariant(
      session.phase == .running, "initialize failed: \(String(decoding: output, as: UTF8.self))")
    if listing { Self.secrets = Self.patientValues(in: output) }
    sequence = Self.lastSequence(of: session)
  }

  /// Feeds `stdin` as the transport would, checks every invariant, and tells whether the
  /// session is still as it was set up.
  func serve(_ stdin: [UInt8]) -> Bool {
    let (lines, output) = Self.send(stdin, to: server)
    let answers = checkOutput(output, for: lines)

    let sequence = Self.lastSequence(of: session)
    if lines.count == 1, lines[0].isRequest, answers.count == 1, answers[0]["error"] != nil {
      invariant(sequence == self.sequence, "a request answered with an error changed the store")
    }
    if sequence != self.sequence {
      do {
        let check = try StoreCheck.run(session.dataSync.store, today: Self.today)
        invariant(check.isSound, "the store fails its check: \(check.problems)")
      } catch {
        invariant(false, "the store cannot be checked: \(error)")
      }
    }
    let subscribed = answers.contains { $0["result"]?["subscriptionId"] != nil }
    return sequence == self.sequence && !subscribed && session.phase == .running
      && !session.exitRequested
  }

  /// One framed input line, as the oracle sees it.
  struct Line {
    /// The line as JSON; nil when it is not JSON or was over the limit.
    let parsed: JSONValue?

    init(_ bytes: [UInt8]?) { parsed = bytes.flatMap { try? JSONParser.parse($0) } }

    var isRequest: Bool { parsed?.objectValue?.contains("id") == true }

    /// How many answers JSON-RPC promises: one for anything that is not a message, one per
    /// request, at most one per notification (an invalid one is answered), per batch element.
    var answers: ClosedRange<Int> {
      guard let parsed else { return 1...1 }
      switch parsed {
      case .array(let elements) where elements.isEmpty: return 1...1
      case .array(let elements):
        let sure = elements.count(where: { $0.objectValue?.contains("id") ?? true })
        return sure...elements.count
      case .object(let object): return object.contains("id") ? 1...1 : 0...1
      default: return 1...1
      }
    }
  }

  /// Checks the shape of every output line and what the errors among them say; returns the
  /// answers (responses, batch elements included).
  private func checkOutput(_ output: [UInt8], for lines: [Line]) -> [JSONObject] {
    invariant(output.isEmpty || output.last == 0x0A, "the output does not end with a line break")
    var answers: [JSONObject] = []
    for line in output.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast() {
      let bytes = Array(line)
      let text = String(decoding: bytes, as: UTF8.self)
      invariant(isOneLine(bytes), "an output line holds a control character: \(text)")
      guard let message = try? JSONParser.parse(bytes) else {
        invariant(false, "an output line is not JSON: \(text)")
        continue
      }
      invariant(JSONWriter.encode(message) == bytes, "an output line is not compact JSON: \(text)")
      switch message {
      case .array(let batch):
        invariant(!batch.isEmpty, "an empty batch answer")
        for element in batch {
          guard case .object(let response) = element else {
            invariant(false, "a batch answer holds a non-object: \(text)")
            continue
          }
          checkResponse(response, in: text)
          answers.append(response)
        }
      case .object(let object) where object["method"] != nil:
        invariant(
          object.keys == ["jsonrpc", "method", "params"]
            && object["method"] == "dataSync/changed" && object["params"]?.objectValue != nil,
          "a notification of another shape: \(text)")
      case .object(let response):
        checkResponse(response, in: text)
        answers.append(response)
      default:
        invariant(false, "an output line is neither a message nor a batch: \(text)")
      }
    }
    let expected = lines.reduce(0...0) { sum, line in
      (sum.lowerBound + line.answers.lowerBound)...(sum.upperBound + line.answers.upperBound)
    }
    invariant(
      expected.contains(answers.count)
        || session.exitRequested && answers.count <= expected.upperBound,
      "\(answers.count) answers to \(lines.count) lines; JSON-RPC promises \(expected)")
    checkPrivacy(answers, for: lines)
    return answers
  }

  private func checkResponse(_ response: JSONObject, in text: String) {
    let keys = response.keys
    invariant(
      keys == ["jsonrpc", "id", "result"] || keys == ["jsonrpc", "id", "error"],
      "a response of another shape: \(text)")
    invariant(response["jsonrpc"] == "2.0", "a response without jsonrpc 2.0: \(text)")
    switch response["id"] {
    case .string?, .number?, .null?: break
    default: invariant(false, "a response id that is not a string, number or null: \(text)")
    }
    guard case .object(let error)? = response["error"] else { return }
    let code = error["code"]?.int64Value.map { ErrorCode(rawValue: Int($0)) }
    invariant(
      code.map { ErrorCode.all.contains($0) } == true && code != .internalError,
      "an error with an unexpected code: \(text)")
    invariant(
      error.keys == ["code", "message"] || error.keys == ["code", "message", "data"],
      "an error of another shape: \(text)")
    invariant(
      error["message"]?.stringValue?.isEmpty == false, "an error without a message: \(text)")
  }

  /// No error repeats a patient value: one of the demo practice's, or an input string that holds
  /// `@` or non-ASCII text (an email, most names), unless the input also used it as a key, which
  /// paths may name. A conflict's `data.current` is the record itself, which the caller may read.
  private func checkPrivacy(_ answers: [JSONObject], for lines: [Line]) {
    let errors = answers.compactMap { $0["error"]?.objectValue }
    guard !errors.isEmpty else { return }
    var values = Set<String>()
    var keys: [[UInt8]] = []
    for line in lines {
      if let parsed = line.parsed { Self.collect(parsed, values: &values, keys: &keys) }
    }
    var candidates = Self.secrets
    for value in values where value.utf8.contains(where: { $0 >= 0x80 || $0 == 0x40 }) {
      candidates.append(Array(value.utf8))
    }
    candidates.removeAll { candidate in
      candidate.count < 4 || candidate.contains(0x2F) || candidate.contains(0x7E)
        || keys.contains { Self.find(candidate, in: $0) }
    }
    for var error in errors {
      if error["code"]?.int64Value == Int64(ErrorCode.versionConflict.rawValue),
        case .object(var data)? = error["data"]
      {
        data.removeValue(forKey: "current")
        error["data"] = .object(data)
      }
      var strings = Set<String>()
      var errorKeys: [[UInt8]] = []
      Self.collect(.object(error), values: &strings, keys: &errorKeys)
      var text: [UInt8] = []
      for string in strings {
        text += string.utf8
        text.append(0)
      }
      for candidate in candidates where Self.find(candidate, in: text) {
        invariant(
          false,
          "an error repeats a patient value of \(candidate.count) bytes: \(JSONValue.object(error))"
        )
      }
    }
  }

  private static func collect(
    _ value: JSONValue, values: inout Set<String>, keys: inout [[UInt8]]
  ) {
    switch value {
    case .string(let text): values.insert(text)
    case .array(let elements):
      for element in elements { collect(element, values: &values, keys: &keys) }
    case .object(let object):
      for member in object {
        keys.append(Array(member.key.utf8))
        collect(member.value, values: &values, keys: &keys)
      }
    default: break
    }
  }

  private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Bool {
    guard let first = needle.first, haystack.count >= needle.count else { return false }
    var start = 0
    while let index = haystack[start...(haystack.count - needle.count)].firstIndex(of: first) {
      if haystack[index..<index + needle.count].elementsEqual(needle) { return true }
      start = index + 1
      if start > haystack.count - needle.count { return false }
    }
    return false
  }

  /// The strings the demo practice holds that are patient values: not ids, codes, dates or
  /// times, and not words of the schemas (statuses, field names), which errors may list.
  private static func patientValues(in output: [UInt8]) -> [[UInt8]] {
    var vocabulary = Set<String>()
    var keys: [[UInt8]] = []
    collectVocabulary(PortalInterface().openRPCDocument, into: &vocabulary)
    var strings = Set<String>()
    for line in output.split(separator: 0x0A) {
      guard let message = try? JSONParser.parse(Array(line)), message["id"] == "list" else {
        continue
      }
      collect(message["result"]?["items"] ?? .null, values: &strings, keys: &keys)
    }
    let secrets = strings.filter { text in
      !vocabulary.contains(text) && !isIdentifier(text)
        && !text.utf8.allSatisfy { Array("0123456789:-.TZ APM".utf8).contains($0) }
    }
    invariant(secrets.count > 50, "the demo practice holds only \(secrets.count) patient values")
    return secrets.sorted().map { Array($0.utf8) }
  }

  /// Every property name, enumerated value and constant of the schemas.
  private static func collectVocabulary(_ value: JSONValue, into words: inout Set<String>) {
    switch value {
    case .array(let elements): for element in elements { collectVocabulary(element, into: &words) }
    case .object(let object):
      for member in object {
        words.insert(member.key)
        if member.key == "enum" || member.key == "const", case .string(let word) = member.value {
          words.insert(word)
        }
        if member.key == "enum", case .array(let enumerated) = member.value {
          for case .string(let word) in enumerated { words.insert(word) }
        }
        collectVocabulary(member.value, into: &words)
      }
    default: break
    }
  }

  /// Letters, digits and `_ - . / $` only: what an error may repeat as an id or a method name.
  private static func isIdentifier(_ text: String) -> Bool {
    !text.isEmpty
      && text.utf8.allSatisfy { byte in
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
          UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"),
          UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "$"):
          true
        default: false
        }
      }
  }

  /// Does what `StdioTransport` does with `stdin` followed by its end: frames it into lines,
  /// hands them to `server`, runs everything queued and collects the output. Returns the lines
  /// as framed and everything written.
  private static func send(_ stdin: [UInt8], to server: Server) -> ([Line], [UInt8]) {
    var lines: [Line] = []
    var framer = LineFramer(maxLineBytes: maxMessageBytes)
    let deliver = { (event: LineFramer.Event) in
      switch event {
      case .line(let line):
        lines.append(Line(Array(line)))
        server.receive(line: line)
      case .oversize(let id):
        lines.append(Line(nil))
        server.receiveOversizeLine(id: id)
      }
    }
    stdin.withUnsafeBufferPointer { framer.push($0, deliver) }
    framer.finish(deliver)
    var output: [UInt8] = []
    repeat {
      server.runQueued()
      server.session.drainOutput { bytes in
        output.append(contentsOf: bytes)
        return true
      }
    } while server.hasQueuedWork && !server.session.exitRequested
    return (lines, output)
  }

  private static func lastSequence(of session: Session) -> Int64 {
    do {
      return try session.dataSync.store.lastSequence()
    } catch {
      fatalError("the change log cannot be read: \(error)")
    }
  }
}
