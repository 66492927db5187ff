public import PortalJSON

/// What one role may see and do, worked out once per role: which entity types it reads and
/// writes, and which fields of a readable type it never sees. Every read, write, query, feed and
/// notification of a signed-in connection passes through one policy (a class: every request
/// reads it, none copies it).
///
/// - SeeAlso: `docs/security.md`, "Roles and permissions".
public final class AccessPolicy: Sendable {
  public let role: Role
  private let hidden: [EntityKind.Name: [MaskedField]]
  /// Entity types whose activity entries this role may not see in a patient's `recentActivity`:
  /// types it cannot read, or can read only with fields masked (an entry's description repeats
  /// them).
  private let hiddenActivity: Set<String>
  /// The role's entity permissions and masks as sets of types, so the checks every request makes
  /// hash an enum, not a permission's name.
  private let readable: Set<EntityKind.Name>
  private let writable: Set<EntityKind.Name>
  private let masked: Set<EntityKind.Name>

  public init(role: Role) {
    self.role = role
    var hidden: [EntityKind.Name: [MaskedField]] = [:]
    for field in MaskedField.all where !role.has(field.permission) {
      hidden[field.kind, default: []].append(field)
    }
    self.hidden = hidden
    let hiddenActivity = Set(
      EntityKind.Name.allCases.filter { !role.has(.read($0)) || hidden[$0] != nil }.map(\.rawValue))
    self.hiddenActivity = hiddenActivity
    readable = Set(EntityKind.Name.allCases.filter { role.has(.read($0)) })
    writable = Set(EntityKind.Name.allCases.filter { role.has(.write($0)) })
    masked = Set(
      EntityKind.Name.allCases.filter {
        hidden[$0] != nil || ($0 == .patient && !hiddenActivity.isEmpty)
      })
  }

  public func canRead(_ kind: EntityKind.Name) -> Bool { readable.contains(kind) }
  public func canWrite(_ kind: EntityKind.Name) -> Bool { writable.contains(kind) }

  /// True when a record of `kind` this role reads must be masked before it goes out; false means
  /// the stored bytes can go out as they are.
  public func masks(_ kind: EntityKind.Name) -> Bool { masked.contains(kind) }

  /// The permission a masked field needs, when `field` of `kind` is masked for this role.
  public func permission(toSee field: String, of kind: EntityKind.Name) -> Permission? {
    hidden[kind]?.first { $0.field == field }?.permission
  }

  /// The permission missing to read `kind` filtered or sorted on `fields`, or nil when allowed.
  public func refusal(reading kind: EntityKind.Name, fields: some Sequence<String>) -> Permission? {
    guard canRead(kind) else { return .read(kind) }
    return fields.lazy.compactMap { permission(toSee: $0, of: kind) }.first
  }

  /// The permission missing to write `fields` of `kind`, or nil when allowed.
  public func refusal(writing kind: EntityKind.Name, fields: some Sequence<String>) -> Permission? {
    guard canWrite(kind) else { return .write(kind) }
    return fields.lazy.compactMap { permission(toSee: $0, of: kind) }.first
  }

  /// `record` as this role sees it: masked fields removed and, on a patient, the activity entries
  /// of types it may not see.
  public func mask(_ kind: EntityKind.Name, _ record: JSONObject) -> JSONObject {
    var record = record
    for field in hidden[kind] ?? [] { record.removeValue(forKey: field.field) }
    if kind == .patient, !hiddenActivity.isEmpty,
      case .array(let entries)? = record["recentActivity"]
    {
      record["recentActivity"] = .array(
        entries.filter { entry in
          guard let type = entry["type"]?.stringValue else { return false }
          return !hiddenActivity.contains(type)
        })
    }
    return record
  }

  /// A new record from this role with every masked field it needs but cannot give filled with
  /// its empty value (a front desk adds a patient without seeing medical history).
  public func completingNew(_ kind: EntityKind.Name, _ record: JSONObject) -> JSONObject {
    var record = record
    for field in hidden[kind] ?? [] where record[field.field] == nil {
      if let empty = field.emptyValue { record[field.field] = empty }
    }
    return record
  }

  /// The names in a change's `fields` list this role may see.
  public func visibleFields(_ kind: EntityKind.Name, _ fields: [String]) -> [String] {
    guard let hidden = hidden[kind] else { return fields }
    return fields.filter { name in !hidden.contains { $0.field == name } }
  }
}
