public import Domain
internal import PortalJSON

/// One page of a list query.
public struct ListPage: Sendable {
  /// Each item's JSON and its place in id order (the patient's ordinal, or the record's id).
  public let items: [(document: [UInt8], rowOrder: Int64)]
  /// How many records match the filter, over all pages.
  public let total: Int
  /// True when another page follows this one.
  public let hasMore: Bool
}

/// `get<Es>(query)` in SQL: conditions on `doc ->> '$.field'` (or on the id and owner columns),
/// keyset pagination on the sort keys and the id, so a page never skips or repeats a record
/// because others were added or removed.
extension Store {
  public func list(_ query: ListQuery) throws(StorageError) -> ListPage {
    let kind = query.kind
    var conditions: [String] = []
    var values: [SQLValue] = []
    for condition in query.conditions {
      let (sql, bound) = try sql(for: condition, kind)
      conditions.append(sql)
      values += bound
    }
    let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
    let total = try Statement(
      database, "SELECT count(*) FROM \(kind.tableName)\(filter)", persistent: false)
    total.bind(values)
    _ = try total.step()
    let count = Int(total.int64(0))
    total.finish()

    var pageConditions = conditions
    var pageValues = values
    if let after = query.after {
      let (sql, bound) = try keysetPredicate(query, after: after)
      pageConditions.append(sql)
      pageValues += bound
    }
    let order =
      (query.sort.map { "\(Self.expression($0.field, kind)) \($0.descending ? "DESC" : "ASC")" }
      + ["\(Self.orderColumn(kind)) ASC"]).joined(separator: ", ")
    let pageFilter =
      pageConditions.isEmpty ? "" : " WHERE " + pageConditions.joined(separator: " AND ")
    let page = try Statement(
      database,
      "SELECT doc, \(Self.orderColumn(kind)) FROM \(kind.tableName)\(pageFilter) ORDER BY \(order) LIMIT ?",
      persistent: false)
    page.bind(pageValues + [.integer(Int64(query.limit) + 1)])
    var items: [(document: [UInt8], rowOrder: Int64)] = []
    items.reserveCapacity(min(query.limit, count))
    var hasMore = false
    while try page.step() {
      if items.count == query.limit {
        hasMore = true
        page.finish()
        break
      }
      items.append((page.bytes(0), page.int64(1)))
    }
    return ListPage(items: items, total: count, hasMore: hasMore)
  }

  /// The column that orders records "by id": a patient's ordinal (creation order, which is the
  /// numeric order of generated ids), or the integer id.
  static func orderColumn(_ kind: EntityKind) -> String {
    kind.belongsToPatient ? "id" : "ordinal"
  }

  /// The SQL expression for a top-level field, for ordering and comparisons. Ids order by their
  /// number, not their text (P999 before P1008): a record's integer id, and for a patient id
  /// (the patient's `id`, another record's `patientId`) the patient's ordinal, which is the
  /// number of every id the server generates.
  static func expression(_ field: Field, _ kind: EntityKind) -> String {
    if isPatientID(field, kind) { return kind.belongsToPatient ? "patient" : "ordinal" }
    return field.name == "id" ? "id" : "(doc ->> '$.\(field.name)')"
  }

  /// True for the fields that hold a patient id.
  static func isPatientID(_ field: Field, _ kind: EntityKind) -> Bool {
    field.name == (kind.belongsToPatient ? "patientId" : "id")
  }

  /// The ordinal a patient id compares as: the number of a generated id (`P1008` is 1008, even
  /// for a patient that does not exist), else the ordinal of the patient holding that id, else
  /// -1 (before every patient).
  private func comparableOrdinal(_ value: JSONValue) throws(StorageError) -> SQLValue {
    guard let canonical = PatientID.canonical(value) else { return .integer(-1) }
    if canonical.hasPrefix("P"), canonical.utf8.count <= 19,
      let number = Int64(canonical.dropFirst()),
      number >= 0
    {
      return .integer(number)
    }
    return .integer(try patientOrdinal(canonical) ?? -1)
  }

  /// A condition's or cursor's value as the expression of `field` compares with it.
  private func comparable(_ value: JSONValue, _ field: Field, _ kind: EntityKind)
    throws(StorageError) -> SQLValue
  {
    Self.isPatientID(field, kind) ? try comparableOrdinal(value) : Self.sqlValue(value)
  }

  /// A JSON value as the SQL value `doc ->> '$.field'` compares with.
  static func sqlValue(_ value: JSONValue) -> SQLValue {
    switch value {
    case .string(let text): return .text(text)
    case .number(let number):
      if let integer = number.int64Value { return .integer(integer) }
      return .real(number.doubleValue)
    case .bool(let flag): return .integer(flag ? 1 : 0)
    default: return .null
    }
  }

  /// For equality on a patient id (a patient's `id`, another record's `patientId`): the column
  /// holding the patient's ordinal, and the ordinal a value names (-1 for no patient), so ids are
  /// matched by their text (`1` and `"1"` alike).
  private func patientColumn(_ field: Field, _ kind: EntityKind) -> String? {
    switch field.name {
    case "id" where !kind.belongsToPatient: "ordinal"
    case "patientId" where kind.belongsToPatient: "patient"
    default: nil
    }
  }

  private func ordinalValue(_ value: JSONValue) throws(StorageError) -> SQLValue {
    guard let canonical = PatientID.canonical(value) else { return .integer(-1) }
    return .integer(try patientOrdinal(canonical) ?? -1)
  }

  private func sql(for condition: ListQuery.Condition, _ kind: EntityKind) throws(StorageError)
    -> (String, [SQLValue])
  {
    let field = condition.field
    if let column = patientColumn(field, kind) {
      switch condition.op {
      case .eq: return ("\(column) = ?", [try ordinalValue(condition.value)])
      case .ne: return ("\(column) IS NOT ?", [try ordinalValue(condition.value)])
      case .in:
        let items = condition.value.arrayValue ?? []
        var values: [SQLValue] = []
        for item in items { values.append(try ordinalValue(item)) }
        let marks = Array(repeating: "?", count: items.count).joined(separator: ", ")
        return ("\(column) IN (\(marks))", values)
      default: break
      }
    }
    let expression = Self.expression(field, kind)
    let value = Self.sqlValue(condition.value)
    switch condition.op {
    case .eq: return ("\(expression) = ?", [value])
    case .ne: return ("\(expression) IS NOT ?", [value])
    case .lt: return ("\(expression) < ?", [try comparable(condition.value, field, kind)])
    case .lte: return ("\(expression) <= ?", [try comparable(condition.value, field, kind)])
    case .gt: return ("\(expression) > ?", [try comparable(condition.value, field, kind)])
    case .gte: return ("\(expression) >= ?", [try comparable(condition.value, field, kind)])
    case .in:
      let items = condition.value.arrayValue ?? []
      let marks = Array(repeating: "?", count: items.count).joined(separator: ", ")
      return ("\(expression) IN (\(marks))", items.map(Self.sqlValue))
    case .contains:
      if case .array = field.type {
        return (
          "EXISTS (SELECT 1 FROM json_each(doc, '$.\(field.name)') WHERE value = ?)", [value]
        )
      }
      return ("instr(lower(\(expression)), lower(?)) > 0", [value])
    }
  }

  /// Rows strictly after the cursor in (sort keys…, id) order, NULLs first when ascending.
  private func keysetPredicate(_ query: ListQuery, after: [JSONValue]) throws(StorageError) -> (
    String, [SQLValue]
  ) {
    let kind = query.kind
    var alternatives: [String] = []
    var values: [SQLValue] = []
    var equalSoFar: [String] = []
    var equalValues: [SQLValue] = []
    for (index, key) in query.sort.enumerated() {
      let expression = Self.expression(key.field, kind)
      let value = after[index]
      let bound = try comparable(value, key.field, kind)
      var step: String
      var stepValues: [SQLValue] = []
      if value.isNull {
        step = key.descending ? "0" : "\(expression) IS NOT NULL"
      } else if key.descending {
        step = "(\(expression) < ? OR \(expression) IS NULL)"
        stepValues = [bound]
      } else {
        step = "\(expression) > ?"
        stepValues = [bound]
      }
      alternatives.append("(" + (equalSoFar + [step]).joined(separator: " AND ") + ")")
      values += equalValues + stepValues
      equalSoFar.append("\(expression) IS ?")
      equalValues.append(bound)
    }
    let last = after[after.count - 1].int64Value ?? 0
    alternatives.append(
      "(" + (equalSoFar + ["\(Self.orderColumn(kind)) > ?"]).joined(separator: " AND ") + ")")
    values += equalValues + [.integer(last)]
    return ("(" + alternatives.joined(separator: " OR ") + ")", values)
  }
}
