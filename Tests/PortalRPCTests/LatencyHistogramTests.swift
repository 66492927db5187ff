import Foundation
import PortalJSON
import Testing

@testable import PortalRPC

@Suite("The latency histogram and the timings built on it")
struct LatencyHistogramTests {
  /// A seeded generator (SplitMix64), so a failure is reproduced by its seed.
  struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var value = state
      value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
      value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
      return value ^ (value >> 31)
    }
  }

  /// The sample a percentile names: rank ⌈q · n⌉ (at least 1) of the sorted samples.
  static func exact(_ sorted: [UInt64], _ quantile: Double) -> UInt64 {
    let rank = max(1, Int((Double(sorted.count) * quantile).rounded(.up)))
    return sorted[rank - 1]
  }

  @Test(
    "percentiles are within 1 % of the sorted samples, from 1 µs to an hour",
    arguments: [1 as UInt64, 7, 1234])
  func percentilesAgainstSortedSamples(seed: UInt64) {
    var generator = SeededGenerator(state: seed)
    var histogram = LatencyHistogram()
    var samples: [UInt64] = []
    // Log-uniform from 1 µs to 1 h, as request times spread over orders of magnitude.
    for _ in 0..<20_000 {
      let exponent = Double.random(in: 3...12.556, using: &generator)
      let sample = UInt64(pow(10, exponent))
      samples.append(sample)
      histogram.record(nanoseconds: sample)
    }
    samples.sort()
    let quantiles = [0.0001, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0]
    let values = histogram.values(at: quantiles)
    #expect(values.count == quantiles.count)
    #expect(histogram.count == 20_000)
    for (quantile, value) in zip(quantiles, values) {
      let expected = Double(Self.exact(samples, quantile))
      let error = abs(Double(value) - expected) / expected
      #expect(
        error <= 0.01, "p\(quantile * 100): \(value) ns against \(expected) ns (seed \(seed))")
    }
  }

  @Test("below 128 ns every nanosecond is a bucket of its own")
  func exactBelow128() {
    var histogram = LatencyHistogram()
    for value in 0..<128 as Range<UInt64> { histogram.record(nanoseconds: value) }
    let values = histogram.values(at: [0.01, 0.5, 1.0])
    #expect(values == [1, 63, 127])
  }

  @Test("buckets grow with the value, and each one's middle is within 0.8 % of what it holds")
  func buckets() {
    var previous = -1
    var value: UInt64 = 1
    while value < LatencyHistogram.largestTracked {
      for candidate in [value - 1, value, value + 1, value + value / 3] {
        let bucket = LatencyHistogram.bucket(of: candidate)
        let middle = Double(LatencyHistogram.middle(of: bucket))
        #expect(abs(middle - Double(candidate)) <= Double(candidate) / 128 + 0.5, "\(candidate)")
      }
      let bucket = LatencyHistogram.bucket(of: value)
      #expect(bucket > previous)
      previous = bucket
      value *= 2
    }
    #expect(LatencyHistogram.bucket(of: .max) == LatencyHistogram.bucketCount - 1)
    #expect(LatencyHistogram.bucket(of: 1 << 47) == LatencyHistogram.bucketCount - 1)
    #expect(LatencyHistogram.bucketCount == 2688)
    #expect(LatencyHistogram.blockCount == 42)
  }

  @Test("an empty histogram has no percentile; a single sample is every percentile")
  func emptyAndSingle() {
    var histogram = LatencyHistogram()
    #expect(histogram.values(at: [0.5]).isEmpty)
    histogram.record(nanoseconds: 5_000_000)
    let values = histogram.values(at: [0.5, 0.99])
    #expect(values.count == 2 && values[0] == values[1])
    #expect(abs(Double(values[0]) - 5e6) <= 5e6 / 128)
  }

  @Test("a timing counts errors apart and writes milliseconds exactly")
  func timingStats() {
    var stats = TimingStats()
    #expect(stats.json["p50"] == .null)
    stats.record(nanoseconds: 100, failed: false)
    stats.record(nanoseconds: 100, failed: true)
    #expect(stats.json["count"] == 2 && stats.json["errors"] == 1)
    #expect(stats.json["p50"]?.numberValue?.literal == "0.0001")
    #expect(TimingStats.decimal(0, scale: 6).literal == "0")
    #expect(TimingStats.decimal(1_500_000, scale: 6).literal == "1.5")
    #expect(TimingStats.decimal(23_456, scale: 6).literal == "0.023456")
    #expect(TimingStats.decimal(12_000, scale: 3).literal == "12")
  }

  @Test("names past the limit share one entry, (other)")
  func boundedNames() {
    var timings = NamedTimings(limit: 3)
    for name in ["a", "b", "c", "d", "e", "a", NamedTimings.otherName] {
      timings.record(name, nanoseconds: 1000, failed: false)
    }
    let json = timings.json
    #expect(json.objectValue?.keys == ["a", "b", "c", "(other)"])
    #expect(json["a"]?["count"] == 2)
    #expect(json["(other)"]?["count"] == 3)
  }
}
