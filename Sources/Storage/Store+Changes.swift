public import Domain
internal import PortalJSON

/// The change log: one row per committed change, numbered by a gap-free sequence allocated in the
/// same transaction as the change (AUTOINCREMENT: a rolled-back change gives its number back, and
/// a number is never handed out twice).
extension Store {
  /// Records `event` and returns its sequence number.
  @discardableResult
  public func append(_ event: ChangeEvent) throws(StorageError) -> Int64 {
    let fields: SQLValue =
      event.fields.map { .json(JSONValue.array($0.map(JSONValue.string)).encoded) } ?? .null
    try database.statement(
      """
      INSERT INTO changes(entity_type, entity_id, change, version, patient_id, fields, method,
        origin, at, entity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """
    ).bind([
      .text(event.entityType.rawValue), .json(event.entityID.encoded), .text(event.change.rawValue),
      .integer(event.version), event.patientID.map { .json($0.encoded) } ?? .null, fields,
      .text(event.method), .text(event.originProcess), .text(event.time.description),
      event.entity.map { .json($0.bytes) } ?? .null,
    ]).run()
    return database.lastInsertedRowID
  }

  /// Changes after `sequence`, oldest first, at most `limit`.
  public func changes(after sequence: Int64, limit: Int) throws(StorageError) -> [ChangeEvent] {
    let statement = try database.statement(
      """
      SELECT seq, entity_type, entity_id, change, version, patient_id, fields, method, origin, at,
        entity FROM changes WHERE seq > ? ORDER BY seq LIMIT ?
      """
    ).bind([.integer(sequence), .integer(Int64(limit))])
    var events: [ChangeEvent] = []
    while try statement.step() {
      events.append(
        ChangeEvent(
          sequence: statement.int64(0),
          entityType: EntityKind.Name(rawValue: statement.text(1) ?? "") ?? .patient,
          entityID: (try? JSONParser.parse(statement.bytes(2))) ?? .null,
          change: ChangeEvent.Kind(rawValue: statement.text(3) ?? "") ?? .updated,
          version: statement.int64(4),
          patientID: statement.isNull(5) ? nil : try? JSONParser.parse(statement.bytes(5)),
          fields: statement.isNull(6)
            ? nil
            : (try? JSONParser.parse(statement.bytes(6)))?.arrayValue?.compactMap(\.stringValue),
          method: statement.text(7) ?? "",
          originProcess: statement.text(8) ?? "",
          time: statement.text(9).flatMap(Timestamp.init) ?? Timestamp(millisecondsSinceEpoch: 0),
          entity: statement.isNull(10) ? nil : EncodedJSON(trusted: statement.bytes(10))))
    }
    return events
  }

  /// The newest sequence number (0 for a store that never changed).
  public func lastSequence() throws(StorageError) -> Int64 {
    try database.integer("SELECT max(seq) FROM changes") ?? 0
  }
}
