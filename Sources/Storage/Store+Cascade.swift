public import Domain
public import PortalJSON

/// Copying a patient's name and email into every record of the patient, in SQL: `json_set`
/// rewrites the copy and `meta` in place (key order and every other byte unchanged), and one
/// INSERT … SELECT logs a change per record, entity included. Nothing is decoded in Swift, which
/// is what keeps a 10,000-record rename close to SQLite's own speed.
extension Store {
  public func copyPatientValues(
    ofPatient ordinal: Int64, patientID: JSONValue, copies: [String: JSONValue], method: String,
    origin: String, at time: Timestamp
  ) throws(StorageError) {
    for kind in EntityKind.all where kind.belongsToPatient {
      let names = kind.fields.compactMap { field -> String? in
        guard case .copied = field.owner, copies[field.name] != nil else { return nil }
        return field.name
      }
      guard !names.isEmpty else { continue }
      var assignments = ""
      var values: [SQLValue] = []
      for name in names {
        assignments += "'$.\(name)', json(?), "
        values.append(.json(copies[name]!.encoded))
      }
      // The sender of a message from the patient is a copy of the name too.
      let senders = kind.name == .messageThread && copies["patientName"] != nil
      if senders {
        assignments += """
          '$.messages', (SELECT json_group_array(CASE WHEN value ->> '$.from' = 'patient'
            THEN json_set(value, '$.sender', json(?)) ELSE json(value) END)
            FROM json_each(doc, '$.messages')), 
          """
        values.append(.json(copies["patientName"]!.encoded))
      }
      values += [.text(time.description), .integer(ordinal)]
      let update = try Statement(
        database,
        """
        UPDATE \(kind.tableName) SET version = version + 1,
          doc = json_set(doc, \(assignments)'$.meta.version', version + 1, '$.meta.updatedAt', ?)
          WHERE patient = ?
        """, persistent: false)
      try update.bind(values).run()
      guard database.changes > 0 else { continue }
      let fields = JSONValue.array(names.map(JSONValue.string)).encoded
      let withMessages = JSONValue.array((names + ["messages"]).map(JSONValue.string)).encoded
      let fieldsColumn =
        senders
        ? """
        CASE WHEN EXISTS (SELECT 1 FROM json_each(doc, '$.messages')
          WHERE value ->> '$.from' = 'patient') THEN json(?) ELSE json(?) END
        """ : "?"
      try Statement(
        database,
        """
        INSERT INTO changes(entity_type, entity_id, change, version, patient_id, fields, method,
          origin, at, entity, patient, activity)
        SELECT ?, id, 'updated', version, ?, \(fieldsColumn), ?, ?, ?, doc, patient, NULL
          FROM \(kind.tableName) WHERE patient = ? ORDER BY id
        """, persistent: false
      ).bind(
        [.text(kind.name.rawValue), .json(patientID.encoded)]
          + (senders ? [.json(withMessages), .json(fields)] : [.json(fields)])
          + [.text(method), .text(origin), .text(time.description), .integer(ordinal)]
      ).run()
    }
  }
}
