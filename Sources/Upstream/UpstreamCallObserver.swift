/// Told of every call a replica makes to PostgreSQL: a short stable name (`connect`, `pull`,
/// `push`, …), how long it took and whether it worked. `getMetrics` keeps them; `none` keeps
/// nothing and reads no clock.
///
/// - SeeAlso: `docs/metrics.md`, "Upstream calls".
public struct UpstreamCallObserver: Sendable {
  private let observe:
    (@Sendable (_ name: String, _ duration: Duration, _ succeeded: Bool) -> Void)?

  public init(
    _ observe:
      @escaping @Sendable (_ name: String, _ duration: Duration, _ succeeded: Bool) ->
      Void
  ) {
    self.observe = observe
  }

  private init() { observe = nil }

  /// Times nothing.
  public static let none = UpstreamCallObserver()

  /// Runs `call`, then reports it under `name`: failed when it throws.
  @discardableResult
  public func time<T, Failure: Error>(_ name: String, _ call: () throws(Failure) -> T)
    throws(Failure) -> T
  {
    guard let observe else { return try call() }
    let start = ContinuousClock.now
    do {
      let value = try call()
      observe(name, .now - start, true)
      return value
    } catch {
      observe(name, .now - start, false)
      throw error
    }
  }
}
