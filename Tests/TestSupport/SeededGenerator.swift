import Foundation

/// A reproducible random source (SplitMix64): a failing randomized test prints its seed, and the
/// same seed replays the same run.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  public let seed: UInt64
  private var state: UInt64

  public init(seed: UInt64) {
    self.seed = seed
    state = seed
  }

  /// The seed from the environment variable `name` (decimal), else `fallback`.
  public init(environment name: String, fallback: UInt64) {
    let text = getenv(name).map { String(cString: $0) }
    self.init(seed: text.flatMap { UInt64($0) } ?? fallback)
  }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// An integer from the environment variable `name`, else `fallback` (long runs of randomized
/// tests are asked for this way, e.g. `PORTAL_CRASH_KILLS=60 swift test --filter CrashSafety`).
public func environmentCount(_ name: String, fallback: Int) -> Int {
  getenv(name).flatMap { Int(String(cString: $0)) } ?? fallback
}
