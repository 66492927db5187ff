public import PortalJSON

/// Checks a client's entity against its fields and returns it in canonical form: fields in the
/// declared order, money in its shortest exact form, timestamps in UTC with milliseconds. Every
/// problem is collected, so one answer lists them all.
public struct Validator: Sendable {
  /// Adding a new record, or validating the result of a merge patch on an existing one.
  public enum Mode: Sendable {
    case add
    case update
  }

  public let mode: Mode
  /// "Today" for dates that may not be in the future (the clock's UTC date).
  public let today: CalendarDate

  public init(mode: Mode, today: CalendarDate) {
    self.mode = mode
    self.today = today
  }

  /// The canonical client-written fields of `input` (and, on add, opening values), or the
  /// problems. Server-maintained fields are left for the caller to fill; a value a client sends
  /// for one of them is checked against its type and handed back in `claims`, for the caller to
  /// hold against the value the server arrives at (see `claims(in:as:errors:)`).
  public func validate(_ input: JSONObject, as kind: EntityKind) -> Result<
    Validated, ValidationFailure
  > {
    var errors: [FieldError] = []
    var output = JSONObject()
    output.reserveCapacity(kind.fields.count)
    for member in input where kind.field(named: member.key) == nil {
      errors.append(FieldError(field: member.key, "unknown field"))
    }
    var stack: [String] = []
    stack.reserveCapacity(8)
    for field in kind.fields {
      if mode == .add ? !field.isClientWrittenOnAdd : field.isServerMaintained { continue }
      let value = input[field.name].flatMap { $0.isNull ? nil : $0 }
      guard let value else {
        switch field.presence {
        case .required: errors.append(FieldError(field: field.name, "is required"))
        case .defaulted(let defaultValue): output.appendUnchecked(field.name, defaultValue)
        case .optional, .defaultedFromPatient, .whenAny: break
        }
        continue
      }
      stack.append(field.name)
      if let canonical = check(value, field.type, at: &stack, errors: &errors) {
        output.appendUnchecked(field.name, canonical)
      }
      stack.removeLast()
    }
    let claims = mode == .add ? self.claims(in: input, as: kind, errors: &errors) : JSONObject()
    for requirement in kind.requirements {
      if let value = output[requirement.when]?.stringValue, requirement.values.contains(value),
        output[requirement.then] == nil,
        !errors.contains(where: { $0.path.tokens.first == requirement.then })
      {
        errors.append(FieldError(field: requirement.then, requirement.message))
      }
    }
    errors += kind.rules(RuleContext(entity: output))
    return errors.isEmpty
      ? .success(Validated(fields: output, claims: claims))
      : .failure(ValidationFailure(errors: errors))
  }

  /// The values `input` gives for fields the server maintains, in canonical form. Whatever the
  /// server keeps (`meta`) and, on add, whatever it assigns (`id`) is refused here; every other
  /// server-owned value (a copy such as `patientName`, a derived field such as `quickStats` or
  /// `nextAppointment`, the balance after add) is a claim: accepted when it equals the value the
  /// records give, refused otherwise, once the write knows that value. A `null` claims the field
  /// is absent.
  public func claims(in input: JSONObject, as kind: EntityKind, errors: inout [FieldError])
    -> JSONObject
  {
    var claims = JSONObject()
    for member in input {
      guard let field = kind.field(named: member.key) else { continue }
      if mode == .add ? field.isClientWrittenOnAdd : !field.isServerMaintained { continue }
      switch field.owner {
      case .kept:
        errors.append(
          FieldError(field: field.name, "is kept by the server (version and timestamps); omit it"))
        continue
      case .assigned where mode == .add:
        errors.append(FieldError(field: field.name, "is assigned by the server; omit it"))
        continue
      default:
        break
      }
      if member.value.isNull {
        claims.appendUnchecked(field.name, .null)
        continue
      }
      // A value of the wrong shape cannot be the server's: one problem, saying whose it is.
      var stack = [field.name]
      var shape: [FieldError] = []
      if let canonical = check(member.value, field.type, at: &stack, errors: &shape),
        shape.isEmpty
      {
        claims.appendUnchecked(field.name, canonical)
      } else {
        errors.append(FieldError(field: field.name, field.owner.serverOwnedMessage))
      }
    }
    return claims
  }

  /// Checks one value against its type at `path`; returns its canonical form, or nil after
  /// recording why not.
  func check(
    _ value: JSONValue, _ type: FieldType, at path: JSONPointer, errors: inout [FieldError]
  ) -> JSONValue? {
    var stack = path.tokens
    return check(value, type, at: &stack, errors: &errors)
  }

  /// The same, with the path kept as a stack of tokens: a pointer is built only for a problem.
  func check(
    _ value: JSONValue, _ type: FieldType, at path: inout [String], errors: inout [FieldError]
  ) -> JSONValue? {
    func fail(_ message: String) -> JSONValue? {
      errors.append(FieldError(JSONPointer(path), message))
      return nil
    }
    func text() -> String? {
      guard case .string(let text) = value else {
        _ = fail("must be a string, not \(value.typeName)")
        return nil
      }
      guard text.utf8.count <= FieldType.maximumTextBytes else {
        _ = fail("must be at most \(FieldType.maximumTextBytes) bytes long")
        return nil
      }
      return text
    }
    switch type {
    case .text(let nonEmpty):
      guard let text = text() else { return nil }
      if nonEmpty && isBlank(text) { return fail("must not be empty") }
      if TextRules.hasControlCharacter(text, allowingLineBreaks: true) {
        return fail("must not hold control characters (tab and line breaks are fine)")
      }
      return value
    case .line(let nonEmpty):
      guard let text = text() else { return nil }
      if text.isEmpty { return nonEmpty ? fail("must not be empty") : value }
      if TextRules.hasControlCharacter(text, allowingLineBreaks: false) {
        return fail("must be one line, without line breaks or control characters")
      }
      if TextRules.hasOuterWhiteSpace(text) {
        return fail(
          nonEmpty && isBlank(text) ? "must not be empty" : "must not begin or end with white space"
        )
      }
      return value
    case .phone:
      guard let text = text() else { return nil }
      return PhoneNumber.isValid(text)
        ? value
        : fail(
          "must be a phone number: \(PhoneNumber.minimumDigits) to \(PhoneNumber.maximumDigits) digits, with spaces, + - . ( ) and an extension (x123) allowed"
        )
    case .birthDate:
      guard let text = text() else { return nil }
      guard let date = CalendarDate(text) else {
        return fail("must be a real calendar date written YYYY-MM-DD")
      }
      if date > today { return fail("must not be in the future") }
      if date < FieldType.earliestBirthDate {
        return fail("must not be before \(FieldType.earliestBirthDate)")
      }
      return value
    case .email:
      guard let text = text() else { return nil }
      return EmailAddress.isValid(text) ? value : fail("is not a valid email address")
    case .date(let notInFuture):
      guard let text = text() else { return nil }
      guard let date = CalendarDate(text) else {
        return fail("must be a real calendar date written YYYY-MM-DD")
      }
      if notInFuture && date > today { return fail("must not be in the future") }
      return value
    case .timestamp:
      guard let text = text() else { return nil }
      guard let instant = Timestamp(text) else {
        return fail("must be an ISO 8601 time with a zone, such as 2026-01-31T09:15:00.000Z")
      }
      return .string(instant.description)
    case .timeOfDay:
      guard let text = text() else { return nil }
      return TimeOfDay(text) != nil ? value : fail("must be a time such as 10:00 AM or 14:30")
    case .integer(let range):
      guard case .number(let number) = value, let integer = number.int64Value else {
        return fail("must be an integer, not \(value.typeName)")
      }
      guard range.contains(integer) else {
        return fail(
          range.upperBound == Int64.max
            ? "must be at least \(range.lowerBound)"
            : "must be an integer from \(range.lowerBound) to \(range.upperBound)")
      }
      return JSONValue(integer)
    case .money(let rule):
      guard case .number(let number) = value else {
        return fail("must be a number (an amount of money), not \(value.typeName)")
      }
      switch Money.parse(number) {
      case .failure(.tooManyDecimals): return fail("must have at most two decimal places")
      case .failure(.outOfRange): return fail("is out of range for an amount of money")
      case .success(let money):
        switch rule {
        case .positive where money.cents <= 0: return fail("must be greater than 0")
        case .nonNegative where money.cents < 0: return fail("must not be negative")
        default: return money.json
        }
      }
    case .oneOf(let choices):
      guard let text = text() else { return nil }
      return choices.contains(text)
        ? value : fail("must be one of: \(choices.joined(separator: ", "))")
    case .patientID:
      guard PatientID.canonical(value) != nil, value.stringValue != nil || value.int64Value != nil
      else {
        return fail("must be a patient id (a non-empty string or an integer)")
      }
      return value.int64Value.map { JSONValue($0) } ?? value
    case .reference(let target):
      guard case .number(let number) = value, let id = number.int64Value, id > 0 else {
        return fail("must be the integer id of a \(target.rawValue)")
      }
      return JSONValue(id)
    case .object(let fields):
      guard case .object(let object) = value else {
        return fail("must be an object, not \(value.typeName)")
      }
      var output = JSONObject()
      output.reserveCapacity(fields.count)
      for member in object where !fields.contains(where: { $0.name == member.key }) {
        errors.append(FieldError(JSONPointer(path + [member.key]), "unknown field"))
      }
      for field in fields {
        path.append(field.name)
        defer { path.removeLast() }
        guard let fieldValue = object[field.name], !fieldValue.isNull else {
          switch field.presence {
          case .required: errors.append(FieldError(JSONPointer(path), "is required"))
          case .defaulted(let defaultValue): output.appendUnchecked(field.name, defaultValue)
          case .optional, .defaultedFromPatient, .whenAny: break
          }
          continue
        }
        if let canonical = check(fieldValue, field.type, at: &path, errors: &errors) {
          output.appendUnchecked(field.name, canonical)
        }
      }
      return .object(output)
    case .array(let element, let minItems, let maxItems):
      guard case .array(let items) = value else {
        return fail("must be an array, not \(value.typeName)")
      }
      if items.count < minItems {
        return fail("must have at least \(minItems) item\(minItems == 1 ? "" : "s")")
      }
      if items.count > maxItems {
        return fail("must have at most \(maxItems) items")
      }
      var output: [JSONValue] = []
      output.reserveCapacity(items.count)
      for (index, item) in items.enumerated() {
        path.append(String(index))
        defer { path.removeLast() }
        if let canonical = check(item, element, at: &path, errors: &errors) {
          output.append(canonical)
        }
      }
      return .array(output)
    case .meta:
      return fail("is kept by the server")
    }
  }
}

/// True when `text` has no character but white space (ASCII checked byte by byte; anything else
/// falls back to Unicode's definition).
func isBlank(_ text: String) -> Bool {
  for byte in text.utf8 {
    switch byte {
    case 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D: continue
    case 0x80...: return text.allSatisfy(\.isWhitespace)
    default: return false
    }
  }
  return true
}

/// A client's entity after validation: the fields it writes, in canonical form, and the values it
/// sent for fields the server maintains (held against the server's values when the write ends).
public struct Validated: Sendable {
  public var fields: JSONObject
  public var claims: JSONObject

  public init(fields: JSONObject, claims: JSONObject) {
    self.fields = fields
    self.claims = claims
  }
}

/// Every problem found in one entity.
public struct ValidationFailure: Error, Sendable, Equatable {
  public let errors: [FieldError]

  public init(errors: [FieldError]) { self.errors = errors }
}
