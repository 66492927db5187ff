/// A JSON object that keeps its members in insertion order, so encoding is reproducible; equality
/// ignores order, as JSON's does.
public struct JSONObject: Sendable {
  public struct Member: Sendable, Hashable {
    public var key: String
    public var value: JSONValue

    public init(key: String, value: JSONValue) {
      self.key = key
      self.value = value
    }
  }

  public private(set) var members: [Member]

  public init() { members = [] }

  public init(_ members: [Member]) { self.members = members }

  /// Builds from pairs in order; a repeated key keeps its last value at its first position.
  public init(_ pairs: [(String, JSONValue)]) {
    members = []
    members.reserveCapacity(pairs.count)
    for (key, value) in pairs { self[key] = value }
  }

  public var count: Int { members.count }
  public var isEmpty: Bool { members.isEmpty }
  public var keys: [String] { members.map(\.key) }

  public func index(of key: String) -> Int? {
    let length = key.utf8.count
    return members.firstIndex { $0.key.utf8.count == length && $0.key == key }
  }

  /// Reads a member; assigning replaces it in place, appends a new key, and `nil` removes it.
  public subscript(key: String) -> JSONValue? {
    get { index(of: key).map { members[$0].value } }
    set {
      if let index = index(of: key) {
        if let newValue { members[index].value = newValue } else { members.remove(at: index) }
      } else if let newValue {
        members.append(Member(key: key, value: newValue))
      }
    }
  }

  public func contains(_ key: String) -> Bool { index(of: key) != nil }

  /// Appends without looking for an existing key: for builders that know the key is new.
  public mutating func appendUnchecked(_ key: String, _ value: JSONValue) {
    members.append(Member(key: key, value: value))
  }

  public mutating func reserveCapacity(_ capacity: Int) { members.reserveCapacity(capacity) }

  @discardableResult
  public mutating func removeValue(forKey key: String) -> JSONValue? {
    guard let index = index(of: key) else { return nil }
    return members.remove(at: index).value
  }
}

extension JSONObject: Sequence {
  public func makeIterator() -> IndexingIterator<[Member]> { members.makeIterator() }
}

extension JSONObject: Hashable {
  public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
    guard lhs.count == rhs.count else { return false }
    return lhs.members.allSatisfy { rhs[$0.key] == $0.value }
  }

  public func hash(into hasher: inout Hasher) {
    var combined = 0
    for member in members { combined ^= member.hashValue }
    hasher.combine(count)
    hasher.combine(combined)
  }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
  public init(dictionaryLiteral elements: (String, JSONValue)...) {
    self.init(elements)
  }
}
