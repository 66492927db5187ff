internal import Domain
internal import PortalJSON
internal import Sodium
internal import Storage

/// Signing in, refreshing and signing out: the work behind `login`, `refreshToken` and `logout`.
/// Tokens are 256 random bits, handed out once and stored only as SHA-256 hashes; a password is
/// checked with Argon2id, and an unknown username costs the same check against a decoy hash, so
/// both fail alike and equally slowly.
///
/// - SeeAlso: `docs/security.md`, "Staff and sessions".
extension Session {
  /// A new sign-in's answer: `{user, token, refreshToken, expiresAt}`.
  struct Issued {
    let access: String
    let refresh: String
    let expiresAt: Timestamp
    let family: [UInt8]
  }

  func signIn(username: String, password: [UInt8]) throws -> JSONValue {
    let store = dataSync.store
    let now = clock.now().millisecondsSinceEpoch
    let failures = try store.loginFailures(username: username)
    if failures.lockedUntil > now {
      recordAudit(method: "login", outcome: .locked, actor: .account(nil))
      throw AuthError.locked(retryAfterMilliseconds: failures.lockedUntil - now)
    }
    let account = try store.staff(username: username)
    // With no account at all there is nothing to learn from the time taken: no decoy hash.
    let noAccounts = try account == nil && store.staffCount() == 0
    let matches =
      !noAccounts
      && PasswordHash.verify(password, against: account?.passwordHash ?? PasswordHash.decoy)
    guard let account, matches, !account.member.disabled else {
      let count = failures.failures + 1
      let wait = auth.limits.lockout(afterFailures: count)
      try store.inSavepoint {
        try store.setLoginFailures(username: username, failures: count, lockedUntil: now + wait)
      }
      recordAudit(method: "login", outcome: .failed, actor: .account(account?.member))
      if wait > 0 {
        recordAudit(method: "login", outcome: .locked, actor: .account(account?.member))
      }
      throw AuthError.invalidCredentials
    }
    let issued = try store.inSavepoint {
      if failures.failures > 0 {
        try store.setLoginFailures(username: username, failures: 0, lockedUntil: 0)
      }
      try store.deleteExpiredTokens(before: now)
      return try issue(for: account.member, family: SecureRandom.bytes(16), now: now)
    }
    return signedIn(account.member, issued)
  }

  /// `login({token})`: another window of a signed-in person joins that sign-in, with a pair of
  /// tokens of its own in the same family (so a logout anywhere ends it here too).
  func signIn(token: String) throws -> JSONValue {
    let store = dataSync.store
    let now = clock.now().millisecondsSinceEpoch
    guard let stored = try store.token(hash: Self.tokenHash(token)), stored.kind == .access,
      stored.expiresAt > now, let member = try store.staff(id: stored.staffID), !member.disabled
    else {
      recordAudit(method: "login", outcome: .failed, actor: .account(nil))
      throw AuthError.invalidCredentials
    }
    let issued = try store.inSavepoint {
      try issue(for: member, family: stored.family, now: now)
    }
    return signedIn(member, issued)
  }

  /// `refreshToken(refreshToken?)`: a new pair for the same sign-in. With a refresh token, it is
  /// spent and the connection is signed in by it; without one, the connection must be signed in.
  func refresh(_ refreshToken: String?) throws -> JSONValue {
    let store = dataSync.store
    let now = clock.now().millisecondsSinceEpoch
    let member: StaffMember
    let family: [UInt8]
    if let refreshToken {
      let hash = Self.tokenHash(refreshToken)
      guard let stored = try store.token(hash: hash), stored.kind == .refresh,
        stored.expiresAt > now, let owner = try store.staff(id: stored.staffID), !owner.disabled
      else {
        recordAudit(method: "refreshToken", outcome: .failed, actor: .account(nil))
        throw AuthError.invalidCredentials
      }
      try store.inSavepoint { try store.deleteToken(hash: hash) }
      member = owner
      family = stored.family
    } else {
      guard let signedIn = auth.signedIn else { throw AuthError.signInRequired }
      member = signedIn.member
      family = signedIn.family
    }
    let issued = try store.inSavepoint { try issue(for: member, family: family, now: now) }
    let answer = signedIn(member, issued, method: "refreshToken")
    return [
      "token": answer["token"] ?? .null, "refreshToken": answer["refreshToken"] ?? .null,
      "expiresAt": answer["expiresAt"] ?? .null,
    ]
  }

  /// `logout`: the sign-in ends everywhere (every token of its family).
  func signOut() throws {
    guard let signedIn = auth.signedIn else { return }
    let store = dataSync.store
    try store.inSavepoint { try store.revokeTokens(family: signedIn.family) }
    recordAudit(method: "logout", outcome: .ok)
    auth.signOut()
  }

  private func issue(for member: StaffMember, family: [UInt8], now: Int64) throws -> Issued {
    let store = dataSync.store
    let access = "pa_" + Base64URL.encode(SecureRandom.bytes(32))
    let refresh = "pr_" + Base64URL.encode(SecureRandom.bytes(32))
    let expiresAt = now + auth.limits.accessTokenMilliseconds
    try store.insertToken(
      hash: Self.tokenHash(access), staffID: member.id, kind: .access, family: family,
      expiresAt: expiresAt)
    try store.insertToken(
      hash: Self.tokenHash(refresh), staffID: member.id, kind: .refresh, family: family,
      expiresAt: now + auth.limits.refreshTokenMilliseconds)
    return Issued(
      access: access, refresh: refresh,
      expiresAt: Timestamp(millisecondsSinceEpoch: expiresAt), family: family)
  }

  private func signedIn(_ member: StaffMember, _ issued: Issued, method: String = "login")
    -> JSONValue
  {
    let role = Role.defaults[member.role] ?? Role(name: member.role, permissions: [])
    let now = clock.now().millisecondsSinceEpoch
    auth.signIn(
      Authentication.SignedIn(
        member: member, policy: AccessPolicy(role: role), family: issued.family,
        tokenHash: Self.tokenHash(issued.access), refreshHash: Self.tokenHash(issued.refresh),
        expiresAt: issued.expiresAt.millisecondsSinceEpoch,
        lastActivity: now))
    recordAudit(method: method, outcome: .ok, actor: .account(member))
    return [
      "user": userJSON(member, role),
      "token": .string(issued.access),
      "refreshToken": .string(issued.refresh),
      "expiresAt": .string(issued.expiresAt.description),
    ]
  }

  /// `{id, username, name, role, permissions}`.
  func userJSON(_ member: StaffMember, _ role: Role) -> JSONValue {
    [
      "id": JSONValue(member.id), "username": .string(member.username),
      "name": .string(member.name), "role": .string(member.role),
      "permissions": .array(role.permissions.sorted().map { .string($0.rawValue) }),
    ]
  }

  static func tokenHash(_ token: String) -> [UInt8] { SHA256.digest(Array(token.utf8)) }
}

/// URL-safe Base64 without padding, for tokens.
enum Base64URL {
  private static let alphabet = Array(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

  static func encode(_ bytes: [UInt8]) -> String {
    var out: [UInt8] = []
    var index = 0
    while index < bytes.count {
      let chunk = bytes[index..<min(index + 3, bytes.count)]
      var value: UInt32 = 0
      for (offset, byte) in chunk.enumerated() { value |= UInt32(byte) << (16 - 8 * offset) }
      for position in 0..<(chunk.count + 1) {
        out.append(alphabet[Int((value >> (18 - 6 * position)) & 0x3F)])
      }
      index += 3
    }
    return String(decoding: out, as: UTF8.self)
  }
}
