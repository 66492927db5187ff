public import Domain
public import PortalJSON
public import Storage

extension DataSync where Records == Store {
  /// `get<E>(id)`: the stored JSON as stored.
  public func get(_ kind: EntityKind, id: JSONValue) throws -> EncodedJSON {
    try read {
      let key = try key(kind, id)
      guard let record = try store.record(kind, key) else {
        throw DomainError.notFound(kind.name, id: id)
      }
      return try withSyncState(kind, EncodedJSON(trusted: record.document))
    }
  }

  /// `get<Es>(query)`: `{items, total, nextCursor}`.
  public func list(_ kind: EntityKind, query raw: JSONValue?) throws -> EncodedJSON {
    let query = try ListQuery.parse(raw, for: kind, today: clock.now().date).mapError(
      DomainError.invalid
    ).get()
    return try read {
      let page = try store.list(query)
      let writer = JSONWriter(capacity: 64 + page.items.reduce(0) { $0 + $1.document.count + 1 })
      writer.writeRaw("{\"items\":[")
      for (index, item) in page.items.enumerated() {
        if index > 0 { writer.append(UInt8(ascii: ",")) }
        writer.append(
          journal == nil
            ? item.document
            : try withSyncState(kind, EncodedJSON(trusted: item.document)).bytes)
      }
      writer.writeRaw("],\"total\":")
      writer.writeInteger(page.total)
      writer.writeRaw(",\"nextCursor\":")
      if page.hasMore, let last = page.items.last {
        writer.writeString(
          query.cursor(after: try Self.object(last.document), rowOrder: last.rowOrder))
      } else {
        writer.writeRaw("null")
      }
      writer.append(UInt8(ascii: "}"))
      return EncodedJSON(trusted: writer.bytes)
    }
  }

  /// `getPatient<Es>(patientId)`: the patient's records of one kind, by id.
  public func records(_ kind: EntityKind, ofPatient patientID: JSONValue) throws -> EncodedJSON {
    try read {
      let owner = try patient(patientID)
      let rows = try store.records(kind, ofPatient: owner.ordinal)
      let writer = JSONWriter(capacity: 2 + rows.reduce(0) { $0 + $1.document.count + 1 })
      writer.append(UInt8(ascii: "["))
      for (index, row) in rows.enumerated() {
        if index > 0 { writer.append(UInt8(ascii: ",")) }
        writer.append(
          journal == nil
            ? row.document
            : try withSyncState(kind, EncodedJSON(trusted: row.document)).bytes)
      }
      writer.append(UInt8(ascii: "]"))
      return EncodedJSON(trusted: writer.bytes)
    }
  }
}
