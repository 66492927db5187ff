public import Domain
public import PortalJSON

/// The change log: one row per committed change, numbered by a gap-free sequence allocated in the
/// same transaction as the change (AUTOINCREMENT: a rolled-back change gives its number back, and
/// a number is never handed out twice).
extension Store {
  /// Records `event` (owned by the patient at `patientOrdinal`, with its `recentActivity`
  /// entry if it is activity) and returns its sequence number.
  @discardableResult
  public func append(_ event: ChangeEvent, patientOrdinal: Int64?, activity: JSONObject?)
    throws(StorageError) -> Int64
  {
    let fields: SQLValue =
      event.fields.map { .json(JSONValue.array($0.map(JSONValue.string)).encoded) } ?? .null
    try database.statement(
      """
      INSERT INTO changes(entity_type, entity_id, change, version, patient_id, fields, method,
        origin, at, entity, patient, activity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """
    ).bind([
      .text(event.entityType.rawValue), .json(event.entityID.encoded), .text(event.change.rawValue),
      .integer(event.version), event.patientID.map { .json($0.encoded) } ?? .null, fields,
      .text(event.method), .text(event.originProcess), .text(event.time.description),
      event.entity.map { .json($0.bytes) } ?? .null, patientOrdinal.map(SQLValue.integer) ?? .null,
      activity.map { .json(EncodedJSON($0).bytes) } ?? .null,
    ]).run()
    return database.lastInsertedRowID
  }

  /// The newest sequence number (0 for a store that never changed).
  public func lastSequence() throws(StorageError) -> Int64 {
    try database.integer("SELECT max(seq) FROM changes") ?? 0
  }
}

/// One change-log row as stored, read without decoding its JSON parts (notifications are written
/// straight from these bytes).
public struct ChangeRow: Sendable {
  public let sequence: Int64
  public let entityType: String
  /// JSON text of the record's id.
  public let entityID: [UInt8]
  public let change: String
  public let version: Int64
  /// JSON text of the owning patient's id.
  public let patientID: [UInt8]?
  /// JSON array text of the changed fields (updates only).
  public let fields: [UInt8]?
  public let method: String
  public let origin: String
  /// JSON text of the record after the change (not for deletes).
  public let entity: [UInt8]?
  /// The owning patient's ordinal.
  public let patientOrdinal: Int64?

  public init(
    sequence: Int64, entityType: String, entityID: [UInt8], change: String, version: Int64,
    patientID: [UInt8]?, fields: [UInt8]?, method: String, origin: String, entity: [UInt8]?,
    patientOrdinal: Int64?
  ) {
    self.sequence = sequence
    self.entityType = entityType
    self.entityID = entityID
    self.change = change
    self.version = version
    self.patientID = patientID
    self.fields = fields
    self.method = method
    self.origin = origin
    self.entity = entity
    self.patientOrdinal = patientOrdinal
  }
}

extension Store {
  /// Calls `body` for each change after `sequence` (up to `through`, at most `limit`), oldest
  /// first, one row at a time: a long run of changes is never held in memory at once.
  public func forEachChange(
    after sequence: Int64, through last: Int64 = .max, limit: Int = .max,
    _ body: (ChangeRow) throws -> Void
  ) throws {
    let statement = try database.statement(
      """
      SELECT seq, entity_type, entity_id, change, version, patient_id, fields, method, origin,
        entity, patient FROM changes WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?
      """
    ).bind([.integer(sequence), .integer(last), .integer(Int64(min(limit, Int(Int64.max))))])
    defer { statement.finish() }
    while try statement.step() {
      try body(
        ChangeRow(
          sequence: statement.int64(0), entityType: statement.text(1) ?? "",
          entityID: statement.bytes(2), change: statement.text(3) ?? "",
          version: statement.int64(4), patientID: statement.isNull(5) ? nil : statement.bytes(5),
          fields: statement.isNull(6) ? nil : statement.bytes(6), method: statement.text(7) ?? "",
          origin: statement.text(8) ?? "", entity: statement.isNull(9) ? nil : statement.bytes(9),
          patientOrdinal: statement.isNull(10) ? nil : statement.int64(10)))
    }
  }

  /// Writes `{entityType, id, version}` for each change in `after+1 ... through` (the records a
  /// request touched), comma-separated, straight from the log.
  public func writeTouched(
    after: Int64, through: Int64, skipping: (type: String, id: [UInt8]),
    into writer: JSONWriter
  ) throws(StorageError) {
    let statement = try database.statement(
      "SELECT entity_type, entity_id, version FROM changes WHERE seq > ? AND seq <= ? ORDER BY seq"
    ).bind([.integer(after), .integer(through)])
    var first = true
    while try statement.step() {
      let type = statement.text(0) ?? ""
      let id = statement.bytes(1)
      if type == skipping.type && id == skipping.id { continue }
      if !first { writer.append(UInt8(ascii: ",")) }
      first = false
      writer.writeRaw("{\"entityType\":")
      writer.writeString(type)
      writer.writeRaw(",\"id\":")
      writer.append(id)
      writer.writeRaw(",\"version\":")
      writer.writeInteger(statement.int64(2))
      writer.append(UInt8(ascii: "}"))
    }
  }

  /// A cheap "did any other connection commit since I last looked?" counter.
  public func dataVersion() throws(StorageError) -> Int64 {
    try database.integer("PRAGMA data_version") ?? 0
  }
}
