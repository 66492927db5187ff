public import PortalJSON

/// One field of an entity: its name, what it holds, whether a client must send it, and who owns
/// it. Validation, merge patch, the JSON Schemas in `schema/` and the OpenRPC document are all
/// driven by these declarations, so they cannot disagree.
public struct Field: Sendable {
  public let name: String
  public let type: FieldType
  public let presence: Presence
  public let owner: Owner
  public let summary: String

  /// A required field the client writes.
  public init(_ name: String, _ type: FieldType, _ summary: String) {
    self.init(name, type, .required, owner: .client, summary)
  }

  public init(
    _ name: String, _ type: FieldType, _ presence: Presence, owner: Owner = .client,
    _ summary: String
  ) {
    self.name = name
    self.type = type
    self.presence = presence
    self.owner = owner
    self.summary = summary
  }

  /// Whether a client must send the field.
  public enum Presence: Sendable {
    case required
    case optional
    /// Filled with this value when absent (or removed by a merge patch).
    case defaulted(JSONValue)
    /// Filled from the patient's record when absent (a dotted path into it, such as
    /// `insurance.provider`).
    case defaultedFromPatient(String)
  }

  /// Who writes the field, and what happens to a value a client sends for it.
  public enum Owner: Sendable, Equatable {
    /// The client writes it.
    case client
    /// The server assigns it once (`id`, `claimNumber`); a client value is an error, except an
    /// unchanged one in an update.
    case assigned
    /// The server keeps it (`meta`); a client value is an error.
    case kept
    /// A copy of another record's value (`patientName`) or a value computed from this record
    /// (`lastMessageTime`); a client value is replaced.
    case copied(from: String)
    /// Computed from other records (`quickStats`); a client value is an error.
    case derived(from: String)
    /// The client may set it, and the server recomputes it when what it derives from changes
    /// (`nextAppointment`, `lastVisit`).
    case recomputed(from: String)
    /// The client gives the opening value on add; afterwards only the server moves it
    /// (`outstandingBalance`).
    case openingValue(movedBy: String)
  }

  /// True for fields whose stored value the server, not the merge of a client's update, decides.
  public var isServerMaintained: Bool {
    switch owner {
    case .client, .recomputed: false
    default: true
    }
  }

  /// True for fields `add` takes from a client: its own, the ones the server recomputes or moves
  /// later, and copies it overwrites. A value for any other (ids, `meta`, derived fields) is
  /// refused.
  public var isAcceptedOnAdd: Bool {
    switch owner {
    case .client, .recomputed, .openingValue, .copied: true
    case .assigned, .kept, .derived: false
    }
  }

  public var isRequired: Bool {
    if case .required = presence { return true }
    return false
  }
}

/// What a field holds. Every case has one validation rule and one JSON Schema.
public indirect enum FieldType: Sendable {
  /// Text; `nonEmpty` requires a character that is not white space.
  case text(nonEmpty: Bool)
  case email
  /// `YYYY-MM-DD`, a real calendar date; `notInFuture` compares with the clock's date (UTC).
  case date(notInFuture: Bool)
  /// ISO 8601 with a zone; stored in UTC with milliseconds.
  case timestamp
  /// `h:mm AM/PM` or `HH:mm`.
  case timeOfDay
  case integer(ClosedRange<Int64>)
  case money(MoneyRule)
  case oneOf([String])
  /// A patient id: a string or an integer.
  case patientID
  /// A reference to another record of this patient, by its integer id.
  case reference(EntityKind.Name)
  case object([Field])
  case array(of: FieldType, minItems: Int)
  /// The `meta` object the server keeps.
  case meta

  public enum MoneyRule: Sendable {
    case positive
    case nonNegative
    case anySign
  }

  /// Text fields are capped so a single request cannot store megabytes in one value.
  public static let maximumTextBytes = 65_536

  public static let positiveInteger = FieldType.integer(1...Int64.max)
  public static let count = FieldType.integer(0...Int64.max)

  /// True for values a list query can filter and sort on (a single value, not an object).
  public var isScalar: Bool {
    switch self {
    case .object, .array, .meta: false
    default: true
    }
  }
}
