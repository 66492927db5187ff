internal import DataSync
internal import Domain
internal import PortalJSON
internal import Postgres
internal import Storage
internal import Upstream

/// The joining rules, run once when a data directory is first served as a replica of an
/// upstream, before anything is served:
///
/// - an empty store and an empty upstream: joined, nothing to move;
/// - an empty store and an upstream with data: the store downloads one consistent snapshot of
///   it (REPEATABLE READ), then follows the change log from the snapshot's sequence;
/// - a store with data and an empty upstream: the store uploads everything (a clinic moving its
///   first workstation's data to its new server);
/// - data on both sides, or a store that is a replica of another upstream: refused, never
///   merged silently.
///
/// At start, a refusal ends the process and an upload is done at once; a download is the agent's
/// first work, told with `sync/progress`.
///
/// A store that joined remembers the upstream's identity (`portal.meta`), so it starts offline
/// afterwards. Joining itself needs the upstream.
enum ReplicaJoin {
  struct Refusal: Error, CustomStringConvertible {
    let description: String
  }

  /// How many records move per round trip.
  static let pageSize = 10_000

  /// At start: joins when the upstream can be reached within a few seconds, so a refusal ends
  /// the process (exit 3) before anything is served. Unreachable, the store is served as it is,
  /// and the agent joins on its first connection (until then an add has no ids: -32006).
  static func atStart(
    _ dataSync: DataSync<Store>, configuration: ReplicaConfiguration, log: Log
  ) throws -> String? {
    let deadline = ContinuousClock.now + .seconds(5)
    let connection: PostgresConnection
    do {
      connection = try PostgresConnection(
        connectingTo: configuration.upstream, password: configuration.password,
        deadline: deadline)
      try UpstreamMigrator().migrate(connection, deadline: deadline)
    } catch {
      let cause = (error as? PostgresError)?.sqlStateDescription ?? "its schema"
      log.warn(
        "the upstream cannot be reached at start (\(name: cause)); serving the local store, and the agent joins when it connects"
      )
      return nil
    }
    defer { connection.close() }
    return try join(dataSync, connection, log: log, downloads: false).outcome
  }

  /// Joins `dataSync`'s store to the upstream behind `connection` unless it already has: what
  /// it did (for the log), and the cursor the store follows the log from when it moved.
  static func join(
    _ dataSync: DataSync<Store>, _ connection: PostgresConnection, log: Log?,
    downloads: Bool = true, progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }
  ) throws -> (outcome: String?, cursor: Int64?) {
    let store = dataSync.store
    try store.beginRead()
    let joined = try store.syncValue("upstream_id")
    try dataSync.commit()
    let deadline = ContinuousClock.now + .seconds(30)
    let upstreamID =
      try connection.query(
        "SELECT value FROM portal.meta WHERE key = 'upstream_id'", deadline: deadline
      ).scalar ?? ""
    if let joined {
      guard joined == upstreamID else {
        throw Refusal(
          description:
            "the data directory is a replica of another upstream; serve it with that one, or start this workstation with an empty data directory"
        )
      }
      return (nil, nil)
    }
    let upstreamEmpty =
      try connection.query(
        "SELECT NOT EXISTS (SELECT 1 FROM portal.records) AND NOT EXISTS (SELECT 1 FROM portal.changes)",
        deadline: deadline
      ).scalar == "t"
    try store.beginRead()
    let localEmpty = try store.isEmpty()
    try dataSync.commit()
    let outcome: String
    switch (localEmpty, upstreamEmpty) {
    case (false, false):
      throw Refusal(
        description:
          "the store has data and was never a replica of this upstream, which has data too: they are not merged. Start this workstation with an empty data directory to download the clinic's data"
      )
    case (false, true):
      let count = try upload(dataSync, connection)
      outcome = "uploaded \(count) records to the empty upstream"
    case (true, false):
      // At start the download is left to the agent, which tells windows how far it is.
      guard downloads else { return (nil, nil) }
      let count = try download(dataSync, connection, log: log, progress: progress)
      outcome = "downloaded \(count) records from the upstream"
    case (true, true):
      let cursor =
        try connection.query("SELECT coalesce(max(seq), 0) FROM portal.changes", deadline: deadline)
        .scalar ?? "0"
      try store.inSavepoint { try store.setSyncValue("cursor", cursor) }
      outcome = "joined the empty upstream"
    }
    try store.inSavepoint { try store.setSyncValue("upstream_id", upstreamID) }
    try dataSync.commit()
    try store.beginRead()
    let cursor = try store.syncValue("cursor").flatMap { Int64($0) } ?? 0
    try dataSync.commit()
    return (outcome, cursor)
  }

  /// Reads every record in one snapshot, with the change log's sequence at that snapshot, and
  /// stores them as confirmed state; the agent then follows the log from that sequence.
  private static func download(
    _ dataSync: DataSync<Store>, _ connection: PostgresConnection, log: Log?,
    progress: (_ done: Int, _ total: Int) -> Void
  ) throws -> Int {
    let store = dataSync.store
    let deadline = { ContinuousClock.now + .seconds(60) }
    try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", deadline: deadline())
    defer { _ = try? connection.execute("ROLLBACK", deadline: deadline()) }
    let cursor =
      try connection.query("SELECT coalesce(max(seq), 0) FROM portal.changes", deadline: deadline())
      .scalar ?? "0"
    let total =
      Int(
        try connection.query("SELECT count(*) FROM portal.records", deadline: deadline()).scalar
          ?? "0") ?? 0
    var done = 0
    try store.inSavepoint {
      try store.deferForeignKeys()
      // What is downloaded is PostgreSQL's state, not a pending write (on a connection that
      // captures; the serving one does not yet).
      try? store.setCapturing(false)
      defer { try? store.setCapturing(true) }
      // Patients first (every other record points at one), each kind by id, a page at a time.
      for kind in EntityKind.all {
        var after: Int64 = 0
        while true {
          let page = try connection.query(
            """
            SELECT id, patient, custom_id, version, doc::text, coalesce(opening_balance, 0)
              FROM portal.records WHERE kind = $1 AND id > $2 ORDER BY id LIMIT $3
            """, [kind.name.rawValue, String(after), String(pageSize)], deadline: deadline())
          for row in page.rows {
            guard let id = row[0].flatMap({ Int64($0) }), let owner = row[1].flatMap({ Int64($0) }),
              let version = row[3].flatMap({ Int64($0) }), let document = row[4]
            else { continue }
            try store.putConfirmed(
              kind, row: id,
              ConfirmedRecord(
                patientOrdinal: owner, customID: row[2], version: version,
                openingBalance: row[5].flatMap { Int64($0) } ?? 0, document: Array(document.utf8)))
            after = id
          }
          done += page.rows.count
          progress(done, total)
          if page.rows.count < pageSize { break }
          log?.info("downloading the clinic's records: \(done) of \(total)")
        }
      }
      try store.setSyncValue("cursor", cursor)
      // The records' derived fields are as of the upstream's clinic day: without it the
      // store would turn its first day over them and recompute them locally.
      if let day = try connection.query(
        "SELECT day FROM portal.clinic_day", deadline: deadline()
      ).scalar {
        try store.setClinicDay(day)
      }
    }
    try dataSync.commit()
    return done
  }

  /// Writes every local record to the empty upstream, each with its `created` change row, in one
  /// PostgreSQL transaction, and starts the replica's cursor after them.
  private static func upload(_ dataSync: DataSync<Store>, _ connection: PostgresConnection) throws
    -> Int
  {
    let local = dataSync.store
    let upstream = PostgresRecordStore(connection: connection, callTimeout: .seconds(60))
    let time = dataSync.clock.now()
    var count = 0
    try local.beginRead()
    try upstream.inSavepoint {
      for kind in EntityKind.all {
        for row in try local.rows(kind) {
          let document = try JSONParser.parse(row.document)
          let id = document["id"] ?? .null
          if kind.name == .patient {
            try upstream.insertPatient(
              id: PatientID.canonical(id) ?? "", ordinal: row.row, version: row.version,
              openingBalance: try local.openingBalance(ofPatient: row.row),
              document: row.document)
          } else {
            try upstream.insert(
              kind, id: row.row, patientOrdinal: row.patientOrdinal, version: row.version,
              document: row.document)
            if kind.name == .transaction {
              try upstream.setBalanceEffect(transaction: row.row, Money(cents: row.effect))
            }
          }
          let event = ChangeEvent(
            entityType: kind.name, entityID: id, change: .created, version: row.version,
            patientID: kind.name == .patient ? id : document["patientId"], fields: nil,
            method: "upload", originProcess: "upload", time: time,
            entity: EncodedJSON(trusted: row.document))
          _ = try upstream.append(event, patientOrdinal: row.patientOrdinal, activity: nil)
          count += 1
        }
      }
      if let day = try local.clinicDay() { try upstream.setClinicDay(day) }
      for (kind, id) in try local.retiredIDs() {
        try connection.query(
          """
          INSERT INTO portal.retired_ids (kind, max_id) VALUES ($1, $2)
            ON CONFLICT (kind) DO UPDATE SET max_id = greatest(portal.retired_ids.max_id, $2)
          """, [kind.rawValue, String(id)], deadline: .now + .seconds(60))
      }
    }
    let cursor = try upstream.lastSequence()
    try upstream.commit()
    try dataSync.commit()
    // What was uploaded holds every write made before joining: none is pushed again.
    try local.inSavepoint {
      try local.setSyncValue("cursor", String(cursor))
      try local.forgetOutboxAfterUpload()
    }
    try dataSync.commit()
    return count
  }
}
