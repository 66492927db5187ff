public import PortalJSON

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// One decoded JSON-RPC request or notification (a request without an `id` member).
public struct Request: Sendable {
  public var id: RequestID?
  public var method: String
  public var params: JSONValue?

  public init(id: RequestID?, method: String, params: JSONValue? = nil) {
    self.id = id
    self.method = method
    self.params = params
  }

  public var isNotification: Bool { id == nil }
}

/// What one element of input turned out to be: a request to run, or an error to answer.
public enum Incoming: Sendable {
  case request(Request)
  /// Not a valid request: answered with `error`, addressed to `id` when one could be read.
  case invalid(id: RequestID, error: ResponseError)
}

extension Incoming {
  /// The id of a request (not of a notification or an invalid element).
  var requestID: RequestID? {
    if case .request(let request) = self { return request.id }
    return nil
  }
}

/// What one input line held.
public enum IncomingLine: Sendable {
  case single(Incoming)
  case batch([Incoming])
  /// Not JSON: answered -32700 with id null.
  case unparsable(JSONParseError)
  /// `[]`: answered with a single -32600.
  case emptyBatch

  /// Decodes a line. A single request is read member by member, without building an object
  /// for its envelope; a batch is parsed whole.
  public init(line: UnsafeBufferPointer<UInt8>) {
    do throws(JSONParseError) {
      var envelope = Envelope()
      let isObject = try JSONParser.parseMembers(of: line) {
        (key, offset, value) throws(JSONParseError) in
        try envelope.take(key, at: offset, value)
      }
      if isObject {
        self = .single(Incoming(envelope))
        return
      }
      switch try JSONParser.parse(line) {
      case .array(let elements) where elements.isEmpty: self = .emptyBatch
      case .array(let elements): self = .batch(elements.map(Incoming.init(decoding:)))
      case let other: self = .single(Incoming(decoding: other))
      }
    } catch {
      self = .unparsable(error)
    }
  }
}

/// The members of a request object that JSON-RPC defines; others are ignored.
struct Envelope {
  var jsonrpc: JSONValue?
  var id: JSONValue?
  var method: JSONValue?
  var params: JSONValue?
  var looksLikeResponse = false
  /// Other keys seen, only to reject duplicates; stays unallocated for ordinary requests.
  var otherKeys: [String] = []

  mutating func take(_ key: UnsafeBufferPointer<UInt8>, at offset: Int, _ value: JSONValue)
    throws(JSONParseError)
  {
    func set(_ slot: inout JSONValue?, _ name: String) throws(JSONParseError) {
      if slot != nil { throw JSONParseError(.duplicateKey(name), at: offset) }
      slot = value
    }
    if key.matches("method") {
      try set(&method, "method")
    } else if key.matches("id") {
      try set(&id, "id")
    } else if key.matches("jsonrpc") {
      try set(&jsonrpc, "jsonrpc")
    } else if key.matches("params") {
      try set(&params, "params")
    } else {
      let name = String(decoding: key, as: UTF8.self)
      if otherKeys.contains(name) { throw JSONParseError(.duplicateKey(name), at: offset) }
      otherKeys.append(name)
      if name == "result" || name == "error" { looksLikeResponse = true }
    }
  }
}

extension Incoming {
  /// Decodes one batch element (or a non-object line) as a request.
  public init(decoding value: JSONValue) {
    guard case .object(let object) = value else {
      self = .invalid(id: .null, error: .invalidRequest("a request must be a JSON object"))
      return
    }
    var envelope = Envelope()
    envelope.jsonrpc = object["jsonrpc"]
    envelope.id = object["id"]
    envelope.method = object["method"]
    envelope.params = object["params"]
    envelope.looksLikeResponse = object.contains("result") || object.contains("error")
    self.init(envelope)
  }

  init(_ envelope: Envelope) {
    var id: RequestID?
    if let rawID = envelope.id {
      guard let valid = RequestID(rawID) else {
        self = .invalid(id: .null, error: .invalidRequest("id must be a string, a number or null"))
        return
      }
      id = valid
    }
    let replyID = id ?? .null
    guard case .string("2.0")? = envelope.jsonrpc else {
      self = .invalid(id: replyID, error: .invalidRequest("jsonrpc must be exactly \"2.0\""))
      return
    }
    guard let methodValue = envelope.method else {
      self =
        envelope.looksLikeResponse
        ? .invalid(
          id: .null,
          error: .invalidRequest("a response object was received; this server sends no requests"))
        : .invalid(id: replyID, error: .invalidRequest("method is missing"))
      return
    }
    guard case .string(let method) = methodValue else {
      self = .invalid(id: replyID, error: .invalidRequest("method must be a string"))
      return
    }
    switch envelope.params {
    case nil, .array?, .object?: break
    default:
      self = .invalid(
        id: replyID, error: .invalidRequest("params must be an array or an object when present"))
      return
    }
    self = .request(Request(id: id, method: method, params: envelope.params))
  }
}

extension UnsafeBufferPointer<UInt8> {
  /// Byte-for-byte equality with ASCII text, without building a String.
  fileprivate func matches(_ text: StaticString) -> Bool {
    guard count == text.utf8CodeUnitCount else { return false }
    guard let base = baseAddress else { return count == 0 }
    return memcmp(base, text.utf8Start, count) == 0
  }
}
