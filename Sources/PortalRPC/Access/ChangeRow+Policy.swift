internal import Domain
internal import PortalJSON
internal import Storage

extension ChangeRow {
  /// The change as `policy`'s role may see it: nil for a type it cannot read, else the row with
  /// masked fields gone from its record and from its `fields` list. Unchanged without a policy.
  func visible(to policy: AccessPolicy?) -> ChangeRow? {
    guard let policy else { return self }
    guard let kind = EntityKind.Name(rawValue: entityType), policy.canRead(kind) else { return nil }
    guard policy.masks(kind) else { return self }
    var maskedEntity = entity
    if let entity, case .object(let record)? = try? JSONParser.parse(entity) {
      maskedEntity = JSONWriter.encode(.object(policy.mask(kind, record)))
    }
    var maskedFields = fields
    if let fields, case .array(let names)? = try? JSONParser.parse(fields) {
      let visible = policy.visibleFields(kind, names.compactMap(\.stringValue))
      maskedFields = JSONWriter.encode(.array(visible.map(JSONValue.string)))
    }
    return ChangeRow(
      sequence: sequence, entityType: entityType, entityID: entityID, change: change,
      version: version, patientID: patientID, fields: maskedFields, method: method,
      origin: origin, entity: maskedEntity, patientOrdinal: patientOrdinal)
  }
}

extension Session {
  /// The policy reads run under: the signed-in role's when auth is on, else nil (everything).
  var readPolicy: AccessPolicy? { auth.required ? auth.policy : nil }
}
