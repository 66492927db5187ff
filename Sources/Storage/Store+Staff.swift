public import Domain

/// A stored sign-in token: whose it is, which sign-in (`family`) it belongs to, and until when
/// it is good. The token itself is never stored, only its SHA-256.
public struct StoredToken: Sendable, Equatable {
  public enum Kind: String, Sendable {
    case access, refresh
  }

  public let staffID: Int64
  public let kind: Kind
  public let family: [UInt8]
  /// Milliseconds since the epoch.
  public let expiresAt: Int64
}

/// Staff accounts, their tokens and failed sign-ins.
///
/// - SeeAlso: `docs/security.md`, "Staff and sessions".
extension Store {
  public func staffCount() throws(StorageError) -> Int {
    Int(try database.integer("SELECT count(*) FROM staff") ?? 0)
  }

  /// Adds an account; nil when the username is taken (in any case).
  public func addStaff(
    username: String, name: String, role: String, passwordHash: String, at time: String
  ) throws(StorageError) -> StaffMember? {
    guard try staff(username: username) == nil else { return nil }
    // A random id, so workstations adding staff while apart never pick the same one.
    var id: Int64
    repeat {
      id = Int64.random(in: 1...(1 << 40))
    } while try staff(id: id) != nil
    try database.statement(
      """
      INSERT INTO staff(id, username, name, role, password_hash, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
      """
    ).bind([
      .integer(id), .text(username), .text(name), .text(role), .text(passwordHash), .text(time),
      .text(time),
    ]).run()
    return StaffMember(id: id, username: username, name: name, role: role, disabled: false)
  }

  /// The account named `username` (in any case) and its password hash.
  public func staff(username: String) throws(StorageError) -> (
    member: StaffMember, passwordHash: String
  )? {
    let statement = try database.statement(
      "SELECT id, username, name, role, disabled, password_hash FROM staff WHERE username = ?"
    ).bind([.text(username)])
    defer { statement.finish() }
    guard try statement.step() else { return nil }
    return (member(statement), statement.text(5) ?? "")
  }

  public func staff(id: Int64) throws(StorageError) -> StaffMember? {
    let statement = try database.statement(
      "SELECT id, username, name, role, disabled FROM staff WHERE id = ?"
    ).bind([.integer(id)])
    defer { statement.finish() }
    guard try statement.step() else { return nil }
    return member(statement)
  }

  /// Every account, by id.
  public func allStaff() throws(StorageError) -> [StaffMember] {
    let statement = try database.statement(
      "SELECT id, username, name, role, disabled FROM staff ORDER BY id")
    var members: [StaffMember] = []
    while try statement.step() { members.append(member(statement)) }
    return members
  }

  private func member(_ statement: Statement) -> StaffMember {
    StaffMember(
      id: statement.int64(0), username: statement.text(1) ?? "", name: statement.text(2) ?? "",
      role: statement.text(3) ?? "", disabled: statement.int64(4) != 0)
  }

  /// Changes an account's role, password hash or disabled flag; a new role, password or a
  /// disable revokes every token it has (each ends its sessions).
  public func updateStaff(
    id: Int64, role: String? = nil, passwordHash: String? = nil, disabled: Bool? = nil,
    at time: String
  ) throws(StorageError) {
    try database.statement(
      """
      UPDATE staff SET role = coalesce(?, role), password_hash = coalesce(?, password_hash),
        disabled = coalesce(?, disabled), updated_at = ?, dirty = 1 WHERE id = ?
      """
    ).bind([
      role.map(SQLValue.text) ?? .null, passwordHash.map(SQLValue.text) ?? .null,
      disabled.map { .integer($0 ? 1 : 0) } ?? .null, .text(time), .integer(id),
    ]).run()
    // A new role, a new password or a disable ends every session; enabling ends none.
    if role != nil || passwordHash != nil || disabled == true { try revokeTokens(staffID: id) }
  }

  // MARK: Tokens

  public func insertToken(
    hash: [UInt8], staffID: Int64, kind: StoredToken.Kind, family: [UInt8], expiresAt: Int64
  ) throws(StorageError) {
    try database.statement(
      "INSERT INTO staff_tokens(token_hash, staff_id, kind, family, expires_at) VALUES (?, ?, ?, ?, ?)"
    ).bind([
      .blob(hash), .integer(staffID), .text(kind.rawValue), .blob(family), .integer(expiresAt),
    ]).run()
  }

  /// The token whose hash is `hash`, if it exists (expired or not).
  public func token(hash: [UInt8]) throws(StorageError) -> StoredToken? {
    let statement = try database.statement(
      "SELECT staff_id, kind, family, expires_at FROM staff_tokens WHERE token_hash = ?"
    ).bind([.blob(hash)])
    defer { statement.finish() }
    guard try statement.step() else { return nil }
    return StoredToken(
      staffID: statement.int64(0),
      kind: StoredToken.Kind(rawValue: statement.text(1) ?? "") ?? .access,
      family: statement.blob(2), expiresAt: statement.int64(3))
  }

  public func deleteToken(hash: [UInt8]) throws(StorageError) {
    try database.statement("DELETE FROM staff_tokens WHERE token_hash = ?").bind([.blob(hash)])
      .run()
  }

  /// Ends a sign-in everywhere: every token of its family.
  public func revokeTokens(family: [UInt8]) throws(StorageError) {
    try database.statement("DELETE FROM staff_tokens WHERE family = ?").bind([.blob(family)]).run()
  }

  public func revokeTokens(staffID: Int64) throws(StorageError) {
    try database.statement("DELETE FROM staff_tokens WHERE staff_id = ?").bind([.integer(staffID)])
      .run()
  }

  /// Forgets tokens that expired before `now` (milliseconds since the epoch).
  public func deleteExpiredTokens(before now: Int64) throws(StorageError) {
    try database.statement("DELETE FROM staff_tokens WHERE expires_at <= ?").bind([.integer(now)])
      .run()
  }

  // MARK: Failed sign-ins

  /// Failed sign-ins in a row for `username` and until when it must wait (ms since the epoch).
  public func loginFailures(username: String) throws(StorageError) -> (
    failures: Int, lockedUntil: Int64
  ) {
    let statement = try database.statement(
      "SELECT failures, locked_until FROM login_failures WHERE username = ?"
    ).bind([.text(username)])
    defer { statement.finish() }
    guard try statement.step() else { return (0, 0) }
    return (Int(statement.int64(0)), statement.int64(1))
  }

  public func setLoginFailures(username: String, failures: Int, lockedUntil: Int64)
    throws(StorageError)
  {
    if failures == 0 {
      try database.statement("DELETE FROM login_failures WHERE username = ?")
        .bind([.text(username)]).run()
      return
    }
    try database.statement(
      """
      INSERT INTO login_failures(username, failures, locked_until) VALUES (?, ?, ?)
        ON CONFLICT(username) DO UPDATE SET failures = excluded.failures,
        locked_until = excluded.locked_until
      """
    ).bind([.text(username), .integer(Int64(failures)), .integer(lockedUntil)]).run()
  }
}

/// A replica's side of staff accounts: pushed when changed here, taken from PostgreSQL when
/// changed elsewhere.
extension Store {
  /// An account as PostgreSQL holds it, password hash included (a replica signs people in
  /// while offline).
  public struct StaffRow: Sendable, Equatable {
    public let member: StaffMember
    public let passwordHash: String
    public let updatedAt: String
    public let rev: Int64?

    public init(member: StaffMember, passwordHash: String, updatedAt: String, rev: Int64?) {
      self.member = member
      self.passwordHash = passwordHash
      self.updatedAt = updatedAt
      self.rev = rev
    }
  }

  /// Accounts changed here since the agent last pushed them.
  public func dirtyStaff() throws(StorageError) -> [StaffRow] {
    let statement = try database.statement(
      """
      SELECT id, username, name, role, disabled, password_hash, updated_at FROM staff
        WHERE dirty = 1 ORDER BY id
      """)
    var rows: [StaffRow] = []
    while try statement.step() {
      rows.append(
        StaffRow(
          member: member(statement), passwordHash: statement.text(5) ?? "",
          updatedAt: statement.text(6) ?? "", rev: nil))
    }
    return rows
  }

  /// The agent pushed `id` as it was at `updatedAt`; a change made since stays dirty.
  public func markStaffPushed(id: Int64, updatedAt: String) throws(StorageError) {
    try database.statement("UPDATE staff SET dirty = 0 WHERE id = ? AND updated_at = ?")
      .bind([.integer(id), .text(updatedAt)]).run()
  }

  /// Takes an account from PostgreSQL, unless this store changed it later and has not pushed
  /// that yet. A new role, password or disabled flag ends its sessions here, as it did where it
  /// was made. Returns true when the row was taken.
  @discardableResult
  public func applyUpstreamStaff(_ row: StaffRow) throws(StorageError) -> Bool {
    let current = try database.statement(
      "SELECT role, password_hash, disabled, updated_at, dirty FROM staff WHERE id = ?"
    ).bind([.integer(row.member.id)])
    var revoke = false
    if try current.step() {
      let dirty = current.int64(4) != 0
      let localTime = current.text(3) ?? ""
      if dirty && localTime > row.updatedAt {
        current.finish()
        return false
      }
      revoke =
        current.text(0) != row.member.role || current.text(1) != row.passwordHash
        || (current.int64(2) != 0) != row.member.disabled
    }
    current.finish()
    // Another account may hold the username here (made while apart): PostgreSQL's wins.
    try database.statement("DELETE FROM staff WHERE username = ? AND id <> ?")
      .bind([.text(row.member.username), .integer(row.member.id)]).run()
    try database.statement(
      """
      INSERT INTO staff(id, username, name, role, password_hash, disabled, created_at, updated_at,
        dirty, upstream_rev) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 0, ?8)
        ON CONFLICT(id) DO UPDATE SET username = excluded.username, name = excluded.name,
          role = excluded.role, password_hash = excluded.password_hash,
          disabled = excluded.disabled, updated_at = excluded.updated_at, dirty = 0,
          upstream_rev = excluded.upstream_rev
      """
    ).bind([
      .integer(row.member.id), .text(row.member.username), .text(row.member.name),
      .text(row.member.role), .text(row.passwordHash), .integer(row.member.disabled ? 1 : 0),
      .text(row.updatedAt), row.rev.map(SQLValue.integer) ?? .null,
    ]).run()
    if revoke { try revokeTokens(staffID: row.member.id) }
    return true
  }
}
