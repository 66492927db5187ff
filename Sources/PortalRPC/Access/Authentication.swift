internal import Domain
internal import PortalJSON
internal import Storage

/// One connection's sign-in: whether auth is on, who is signed in with which role, and when the
/// session ends (idle, token expired, or revoked by a logout, a password reset, a role change or
/// a disabled account, in any process). Confined to the session's thread.
///
/// - SeeAlso: `docs/security.md`, "Staff and sessions".
final class Authentication {
  /// A signed-in staff member on this connection (a class: every request reads it, none copies
  /// it).
  final class SignedIn {
    let member: StaffMember
    let policy: AccessPolicy
    /// The sign-in this connection's token belongs to; a logout ends all of it.
    let family: [UInt8]
    /// This connection's own pair of tokens (every window gets its own at sign-in).
    let tokenHash: [UInt8]
    let refreshHash: [UInt8]
    let expiresAt: Int64
    var lastActivity: Int64

    init(
      member: StaffMember, policy: AccessPolicy, family: [UInt8], tokenHash: [UInt8],
      refreshHash: [UInt8], expiresAt: Int64, lastActivity: Int64
    ) {
      self.member = member
      self.policy = policy
      self.family = family
      self.tokenHash = tokenHash
      self.refreshHash = refreshHash
      self.expiresAt = expiresAt
      self.lastActivity = lastActivity
    }
  }

  /// Why a session ended, as `auth/expired` says.
  enum Ending: String {
    case idle, expired, revoked
  }

  let mode: AuthMode
  let limits: SessionLimits
  /// True when requests need a signed-in staff member.
  private(set) var required: Bool
  /// True when requests are written to the audit log: whenever the store has accounts, even
  /// with `--auth off`.
  private(set) var auditing: Bool
  private(set) var signedIn: SignedIn?
  private var checkedDataVersion: Int64 = -1
  private var checkedAt: Int64 = .min / 2
  /// How often, at most, a signed-in connection asks the store whether its token still stands.
  static let revocationCheckMilliseconds: Int64 = 200

  init(mode: AuthMode, limits: SessionLimits, accounts: Int) {
    self.mode = mode
    self.limits = limits
    required = mode == .required || (mode == .auto && accounts > 0)
    auditing = accounts > 0 || mode == .required
  }

  /// The policy requests run under: nil when auth is off or nobody is signed in.
  var policy: AccessPolicy? { signedIn?.policy }

  func signIn(_ signedIn: SignedIn) { self.signedIn = signedIn }

  func signOut() { signedIn = nil }

  /// Marks activity at `now` (a request ran).
  func touch(_ now: Int64) { signedIn?.lastActivity = now }

  /// Ends the session if it idled out or its token expired by `now`; returns why.
  func ending(at now: Int64) -> Ending? {
    guard let signedIn else { return nil }
    if now - signedIn.lastActivity >= limits.idleMilliseconds { return .idle }
    if now >= signedIn.expiresAt { return .expired }
    return nil
  }

  /// After another process committed (the store's data version moved): a token revoked there
  /// ends this session too, and the first account created there turns auth on here.
  func revoked(in store: Store) throws(StorageError) -> Bool {
    let version = try store.dataVersion()
    guard version != checkedDataVersion else { return false }
    if !auditing || (!required && mode == .auto) {
      let accounts = try store.staffCount()
      if accounts > 0 {
        auditing = true
        if mode == .auto { required = true }
      }
    }
    guard let signedIn else {
      checkedDataVersion = version
      return false
    }
    // Every commit of another connection (a checkpoint's too) moves the data version: the
    // token is looked at again at most every `revocationCheckMilliseconds`, not after each
    // (the version stays unseen, so the next look after that catches up).
    let now = AuditRecorder.monotonicMilliseconds()
    guard now - checkedAt >= Self.revocationCheckMilliseconds else { return false }
    checkedAt = now
    checkedDataVersion = version
    guard let token = try store.token(hash: signedIn.tokenHash),
      let member = try store.staff(id: token.staffID), !member.disabled,
      member.role == signedIn.member.role
    else { return true }
    return false
  }

  /// Milliseconds until the session must be looked at again (idle or expiry), if signed in.
  func millisecondsUntilDue(at now: Int64) -> Int64? {
    guard let signedIn else { return nil }
    return max(
      0, min(signedIn.lastActivity + limits.idleMilliseconds, signedIn.expiresAt) - now)
  }
}
