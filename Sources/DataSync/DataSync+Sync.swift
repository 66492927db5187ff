public import Domain
public import PortalJSON
internal import Storage

extension DataSync {
  /// `sync<E>Data(id, updates, expectedVersion?)`: applies a JSON Merge Patch to the record's
  /// client fields, validates the result as a whole entity, and stores it as a new version. An
  /// update that changes nothing stores nothing and returns the record as it is.
  public func sync(
    _ kind: EntityKind, id: JSONValue, updates: JSONObject, expectedVersion: Int64?
  ) throws -> EncodedJSON {
    try write { context in
      let (key, record, current) = try existing(kind, id)
      if let expectedVersion, expectedVersion != record.version {
        throw DomainError.versionConflict(
          kind.name, id: current["id"] ?? id, expected: expectedVersion, current: record.version,
          currentEntity: EncodedJSON(trusted: record.document))
      }
      let patch = try clientPatch(kind, updates, current: current)
      let merged = MergePatch.apply(patch, to: EntityDocument.clientPart(of: current, kind))
      var client = try Validator(mode: .update, today: context.now.date).validate(merged, as: kind)
        .mapError(DomainError.invalid).get()
      var server = EntityDocument.serverPart(of: current, kind)
      var ownerOrdinal = record.patientOrdinal
      if kind.belongsToPatient {
        let owner = try patient(client["patientId"]!)
        ownerOrdinal = owner.ordinal
        client["patientId"] = owner.document["id"]
        try fillFromPatient(kind, &client, owner.document)
        try checkReferences(kind, client, patientOrdinal: owner.ordinal)
        server.merge(copiedValues(kind, client, patient: owner.document))
      }
      let unchanged = EntityDocument.assemble(kind, client: client, server: server)
      let fields = EntityDocument.changedFields(kind, from: current, to: unchanged)
      if fields.isEmpty { return EncodedJSON(trusted: record.document) }

      let meta = (Meta(current["meta"] ?? .null) ?? .created(at: context.now)).next(at: context.now)
      server["meta"] = meta.json
      let document = EncodedJSON(EntityDocument.assemble(kind, client: client, server: server))
      try store.update(
        kind, record, key: key, patientOrdinal: ownerOrdinal, version: meta.version,
        document: document.bytes)
      try log(
        .updated, kind, id: current["id"] ?? id, version: meta.version,
        patientID: kind.belongsToPatient ? client["patientId"] : current["id"], fields: fields,
        entity: document, context: context)
      return document
    }
  }

  /// The part of `updates` a merge may apply: server-owned fields are refused (or, for copies
  /// and unchanged ids, dropped) before the patch touches anything.
  private func clientPatch(_ kind: EntityKind, _ updates: JSONObject, current: JSONObject) throws
    -> JSONObject
  {
    var patch = JSONObject()
    var errors: [FieldError] = []
    for member in updates {
      guard let field = kind.field(named: member.key) else {
        patch.appendUnchecked(member.key, member.value)  // the validator names unknown fields
        continue
      }
      let path = JSONPointer([field.name])
      switch field.owner {
      case .client, .recomputed:
        patch.appendUnchecked(member.key, member.value)
      case .assigned:
        if member.value != current[field.name] {
          errors.append(FieldError(path, "cannot be changed"))
        }
      case .kept:
        errors.append(FieldError(path, "is kept by the server (version and timestamps); omit it"))
      case .derived(let source):
        errors.append(FieldError(path, "is derived from \(source); omit it"))
      case .copied:
        break
      case .openingValue(let movedBy):
        errors.append(
          FieldError(path, "moves only with \(movedBy); record an adjustment transaction instead"))
      }
    }
    if !errors.isEmpty { throw DomainError.invalid(ValidationFailure(errors: errors)) }
    return patch
  }
}
