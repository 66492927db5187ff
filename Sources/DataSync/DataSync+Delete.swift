public import Domain
public import PortalJSON
internal import Storage

extension DataSync {
  /// `delete<E>(id)`; `deletePatient` refuses while the patient has records, unless `cascade`,
  /// which deletes them in the same atomic write. Answers `{deleted, related}`.
  public func delete(_ kind: EntityKind, id: JSONValue, cascade: Bool = false) throws -> JSONValue {
    try write { context in
      let (key, record, current) = try existing(kind, id)
      let storedID = current["id"] ?? id
      var related: [JSONValue] = []
      if kind.name == .patient {
        let ordinal = record.patientOrdinal
        var counts = JSONObject()
        for child in EntityKind.all where child.belongsToPatient {
          let count = try store.count(child, ofPatient: ordinal)
          if count > 0 { counts[child.pluralName] = JSONValue(count) }
        }
        if !counts.isEmpty && !cascade {
          throw DomainError.relatedRecordsExist(.patient, id: storedID, counts: counts)
        }
        for child in EntityKind.all where child.belongsToPatient {
          for row in try store.records(child, ofPatient: ordinal) {
            try store.delete(child, .integer(row.id))
            try log(
              .deleted, child, id: JSONValue(row.id), version: row.version + 1, patientID: storedID,
              fields: nil, entity: nil, context: context)
            related.append(["entityType": .string(child.name.rawValue), "id": JSONValue(row.id)])
          }
        }
      }
      try store.delete(kind, key)
      try log(
        .deleted, kind, id: storedID, version: record.version + 1,
        patientID: kind.belongsToPatient ? current["patientId"] : storedID, fields: nil,
        entity: nil, context: context)
      return [
        "deleted": ["entityType": .string(kind.name.rawValue), "id": storedID],
        "related": .array(related),
      ]
    }
  }
}
