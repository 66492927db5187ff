/// Every method the server answers, by name: the one place a method is added.
public struct MethodTable {
  private var methods: [String: MethodSpec] = [:]
  /// Method names in the order they were registered (the order of `rpc.discover`).
  public private(set) var names: [String] = []

  public init() {}

  public init(_ specs: [MethodSpec]) {
    for spec in specs { register(spec) }
  }

  public mutating func register(_ spec: MethodSpec) {
    precondition(methods[spec.name] == nil, "method \(spec.name) registered twice")
    spec.position = names.count
    methods[spec.name] = spec
    names.append(spec.name)
  }

  public subscript(name: String) -> MethodSpec? { methods[name] }

  public var specs: [MethodSpec] { names.map { methods[$0]! } }

  /// Up to three registered names close to `name`: same letters in another case, or a few edits
  /// away, closest first.
  public func suggestions(for name: String) -> [String] {
    let lowered = name.lowercased()
    let limit = max(2, lowered.count / 4)
    let scored = names.compactMap { candidate -> (Int, String)? in
      let candidateLowered = candidate.lowercased()
      if candidateLowered == lowered { return (0, candidate) }
      let distance = editDistance(lowered, candidateLowered, limit: limit)
      if distance <= limit { return (distance, candidate) }
      if lowered.count >= 4, candidateLowered.hasPrefix(lowered) { return (limit + 1, candidate) }
      return nil
    }
    return scored.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.prefix(3).map(\.1)
  }
}

/// Optimal string alignment distance (Levenshtein plus adjacent swaps), stopping early past `limit`.
func editDistance(_ lhs: String, _ rhs: String, limit: Int) -> Int {
  let a = Array(lhs.utf8)
  let b = Array(rhs.utf8)
  if abs(a.count - b.count) > limit { return limit + 1 }
  if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
  var previousPrevious = [Int](repeating: 0, count: b.count + 1)
  var previous = Array(0...b.count)
  var current = [Int](repeating: 0, count: b.count + 1)
  for i in 1...a.count {
    current[0] = i
    var rowMinimum = i
    for j in 1...b.count {
      let cost = a[i - 1] == b[j - 1] ? 0 : 1
      var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
      if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
        value = min(value, previousPrevious[j - 2] + 1)
      }
      current[j] = value
      rowMinimum = min(rowMinimum, value)
    }
    if rowMinimum > limit { return limit + 1 }
    (previousPrevious, previous, current) = (previous, current, previousPrevious)
  }
  return previous[b.count]
}
