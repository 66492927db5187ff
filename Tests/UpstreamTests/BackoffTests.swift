import Domain
import TestSupport
import Testing
import Upstream

@Suite("Backoff: exponential, capped, full jitter")
struct BackoffTests {
  @Test("the ceiling doubles from the base and stops at the cap")
  func ceilingGrowsAndIsCapped() {
    let backoff = Backoff(baseMilliseconds: 1_000, capMilliseconds: 300_000)
    let ceilings = (1...12).map { backoff.ceiling(afterFailures: $0) }
    #expect(
      ceilings == [
        1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000,
        300_000,
      ])
    #expect(backoff.ceiling(afterFailures: 0) == 1_000)
    #expect(backoff.ceiling(afterFailures: Int.max) == 300_000)
  }

  @Test("the defaults are the seed's: 1 s, doubling, capped at 5 minutes")
  func defaults() {
    let backoff = Backoff()
    #expect(backoff.baseMilliseconds == 1_000)
    #expect(backoff.capMilliseconds == 300_000)
  }

  @Test("a configured base and cap are honoured")
  func configured() {
    let backoff = Backoff(baseMilliseconds: 250, capMilliseconds: 1_000)
    #expect((1...5).map { backoff.ceiling(afterFailures: $0) } == [250, 500, 1_000, 1_000, 1_000])
  }

  @Test("full jitter: every wait is within 0...ceiling, and the range is used, over many seeds")
  func jitterWithinBounds() {
    var random = SeededGenerator(environment: "PORTAL_BACKOFF_SEED", fallback: 20_261_203)
    let backoff = Backoff(baseMilliseconds: 1_000, capMilliseconds: 300_000)
    for failures in 1...14 {
      let ceiling = backoff.ceiling(afterFailures: failures)
      let samples = (0..<2_000).map { _ in backoff.delay(afterFailures: failures, using: &random) }
      #expect(samples.allSatisfy { (0...ceiling).contains($0) }, "seed \(random.seed)")
      // Full jitter, not "half plus jitter": waits fall in the lowest and highest tenth.
      #expect(samples.contains { $0 < ceiling / 10 }, "seed \(random.seed)")
      #expect(samples.contains { $0 > ceiling - ceiling / 10 }, "seed \(random.seed)")
    }
  }
}
