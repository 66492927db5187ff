internal import Domain
internal import Postgres
internal import Storage
internal import Upstream

/// `portal-rpc --check --upstream URL` on a replica: besides the store's own checks, its
/// confirmed state (pending writes undone) is compared with PostgreSQL's records, one digest per
/// entity type, in one snapshot of PostgreSQL. A replica that has not pulled everything yet is
/// reported as behind and not compared (the difference would be expected). Only counts and ids'
/// numbers are reported, never a value.
enum UpstreamCheck {
  struct Report {
    var lines: [String] = []
    var problems: [String] = []
  }

  static func run(_ store: Store, configuration: ReplicaConfiguration) -> Report {
    var report = Report()
    let deadline = { ContinuousClock.now + .seconds(60) }
    let connection: PostgresConnection
    do {
      connection = try PostgresConnection(
        connectingTo: configuration.upstream, password: configuration.password,
        deadline: deadline())
    } catch {
      report.problems.append(
        "the upstream cannot be reached to compare with it (\(error.sqlStateDescription))")
      return report
    }
    defer { connection.close() }
    do {
      try store.beginRead()
      let joined = try store.syncValue("upstream_id")
      let cursor = Int64(try store.syncValue("cursor") ?? "") ?? 0
      try connection.execute(
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", deadline: deadline())
      defer { _ = try? connection.execute("ROLLBACK", deadline: deadline()) }
      let upstreamID =
        try connection.query(
          "SELECT value FROM portal.meta WHERE key = 'upstream_id'", deadline: deadline()
        ).scalar
      guard let joined, joined == upstreamID else {
        report.problems.append("the store is not a replica of this upstream")
        return report
      }
      let latest =
        Int64(
          try connection.query(
            "SELECT coalesce(max(seq), 0) FROM portal.changes", deadline: deadline()
          ).scalar ?? "") ?? 0
      try compareAuditLog(store, connection, deadline: deadline(), into: &report)
      guard latest <= cursor else {
        report.lines.append(
          "upstream: not compared; the replica has \(latest - cursor) upstream changes still to pull"
        )
        return report
      }
      var differing = 0
      for kind in EntityKind.all {
        let local = try store.confirmedRecords(kind)
        let rows = try connection.query(
          "SELECT id, version, doc::text FROM portal.records WHERE kind = $1",
          [kind.name.rawValue], deadline: deadline())
        var upstream: [Int64: (version: Int64, document: [UInt8])] = [:]
        for row in rows.rows {
          guard let id = row[0].flatMap({ Int64($0) }), let version = row[1].flatMap({ Int64($0) })
          else { continue }
          upstream[id] = (version, Array((row[2] ?? "").utf8))
        }
        let ids = Set(local.keys).union(upstream.keys)
        let different = ids.filter { id in
          local[id]?.version != upstream[id]?.version
            || local[id]?.document != upstream[id]?.document
        }
        if !different.isEmpty {
          differing += different.count
          report.problems.append(
            "upstream: \(different.count) \(kind.pluralName) differ from PostgreSQL's (\(local.count) here, \(upstream.count) upstream)"
          )
        }
      }
      if differing == 0 {
        report.lines.append(
          "upstream: the confirmed state equals PostgreSQL's, as of change \(cursor)")
      }
    } catch {
      report.problems.append("the comparison with the upstream failed (\(error))")
    }
    return report
  }

  /// The audit events PostgreSQL received from this workstation still verify against the local
  /// chain: the head it recorded is an event here with the same hash, and every event it holds
  /// equals ours (an event changed here after it was pushed is found).
  private static func compareAuditLog(
    _ store: Store, _ connection: PostgresConnection, deadline: ContinuousClock.Instant,
    into report: inout Report
  ) throws {
    guard let clientID = try store.syncValue("client_id") else { return }
    let head = try connection.query(
      "SELECT seq, hash FROM portal.audit_heads WHERE client_id = $1", [clientID],
      deadline: deadline)
    guard let row = head.rows.first, let seq = row[0].flatMap({ Int64($0) }) else {
      report.lines.append("audit log upstream: nothing pushed yet")
      return
    }
    guard try store.auditHash(at: seq) == row[1] else {
      report.problems.append(
        "audit log upstream: PostgreSQL's head (event \(seq)) does not match this store's event \(seq)"
      )
      return
    }
    let pushed = try connection.query(
      "SELECT seq, hash FROM portal.audit_log WHERE client_id = $1 ORDER BY seq", [clientID],
      deadline: deadline)
    let local = try store.auditLinks(after: 0, limit: .max)
    let hashes = Dictionary(uniqueKeysWithValues: local.map { ($0.seq, $0.hash) })
    if let first = pushed.rows.first(where: { row in
      row[0].flatMap { Int64($0) }.map { hashes[$0] != row[1] } ?? true
    }) {
      report.problems.append(
        "audit log upstream: event \(first[0] ?? "?") differs from the copy PostgreSQL received")
      return
    }
    report.lines.append(
      "audit log upstream: \(pushed.rows.count) events match PostgreSQL's copy, through event \(seq)"
    )
  }
}
