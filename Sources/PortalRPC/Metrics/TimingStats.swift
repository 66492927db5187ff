internal import PortalJSON

/// How often one thing ran, how often it failed, and how long it took: a method, an upstream
/// call, a shell-reported name. `getMetrics` shows it as `{count, errors, p50, p95, p99}`, the
/// percentiles in milliseconds.
///
/// - SeeAlso: `docs/metrics.md`, "What each figure means".
struct TimingStats: Sendable {
  private(set) var errors = 0
  private var histogram = LatencyHistogram()

  var count: Int { Int(histogram.count) }

  mutating func record(nanoseconds: UInt64, failed: Bool) {
    histogram.record(nanoseconds: nanoseconds)
    if failed { errors += 1 }
  }

  /// `{count, errors, p50, p95, p99}`; the percentiles are null while the count is 0.
  var json: JSONValue {
    let percentiles = histogram.values(at: [0.5, 0.95, 0.99])
    func percentile(_ index: Int) -> JSONValue {
      index < percentiles.count ? .number(Self.milliseconds(percentiles[index])) : .null
    }
    return [
      "count": JSONValue(count), "errors": JSONValue(errors), "p50": percentile(0),
      "p95": percentile(1), "p99": percentile(2),
    ]
  }

  /// `nanoseconds` as milliseconds, exactly (at most six decimals, no trailing zero).
  static func milliseconds(_ nanoseconds: UInt64) -> JSONNumber {
    decimal(nanoseconds, scale: 6)
  }

  /// `value` × 10^−`scale`, written exactly: `decimal(1_500, scale: 3)` is `1.5`.
  static func decimal(_ value: UInt64, scale: Int) -> JSONNumber {
    var unit: UInt64 = 1
    for _ in 0..<scale { unit *= 10 }
    let whole = String(value / unit)
    guard value % unit != 0 else { return JSONNumber(whole)! }
    var fraction = String(value % unit)
    fraction = String(repeating: "0", count: scale - fraction.count) + fraction
    while fraction.last == "0" { fraction.removeLast() }
    return JSONNumber(whole + "." + fraction)!
  }
}
