/// Whether requests need a signed-in staff member (`--auth`).
public enum AuthMode: String, Sendable, CaseIterable {
  /// On as soon as the store holds one staff account (the default).
  case auto
  /// On even with no account: nothing but the lifecycle and `login` answers until one exists.
  case required
  /// Off even with accounts (a warning on every start); requests are still audited.
  case off
}

/// How long sign-ins and idle sessions last.
public struct SessionLimits: Sendable, Equatable {
  /// A session with no request for this long ends (`--idle-timeout`).
  public var idleMilliseconds: Int64 = 15 * 60 * 1000
  public var accessTokenMilliseconds: Int64 = 15 * 60 * 1000
  public var refreshTokenMilliseconds: Int64 = 12 * 60 * 60 * 1000
  /// Failed sign-ins in a row before a username must wait; the wait then doubles each time.
  public var failuresBeforeLockout = 5
  public var firstLockoutMilliseconds: Int64 = 1000
  public var longestLockoutMilliseconds: Int64 = 15 * 60 * 1000

  public init() {}

  /// How long a username waits after `failures` failed sign-ins in a row (0: not at all).
  public func lockout(afterFailures failures: Int) -> Int64 {
    guard failures >= failuresBeforeLockout else { return 0 }
    let doublings = min(failures - failuresBeforeLockout, 30)
    return min(firstLockoutMilliseconds << Int64(doublings), longestLockoutMilliseconds)
  }
}
