public import Domain
internal import PortalJSON

/// A record by its table and row (a patient's ordinal, or any other record's id).
public struct RecordRow: Sendable, Hashable {
  public let kind: EntityKind.Name
  public let row: Int64

  public init(_ kind: EntityKind.Name, _ row: Int64) {
    self.kind = kind
    self.row = row
  }
}

/// A replica's confirmed state: what PostgreSQL last said about each record a pending write
/// changed. While capture is on, the first change to a record (by any statement, the cascades'
/// bulk updates included) copies its prior row into `confirmed`, through triggers this
/// connection alone carries, so a standalone store pays nothing for them.
extension Store {
  /// Installs the capture triggers on this connection, capture on.
  public func captureConfirmedState() throws(StorageError) {
    var sql = """
      CREATE TEMP TABLE IF NOT EXISTS capture (only INTEGER PRIMARY KEY CHECK (only = 1),
        active INTEGER NOT NULL);
      INSERT OR IGNORE INTO temp.capture VALUES (1, 1);
      """
    for kind in EntityKind.all {
      let table = kind.tableName
      let patient = kind.name == .patient
      let id = patient ? "ordinal" : "id"
      let old =
        patient
        ? "OLD.ordinal, OLD.custom_id, OLD.version, OLD.opening_balance, OLD.doc"
        : "OLD.patient, NULL, OLD.version, NULL, OLD.doc"
      for (event, timing) in [("UPDATE", "BEFORE"), ("DELETE", "BEFORE")] {
        sql += """
          CREATE TEMP TRIGGER IF NOT EXISTS confirm_\(table)_\(event.lowercased())
            \(timing) \(event) ON main.\(table) WHEN (SELECT active FROM temp.capture) BEGIN
            INSERT OR IGNORE INTO confirmed(table_name, id, present, patient, custom_id,
              version, opening_balance, doc) VALUES ('\(table)', OLD.\(id), 1, \(old));
          END;
          """
      }
      sql += """
        CREATE TEMP TRIGGER IF NOT EXISTS confirm_\(table)_insert
          AFTER INSERT ON main.\(table) WHEN (SELECT active FROM temp.capture) BEGIN
          INSERT OR IGNORE INTO confirmed(table_name, id, present) VALUES ('\(table)', NEW.\(id), 0);
        END;
        """
    }
    try database.execute(sql)
  }

  /// Turns capture on (local writes) or off (applying PostgreSQL's state).
  public func setCapturing(_ active: Bool) throws(StorageError) {
    try database.statement("UPDATE temp.capture SET active = ?").bind([.integer(active ? 1 : 0)])
      .run()
  }

  /// The version PostgreSQL confirmed for a record: its captured prior version, or (when no
  /// pending write changed it) its version now; nil when PostgreSQL does not have it.
  public func confirmedVersion(_ kind: EntityKind, _ key: RecordKey) throws(StorageError) -> Int64?
  {
    let row: Int64
    switch key {
    case .integer(let id): row = id
    case .patient(let canonical):
      guard let ordinal = try patientOrdinal(canonical) else { return nil }
      row = ordinal
    }
    let statement = try database.statement(
      "SELECT present, version FROM confirmed WHERE table_name = ? AND id = ?"
    ).bind([.text(kind.tableName), .integer(row)])
    if try statement.step() {
      defer { statement.finish() }
      return statement.int64(0) == 1 ? statement.int64(1) : nil
    }
    return try self.row(kind, row)?.version
  }

  /// Whether a pending write changed the record (its confirmed state is kept).
  public func hasConfirmedCapture(_ kind: EntityKind, _ key: RecordKey) throws(StorageError)
    -> Bool
  {
    let row: Int64
    switch key {
    case .integer(let id): row = id
    case .patient(let canonical):
      guard let ordinal = try patientOrdinal(canonical) else { return false }
      row = ordinal
    }
    return try database.integer(
      "SELECT 1 FROM confirmed WHERE table_name = ? AND id = ?",
      [.text(kind.tableName), .integer(row)]) != nil
  }

  /// The rows a pending write changed (their confirmed state is kept).
  public func confirmedRows() throws(StorageError) -> [RecordRow] {
    let statement = try database.statement("SELECT table_name, id FROM confirmed")
    var rows: [RecordRow] = []
    while try statement.step() {
      if let kind = Self.kind(ofTable: statement.text(0) ?? "") {
        rows.append(RecordRow(kind.name, statement.int64(1)))
      }
    }
    return rows
  }

  /// Puts every captured record back as PostgreSQL confirmed it and forgets the captures
  /// (capture must be off).
  public func restoreConfirmed() throws(StorageError) {
    let statement = try database.statement(
      """
      SELECT table_name, id, present, patient, custom_id, version, opening_balance, doc
        FROM confirmed
      """)
    var rows: [(EntityKind, Int64, ConfirmedRecord?)] = []
    while try statement.step() {
      guard let kind = Self.kind(ofTable: statement.text(0) ?? "") else { continue }
      let record =
        statement.int64(2) == 1
        ? ConfirmedRecord(
          patientOrdinal: statement.int64(3), customID: statement.text(4),
          version: statement.int64(5), openingBalance: statement.int64(6),
          document: statement.bytes(7)) : nil
      rows.append((kind, statement.int64(1), record))
    }
    for (kind, row, record) in rows {
      if let record {
        try putConfirmed(kind, row: row, record)
      } else {
        try removeConfirmed(kind, row: row)
      }
    }
    try database.run("DELETE FROM confirmed")
  }

  /// Writes a record as PostgreSQL holds it (inserted, or replacing what is here).
  public func putConfirmed(_ kind: EntityKind, row: Int64, _ record: ConfirmedRecord)
    throws(StorageError)
  {
    if kind.name == .patient {
      try database.statement(
        """
        INSERT INTO patients(ordinal, custom_id, version, opening_balance, doc)
          VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(ordinal) DO UPDATE SET custom_id = ?2,
          version = ?3, opening_balance = ?4, doc = ?5
        """
      ).bind([
        .integer(row), record.customID.map(SQLValue.text) ?? .null, .integer(record.version),
        .integer(record.openingBalance), .json(record.document),
      ]).run()
      return
    }
    if try self.row(kind, row) != nil {
      try update(
        kind, row: row, patientOrdinal: record.patientOrdinal, version: record.version,
        document: record.document)
    } else {
      try insert(
        kind, id: row, patientOrdinal: record.patientOrdinal, version: record.version,
        document: record.document)
    }
    if kind.name == .transaction,
      case .object(let document)? = try? JSONParser.parse(record.document)
    {
      try setBalanceEffect(transaction: row, PatientSummary.balanceEffect(of: document))
    }
  }

  /// Deletes a record PostgreSQL does not hold (its id is retired like any deleted one).
  public func removeConfirmed(_ kind: EntityKind, row: Int64) throws(StorageError) {
    let column = kind.name == .patient ? "ordinal" : "id"
    try database.statement("DELETE FROM \(kind.tableName) WHERE \(column) = ?")
      .bind([.integer(row)]).run()
  }

  /// A record's version and JSON by its row, as a window sees it now.
  public func row(_ kind: EntityKind, _ row: Int64) throws(StorageError) -> (
    version: Int64, patientOrdinal: Int64, document: [UInt8]
  )? {
    let sql =
      kind.name == .patient
      ? "SELECT version, ordinal, doc FROM patients WHERE ordinal = ?"
      : "SELECT version, patient, doc FROM \(kind.tableName) WHERE id = ?"
    let statement = try database.statement(sql).bind([.integer(row)])
    guard try statement.step() else { return nil }
    defer { statement.finish() }
    return (statement.int64(0), statement.int64(1), statement.bytes(2))
  }

  static func kind(ofTable table: String) -> EntityKind? {
    EntityKind.all.first { $0.tableName == table }
  }
}

/// A record as PostgreSQL holds it.
public struct ConfirmedRecord: Sendable {
  public var patientOrdinal: Int64
  /// A patient's id when it is not of the generated form (`P001`).
  public var customID: String?
  public var version: Int64
  public var openingBalance: Int64
  public var document: [UInt8]

  public init(
    patientOrdinal: Int64, customID: String?, version: Int64, openingBalance: Int64,
    document: [UInt8]
  ) {
    self.patientOrdinal = patientOrdinal
    self.customID = customID
    self.version = version
    self.openingBalance = openingBalance
    self.document = document
  }
}

extension Store {
  /// Checks foreign keys at commit instead of per statement, for the rest of this transaction
  /// (a rebase puts records back in whatever order they were captured).
  public func deferForeignKeys() throws(StorageError) {
    try database.run("PRAGMA defer_foreign_keys = ON")
  }

  /// Drops the change rows after `sequence` (written in this transaction and never seen: a
  /// rebase replaces them by one row per record whose state a window sees changed).
  public func dropChanges(after sequence: Int64) throws(StorageError) {
    try database.statement("DELETE FROM changes WHERE seq > ?").bind([.integer(sequence)]).run()
  }

  /// What the capture kept for a row: nil when nothing; `.some(nil)` when it did not exist.
  public func confirmedDocument(_ row: RecordRow) throws(StorageError) -> [UInt8]?? {
    let statement = try database.statement(
      "SELECT present, doc FROM confirmed WHERE table_name = ? AND id = ?"
    ).bind([.text(EntityKind.named(row.kind).tableName), .integer(row.row)])
    guard try statement.step() else { return nil }
    defer { statement.finish() }
    return .some(statement.int64(0) == 1 ? statement.bytes(1) : nil)
  }
}

extension Store {
  /// Every record of `kind` as PostgreSQL last confirmed it (pending writes undone), by row:
  /// what `--check` compares with the upstream.
  public func confirmedRecords(_ kind: EntityKind) throws(StorageError) -> [Int64: (
    version: Int64, document: [UInt8]
  )] {
    var records: [Int64: (version: Int64, document: [UInt8])] = [:]
    for row in try rows(kind) { records[row.row] = (row.version, row.document) }
    let statement = try database.statement(
      "SELECT id, present, version, doc FROM confirmed WHERE table_name = ?"
    ).bind([.text(kind.tableName)])
    while try statement.step() {
      let row = statement.int64(0)
      records[row] = statement.int64(1) == 1 ? (statement.int64(2), statement.bytes(3)) : nil
    }
    return records
  }
}

extension Store {
  /// Keeps `record` as PostgreSQL's state of a row (nil: PostgreSQL does not have it), for when
  /// pending writes are undone, without touching what windows see.
  public func keepConfirmed(_ kind: EntityKind, row: Int64, _ record: ConfirmedRecord?)
    throws(StorageError)
  {
    try database.statement(
      """
      INSERT OR REPLACE INTO confirmed(table_name, id, present, patient, custom_id, version,
        opening_balance, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      """
    ).bind([
      .text(kind.tableName), .integer(row), .integer(record == nil ? 0 : 1),
      record.map { .integer($0.patientOrdinal) } ?? .null,
      record?.customID.map(SQLValue.text) ?? .null, record.map { .integer($0.version) } ?? .null,
      record.map { .integer($0.openingBalance) } ?? .null,
      record.map { .json($0.document) } ?? .null,
    ]).run()
  }

  /// Whether a write still waits for PostgreSQL beyond `cursor`: pending, or applied in a change
  /// the replica has not pulled yet.
  public func hasUnconfirmedOutbox(after cursor: Int64) throws(StorageError) -> Bool {
    try database.integer(
      """
      SELECT 1 FROM outbox WHERE state = 'pending' OR (state = 'applied' AND applied_seq > ?)
        LIMIT 1
      """, [.integer(cursor)]) != nil
  }
}
