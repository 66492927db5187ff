public import Domain
public import PortalJSON
internal import Storage

extension DataSync {
  /// `delete<E>(id)`: deleting a record clears the pointers other records hold to it;
  /// `deletePatient` refuses while the patient has records, unless `cascade`, which deletes them
  /// in the same atomic write. Answers `{deleted, related}`.
  public func delete(_ kind: EntityKind, id: JSONValue, cascade: Bool = false) throws -> JSONValue {
    try write { context in
      noteOperation(.delete(kind.name, id: id, cascade: cascade))
      let (key, record, current) = try existing(kind, id)
      let storedID = current["id"] ?? id
      let ownerID = kind.belongsToPatient ? current["patientId"] ?? .null : storedID
      let owner = (ordinal: record.patientOrdinal, id: ownerID)
      var related: [JSONValue] = []
      if kind.name == .patient {
        var counts = JSONObject()
        for child in EntityKind.all where child.belongsToPatient {
          let count = try store.count(child, ofPatient: owner.ordinal)
          if count > 0 { counts[child.pluralName] = JSONValue(count) }
        }
        if !counts.isEmpty && !cascade {
          throw DomainError.relatedRecordsExist(.patient, id: storedID, counts: counts)
        }
        for child in EntityKind.all where child.belongsToPatient {
          for row in try store.records(child, ofPatient: owner.ordinal) {
            try store.delete(child, .integer(row.id))
            try log(
              .deleted, child, id: JSONValue(row.id), version: row.version + 1, patient: owner,
              fields: nil, record: try Self.object(row.document), entity: nil, context: context)
            related.append(["entityType": .string(child.name.rawValue), "id": JSONValue(row.id)])
          }
        }
      }
      try store.delete(kind, key)
      try log(
        .deleted, kind, id: storedID, version: record.version + 1, patient: owner, fields: nil,
        record: current, entity: nil, context: context)
      if case .integer(let rowID) = key {
        let before = loggedChanges?.upperBound ?? 0
        try clearPointers(to: kind, id: rowID, patient: owner, context: context)
        if let after = loggedChanges?.upperBound, after > before {
          try store.forEachChange(after: before, through: after, limit: .max) { row in
            related.append([
              "entityType": .string(row.entityType),
              "id": (try? JSONParser.parse(row.entityID)) ?? .null,
            ])
          }
        }
      }
      return [
        "deleted": ["entityType": .string(kind.name.rawValue), "id": storedID],
        "related": .array(related),
      ]
    }
  }
}
