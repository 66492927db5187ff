public import PortalJSON

/// Puts a stored entity together: every field in the kind's declared order, taken from the
/// validated client fields or from the values the server keeps. The one place the stored shape of
/// an entity is decided, so every read returns the same bytes for the same record.
public enum EntityDocument {
  public static func assemble(
    _ kind: EntityKind, client: JSONObject, server: JSONObject
  ) -> JSONObject {
    var document = JSONObject()
    document.reserveCapacity(kind.fields.count)
    for field in kind.fields {
      let value =
        field.isServerMaintained
        ? server[field.name] ?? client[field.name] : client[field.name] ?? server[field.name]
      if let value { document.appendUnchecked(field.name, value) }
    }
    return document
  }

  /// The client-written part of a stored entity: what a merge patch applies to.
  public static func clientPart(of document: JSONObject, _ kind: EntityKind) -> JSONObject {
    var part = JSONObject()
    for field in kind.fields where !field.isServerMaintained {
      if let value = document[field.name] { part.appendUnchecked(field.name, value) }
    }
    return part
  }

  /// The server-kept part of a stored entity.
  public static func serverPart(of document: JSONObject, _ kind: EntityKind) -> JSONObject {
    var part = JSONObject()
    for field in kind.fields where field.isServerMaintained {
      if let value = document[field.name] { part.appendUnchecked(field.name, value) }
    }
    return part
  }

  /// The top-level fields whose values differ between two versions (meta aside), in field order.
  public static func changedFields(
    _ kind: EntityKind, from old: JSONObject, to new: JSONObject
  ) -> [String] {
    kind.fields.filter { $0.name != "meta" && old[$0.name] != new[$0.name] }.map(\.name)
  }
}
