/// Exponential backoff with full jitter: after the n-th consecutive failure, wait a random time in
/// `0...min(cap, base · 2^(n-1))`. - SeeAlso: `docs/upstream.md`, "The agent: push".
public struct Backoff: Sendable, Hashable {
  /// The ceiling of the first wait (`--retry-base-ms`): the seed's `2^0 s`.
  public var baseMilliseconds: Int64
  /// No wait is longer than this (`--retry-cap-ms`): five minutes by default.
  public var capMilliseconds: Int64

  public init(baseMilliseconds: Int64 = 1_000, capMilliseconds: Int64 = 300_000) {
    precondition(baseMilliseconds > 0 && capMilliseconds >= baseMilliseconds)
    self.baseMilliseconds = baseMilliseconds
    self.capMilliseconds = capMilliseconds
  }

  /// The longest wait after `failures` consecutive failures (1 or more): `min(cap, base · 2^(n-1))`,
  /// without overflow however many failures there were.
  public func ceiling(afterFailures failures: Int) -> Int64 {
    var ceiling = baseMilliseconds
    var doublings = max(0, failures - 1)
    while doublings > 0, ceiling < capMilliseconds {
      ceiling = ceiling > capMilliseconds / 2 ? capMilliseconds : ceiling * 2
      doublings -= 1
    }
    return min(ceiling, capMilliseconds)
  }

  /// A wait drawn uniformly from `0...ceiling(afterFailures:)` (full jitter, so workstations that
  /// lost the same server do not come back in step).
  public func delay(
    afterFailures failures: Int, using random: inout some RandomNumberGenerator
  ) -> Int64 {
    Int64.random(in: 0...ceiling(afterFailures: failures), using: &random)
  }
}
