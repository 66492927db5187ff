public import PortalJSON

/// A validated `get<Es>(query)`: filter conditions on top-level fields, sort keys, a page size
/// and where the previous page ended.
///
/// - SeeAlso: `docs/protocol.md`, "`query` for the list methods".
public struct ListQuery: Sendable {
  public enum Operator: String, Sendable, CaseIterable {
    case eq, ne, lt, lte, gt, gte
    case `in`
    case contains
  }

  public struct Condition: Sendable {
    public let field: Field
    public let op: Operator
    /// Canonical value (for `in`, an array of canonical values).
    public let value: JSONValue
  }

  public struct SortKey: Sendable {
    public let field: Field
    public let descending: Bool
  }

  public let kind: EntityKind
  public var conditions: [Condition] = []
  /// Sort keys as asked; the id always breaks ties, ascending.
  public var sort: [SortKey] = []
  public var limit: Int = ListQuery.defaultLimit
  /// The sort values and id of the last item of the previous page.
  public var after: [JSONValue]?

  public static let defaultLimit = 100
  public static let maximumLimit = 1000
  public static let maximumSortKeys = 4

  public init(kind: EntityKind) { self.kind = kind }

  /// Reads the `query` parameter, listing every problem (paths start at `/query`).
  public static func parse(_ raw: JSONValue?, for kind: EntityKind, today: CalendarDate)
    -> Result<ListQuery, ValidationFailure>
  {
    var query = ListQuery(kind: kind)
    var errors: [FieldError] = []
    let root = JSONPointer(["query"])
    guard let raw else { return .success(query) }
    guard case .object(let object) = raw else {
      return .failure(ValidationFailure(errors: [FieldError(root, "must be an object")]))
    }
    for member in object where !["filter", "sort", "limit", "cursor"].contains(member.key) {
      errors.append(
        FieldError(
          root.appending(member.key), "unknown query member; expected filter, sort, limit or cursor"
        ))
    }
    let checker = Validator(mode: .update, today: today)
    if let filter = object["filter"], !filter.isNull {
      query.conditions = parseFilter(filter, kind, checker, root.appending("filter"), &errors)
    }
    if let sort = object["sort"], !sort.isNull {
      query.sort = parseSort(sort, kind, root.appending("sort"), &errors)
    }
    if let limit = object["limit"], !limit.isNull {
      if let value = limit.int64Value, value >= 1, value <= Int64(maximumLimit) {
        query.limit = Int(value)
      } else {
        errors.append(
          FieldError(root.appending("limit"), "must be an integer from 1 to \(maximumLimit)"))
      }
    }
    if let cursor = object["cursor"], !cursor.isNull {
      if let text = cursor.stringValue, let values = query.decodeCursor(text) {
        query.after = values
      } else {
        errors.append(
          FieldError(
            root.appending("cursor"),
            "is not a cursor this query returned (use nextCursor with the same filter and sort)"))
      }
    }
    return errors.isEmpty ? .success(query) : .failure(ValidationFailure(errors: errors))
  }

  private static func listable(
    _ name: String, _ kind: EntityKind, _ path: JSONPointer, _ errors: inout [FieldError]
  ) -> Field? {
    guard let field = kind.field(named: name) else {
      errors.append(FieldError(path, "unknown field of \(kind.name.rawValue)"))
      return nil
    }
    return field
  }

  private static func parseFilter(
    _ filter: JSONValue, _ kind: EntityKind, _ checker: Validator, _ path: JSONPointer,
    _ errors: inout [FieldError]
  ) -> [Condition] {
    guard case .object(let object) = filter else {
      errors.append(
        FieldError(path, "must be an object of field: value or field: {operator: value}"))
      return []
    }
    var conditions: [Condition] = []
    for member in object {
      let fieldPath = path.appending(member.key)
      guard let field = listable(member.key, kind, fieldPath, &errors) else { continue }
      var clauses: [(Operator, JSONValue, JSONPointer)] = []
      if case .object(let operators) = member.value {
        if operators.isEmpty {
          errors.append(
            FieldError(
              fieldPath,
              "needs an operator: \(Operator.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        for clause in operators {
          guard let op = Operator(rawValue: clause.key) else {
            errors.append(
              FieldError(
                fieldPath.appending(clause.key),
                "unknown operator; expected one of: \(Operator.allCases.map(\.rawValue).joined(separator: ", "))"
              ))
            continue
          }
          clauses.append((op, clause.value, fieldPath.appending(clause.key)))
        }
      } else {
        clauses.append((.eq, member.value, fieldPath))
      }
      for (op, value, clausePath) in clauses {
        if let condition = condition(field, op, value, checker, clausePath, &errors) {
          conditions.append(condition)
        }
      }
    }
    return conditions
  }

  private static func condition(
    _ field: Field, _ op: Operator, _ value: JSONValue, _ checker: Validator, _ path: JSONPointer,
    _ errors: inout [FieldError]
  ) -> Condition? {
    var type = field.type
    switch type {
    case .date, .birthDate: type = .date(notInFuture: false)  // any real date may be compared
    default: break
    }
    switch op {
    case .contains:
      let isText: Bool
      switch type {
      case .text, .line, .email, .phone, .oneOf: isText = true
      case .array(.text, _, _), .array(.line, _, _): isText = true
      default: isText = false
      }
      guard isText else {
        errors.append(FieldError(path, "contains works on text fields and lists of text"))
        return nil
      }
      guard case .string = value else {
        errors.append(FieldError(path, "must be a string"))
        return nil
      }
      return Condition(field: field, op: op, value: value)
    case .in:
      guard type.isScalar else {
        errors.append(
          FieldError(
            path, "this field holds more than one value; use contains or filter another field"))
        return nil
      }
      guard case .array(let items) = value, !items.isEmpty, items.count <= maximumLimit else {
        errors.append(
          FieldError(path, "must be a non-empty array of at most \(maximumLimit) values"))
        return nil
      }
      var canonical: [JSONValue] = []
      for (index, item) in items.enumerated() {
        if let checked = filterValue(item, type, checker, path.appending(index), &errors) {
          canonical.append(checked)
        }
      }
      return canonical.count == items.count
        ? Condition(field: field, op: op, value: .array(canonical)) : nil
    default:
      guard type.isScalar else {
        errors.append(
          FieldError(
            path, "this field holds more than one value; use contains or filter another field"))
        return nil
      }
      guard let checked = filterValue(value, type, checker, path, &errors) else { return nil }
      return Condition(field: field, op: op, value: checked)
    }
  }

  /// A filter value must be a value the field could hold (an enum's choices, a real date, …).
  private static func filterValue(
    _ value: JSONValue, _ type: FieldType, _ checker: Validator, _ path: JSONPointer,
    _ errors: inout [FieldError]
  ) -> JSONValue? {
    if case .money = type {
      guard case .number = value else {
        errors.append(FieldError(path, "must be a number"))
        return nil
      }
      return value
    }
    switch type {
    case .text, .line, .phone:
      // Any string may be compared with text, however the records' text is shaped.
      guard case .string = value else {
        errors.append(FieldError(path, "must be a string"))
        return nil
      }
      return value
    default:
      return checker.check(value, type, at: path, errors: &errors)
    }
  }

  private static func parseSort(
    _ sort: JSONValue, _ kind: EntityKind, _ path: JSONPointer, _ errors: inout [FieldError]
  ) -> [SortKey] {
    guard case .array(let items) = sort, items.count <= maximumSortKeys else {
      errors.append(
        FieldError(
          path, "must be an array of at most \(maximumSortKeys) {field, direction} objects"))
      return []
    }
    var keys: [SortKey] = []
    for (index, item) in items.enumerated() {
      let itemPath = path.appending(index)
      guard case .object(let object) = item, let name = object["field"]?.stringValue else {
        errors.append(FieldError(itemPath, "must be an object {field, direction}"))
        continue
      }
      for member in object where member.key != "field" && member.key != "direction" {
        errors.append(
          FieldError(itemPath.appending(member.key), "unknown member; expected field and direction")
        )
      }
      guard let field = listable(name, kind, itemPath.appending("field"), &errors) else { continue }
      guard field.type.isScalar else {
        errors.append(
          FieldError(
            itemPath.appending("field"), "cannot sort on a field that holds more than one value"))
        continue
      }
      let direction = object["direction"]?.stringValue ?? "asc"
      guard direction == "asc" || direction == "desc" else {
        errors.append(FieldError(itemPath.appending("direction"), "must be asc or desc"))
        continue
      }
      keys.append(SortKey(field: field, descending: direction == "desc"))
    }
    return keys
  }
}
