public import PortalJSON

/// What a cross-field rule sees: the entity's fields that passed their own checks, canonical.
public struct RuleContext: Sendable {
  public let entity: JSONObject

  public init(entity: JSONObject) { self.entity = entity }

  public func string(_ name: String) -> String? { entity[name]?.stringValue }
  public func date(_ name: String) -> CalendarDate? { string(name).flatMap(CalendarDate.init) }
  public func money(_ name: String) -> Money? { entity[name].flatMap(Money.init) }
  public func array(_ name: String) -> [JSONValue] { entity[name]?.arrayValue ?? [] }
  public func has(_ name: String) -> Bool { entity[name] != nil }

  /// `endDate` not before `startDate` (when both are there).
  public func endNotBeforeStart(start: String = "startDate", end: String = "endDate")
    -> [FieldError]
  {
    guard let first = date(start), let last = date(end), last < first else { return [] }
    return [FieldError(field: end, "must be on or after \(start)")]
  }

  /// Items of an array field must not repeat an `id`.
  public func uniqueItemIDs(_ name: String) -> [FieldError] {
    var seen: Set<JSONValue> = []
    var errors: [FieldError] = []
    for (index, item) in array(name).enumerated() {
      guard let id = item["id"] else { continue }
      if !seen.insert(id).inserted {
        errors.append(
          FieldError(JSONPointer([name, String(index), "id"]), "repeats the id of an earlier item"))
      }
    }
    return errors
  }
}
