#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// The seed's `PerformanceMonitor`, server side: every request's method, outcome and duration,
/// each group commit, the upstream calls, and the timings a shell reports (`track*`), as
/// `getMetrics` answers them. The server's loop runs one request at a time on one thread, which
/// alone touches this object (the upstream section has a lock of its own), so recording takes
/// no lock: a clock read and a few counters per request.
///
/// - SeeAlso: `docs/metrics.md`.
public final class PerformanceMonitor {
  /// `--metrics on`: requests, commits, upstream calls and shell timings are kept.
  let recording: Bool
  /// At `--log-level debug`, a request that took at least this long is logged (method and
  /// duration only); nil at other levels.
  private let slowNanoseconds: UInt64?
  /// Whether the request path reads the clock at all (to record, or to log slow requests).
  private let timing: Bool
  /// `--clock fixed`: the monitor's clock stands still too, so every duration it measures and
  /// its uptime are 0 and `getMetrics` is reproducible in a transcript.
  private let frozen: Bool
  private let log: Log
  private let started: UInt64
  /// When the request now running began: where the previous one ended, or the group's start.
  private(set) var lapStart: UInt64 = 0
  /// One entry per method of the table, by `MethodSpec.position`.
  private(set) var methodNames: [String] = []
  private(set) var methods: [TimingStats] = []
  /// The group commits that wrote: one per group of requests that arrived together.
  private(set) var commits = TimingStats()
  /// The timings a shell reports, apart from the server's (`trackUserAction`, `trackApiCall`,
  /// `trackDataSync`).
  private(set) var shell: [ShellSection: NamedTimings] = [
    .userActions: NamedTimings(), .apiCalls: NamedTimings(), .dataSync: NamedTimings(),
  ]
  /// The sync agent's calls to PostgreSQL.
  let upstream: UpstreamTimings

  /// The sections of what a shell reports, each bounded on its own.
  enum ShellSection: String, CaseIterable, Sendable {
    case userActions, apiCalls, dataSync
  }

  init(configuration: ServerConfiguration, log: Log) {
    recording = configuration.metrics
    slowNanoseconds =
      log.level >= .debug ? UInt64(configuration.slowRequestMilliseconds) * 1_000_000 : nil
    timing = recording || slowNanoseconds != nil
    frozen = configuration.fixedClock != nil
    self.log = log
    upstream = UpstreamTimings(recording: recording, frozen: frozen)
    started = frozen ? 0 : Self.monotonicNanoseconds()
  }

  /// Makes an entry for each method of the table, so that recording never allocates one.
  func prepare(methodNames names: [String]) {
    methodNames = names
    methods = [TimingStats](repeating: TimingStats(), count: names.count)
  }

  /// The monitor's clock, in nanoseconds: the monotonic clock, or 0 when frozen.
  func now() -> UInt64 { frozen ? 0 : Self.monotonicNanoseconds() }

  static func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
  }

  /// Nanoseconds since the monitor was made.
  var uptimeNanoseconds: UInt64 { now() &- started }

  // MARK: The request path

  /// A group of requests begins: the first one's time starts now.
  func startLap() {
    if timing { lapStart = now() }
  }

  /// The request that began at `lapStart` has been answered (`spec` nil: its line named no
  /// method): records it, and the next request's time starts now. One clock read per request.
  func endLap(_ spec: MethodSpec?, failed: Bool) {
    guard timing else { return }
    let end = now()
    if let spec { finished(spec, nanoseconds: end &- lapStart, failed: failed) }
    lapStart = end
  }

  /// A request that began at `start` was answered after its group's commit (a call that waits
  /// for the upstream).
  func record(_ spec: MethodSpec, since start: UInt64, failed: Bool) {
    guard timing else { return }
    finished(spec, nanoseconds: now() &- start, failed: failed)
  }

  private func finished(_ spec: MethodSpec, nanoseconds: UInt64, failed: Bool) {
    if recording, spec.position < methods.count {
      methods[spec.position].record(nanoseconds: nanoseconds, failed: failed)
    }
    if let slowNanoseconds, nanoseconds >= slowNanoseconds {
      let milliseconds = Double(nanoseconds / 1000) / 1000
      log.debug("slow request: \(name: spec.name) took \(milliseconds) ms")
    }
  }

  /// The start of a commit, for `recordCommit` (0 when nothing is recorded).
  func commitStart() -> UInt64 { recording ? now() : 0 }

  /// A group's commit that began at `start` ended.
  func recordCommit(since start: UInt64, failed: Bool) {
    guard recording else { return }
    commits.record(nanoseconds: now() &- start, failed: failed)
  }

  // MARK: What a shell reports

  /// Keeps a duration a shell measured itself, under `name` in `section`.
  func track(_ section: ShellSection, _ name: String, milliseconds: Double, failed: Bool) {
    guard recording else { return }
    let nanoseconds = UInt64((milliseconds * 1_000_000).rounded())
    shell[section]!.record(name, nanoseconds: nanoseconds, failed: failed)
  }
}
