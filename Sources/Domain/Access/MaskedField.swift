public import PortalJSON

/// A top-level field some roles may not see, and the permission that lets a role see it. A
/// masked field is absent from every read and may be neither written, filtered nor sorted on.
///
/// - SeeAlso: `docs/security.md`, "Roles and permissions".
public struct MaskedField: Sendable, Hashable {
  public let kind: EntityKind.Name
  public let field: String
  public let permission: Permission
  /// What a new record gets when a role that cannot see the field adds one without it, if the
  /// record needs the field (a patient's medical history: empty lists).
  public let emptyValue: JSONValue?

  public init(
    _ kind: EntityKind.Name, _ field: String, needs permission: Permission,
    emptyValue: JSONValue? = nil
  ) {
    self.kind = kind
    self.field = field
    self.permission = permission
    self.emptyValue = emptyValue
  }

  /// Every field behind a permission of its own.
  public static let all: [MaskedField] = [
    MaskedField(
      .patient, "medicalHistory", needs: .medicalHistory,
      emptyValue: ["conditions": [], "allergies": [], "medications": []]),
    MaskedField(.patient, "outstandingBalance", needs: .billingAmounts),
    MaskedField(.patient, "billing", needs: .billingAmounts),
    MaskedField(.insuranceClaim, "amount", needs: .billingAmounts),
    MaskedField(.insuranceClaim, "approvedAmount", needs: .billingAmounts),
    MaskedField(.insuranceClaim, "paidAmount", needs: .billingAmounts),
  ]
}
