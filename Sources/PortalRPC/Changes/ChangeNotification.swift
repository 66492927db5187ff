internal import DataSync
internal import PortalJSON
internal import Storage

/// Writes a change-log row as the `params` of `dataSync/changed` (and as an item of
/// `getChangesSince`): straight from the stored bytes, without decoding the entity.
///
///     {"sequence":42,"entityType":"appointment","entityId":7,"change":"updated","version":3,
///      "patientId":"P001","fields":["patientName"],
///      "cause":{"method":"updatePatientRelatedData","origin":"self"},"entity":{...}}
enum ChangeNotification {
  static let method = "dataSync/changed"

  /// `cause.origin`: `self` for this process's changes, `upstream` for PostgreSQL's (a
  /// replica's rebase), `peer` for another window's.
  static func origin(of row: ChangeRow, this process: String) -> String {
    if row.origin == process { return "self" }
    return row.origin == DataSync<Store>.upstreamOrigin ? "upstream" : "peer"
  }

  /// `entity` replaces the row's record when given (a replica's, with `meta.syncState`).
  static func writeParams(
    _ row: ChangeRow, origin: String, entity: [UInt8]? = nil, into writer: JSONWriter
  ) {
    writer.writeRaw("{\"sequence\":")
    writer.writeInteger(row.sequence)
    writer.writeRaw(",\"entityType\":")
    writer.writeString(row.entityType)
    writer.writeRaw(",\"entityId\":")
    writer.append(row.entityID)
    writer.writeRaw(",\"change\":")
    writer.writeString(row.change)
    writer.writeRaw(",\"version\":")
    writer.writeInteger(row.version)
    if let patientID = row.patientID {
      writer.writeRaw(",\"patientId\":")
      writer.append(patientID)
    }
    if let fields = row.fields {
      writer.writeRaw(",\"fields\":")
      writer.append(fields)
    }
    writer.writeRaw(",\"cause\":{\"method\":")
    writer.writeString(row.method)
    writer.writeRaw(",\"origin\":")
    writer.writeString(origin)
    writer.append(UInt8(ascii: "}"))
    if let entity = entity ?? row.entity {
      writer.writeRaw(",\"entity\":")
      writer.append(entity)
    }
    writer.append(UInt8(ascii: "}"))
  }

  /// One notification line.
  static func write(
    _ row: ChangeRow, origin: String, entity: [UInt8]? = nil, into writer: JSONWriter
  ) {
    writer.writeRaw("{\"jsonrpc\":\"2.0\",\"method\":\"dataSync/changed\",\"params\":")
    writeParams(row, origin: origin, entity: entity, into: writer)
    writer.writeRaw("}\n")
  }

  /// The notification's schema, for `initialize` and the OpenRPC document.
  static let spec = NotificationSpec(
    method,
    summary:
      "A committed change that matches one of the client's subscriptions, whether this client, another process on the same data, or an upstream made it. Written before the response of the request that caused it; numbered by the data's gap-free sequence (getChangesSince catches up after a reconnect).",
    paramsSchema: ["$ref": "#/components/schemas/Change"])

  /// The shape of a change: a notification's params, and an item of `getChangesSince`.
  static let schema: JSONValue = [
    "type": "object",
    "required": ["sequence", "entityType", "entityId", "change", "version", "cause"],
    "properties": [
      "sequence": ["type": "integer", "minimum": 1],
      "entityType": [
        "type": "string",
        "enum": [
          "patient", "appointment", "messageThread", "prescription", "document", "carePlan",
          "transaction", "insuranceClaim",
        ],
      ],
      "entityId": ["type": ["string", "integer"]],
      "change": ["type": "string", "enum": ["created", "updated", "deleted"]],
      "version": ["type": "integer", "minimum": 1],
      "patientId": ["type": ["string", "integer"]],
      "fields": ["type": "array", "items": ["type": "string"], "description": "Updates only."],
      "cause": [
        "type": "object",
        "required": ["method", "origin"],
        "properties": [
          "method": ["type": "string"],
          "origin": ["type": "string", "enum": ["self", "peer", "upstream"]],
        ],
      ],
      "entity": [
        "type": "object", "description": "The record after the change; absent for deletes.",
      ],
    ],
  ]
}
