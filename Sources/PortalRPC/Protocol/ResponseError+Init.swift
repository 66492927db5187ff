internal import Domain
internal import PortalJSON
internal import Storage

/// The one place where any error becomes a wire error. Domain and storage errors know nothing of
/// JSON-RPC; anything unexpected becomes -32603 with an opaque detail (never patient data).
///
/// - SeeAlso: `protocol.md`, "Errors".
extension ResponseError {
  public init(_ error: any Error) {
    switch error {
    case let error as ResponseError:
      self = error
    case let error as DomainError:
      self = ResponseError(domain: error)
    case let failure as ValidationFailure:
      self = ResponseError(domain: .invalid(failure))
    case let error as StorageError:
      self = ResponseError(storage: error)
    default:
      self = .withDetail(.internalError, "unexpected error of type \(type(of: error))")
    }
  }

  private init(domain error: DomainError) {
    switch error {
    case .invalid(let failure):
      self = .invalidParams(
        failure.errors.map { ParamProblem(path: $0.path.description, message: $0.message) })
    case .notFound(let type, let id):
      self = ResponseError(.notFound, data: ["entityType": .string(type.rawValue), "id": id])
    case .versionConflict(let type, let id, let expected, let current, let entity):
      let currentEntity = (try? entity.decoded()) ?? .null
      self = ResponseError(
        .versionConflict,
        data: [
          "entityType": .string(type.rawValue), "id": id, "expectedVersion": JSONValue(expected),
          "currentVersion": JSONValue(current), "current": currentEntity,
        ])
    case .relatedRecordsExist(let type, let id, let counts):
      self = ResponseError(
        .relatedRecordsExist,
        data: ["entityType": .string(type.rawValue), "id": id, "related": .object(counts)])
    }
  }

  private init(storage error: StorageError) {
    switch error {
    case .unavailable(let reason, _):
      self = .withDetail(.storageUnavailable, reason.rawValue + "; nothing was changed")
    case .unusable(let reason):
      self = .withDetail(.storageUnavailable, reason + "; nothing was changed")
    case .failed(let code, _):
      self = .withDetail(.internalError, "a storage operation failed (SQLite code \(code))")
    }
  }
}
