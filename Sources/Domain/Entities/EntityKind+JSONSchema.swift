public import PortalJSON

/// JSON Schema (draft 2020-12) for each entity, generated from the same field declarations that
/// drive validation. `schema/<type>.schema.json` holds this output and a test keeps them equal.
///
/// Server-owned fields are `readOnly`; `x-source` says where a server-kept value comes from and
/// `x-defaultFrom` where a default is taken from.
extension EntityKind {
  public var jsonSchema: JSONValue {
    var schema: JSONObject = [
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "$id": .string("urn:portal-rpc:schema:\(name.rawValue)"),
      "title": .string(typeName),
      "x-maxEncodedBytes": JSONValue(Self.maximumRecordBytes),
    ]
    for member in Self.objectSchema(fields) { schema[member.key] = member.value }
    if let rules = conditionalRequirements { schema["allOf"] = rules }
    return .object(schema)
  }

  /// What `add<E>` takes, as the OpenRPC document's `New<Type>` schema: the fields a client may
  /// send, required exactly when add requires them. The stored record's schema would also
  /// require `id` and `meta`, which add refuses.
  public var newRecordSchema: JSONValue {
    var schema: JSONObject = [
      "title": .string("New" + typeName),
      "description": .string(
        "What add\(typeName) takes: the \(typeName) without the fields the server assigns or keeps (a value for one is refused). Fields with a default may be left out; a read-only copy or derived field is accepted only with the value the server arrives at, and refused otherwise."
      ),
    ]
    let accepted = fields.filter(\.isAcceptedOnAdd)
    for member in Self.objectSchema(accepted, required: \.isRequired) {
      schema[member.key] = member.value
    }
    if let rules = conditionalRequirements { schema["allOf"] = rules }
    return .object(schema)
  }

  /// The kind's "then required" rules as `allOf` if/then schemas, or nil when it has none.
  private var conditionalRequirements: JSONValue? {
    if !requirements.isEmpty {
      return .array(
        requirements.map { requirement in
          [
            "if": [
              "properties": [
                requirement.when: ["enum": .array(requirement.values.map(JSONValue.string))]
              ],
              "required": [.string(requirement.when)],
            ],
            "then": ["required": [.string(requirement.then)]],
          ]
        })
    }
    return nil
  }

  /// The JSON Schema of one field type (for schemas of method parameters).
  public static func schema(of type: FieldType) -> JSONValue { .object(typeSchema(type)) }

  /// Fields whose value every stored record has: what the schema lists as `required`.
  public static func alwaysPresent(_ field: Field) -> Bool {
    switch field.presence {
    case .required, .defaulted, .defaultedFromPatient: return true
    case .optional: return field.isServerMaintained
    case .whenAny: return false
    }
  }

  /// An object of `fields`, listing as `required` those `required` picks (by default, those
  /// every stored record has).
  static func objectSchema(
    _ fields: [Field], required: (Field) -> Bool = alwaysPresent
  ) -> JSONObject {
    var properties = JSONObject()
    for field in fields { properties[field.name] = .object(propertySchema(field)) }
    return [
      "type": "object",
      "additionalProperties": false,
      "required": .array(fields.filter(required).map { .string($0.name) }),
      "properties": .object(properties),
    ]
  }

  static func propertySchema(_ field: Field) -> JSONObject {
    var schema = typeSchema(field.type)
    schema["description"] = .string(field.summary)
    switch field.presence {
    case .defaulted(let value): schema["default"] = value
    case .defaultedFromPatient(let path): schema["x-defaultFrom"] = .string("patient." + path)
    case .required, .optional, .whenAny: break
    }
    switch field.owner {
    case .client: break
    case .assigned:
      schema["readOnly"] = true
      schema["x-source"] = "assigned by the server"
    case .kept:
      schema["readOnly"] = true
      schema["x-source"] = "kept by the server"
    case .copied(let source):
      schema["readOnly"] = true
      schema["x-source"] = .string("copied from \(source)")
    case .derived(let source):
      schema["readOnly"] = true
      schema["x-source"] = .string("derived from \(source)")
    case .openingValue(let movedBy):
      schema["x-source"] = .string("opening value on add; afterwards moved by \(movedBy)")
    }
    return schema
  }

  static func typeSchema(_ type: FieldType) -> JSONObject {
    switch type {
    case .text(let nonEmpty):
      return [
        "type": "string", "x-maxBytes": JSONValue(FieldType.maximumTextBytes),
        "pattern": .string(
          nonEmpty
            ? #"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F]*\S[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F]*$"#
            : #"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F]*$"#),
      ]
    case .line(let nonEmpty):
      let line = #"[^\s\x00-\x1F\x7F](?:[^\x00-\x1F\x7F\u0085\u2028\u2029]*[^\s\x00-\x1F\x7F])?"#
      return [
        "type": "string", "x-maxBytes": JSONValue(FieldType.maximumTextBytes),
        "pattern": .string(nonEmpty ? "^\(line)$" : "^(\(line))?$"),
      ]
    case .phone:
      return [
        "type": "string", "format": "x-phone",
        "pattern": .string(PhoneNumber.pattern),
        "description": "7 to 15 digits with spaces, + - . ( ) as typed, and an optional extension.",
      ]
    case .birthDate:
      return [
        "type": "string", "format": "date", "x-notInFuture": true,
        "formatMinimum": .string(FieldType.earliestBirthDate.description),
      ]
    case .email:
      return ["type": "string", "format": "email"]
    case .date(let notInFuture):
      return notInFuture
        ? ["type": "string", "format": "date", "x-notInFuture": true]
        : ["type": "string", "format": "date"]
    case .timestamp:
      return ["type": "string", "format": "date-time"]
    case .timeOfDay:
      return [
        "type": "string",
        "pattern": "^((1[0-2]|0?[1-9]):[0-5][0-9] [AaPp][Mm]|([01][0-9]|2[0-3]):[0-5][0-9])$",
      ]
    case .integer(let range):
      var schema: JSONObject = ["type": "integer", "minimum": JSONValue(range.lowerBound)]
      if range.upperBound != Int64.max { schema["maximum"] = JSONValue(range.upperBound) }
      return schema
    case .money(let rule):
      var schema: JSONObject = ["type": "number", "multipleOf": .number(JSONNumber("0.01")!)]
      let limit = Money(cents: Money.limitCents).json
      switch rule {
      case .positive: schema["exclusiveMinimum"] = 0
      case .nonNegative: schema["minimum"] = 0
      case .anySign: schema["minimum"] = (-Money(cents: Money.limitCents)).json
      }
      schema["maximum"] = limit
      return schema
    case .oneOf(let values):
      return ["type": "string", "enum": .array(values.map(JSONValue.string))]
    case .patientID:
      return ["anyOf": [["type": "string", "minLength": 1], ["type": "integer"]]]
    case .reference:
      return ["type": "integer", "minimum": 1]
    case .object(let fields):
      return objectSchema(fields)
    case .array(let element, let minItems, let maxItems):
      var schema: JSONObject = ["type": "array", "items": .object(typeSchema(element))]
      if minItems > 0 { schema["minItems"] = JSONValue(minItems) }
      schema["maxItems"] = JSONValue(maxItems)
      return schema
    case .meta:
      return objectSchema([
        Field("version", .positiveInteger, "1 on creation, +1 on every change."),
        Field("createdAt", .timestamp, "When the record was created (UTC)."),
        Field("updatedAt", .timestamp, "When it last changed (UTC)."),
      ])
    }
  }
}
