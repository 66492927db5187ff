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
    /// Kept by the server, and present only while the records it derives from give a value
    /// (`nextAppointment` of a patient with none scheduled is absent).
    case whenAny
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
    /// (`lastMessageTime`). A client may send it only with the value the server would store.
    case copied(from: String)
    /// Computed from other records (`quickStats`, `nextAppointment`). A client may send it only
    /// with the value the records give.
    case derived(from: String)
    /// The client gives the opening value on add; afterwards only the server moves it
    /// (`outstandingBalance`).
    case openingValue(movedBy: String)
  }

  /// Why a client's value for a server-maintained field is refused (it names where the value
  /// comes from, never the value).
  public var serverOwnedMessage: String { owner.serverOwnedMessage }

  /// True for fields whose stored value the server, not the merge of a client's update, decides.
  public var isServerMaintained: Bool {
    switch owner {
    case .client: false
    default: true
    }
  }

  /// True for fields whose value `add` takes from the client: its own, and opening values.
  public var isClientWrittenOnAdd: Bool {
    switch owner {
    case .client, .openingValue: true
    default: false
    }
  }

  /// True for fields `add` accepts from a client: the ones it writes, and copies and derived
  /// fields sent with the value the server arrives at (the seed sends whole records back). Ids
  /// and `meta` are refused.
  public var isAcceptedOnAdd: Bool {
    switch owner {
    case .client, .openingValue, .copied, .derived: true
    case .assigned, .kept: false
    }
  }

  public var isRequired: Bool {
    if case .required = presence { return true }
    return false
  }
}

/// What a field holds. Every case has one validation rule and one JSON Schema.
public indirect enum FieldType: Sendable {
  /// Text that may run over several lines (notes, an address, a message); `nonEmpty` requires a
  /// character that is not white space. No control characters but tab and line breaks.
  case text(nonEmpty: Bool)
  /// One line of text (a name, a title, a code): no control characters or line breaks, and no
  /// white space at either end.
  case line(nonEmpty: Bool)
  /// A phone number as people type it: digits, spaces, `+ - . ( )`, an optional extension
  /// (`x`, `ext`, `#` and digits); 7 to 15 digits before the extension. Stored as typed.
  case phone
  case email
  /// `YYYY-MM-DD`, a real calendar date; `notInFuture` compares with the clinic's date.
  case date(notInFuture: Bool)
  /// A date of birth: a real calendar date, not before `earliestBirthDate` nor after today.
  case birthDate
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
  case array(of: FieldType, minItems: Int, maxItems: Int)
  /// The `meta` object the server keeps.
  case meta

  public enum MoneyRule: Sendable {
    case positive
    case nonNegative
    case anySign
  }

  /// Text fields are capped so a single request cannot store megabytes in one value.
  public static let maximumTextBytes = 65_536

  /// The earliest date of birth a patient may have.
  public static let earliestBirthDate = CalendarDate(year: 1900, month: 1, day: 1)!

  /// A list of short text (conditions, codes) with at most `maxItems` entries.
  public static func lines(maxItems: Int) -> FieldType {
    .array(of: .line(nonEmpty: true), minItems: 0, maxItems: maxItems)
  }

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

extension Field.Owner {
  /// Why a value a client sent for a field of this owner is not the one the server keeps.
  public var serverOwnedMessage: String {
    switch self {
    case .copied(let source):
      "is a copy of \(source), kept by the server; omit it or send the value it holds"
    case .derived(let source):
      "is derived from \(source); omit it or send the value the records give"
    case .openingValue(let movedBy):
      "moves only with \(movedBy); record an adjustment transaction instead"
    case .assigned: "cannot be changed"
    case .kept, .client: "is kept by the server; omit it"
    }
  }
}
