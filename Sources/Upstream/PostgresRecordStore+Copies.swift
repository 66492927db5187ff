public import Domain
public import PortalJSON
internal import Postgres

/// Copying a patient's name and email into every record of the patient. PostgreSQL's `jsonb`
/// would reorder each record's keys and its `json` has no in-place setter, so each record is
/// rewritten here as SQLite's `json_set` rewrites it (the copy and `meta` replaced in place, a
/// missing key added at the end, every other byte kept), then all of a kind's records are
/// written, and their changes logged, by one UPDATE and one INSERT each.
extension PostgresRecordStore {
  public func copyPatientValues(
    ofPatient ordinal: Int64, patientID: JSONValue, copies: [String: JSONValue], method: String,
    origin: String, at time: Timestamp
  ) throws {
    for kind in EntityKind.all where kind.belongsToPatient {
      let names = kind.fields.compactMap { field -> String? in
        guard case .copied = field.owner, copies[field.name] != nil else { return nil }
        return field.name
      }
      guard !names.isEmpty else { continue }
      // The sender of a message from the patient is a copy of the name too.
      let sender = kind.name == .messageThread ? copies["patientName"] : nil
      var rewritten: [JSONValue] = []
      for row in try records(kind, ofPatient: ordinal) {
        guard case .object(var document) = try JSONParser.parse(row.document) else { continue }
        for name in names { document[name] = copies[name] }
        var fields = names
        if let sender {
          var messages = document["messages"]?.arrayValue ?? []
          var fromPatient = false
          for index in messages.indices {
            guard case .object(var message) = messages[index],
              message["from"] == .string("patient")
            else { continue }
            message["sender"] = sender
            messages[index] = .object(message)
            fromPatient = true
          }
          document["messages"] = .array(messages)
          if fromPatient { fields.append("messages") }
        }
        let version = row.version + 1
        var meta = document["meta"]?.objectValue ?? [:]
        meta["version"] = JSONValue(version)
        meta["updatedAt"] = .string(time.description)
        document["meta"] = .object(meta)
        rewritten.append([
          "id": JSONValue(row.id), "version": JSONValue(version),
          "doc": .string(Self.text(EncodedJSON(document).bytes)),
          "fields": .string(Self.text(JSONValue.array(fields.map(JSONValue.string)).encoded)),
        ])
      }
      guard !rewritten.isEmpty else { continue }
      let batch = Self.text(JSONValue.array(rewritten).encoded)
      try query(
        """
        UPDATE portal.records r SET version = (u ->> 'version')::bigint,
          doc = (u ->> 'doc')::json
          FROM json_array_elements($1::json) u
          WHERE r.kind = $2 AND r.id = (u ->> 'id')::bigint
        """, [batch, kind.name.rawValue])
      try query(
        """
        INSERT INTO portal.changes (entity_type, entity_id, change, version, patient_id, body,
          client_id, mutation_id, patient, fields, method, origin)
        SELECT $2, u ->> 'id', 'updated', (u ->> 'version')::bigint, $3, (u ->> 'doc')::json,
            $4, $5, $6, (u ->> 'fields')::json, $7, $8
          FROM json_array_elements($1::json) WITH ORDINALITY AS e(u, position)
          ORDER BY position
        """,
        [
          batch, kind.name.rawValue, Self.idText(patientID), clientID,
          mutationID.map { String($0) }, String(ordinal), method, origin,
        ])
    }
  }
}
