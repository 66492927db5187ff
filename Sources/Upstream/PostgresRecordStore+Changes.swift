public import Domain
public import PortalJSON
internal import Postgres
public import Storage

/// The change log in `portal.changes`, numbered by its trigger's `seq` in commit order (work
/// rolled back, a savepoint's included, may leave numbers unused). Ids are kept as plain text, as
/// migration 1's rows have them (`P001`, `42`), so a report reads them as they are; they are
/// JSON again on the way out.
extension PostgresRecordStore {
  /// Logs `event` (owned by the patient at `patientOrdinal`, with its `recentActivity` entry if it
  /// is activity), with this store's `clientID` and `mutationID`, and returns its `seq`. A created
  /// patient's row also carries its opening balance.
  @discardableResult
  public func append(_ event: ChangeEvent, patientOrdinal: Int64?, activity: JSONObject?) throws
    -> Int64
  {
    let fields = event.fields.map { Self.text(JSONValue.array($0.map(JSONValue.string)).encoded) }
    let opening =
      event.entityType == .patient && event.change == .created
      ? try patientOrdinal.map { String(try openingBalance(ofPatient: $0).cents) } : nil
    let rows = try query(
      """
      INSERT INTO portal.changes (entity_type, entity_id, change, version, patient_id, body,
        client_id, mutation_id, patient, fields, method, origin, activity, opening_balance)
        VALUES ($1, $2, $3, $4, $5, $6::json, $7, $8, $9, $10::json, $11, $12, $13::json, $14)
        RETURNING seq
      """,
      [
        event.entityType.rawValue, Self.idText(event.entityID), event.change.rawValue,
        String(event.version), event.patientID.map(Self.idText),
        event.entity.map { Self.text($0.bytes) }, clientID, mutationID.map { String($0) },
        patientOrdinal.map { String($0) }, fields, event.method, event.originProcess,
        activity.map { Self.text(EncodedJSON($0).bytes) }, opening,
      ])
    return Self.int64(rows.scalar)
  }

  /// The newest `seq` (0 for a log that is empty).
  public func lastSequence() throws -> Int64 {
    try integer("SELECT coalesce(max(seq), 0) FROM portal.changes") ?? 0
  }

  /// Calls `body` for each change after `sequence` (up to `through`, at most `limit`), oldest
  /// first, reading them a page at a time.
  public func forEachChange(
    after sequence: Int64, through last: Int64 = .max, limit: Int = .max,
    _ body: (ChangeRow) throws -> Void
  ) throws {
    var cursor = sequence
    var left = limit
    while left > 0 {
      let page = try query(
        """
        SELECT seq, entity_type, entity_id, change, version, patient_id, fields::text, method,
          origin, body::text, patient FROM portal.changes WHERE seq > $1 AND seq <= $2
          ORDER BY seq LIMIT $3
        """, [String(cursor), String(last), String(min(left, Self.changePage))])
      for row in page.rows {
        let type = row[1] ?? ""
        try body(
          ChangeRow(
            sequence: Self.int64(row[0]), entityType: type,
            entityID: Self.idJSON(row[2] ?? "", entityType: type), change: row[3] ?? "",
            version: Self.int64(row[4]),
            patientID: row[5].map { Self.idJSON($0, entityType: EntityKind.Name.patient.rawValue) },
            fields: row[6].map { Array($0.utf8) }, method: row[7] ?? "", origin: row[8] ?? "",
            entity: row[9].map { Array($0.utf8) }, patientOrdinal: row[10].flatMap { Int64($0) }))
      }
      guard page.rows.count == min(left, Self.changePage), let final = page.rows.last else {
        return
      }
      cursor = Self.int64(final[0])
      left -= page.rows.count
    }
  }

  /// How many change rows one read holds at most.
  static let changePage = 500

  /// Writes `{entityType, id, version}` for each change in `after+1 ... through`, but the skipped
  /// record, comma-separated.
  public func writeTouched(
    after: Int64, through: Int64, skipping: (type: String, id: [UInt8]), into writer: JSONWriter
  ) throws {
    let rows = try query(
      """
      SELECT entity_type, entity_id, version FROM portal.changes WHERE seq > $1 AND seq <= $2
        ORDER BY seq
      """, [String(after), String(through)])
    var first = true
    for row in rows.rows {
      let type = row[0] ?? ""
      let id = Self.idJSON(row[1] ?? "", entityType: type)
      if type == skipping.type && id == skipping.id { continue }
      if !first { writer.append(UInt8(ascii: ",")) }
      first = false
      writer.writeRaw("{\"entityType\":")
      writer.writeString(type)
      writer.writeRaw(",\"id\":")
      writer.append(id)
      writer.writeRaw(",\"version\":")
      writer.writeInteger(Self.int64(row[2]))
      writer.append(UInt8(ascii: "}"))
    }
  }

  // MARK: Ids as text

  /// An id as its change row keeps it: a string's own text (`P001`), any other value's JSON.
  static func idText(_ id: JSONValue) -> String {
    if case .string(let text) = id { return text }
    return text(id.encoded)
  }

  /// A change row's id as JSON: a patient's id is a string, any other record's a number (and
  /// anything else another writer left there, a string).
  static func idJSON(_ text: String, entityType: String) -> [UInt8] {
    if entityType != EntityKind.Name.patient.rawValue, let number = Int64(text) {
      return Array(String(number).utf8)
    }
    return JSONValue.string(text).encoded
  }
}
