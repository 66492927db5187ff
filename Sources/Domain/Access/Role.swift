/// A staff member's role: a name and the permissions it grants. The five defaults are the table
/// of `docs/security.md`; a clinic can define its own with `Role(name:permissions:)`.
public struct Role: Sendable, Hashable {
  public let name: String
  public let permissions: Set<Permission>

  public init(name: String, permissions: Set<Permission>) {
    self.name = name
    self.permissions = permissions
  }

  public func has(_ permission: Permission) -> Bool { permissions.contains(permission) }

  /// Everything.
  public static let admin = Role(name: "admin", permissions: Set(Permission.all))

  /// Reads everything; writes every clinical type, appointments and messages.
  public static let doctor = Role(
    name: "doctor",
    permissions: reads(EntityKind.Name.allCases)
      .union(writes([.patient, .appointment, .messageThread, .prescription, .document, .carePlan]))
      .union([.medicalHistory, .billingAmounts]))

  /// Reads everything but billing (transactions, and any amount of money); writes appointments,
  /// messages, documents and care plans.
  public static let nurse = Role(
    name: "nurse",
    permissions: reads(EntityKind.Name.allCases.filter { $0 != .transaction })
      .union(writes([.appointment, .messageThread, .document, .carePlan]))
      .union([.medicalHistory]))

  /// Reads patients, appointments, messages and insurance claims; writes patients, appointments
  /// and messages; never sees medical history.
  public static let frontDesk = Role(
    name: "frontDesk",
    permissions: reads([.patient, .appointment, .messageThread, .insuranceClaim])
      .union(writes([.patient, .appointment, .messageThread]))
      .union([.billingAmounts]))

  /// Reads patients, transactions, claims and appointments; writes transactions and claims;
  /// never sees medical history.
  public static let billing = Role(
    name: "billing",
    permissions: reads([.patient, .transaction, .insuranceClaim, .appointment])
      .union(writes([.transaction, .insuranceClaim]))
      .union([.billingAmounts]))

  /// The built-in roles, by name.
  public static let defaults: [String: Role] = Dictionary(
    uniqueKeysWithValues: [admin, doctor, nurse, frontDesk, billing].map { ($0.name, $0) })

  /// The built-in role names, in the table's order.
  public static let defaultNames = ["admin", "doctor", "nurse", "frontDesk", "billing"]

  private static func reads(_ kinds: [EntityKind.Name]) -> Set<Permission> {
    Set(kinds.map(Permission.read))
  }

  private static func writes(_ kinds: [EntityKind.Name]) -> Set<Permission> {
    Set(kinds.map(Permission.write))
  }
}
