internal import PortalJSON

/// One `subscribeToUpdates(entityType, entityId?)`. What it matches:
///
/// - `(type)`: every change to records of that type.
/// - `(type, id)`: changes to that one record (ids compared by their text).
/// - `("*")`: every change.
/// - `("*", patientId)`: the patient and every record of the patient: a patient's chart.
///
/// - SeeAlso: `docs/protocol.md`, "Notifications".
public struct Subscription: Sendable, Equatable {
  public let id: Int64
  /// nil for `"*"`.
  public let entityType: String?
  /// Canonical text of the id, if one was given.
  public let entityID: String?

  func matches(entityType type: String, entityID: String?, patientID: String?) -> Bool {
    guard let wantedType = entityType else {
      guard let wanted = self.entityID else { return true }
      return patientID == wanted
    }
    guard wantedType == type else { return false }
    guard let wanted = self.entityID else { return true }
    return entityID == wanted
  }
}
