/// A top-level field some roles may not see, and the permission that lets a role see it. A
/// masked field is absent from every read and may be neither written, filtered nor sorted on.
///
/// - SeeAlso: `docs/security.md`, "Roles and permissions".
public struct MaskedField: Sendable, Hashable {
  public let kind: EntityKind.Name
  public let field: String
  public let permission: Permission

  public init(_ kind: EntityKind.Name, _ field: String, needs permission: Permission) {
    self.kind = kind
    self.field = field
    self.permission = permission
  }

  /// Every field behind a permission of its own.
  public static let all: [MaskedField] = [
    MaskedField(.patient, "medicalHistory", needs: .medicalHistory),
    MaskedField(.patient, "outstandingBalance", needs: .billingAmounts),
    MaskedField(.patient, "billing", needs: .billingAmounts),
    MaskedField(.insuranceClaim, "amount", needs: .billingAmounts),
    MaskedField(.insuranceClaim, "approvedAmount", needs: .billingAmounts),
    MaskedField(.insuranceClaim, "paidAmount", needs: .billingAmounts),
  ]
}
