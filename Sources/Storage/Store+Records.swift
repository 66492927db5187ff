public import Domain

/// Reading and writing entity records. The caller (DataSync) validated and assembled the JSON;
/// the store keeps it as it is.
extension Store {
  /// The ordinal of the patient with this canonical id, if there is one.
  public func patientOrdinal(_ canonical: String) throws(StorageError) -> Int64? {
    if let ordinal = PatientID.ordinal(of: canonical) {
      return try database.integer(
        "SELECT ordinal FROM patients WHERE ordinal = ? AND custom_id IS NULL", [.integer(ordinal)])
    }
    return try database.integer(
      "SELECT ordinal FROM patients WHERE custom_id = ?", [.text(canonical)])
  }

  public func record(_ kind: EntityKind, _ key: RecordKey) throws(StorageError) -> StoredRecord? {
    let statement: Statement
    switch key {
    case .patient(let canonical):
      guard let ordinal = try patientOrdinal(canonical) else { return nil }
      statement = try database.statement(
        "SELECT version, ordinal, doc FROM patients WHERE ordinal = ?"
      )
      .bind([.integer(ordinal)])
    case .integer(let id):
      statement = try database.statement(
        "SELECT version, patient, doc FROM \(kind.tableName) WHERE id = ?"
      ).bind([.integer(id)])
    }
    guard try statement.step() else { return nil }
    defer { statement.finish() }
    return StoredRecord(
      version: statement.int64(0), patientOrdinal: statement.int64(1),
      document: statement.bytes(2))
  }

  /// Inserts a patient at `ordinal`; an id not in generated form is indexed to be found again.
  public func insertPatient(
    id canonical: String, ordinal: Int64, version: Int64, openingBalance: Money, document: [UInt8]
  ) throws(StorageError) {
    let custom: SQLValue = PatientID.ordinal(of: canonical) == ordinal ? .null : .text(canonical)
    try database.statement(
      "INSERT INTO patients(ordinal, custom_id, version, opening_balance, doc) VALUES (?, ?, ?, ?, ?)"
    ).bind([
      .integer(ordinal), custom, .integer(version), .integer(openingBalance.cents), .json(document),
    ]).run()
  }

  public func insert(
    _ kind: EntityKind, id: Int64, patientOrdinal: Int64, version: Int64, document: [UInt8]
  ) throws(StorageError) {
    let lifted = kind.liftedColumns
    let names = lifted.map { ", " + $0 }.joined()
    let values = lifted.map { ", ?4 ->> '$.\($0)'" }.joined()
    try database.statement(
      "INSERT INTO \(kind.tableName)(id, patient, version, doc\(names)) VALUES (?1, ?2, ?3, ?4\(values))"
    ).bind([.integer(id), .integer(patientOrdinal), .integer(version), .json(document)]).run()
  }

  /// Replaces a record's JSON and version (and owner, for a record moved to another patient).
  /// `row` is a patient's ordinal, or any other record's id.
  public func update(
    _ kind: EntityKind, row: Int64, patientOrdinal: Int64, version: Int64, document: [UInt8]
  ) throws(StorageError) {
    if kind.belongsToPatient {
      let lifted = kind.liftedColumns.map { ", \($0) = ?3 ->> '$.\($0)'" }.joined()
      try database.statement(
        "UPDATE \(kind.tableName) SET patient = ?1, version = ?2, doc = ?3\(lifted) WHERE id = ?4"
      ).bind([.integer(patientOrdinal), .integer(version), .json(document), .integer(row)]).run()
    } else {
      try database.statement("UPDATE patients SET version = ?, doc = ? WHERE ordinal = ?")
        .bind([.integer(version), .json(document), .integer(row)]).run()
    }
  }

  /// Deletes a record, remembering its id (or ordinal) so it is never handed out again.
  public func delete(_ kind: EntityKind, _ key: RecordKey) throws(StorageError) {
    let (column, value): (String, Int64)
    switch key {
    case .patient(let canonical):
      guard let ordinal = try patientOrdinal(canonical) else { return }
      (column, value) = ("ordinal", ordinal)
    case .integer(let id):
      (column, value) = ("id", id)
    }
    try database.statement(
      """
      INSERT INTO retired_ids(table_name, max_id) VALUES (?, ?)
        ON CONFLICT(table_name) DO UPDATE SET max_id = max(max_id, excluded.max_id)
      """
    ).bind([.text(kind.tableName), .integer(value)]).run()
    try database.statement("DELETE FROM \(kind.tableName) WHERE \(column) = ?")
      .bind([.integer(value)]).run()
  }

  /// A patient's records of one kind, by id: the per-patient lists.
  public func records(_ kind: EntityKind, ofPatient ordinal: Int64) throws(StorageError)
    -> [(id: Int64, version: Int64, document: [UInt8])]
  {
    let statement = try database.statement(
      "SELECT id, version, doc FROM \(kind.tableName) WHERE patient = ? ORDER BY id"
    ).bind([.integer(ordinal)])
    var rows: [(Int64, Int64, [UInt8])] = []
    while try statement.step() {
      rows.append((statement.int64(0), statement.int64(1), statement.bytes(2)))
    }
    return rows
  }

  /// How many records of `kind` the patient has.
  public func count(_ kind: EntityKind, ofPatient ordinal: Int64) throws(StorageError) -> Int {
    Int(
      try database.integer(
        "SELECT count(*) FROM \(kind.tableName) WHERE patient = ?", [.integer(ordinal)]) ?? 0)
  }

  /// True when the store holds no patient at all (so `--demo` may fill it).
  public func isEmpty() throws(StorageError) -> Bool {
    try database.integer("SELECT 1 FROM patients LIMIT 1") == nil
  }

  /// The opening balance a patient was added with (the part of `outstandingBalance` no
  /// transaction explains).
  public func openingBalance(ofPatient ordinal: Int64) throws(StorageError) -> Money {
    Money(
      cents: try database.integer(
        "SELECT opening_balance FROM patients WHERE ordinal = ?", [.integer(ordinal)]) ?? 0)
  }
}

extension EntityKind {
  /// The fields this kind's records also keep in columns of their own (migration 4 here,
  /// `portal.records` upstream), read from the JSON being written: what lists filter and sort
  /// on, and what the derived fields count.
  public var liftedColumns: [String] {
    switch name {
    case .patient: []
    case .appointment: ["status", "date"]
    case .transaction: ["status", "type", "date"]
    default: ["status"]
    }
  }
}
