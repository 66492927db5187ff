public import Domain
internal import Postgres
public import Storage

/// Reading and writing records in `portal.records`, as `Store+Records.swift` does in SQLite's
/// per-kind tables.
extension PostgresRecordStore {
  /// The ordinal of the patient with this canonical id, if there is one.
  public func patientOrdinal(_ canonical: String) throws -> Int64? {
    if let ordinal = PatientID.ordinal(of: canonical) {
      return try integer(
        "SELECT id FROM portal.records WHERE kind = 'patient' AND id = $1 AND custom_id IS NULL",
        [String(ordinal)])
    }
    return try integer(
      "SELECT id FROM portal.records WHERE kind = 'patient' AND custom_id = $1", [canonical])
  }

  public func record(_ kind: EntityKind, _ key: RecordKey) throws -> StoredRecord? {
    let id: Int64
    switch key {
    case .patient(let canonical):
      guard let ordinal = try patientOrdinal(canonical) else { return nil }
      id = ordinal
    case .integer(let integer):
      id = integer
    }
    let rows = try query(
      "SELECT version, patient, doc::text FROM portal.records WHERE kind = $1 AND id = $2",
      [kind.name.rawValue, String(id)])
    guard let row = rows.rows.first else { return nil }
    return StoredRecord(
      version: Self.int64(row[0]), patientOrdinal: Self.int64(row[1]),
      document: Self.bytes(row[2]))
  }

  public func patientRecord(ordinal: Int64) throws -> StoredRecord? {
    try record(.patient, .integer(ordinal))
  }

  /// The id the next record of `kind` gets (for a patient, its ordinal): the next of
  /// `assignedIDs` for the kind, or else one past the largest ever used, deleted ones included.
  public func nextID(for kind: EntityKind) throws -> Int64 {
    if var queue = assignedIDs?[kind.name], !queue.isEmpty {
      let id = queue.removeFirst()
      assignedIDs?[kind.name] = queue
      return id
    }
    let used = try integer(
      """
      SELECT greatest(
        coalesce((SELECT max(id) FROM portal.records WHERE kind = $1), 0),
        coalesce((SELECT max_id FROM portal.retired_ids WHERE kind = $1), 0))
      """, [kind.name.rawValue])
    return (used ?? 0) + 1
  }

  /// Inserts a patient at `ordinal`; an id not in generated form is kept in `custom_id`.
  public func insertPatient(
    id canonical: String, ordinal: Int64, version: Int64, openingBalance: Money, document: [UInt8]
  ) throws {
    let custom = PatientID.ordinal(of: canonical) == ordinal ? nil : canonical
    try query(
      """
      INSERT INTO portal.records (kind, id, patient, custom_id, version, doc, opening_balance)
        VALUES ('patient', $1, $1, $2, $3, $4::json, $5)
      """,
      [
        String(ordinal), custom, String(version), Self.text(document),
        String(openingBalance.cents),
      ])
  }

  public func insert(
    _ kind: EntityKind, id: Int64, patientOrdinal: Int64, version: Int64, document: [UInt8]
  ) throws {
    let lifted = kind.liftedColumns
    let names = lifted.map { ", " + $0 }.joined()
    let values = lifted.map { ", $5::json ->> '\($0)'" }.joined()
    try query(
      """
      INSERT INTO portal.records (kind, id, patient, version, doc\(names))
        VALUES ($1, $2, $3, $4, $5::json\(values))
      """,
      [
        kind.name.rawValue, String(id), String(patientOrdinal), String(version),
        Self.text(document),
      ])
  }

  /// Replaces a record's JSON and version (and owner); `row` is a patient's ordinal or an id.
  public func update(
    _ kind: EntityKind, row: Int64, patientOrdinal: Int64, version: Int64, document: [UInt8]
  ) throws {
    if kind.belongsToPatient {
      let lifted = kind.liftedColumns.map { ", \($0) = $3::json ->> '\($0)'" }.joined()
      try query(
        """
        UPDATE portal.records SET patient = $1, version = $2, doc = $3::json\(lifted)
          WHERE kind = $4 AND id = $5
        """,
        [
          String(patientOrdinal), String(version), Self.text(document), kind.name.rawValue,
          String(row),
        ])
    } else {
      try query(
        "UPDATE portal.records SET version = $1, doc = $2::json WHERE kind = 'patient' AND id = $3",
        [String(version), Self.text(document), String(row)])
    }
  }

  /// Deletes a record, remembering its id (or ordinal) so it is never handed out again.
  public func delete(_ kind: EntityKind, _ key: RecordKey) throws {
    let id: Int64
    switch key {
    case .patient(let canonical):
      guard let ordinal = try patientOrdinal(canonical) else { return }
      id = ordinal
    case .integer(let integer):
      id = integer
    }
    try query(
      """
      INSERT INTO portal.retired_ids (kind, max_id) VALUES ($1, $2)
        ON CONFLICT (kind) DO UPDATE SET max_id = greatest(portal.retired_ids.max_id, excluded.max_id)
      """, [kind.name.rawValue, String(id)])
    try query(
      "DELETE FROM portal.records WHERE kind = $1 AND id = $2", [kind.name.rawValue, String(id)])
  }

  /// A patient's records of one kind, by id.
  public func records(_ kind: EntityKind, ofPatient ordinal: Int64) throws
    -> [(id: Int64, version: Int64, document: [UInt8])]
  {
    try query(
      """
      SELECT id, version, doc::text FROM portal.records WHERE kind = $1 AND patient = $2
        ORDER BY id
      """, [kind.name.rawValue, String(ordinal)]
    ).rows.map { row in (Self.int64(row[0]), Self.int64(row[1]), Self.bytes(row[2])) }
  }

  public func count(_ kind: EntityKind, ofPatient ordinal: Int64) throws -> Int {
    Int(
      try integer(
        "SELECT count(*) FROM portal.records WHERE kind = $1 AND patient = $2",
        [kind.name.rawValue, String(ordinal)]) ?? 0)
  }

  /// Ids of the patient's records of `kind` whose `field` holds the number `id`.
  public func ids(
    _ kind: EntityKind, ofPatient ordinal: Int64, where field: String, equals id: Int64
  ) throws -> [Int64] {
    try query(
      """
      SELECT id FROM portal.records WHERE kind = $1 AND patient = $2
        AND CASE WHEN json_typeof(doc -> $3::text) = 'number'
          THEN (doc ->> $3::text)::numeric = $4::numeric ELSE false END
        ORDER BY id
      """, [kind.name.rawValue, String(ordinal), field, String(id)]
    ).rows.map { Self.int64($0[0]) }
  }

  /// The opening balance a patient was added with.
  public func openingBalance(ofPatient ordinal: Int64) throws -> Money {
    Money(
      cents: try integer(
        "SELECT opening_balance FROM portal.records WHERE kind = 'patient' AND id = $1",
        [String(ordinal)]) ?? 0)
  }

  // MARK: Values as PostgreSQL's text

  /// JSON bytes as a text parameter.
  static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

  /// A text value's bytes (a NULL is empty).
  static func bytes(_ value: String?) -> [UInt8] { Array((value ?? "").utf8) }

  /// An integer column's value (0 for NULL).
  static func int64(_ value: String?) -> Int64 { value.flatMap { Int64($0) } ?? 0 }
}
