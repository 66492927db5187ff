internal import PortalJSON

/// Timings by name, for names that are not known in advance (a shell's actions, endpoints and
/// sync operations; the upstream's calls). At most `limit` names get an entry of their own;
/// later new names all count in one entry, `(other)`, so memory stays bounded whatever a client
/// sends.
struct NamedTimings: Sendable {
  /// The entry that takes every name past the limit (and a name that is literally this).
  static let otherName = "(other)"
  /// How many names a section keeps apart.
  static let defaultLimit = 256

  let limit: Int
  private var entries: [String: TimingStats] = [:]
  private var other = TimingStats()

  init(limit: Int = NamedTimings.defaultLimit) { self.limit = limit }

  var isEmpty: Bool { entries.isEmpty && other.count == 0 }

  mutating func record(_ name: String, nanoseconds: UInt64, failed: Bool) {
    if name != Self.otherName, entries[name] != nil || entries.count < limit {
      entries[name, default: TimingStats()].record(nanoseconds: nanoseconds, failed: failed)
    } else {
      other.record(nanoseconds: nanoseconds, failed: failed)
    }
  }

  /// `{name: {count, errors, p50, p95, p99}}`, names in code-point order, `(other)` last.
  var json: JSONValue {
    var object = JSONObject()
    object.reserveCapacity(entries.count + 1)
    for name in entries.keys.sorted(by: {
      $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars)
    }) {
      object.appendUnchecked(name, entries[name]!.json)
    }
    if other.count > 0 { object.appendUnchecked(Self.otherName, other.json) }
    return .object(object)
  }
}
