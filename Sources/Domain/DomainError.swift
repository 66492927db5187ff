public import PortalJSON

/// Why a DataSync operation was refused, in domain terms; the protocol layer maps each case to its
/// JSON-RPC code in one place.
public enum DomainError: Error, Sendable {
  /// The request's values break the entity's rules (every problem listed).
  case invalid(ValidationFailure)
  /// An id of the wrong shape for its kind (`expected` says which); the protocol layer reports it
  /// at the parameter that carried it, which only the method knows.
  case malformedID(EntityKind.Name, expected: String)
  /// No record of this type has this id.
  case notFound(EntityKind.Name, id: JSONValue)
  /// `expectedVersion` is not the record's version; `current` is the record as stored.
  case versionConflict(
    EntityKind.Name, id: JSONValue, expected: Int64, current: Int64, currentEntity: EncodedJSON)
  /// A delete was refused because other records belong to this one (counts by list name).
  case relatedRecordsExist(EntityKind.Name, id: JSONValue, counts: JSONObject)

  public static func invalid(_ path: JSONPointer, _ message: String) -> DomainError {
    .invalid(ValidationFailure(errors: [FieldError(path, message)]))
  }
}
