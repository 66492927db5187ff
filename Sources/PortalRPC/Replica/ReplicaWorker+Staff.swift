internal import DataSync
internal import Domain
internal import PortalJSON
internal import Postgres
internal import Storage

/// The agent's other traffic with PostgreSQL, beside the outbox: staff accounts both ways (so
/// anyone signs in on any workstation, offline too) and this workstation's audit log up
/// (append-only there, with its chain's head). Both are idempotent and keep their cursors in the
/// store, so a crash midway repeats work and loses none.
///
/// - SeeAlso: `docs/security.md`, "On a replica".
extension ReplicaWorker {
  /// Pushes accounts changed here, then takes those changed elsewhere; then pushes audit events.
  /// A failure waits for the next turn (staff and audit never hold up records).
  func syncStaffAndAudit(_ connection: PostgresConnection, deadline: ContinuousClock.Instant) {
    do {
      try pushStaff(connection, deadline: deadline)
      try pullStaff(connection, deadline: deadline)
      try pushAudit(connection, deadline: deadline)
    } catch {
      store.rollback()
    }
  }

  private var store: Store { dataSyncStore }

  private func pushStaff(_ connection: PostgresConnection, deadline: ContinuousClock.Instant)
    throws
  {
    let rows = try readCommitted { try store.dirtyStaff() }
    for row in rows {
      do {
        try calls.time("staffPush") { () throws(PostgresError) in
          try connection.query(
            """
            INSERT INTO portal.staff (id, username, name, role, password_hash, disabled, updated_at)
              VALUES ($1, $2, $3, $4, $5, $6, $7)
              ON CONFLICT (id) DO UPDATE SET username = excluded.username, name = excluded.name,
                role = excluded.role, password_hash = excluded.password_hash,
                disabled = excluded.disabled, updated_at = excluded.updated_at
              WHERE portal.staff.updated_at <= excluded.updated_at
            """,
            [
              String(row.member.id), row.member.username, row.member.name, row.member.role,
              row.passwordHash, row.member.disabled ? "true" : "false", row.updatedAt,
            ], deadline: deadline)
        }
      } catch {
        // The username was taken upstream by an account made elsewhere meanwhile: theirs stays,
        // and the pull replaces ours here. Anything else waits for the next turn.
        guard case .server(let state, _) = error, state == "23505" else { throw error }
      }
      try store.inSavepoint {
        try store.markStaffPushed(id: row.member.id, updatedAt: row.updatedAt)
      }
      try store.commit()
    }
  }

  private func pullStaff(_ connection: PostgresConnection, deadline: ContinuousClock.Instant)
    throws
  {
    let after = try readCommitted { try store.syncValue("staff_rev") } ?? "0"
    let page = try calls.time("staffPull") { () throws(PostgresError) in
      try connection.query(
        """
        SELECT id, username, name, role, password_hash, disabled, updated_at, rev FROM portal.staff
          WHERE rev > $1 ORDER BY rev
        """, [after], deadline: deadline)
    }
    guard !page.rows.isEmpty else { return }
    var last = after
    try store.inSavepoint {
      for row in page.rows {
        guard let id = row[0].flatMap({ Int64($0) }), let username = row[1], let name = row[2],
          let role = row[3], let hash = row[4], let updatedAt = row[6], let rev = row[7]
        else { continue }
        try store.applyUpstreamStaff(
          Store.StaffRow(
            member: StaffMember(
              id: id, username: username, name: name, role: role, disabled: row[5] == "t"),
            passwordHash: hash, updatedAt: updatedAt, rev: Int64(rev)))
        last = rev
      }
      try store.setSyncValue("staff_rev", last)
    }
    try store.commit()
    ringBell()  // sessions of a changed account end in every window of the directory
  }

  /// How many links of the audit chain one statement pushes.
  static let auditBatch = 200

  private func pushAudit(_ connection: PostgresConnection, deadline: ContinuousClock.Instant)
    throws
  {
    while true {
      let pushed = Int64(try readCommitted { try store.syncValue("audit_pushed") } ?? "0") ?? 0
      let links = try readCommitted { try store.auditLinks(after: pushed, limit: Self.auditBatch) }
      guard let last = links.last else { return }
      let batch = JSONValue.array(
        links.map { link in
          [
            "seq": JSONValue(link.seq), "lastSeq": JSONValue(link.lastSeq),
            "events": .string(String(decoding: link.events, as: UTF8.self)),
            "hash": .string(link.hash),
          ]
        })
      try calls.time("auditPush") { () throws(PostgresError) in
        try connection.query(
          """
          WITH pushed AS (
            SELECT (e->>'seq')::bigint AS seq, (e->>'lastSeq')::bigint AS last_seq,
              e->>'events' AS events, e->>'hash' AS hash
              FROM jsonb_array_elements($2::jsonb) AS e),
          appended AS (
            INSERT INTO portal.audit_log (client_id, seq, last_seq, events, hash)
              SELECT $1, seq, last_seq, events, hash FROM pushed ON CONFLICT DO NOTHING)
          INSERT INTO portal.audit_heads (client_id, seq, hash)
            SELECT $1, last_seq, hash FROM pushed ORDER BY seq DESC LIMIT 1
            ON CONFLICT (client_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
              updated_at = now() WHERE portal.audit_heads.seq < excluded.seq
          """, [clientID, batch.description], deadline: deadline)
      }
      try store.inSavepoint { try store.setSyncValue("audit_pushed", String(last.lastSeq)) }
      try store.commit()
      if links.count < Self.auditBatch { return }
    }
  }

  /// Reads in a transaction of their own, ended at once (an idle agent holds no snapshot).
  private func readCommitted<T>(_ body: () throws -> T) throws -> T {
    try store.beginRead()
    defer { try? store.commit() }
    return try body()
  }
}
