/// One of the eight DataSync entity types, with the names the protocol uses for it and its fields.
///
/// - SeeAlso: `docs/protocol.md`, "Methods"; `docs/domain.md`.
public struct EntityKind: Sendable, Hashable {
  /// The entity type as notifications name it: `patient`, `messageThread`, …
  public enum Name: String, Sendable, CaseIterable, Hashable {
    case patient, appointment, messageThread, prescription, document, carePlan, transaction
    case insuranceClaim
  }

  public let name: Name
  /// `Patient`: the stem of `addPatient`, `getPatient`, `deletePatient`.
  public let typeName: String
  /// `patients`: the list's name (`getPatients`) and the table's.
  public let pluralName: String
  /// The sync method, which the seed does not always name after the type (`syncMessageData`).
  public let syncMethod: String
  /// The id parameter's name (`patientId`, `threadId`, `claimId`).
  public let idParameter: String
  /// The add parameter's name (`patient`, `thread`, `claim`).
  public let addParameter: String
  /// The per-patient list method, if any (`getPatientMessages` for threads).
  public let perPatientMethod: String?
  public let fields: [Field]
  /// "When this field is one of these values, that field is required": declared, so validation
  /// and the JSON Schema (`if`/`then`) both come from it.
  public let requirements: [ConditionalRequirement]
  /// Other rules that involve more than one field (end date after start date, …).
  public let rules: @Sendable (RuleContext) -> [FieldError]

  public init(
    name: Name, typeName: String, pluralName: String, syncMethod: String, idParameter: String,
    addParameter: String, perPatientMethod: String?, fields: [Field],
    requirements: [ConditionalRequirement] = [],
    rules: @escaping @Sendable (RuleContext) -> [FieldError]
  ) {
    self.name = name
    self.typeName = typeName
    self.pluralName = pluralName
    self.syncMethod = syncMethod
    self.idParameter = idParameter
    self.addParameter = addParameter
    self.perPatientMethod = perPatientMethod
    self.fields = fields
    self.requirements = requirements
    self.rules = rules
  }

  public static func == (lhs: EntityKind, rhs: EntityKind) -> Bool { lhs.name == rhs.name }
  public func hash(into hasher: inout Hasher) { hasher.combine(name) }

  public var addMethod: String { "add" + typeName }
  public var deleteMethod: String { "delete" + typeName }
  public var getMethod: String { "get" + typeName }
  public var listMethod: String {
    "get" + pluralName.prefix(1).uppercased() + pluralName.dropFirst()
  }

  /// The most bytes one stored record may take, as JSON: with the limits on text and on every
  /// list, it keeps one request from storing megabytes in one record.
  public static let maximumRecordBytes = 1 << 20

  /// `patientId` for every entity but the patient itself.
  public var belongsToPatient: Bool { name != .patient }

  public func field(named name: String) -> Field? { fields.first { $0.name == name } }

  /// All eight, in the order of the protocol's tables.
  public static let all: [EntityKind] = [
    .patient, .appointment, .messageThread, .prescription, .document, .carePlan, .transaction,
    .insuranceClaim,
  ]

  public static func named(_ name: Name) -> EntityKind {
    all.first { $0.name == name }!
  }

  public static func named(_ name: String) -> EntityKind? {
    Name(rawValue: name).map(named)
  }
}

/// "`then` is required when `when` is one of `values`" (a claim's `denialReason` when it is
/// denied; a transaction's `method` for payments and refunds).
public struct ConditionalRequirement: Sendable {
  public let when: String
  public let values: [String]
  public let then: String

  public init(when: String, isOneOf values: [String], then: String) {
    self.when = when
    self.values = values
    self.then = then
  }

  public var message: String {
    "is required when \(when) is \(values.joined(separator: " or "))"
  }
}
