public import Domain

/// Reading and writing entity records. The caller (DataSync) validated and assembled the JSON;
/// the store keeps it as it is.
extension Store {
  public func record(_ kind: EntityKind, _ key: RecordKey) throws(StorageError) -> StoredRecord? {
    let owner = kind.belongsToPatient ? "patient_id" : "NULL"
    let statement = try database.statement(
      "SELECT version, \(owner), doc FROM \(kind.tableName) WHERE id = ?"
    ).bind([key.sqlValue])
    guard try statement.step() else { return nil }
    defer { statement.finish() }
    return StoredRecord(
      version: statement.int64(0), patientKey: statement.text(1), document: statement.bytes(2))
  }

  /// Inserts a patient; `ordinal` orders patients "by id" (creation order).
  public func insertPatient(
    key: String, ordinal: Int64, version: Int64, openingBalance: Money, document: [UInt8]
  ) throws(StorageError) {
    try database.statement(
      "INSERT INTO patients(id, ordinal, version, opening_balance, doc) VALUES (?, ?, ?, ?, ?)"
    ).bind([
      .text(key), .integer(ordinal), .integer(version), .integer(openingBalance.cents),
      .json(document),
    ]).run()
  }

  public func insert(
    _ kind: EntityKind, id: Int64, patientKey: String, version: Int64, document: [UInt8]
  ) throws(StorageError) {
    try database.statement(
      "INSERT INTO \(kind.tableName)(id, patient_id, version, doc) VALUES (?, ?, ?, ?)"
    ).bind([.integer(id), .text(patientKey), .integer(version), .json(document)]).run()
  }

  /// Replaces a record's JSON and version (and owner, for a record moved to another patient).
  public func update(
    _ kind: EntityKind, _ key: RecordKey, patientKey: String?, version: Int64, document: [UInt8]
  ) throws(StorageError) {
    if kind.belongsToPatient, let patientKey {
      try database.statement(
        "UPDATE \(kind.tableName) SET patient_id = ?, version = ?, doc = ? WHERE id = ?"
      ).bind([.text(patientKey), .integer(version), .json(document), key.sqlValue]).run()
    } else {
      try database.statement("UPDATE \(kind.tableName) SET version = ?, doc = ? WHERE id = ?")
        .bind([.integer(version), .json(document), key.sqlValue]).run()
    }
  }

  public func delete(_ kind: EntityKind, _ key: RecordKey) throws(StorageError) {
    try database.statement("DELETE FROM \(kind.tableName) WHERE id = ?").bind([key.sqlValue]).run()
  }

  /// A patient's records of one kind, by id: the per-patient lists.
  public func records(_ kind: EntityKind, ofPatient patientKey: String) throws(StorageError)
    -> [(id: Int64, version: Int64, document: [UInt8])]
  {
    let statement = try database.statement(
      "SELECT id, version, doc FROM \(kind.tableName) WHERE patient_id = ? ORDER BY id"
    ).bind([.text(patientKey)])
    var rows: [(Int64, Int64, [UInt8])] = []
    while try statement.step() {
      rows.append((statement.int64(0), statement.int64(1), statement.bytes(2)))
    }
    return rows
  }

  /// How many records of `kind` the patient has.
  public func count(_ kind: EntityKind, ofPatient patientKey: String) throws(StorageError) -> Int {
    Int(
      try database.integer(
        "SELECT count(*) FROM \(kind.tableName) WHERE patient_id = ?", [.text(patientKey)]) ?? 0)
  }

  /// True when the store holds no patient at all (so `--demo` may fill it).
  public func isEmpty() throws(StorageError) -> Bool {
    try database.integer("SELECT 1 FROM patients LIMIT 1") == nil
  }

  /// The opening balance a patient was added with (the part of `outstandingBalance` no
  /// transaction explains).
  public func openingBalance(ofPatient key: String) throws(StorageError) -> Money {
    Money(
      cents: try database.integer("SELECT opening_balance FROM patients WHERE id = ?", [.text(key)])
        ?? 0)
  }
}
