/// Durations in a histogram of fixed greatest size, for percentiles without keeping samples.
///
/// Log-linear buckets, as HDR histograms have them: one bucket per nanosecond below 128 ns, then
/// 64 buckets per power of two up to 2^47 ns (39 hours; longer durations count in the last
/// bucket). A bucket is at most 1/64 of its lower bound wide, so a percentile, reported as the
/// middle of its bucket, is within 0.8 % of the sample at that rank from 128 ns on. The buckets
/// are kept in 42 blocks of 64 counters, each made on its first sample: a method whose times
/// span a few powers of two holds a few blocks, and none ever holds more than 42 (21 KiB).
///
/// - SeeAlso: `docs/metrics.md`.
struct LatencyHistogram: Sendable {
  /// Counters per block: as many as buckets per power of two.
  static let blockShift = 6
  static let blockSize = 1 << blockShift
  /// The greatest duration told apart from longer ones, in nanoseconds (2^47 − 1).
  static let largestTracked: UInt64 = (1 << 47) - 1
  static let bucketCount = bucket(of: largestTracked) + 1
  static let blockCount = (bucketCount + blockSize - 1) / blockSize

  /// How many durations were recorded.
  private(set) var count: UInt64 = 0
  /// `blockCount` blocks of `blockSize` counters, each empty until a duration falls in it.
  private var blocks = [[UInt64]](repeating: [], count: blockCount)

  /// Counts one duration of `nanoseconds`.
  mutating func record(nanoseconds: UInt64) {
    let bucket = Self.bucket(of: nanoseconds)
    let block = bucket >> Self.blockShift
    if blocks[block].isEmpty { blocks[block] = [UInt64](repeating: 0, count: Self.blockSize) }
    blocks[block][bucket & (Self.blockSize - 1)] &+= 1
    count &+= 1
  }

  /// The durations at `quantiles` (each from 0 to 1, in ascending order), in nanoseconds: for
  /// each, the middle of the bucket holding the sample of rank ⌈q · count⌉ (at least the
  /// first). Empty when nothing was recorded.
  func values(at quantiles: [Double]) -> [UInt64] {
    guard count > 0 else { return [] }
    let ranks = quantiles.map { max(1, UInt64((Double(count) * $0).rounded(.up))) }
    var values: [UInt64] = []
    values.reserveCapacity(ranks.count)
    var seen: UInt64 = 0
    for (blockIndex, block) in blocks.enumerated() where !block.isEmpty {
      for (offset, tally) in block.enumerated() where tally > 0 {
        seen += tally
        while values.count < ranks.count, ranks[values.count] <= seen {
          values.append(Self.middle(of: blockIndex * Self.blockSize + offset))
        }
        if values.count == ranks.count { return values }
      }
    }
    return values
  }

  /// The bucket of a duration: itself below 128 ns; above, 64 buckets per power of two.
  static func bucket(of nanoseconds: UInt64) -> Int {
    let value = min(nanoseconds, largestTracked)
    guard value >= 128 else { return Int(value) }
    // `value >> shift` is from 64 to 127: the bucket within the power of two.
    let shift = (63 - value.leadingZeroBitCount) - 6
    return 128 + (shift - 1) * 64 + Int(value >> shift) - 64
  }

  /// The middle of `bucket`, in nanoseconds (the bucket's value itself below 128 ns).
  static func middle(of bucket: Int) -> UInt64 {
    guard bucket >= 128 else { return UInt64(bucket) }
    let shift = (bucket - 128) / 64 + 1
    let lower = UInt64((bucket - 128) % 64 + 64) << shift
    return lower + (1 << shift) / 2
  }
}
