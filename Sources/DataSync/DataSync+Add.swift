public import Domain
public import PortalJSON
internal import Storage

extension DataSync {
  /// `add<E>(entity)`: validates, assigns the id and server fields, stores, logs `created`.
  public func add(_ kind: EntityKind, _ input: JSONObject) throws -> EncodedJSON {
    try withSyncState(kind, try added(kind, input))
  }

  private func added(_ kind: EntityKind, _ input: JSONObject) throws -> EncodedJSON {
    try write { context in
      noteOperation(.add(kind.name, entity: input))
      let validator = Validator(mode: .add, today: context.today)
      let validated = try validator.validate(input, as: kind).mapError(DomainError.invalid).get()
      var client = validated.fields
      let meta = Meta.created(at: context.now)
      if kind.name == .patient {
        return try addPatient(client, claims: validated.claims, meta: meta, context: context)
      }

      let owner = try patient(client["patientId"]!)
      let ownerID = owner.document["id"] ?? .null
      client["patientId"] = ownerID
      try fillFromPatient(kind, &client, owner.document)
      try fillPatientSenders(kind, &client, owner.document)
      try checkReferences(kind, client, patientOrdinal: owner.ordinal)
      let id = try nextID(for: kind)
      hold(validated.claims, kind, .integer(id))
      var server: JSONObject = ["id": JSONValue(id), "meta": meta.json]
      server.merge(copiedValues(kind, client, patient: owner.document))
      if kind.name == .insuranceClaim {
        server["claimNumber"] = .string(Self.claimNumber(id))
      }
      let document = EntityDocument.assemble(kind, client: client, server: server)
      let encoded = try encoded(document, kind)
      try store.insert(
        kind, id: id, patientOrdinal: owner.ordinal, version: 1, document: encoded.bytes)
      if kind.name == .transaction {
        try store.setBalanceEffect(transaction: id, PatientSummary.balanceEffect(of: document))
      }
      try log(
        .created, kind, id: JSONValue(id), version: 1, patient: (owner.ordinal, ownerID),
        fields: nil, record: document, entity: encoded, context: context)
      return encoded
    }
  }

  private func addPatient(
    _ client: JSONObject, claims: JSONObject, meta: Meta, context: Context
  ) throws -> EncodedJSON {
    var ordinal = try nextID(for: .patient)
    var key = PatientID.generated(ordinal: ordinal)
    while try store.record(.patient, .patient(key)) != nil {  // an imported id may hold this one
      ordinal = idsAreHandedOut ? try nextID(for: .patient) : ordinal + 1
      key = PatientID.generated(ordinal: ordinal)
    }
    let server: JSONObject = [
      "id": .string(key),
      "quickStats": PatientSummary().quickStats,
      "recentActivity": [],
      "billing": PatientSummary().billing,
      "meta": meta.json,
    ]
    hold(claims, .patient, .patient(key))
    let opening = client["outstandingBalance"].flatMap(Money.init) ?? .zero
    let document = EntityDocument.assemble(.patient, client: client, server: server)
    let encoded = try encoded(document, .patient)
    try store.insertPatient(
      id: key, ordinal: ordinal, version: 1, openingBalance: opening, document: encoded.bytes)
    try log(
      .created, .patient, id: .string(key), version: 1, patient: (ordinal, .string(key)),
      fields: nil, record: document, entity: encoded, context: context)
    return encoded
  }

  /// `CLM-000001`: the claim's id, six digits at least (unique because ids are never reused).
  static func claimNumber(_ value: Int64) -> String {
    let digits = String(value)
    return "CLM-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
  }

  /// Client fields a claim takes from the patient's insurance when the client left them out.
  func fillFromPatient(_ kind: EntityKind, _ client: inout JSONObject, _ patient: JSONObject) throws
  {
    for field in kind.fields {
      guard case .defaultedFromPatient(let path) = field.presence, client[field.name] == nil else {
        continue
      }
      var value: JSONValue? = .object(patient)
      for part in path.split(separator: ".") { value = value?[String(part)] }
      guard let value else {
        throw DomainError.invalid(
          JSONPointer([field.name]), "is required (the patient has no \(path) to take it from)")
      }
      client[field.name] = value
    }
  }

  /// A message from the patient carries the patient's name as its sender, like every other copy
  /// of the name: filled in when absent, refused when it names someone else. Any other message
  /// names its sender.
  func fillPatientSenders(_ kind: EntityKind, _ client: inout JSONObject, _ patient: JSONObject)
    throws
  {
    guard kind.name == .messageThread, var messages = client["messages"]?.arrayValue else {
      return
    }
    var errors: [FieldError] = []
    let name = patient["name"] ?? .null
    for (index, message) in messages.enumerated() {
      guard case .object(var object) = message else { continue }
      let path = JSONPointer(["messages", String(index), "sender"])
      if object["from"]?.stringValue == "patient" {
        if object["sender"] == nil {
          object["sender"] = name
          messages[index] = .object(object)
        } else if object["sender"] != name {
          errors.append(
            FieldError(path, "is the patient's name in a message from the patient; omit it"))
        }
      } else if object["sender"] == nil {
        errors.append(FieldError(path, "is required unless the message is from the patient"))
      }
    }
    if !errors.isEmpty { throw DomainError.invalid(ValidationFailure(errors: errors)) }
    client["messages"] = .array(messages)
  }

  /// The values a record copies: the patient's name and email, a thread's newest message time.
  func copiedValues(_ kind: EntityKind, _ client: JSONObject, patient: JSONObject) -> JSONObject {
    var values = JSONObject()
    for field in kind.fields {
      guard case .copied = field.owner else { continue }
      switch field.name {
      case "patientName": values["patientName"] = patient["name"]
      case "patientEmail": values["patientEmail"] = patient["email"]
      case "lastMessageTime":
        let times = (client["messages"]?.arrayValue ?? []).compactMap {
          $0["timestamp"]?.stringValue
        }
        if let newest = times.max() { values["lastMessageTime"] = .string(newest) }
      default: break
      }
    }
    return values
  }

  /// Every pointer (`appointmentId`, `claimId`) names a record of the same patient.
  func checkReferences(_ kind: EntityKind, _ client: JSONObject, patientOrdinal: Int64) throws {
    var errors: [FieldError] = []
    for field in kind.fields {
      guard case .reference(let target) = field.type, let id = client[field.name]?.int64Value else {
        continue
      }
      guard let record = try store.record(EntityKind.named(target), .integer(id)) else {
        errors.append(FieldError(field: field.name, "no \(target.rawValue) has this id"))
        continue
      }
      if record.patientOrdinal != patientOrdinal {
        errors.append(FieldError(field: field.name, "belongs to another patient"))
      }
    }
    if !errors.isEmpty { throw DomainError.invalid(ValidationFailure(errors: errors)) }
  }
}

extension JSONObject {
  /// Adds or replaces every member of `other`.
  mutating func merge(_ other: JSONObject) {
    for member in other { self[member.key] = member.value }
  }
}
