internal import Domain
internal import PortalJSON

/// One `type` of the seed's `SyncOperation` (`UPDATE_PATIENT`, …) and the method it means:
/// `queueSyncOperation` runs that method with the operation's `entityId` and `data` as its params.
struct SyncOperationType: Sendable {
  /// The seed's name: `CREATE_`, `UPDATE_` or `DELETE_` and the entity type in capitals.
  let name: String
  /// The method that applies it (`syncPatientData`).
  let method: String
  /// The parameter `entityId` fills; nil when the operation takes no id (a create).
  let idParameter: String?
  /// The parameter `data` fills whole; nil when data's members are the method's other
  /// parameters by name (a delete: `{}`, or `{cascade}` for a patient).
  let dataParameter: String?

  /// The one table: for each entity, `CREATE_<E>` → `add<E>(data)`, `UPDATE_<E>` →
  /// `sync<E>Data(entityId, data)`, `DELETE_<E>` → `delete<E>(entityId, ...data)`.
  static let all: [SyncOperationType] = EntityKind.all.flatMap { kind in
    let stem = screamingSnakeCase(kind.typeName)
    return [
      SyncOperationType(
        name: "CREATE_" + stem, method: kind.addMethod, idParameter: nil,
        dataParameter: kind.addParameter),
      SyncOperationType(
        name: "UPDATE_" + stem, method: kind.syncMethod, idParameter: kind.idParameter,
        dataParameter: "updates"),
      SyncOperationType(
        name: "DELETE_" + stem, method: kind.deleteMethod, idParameter: kind.idParameter,
        dataParameter: nil),
    ]
  }

  static func named(_ name: String) -> SyncOperationType? { all.first { $0.name == name } }

  /// The method's params, by name, from the operation's `entityId` and `data`.
  func params(entityID: JSONValue?, data: JSONObject) -> JSONObject {
    var params = JSONObject()
    if let dataParameter {
      params[dataParameter] = .object(data)
    } else {
      for member in data { params[member.key] = member.value }
    }
    if let idParameter, let entityID { params[idParameter] = entityID }
    return params
  }

  /// A problem's path in the method's params, as a path in `queueSyncOperation`'s params.
  func operationPath(_ path: String) -> String {
    func replacing(_ parameter: String?, with member: String) -> String? {
      guard let parameter else { return nil }
      let prefix = "/" + parameter
      guard path == prefix || path.hasPrefix(prefix + "/") else { return nil }
      return "/operation/" + member + path.dropFirst(prefix.count)
    }
    return replacing(idParameter, with: "entityId") ?? replacing(dataParameter, with: "data")
      ?? (dataParameter == nil && path.hasPrefix("/") ? "/operation/data" + path : path)
  }
}

/// `MessageThread` becomes `MESSAGE_THREAD`.
private func screamingSnakeCase(_ typeName: String) -> String {
  var result = ""
  for character in typeName {
    if character.isUppercase, !result.isEmpty { result.append("_") }
    result += character.uppercased()
  }
  return result
}
