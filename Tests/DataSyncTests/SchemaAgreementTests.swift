import DataSync
import Domain
import Foundation
import PortalJSON
import Testing

/// The JSON Schemas of schema/ and validation agree: a field the schema requires (and the client
/// writes) is one validation requires, and an enum the schema lists is exactly what validation
/// accepts. Checked by behaviour, on real records of the demo practice.
@Suite("Schemas and validation agree")
struct SchemaAgreementTests {
  @Test("required fields and enums, at every level", arguments: EntityKind.all.map(\.name.rawValue))
  func agree(name: String) throws {
    let kind = EntityKind.named(name)!
    let (sync, _) = try makeDataSync(demo: true)
    let stored = decode(try sync.get(kind, id: kind.name == .patient ? "P001" : 1)).objectValue!
    let sample = EntityDocument.clientPart(of: stored, kind)
    let validator = Validator(mode: .add, today: CalendarDate("2026-01-31")!)
    func problems(_ object: JSONObject) -> [FieldError] {
      if case .failure(let failure) = validator.validate(object, as: kind) { return failure.errors }
      return []
    }
    #expect(problems(sample).isEmpty, "the demo record itself must be valid")
    let schema = kind.jsonSchema
    check(schema, sample: .object(sample), at: JSONPointer(), root: sample, problems: problems)

    // What add takes (the OpenRPC document's New<Type>): the same walk, and every field it
    // leaves out is one add refuses, as it refuses a field no schema names.
    let newRecord = kind.newRecordSchema
    check(newRecord, sample: .object(sample), at: JSONPointer(), root: sample, problems: problems)
    let accepted = Set(newRecord["properties"]?.objectValue?.keys ?? [])
    for name in accepted {
      guard let value = stored[name] else { continue }
      var sent = sample
      sent[name] = value
      #expect(
        !problems(sent).contains { $0.path == JSONPointer([name]) },
        "New\(kind.typeName) names \(name), but add refuses it")
    }
    let leftOut = stored.keys.filter { !accepted.contains($0) } + ["notAField"]
    for name in leftOut {
      var sent = sample
      sent[name] = stored[name] ?? "x"
      #expect(
        problems(sent).contains { $0.path == JSONPointer([name]) },
        "New\(kind.typeName) leaves out \(name), but add accepts it")
    }
  }

  /// Walks `schema` beside `sample`, mutating one field at a time at `pointer`.
  private func check(
    _ schema: JSONValue, sample: JSONValue, at pointer: JSONPointer, root: JSONObject,
    problems: (JSONObject) -> [FieldError]
  ) {
    guard let properties = schema["properties"]?.objectValue, case .object(let object) = sample
    else { return }
    let required = Set(schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
    for property in properties {
      let name = property.key
      let propertySchema = property.value
      let path = pointer.appending(name)
      let readOnly = propertySchema["readOnly"] == .bool(true)
      if readOnly { continue }
      let defaulted = propertySchema["default"] != nil || propertySchema["x-defaultFrom"] != nil
      let conditional = schema["allOf"] != nil
      if object[name] != nil {
        let without = replacing(root, at: path, with: nil)
        let missing = problems(without).contains {
          $0.path == path && $0.message.hasPrefix("is required")
        }
        if required.contains(name) && !defaulted {
          #expect(missing, "\(path) is required by the schema but validation accepts it missing")
        } else if !conditional {
          #expect(!missing, "\(path) is optional in the schema but validation requires it")
        }
      }
      if let choices = propertySchema["enum"]?.arrayValue, object[name] != nil {
        let wrong = problems(replacing(root, at: path, with: "not-a-choice"))
        #expect(
          wrong.contains { $0.path == path && $0.message.hasPrefix("must be one of") }, "\(path)")
        for choice in choices {
          let accepted = problems(replacing(root, at: path, with: choice))
          #expect(!accepted.contains { $0.path == path }, "\(path) refuses \(choice)")
        }
      }
      if let value = object[name] {
        if case .object = value {
          check(propertySchema, sample: value, at: path, root: root, problems: problems)
        } else if case .array(let items) = value, let first = items.first, case .object = first,
          let itemSchema = propertySchema["items"]
        {
          check(itemSchema, sample: first, at: path.appending(0), root: root, problems: problems)
        }
      }
    }
  }

  /// `root` with the value at `path` replaced (or removed, for nil).
  private func replacing(_ root: JSONObject, at path: JSONPointer, with value: JSONValue?)
    -> JSONObject
  {
    func replace(_ current: JSONValue, _ tokens: ArraySlice<String>) -> JSONValue? {
      guard let token = tokens.first else { return value }
      switch current {
      case .object(var object):
        if let inner = object[token], let replaced = replace(inner, tokens.dropFirst()) {
          object[token] = replaced
        } else if tokens.count == 1 {
          object[token] = value
        }
        return .object(object)
      case .array(var items):
        guard let index = Int(token), index < items.count else { return current }
        if let replaced = replace(items[index], tokens.dropFirst()) { items[index] = replaced }
        return .array(items)
      default:
        return current
      }
    }
    return replace(.object(root), path.tokens[...])?.objectValue ?? root
  }
}
