public import Domain
public import PortalJSON
internal import Storage

extension DataSync {
  /// `sync<E>Data(id, updates, expectedVersion?)`: applies a JSON Merge Patch to the record's
  /// client fields, validates the result as a whole entity, and stores it as a new version, with
  /// every cross-section effect in the same write. An update that changes nothing stores nothing
  /// and returns the record as it is.
  public func sync(
    _ kind: EntityKind, id: JSONValue, updates: JSONObject, expectedVersion: Int64?
  ) throws -> EncodedJSON {
    let document = try write { context in
      noteOperation(.update(kind.name, id: id, updates: updates, expectedVersion: expectedVersion))
      return try update(
        kind, id: id, updates: updates, expectedVersion: expectedVersion, context: context)
    }
    return try withSyncState(kind, document)
  }

  /// `updatePatientRelatedData` / `updateAppointmentRelatedData`: the same update, answered with
  /// every other record it touched (`{entityType, id, version}`, in change order).
  public func updateRelated(
    _ kind: EntityKind, id: JSONValue, updates: JSONObject, expectedVersion: Int64?
  ) throws -> EncodedJSON {
    let before = try loggedChanges?.upperBound ?? store.lastSequence()
    let document = try write { context in
      noteOperation(.update(kind.name, id: id, updates: updates, expectedVersion: expectedVersion))
      return try update(
        kind, id: id, updates: updates, expectedVersion: expectedVersion, context: context)
    }
    let writer = JSONWriter(capacity: document.bytes.count + 256)
    writer.writeRaw(kind.name == .patient ? "{\"patient\":" : "{\"appointment\":")
    writer.write(document)
    writer.writeRaw(",\"related\":[")
    if let logged = loggedChanges {
      let entityID = (try Self.object(document.bytes)["id"] ?? .null).encoded
      try store.writeTouched(
        after: max(before, logged.lowerBound - 1), through: logged.upperBound,
        skipping: (kind.name.rawValue, entityID), into: writer)
    }
    writer.writeRaw("]}")
    return EncodedJSON(trusted: writer.bytes)
  }

  /// `appendMessage(threadId, message)`: adds one message to a thread in one atomic write (two
  /// windows replying at once both keep their reply). The message's `id` (next in the thread)
  /// and `timestamp` (now) are filled in when absent.
  public func appendMessage(threadID: JSONValue, message: JSONObject) throws -> EncodedJSON {
    try withSyncState(.messageThread, try appended(threadID: threadID, message: message))
  }

  private func appended(threadID: JSONValue, message: JSONObject) throws -> EncodedJSON {
    try write { context in
      let (_, _, thread) = try existing(.messageThread, threadID)
      var messages = thread["messages"]?.arrayValue ?? []
      var message = message
      if message["id"] == nil || message["id"] == .null {
        let highest = messages.compactMap { $0["id"]?.int64Value }.max() ?? 0
        message["id"] = JSONValue(highest + 1)
      }
      if message["timestamp"] == nil || message["timestamp"] == .null {
        message["timestamp"] = .string(context.now.description)
      }
      messages.append(.object(message))
      noteOperation(.appendMessage(threadID: threadID, message: message))
      do {
        return try update(
          .messageThread, id: threadID, updates: ["messages": .array(messages)],
          expectedVersion: nil,
          context: context)
      } catch DomainError.invalid(let failure) {
        // Problems inside the new message are reported against the message parameter.
        let index = String(messages.count - 1)
        throw DomainError.invalid(
          ValidationFailure(
            errors: failure.errors.map { error in
              guard error.path.tokens.starts(with: ["messages", index]) else { return error }
              return FieldError(
                JSONPointer(["message"] + error.path.tokens.dropFirst(2)), error.message)
            }))
      }
    }
  }

  /// The shared update step (inside a write).
  func update(
    _ kind: EntityKind, id: JSONValue, updates: JSONObject, expectedVersion: Int64?,
    context: Context
  ) throws -> EncodedJSON {
    let (key, record, current) = try existing(kind, id)
    let storedID = current["id"] ?? id
    if let expectedVersion, expectedVersion != record.version {
      throw DomainError.versionConflict(
        kind.name, id: storedID, expected: expectedVersion, current: record.version,
        currentEntity: EncodedJSON(trusted: record.document))
    }
    let (patch, claims) = try clientPatch(kind, updates, today: context.today)
    let merged = MergePatch.apply(patch, to: EntityDocument.clientPart(of: current, kind))
    var client = try Validator(mode: .update, today: context.today).validate(merged, as: kind)
      .mapError(DomainError.invalid).get().fields
    hold(claims, kind, key)
    var server = EntityDocument.serverPart(of: current, kind)
    var owner: (ordinal: Int64, id: JSONValue) = (record.patientOrdinal, storedID)
    if kind.belongsToPatient {
      let patient = try patient(client["patientId"]!)
      owner = (patient.ordinal, patient.document["id"] ?? .null)
      client["patientId"] = owner.id
      try fillFromPatient(kind, &client, patient.document)
      try fillPatientSenders(kind, &client, patient.document)
      try checkReferences(kind, client, patientOrdinal: owner.ordinal)
      server.merge(copiedValues(kind, client, patient: patient.document))
    }
    let proposed = EntityDocument.assemble(kind, client: client, server: server)
    let fields = EntityDocument.changedFields(kind, from: current, to: proposed)
    if fields.isEmpty { return EncodedJSON(trusted: record.document) }

    let meta = (Meta(current["meta"] ?? .null) ?? .created(at: context.now)).next(at: context.now)
    server["meta"] = meta.json
    let document = EntityDocument.assemble(kind, client: client, server: server)
    let encoded = try encoded(document, kind)
    let row: Int64
    switch key {
    case .integer(let id): row = id
    case .patient: row = record.patientOrdinal
    }
    try store.update(
      kind, row: row, patientOrdinal: owner.ordinal, version: meta.version, document: encoded.bytes)
    if kind.name == .transaction {
      try store.setBalanceEffect(transaction: row, PatientSummary.balanceEffect(of: document))
    }
    try log(
      .updated, kind, id: storedID, version: meta.version, patient: owner, fields: fields,
      record: document, entity: encoded, context: context)

    if kind.belongsToPatient && owner.ordinal != record.patientOrdinal {
      // Moved to another patient: the old patient's pointers to it would now cross patients.
      let oldPatient = try store.patientRecord(ordinal: record.patientOrdinal)
      let oldID = try oldPatient.map { try Self.object($0.document)["id"] ?? .null } ?? .null
      try clearPointers(
        to: kind, id: row, patient: (record.patientOrdinal, oldID), context: context)
      markStale(record.patientOrdinal, changed: kind.name)
    }
    if kind.name == .patient {
      // Every copy of the patient's name and email follows, in this same write.
      var copies: [String: JSONValue] = [:]
      if fields.contains("name") { copies["patientName"] = document["name"] }
      if fields.contains("email") { copies["patientEmail"] = document["email"] }
      if !copies.isEmpty {
        try store.copyPatientValues(
          ofPatient: record.patientOrdinal, patientID: storedID, copies: copies,
          method: context.method, origin: origin, at: context.now)
        noteLogged(try store.lastSequence())
      }
    }
    return encoded
  }

  /// Splits `updates` into the merge patch of the client's own fields and the values it sends for
  /// server-maintained fields (claims, checked when the write ends). `meta` is refused here.
  private func clientPatch(_ kind: EntityKind, _ updates: JSONObject, today: CalendarDate) throws
    -> (patch: JSONObject, claims: JSONObject)
  {
    var patch = JSONObject()
    for member in updates {
      if let field = kind.field(named: member.key), field.isServerMaintained { continue }
      patch.appendUnchecked(member.key, member.value)  // the validator names unknown fields
    }
    var errors: [FieldError] = []
    let claims = Validator(mode: .update, today: today).claims(
      in: updates, as: kind, errors: &errors)
    if !errors.isEmpty { throw DomainError.invalid(ValidationFailure(errors: errors)) }
    return (patch, claims)
  }
}
