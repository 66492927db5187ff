/// One thing a staff member may do: `<entityType>:read` and `<entityType>:write` for the eight
/// entity types, the two field groups a role may be denied (`medicalHistory:read`,
/// `billingAmounts:read`), and `audit:read`, `users:manage`, `sync:manage`.
///
/// - SeeAlso: `docs/security.md`, "Roles and permissions".
public struct Permission: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible
{
  public let rawValue: String

  public init(rawValue: String) { self.rawValue = rawValue }

  public static func read(_ kind: EntityKind.Name) -> Permission {
    Permission(rawValue: kind.rawValue + ":read")
  }

  public static func write(_ kind: EntityKind.Name) -> Permission {
    Permission(rawValue: kind.rawValue + ":write")
  }

  /// Reading (and so writing) a patient's `medicalHistory`.
  public static let medicalHistory = Permission(rawValue: "medicalHistory:read")
  /// Reading (and so writing) money a patient owes or an insurer was billed.
  public static let billingAmounts = Permission(rawValue: "billingAmounts:read")
  public static let auditRead = Permission(rawValue: "audit:read")
  public static let usersManage = Permission(rawValue: "users:manage")
  public static let syncManage = Permission(rawValue: "sync:manage")

  /// Every permission there is, in a stable order.
  public static let all: [Permission] =
    EntityKind.Name.allCases.flatMap { [read($0), write($0)] }
    + [medicalHistory, billingAmounts, auditRead, usersManage, syncManage]

  public var description: String { rawValue }

  public static func < (lhs: Permission, rhs: Permission) -> Bool { lhs.rawValue < rhs.rawValue }
}
