internal import DataSync
internal import Domain
internal import PortalJSON
internal import Postgres
internal import Storage

/// The one place where any error becomes a wire error. Domain and storage errors know nothing of
/// JSON-RPC; anything unexpected becomes -32603 with an opaque detail (never patient data).
///
/// - SeeAlso: `docs/protocol.md`, "Errors".
extension ResponseError {
  /// `idParameter` names the parameter that carried the record id of the method that failed (its
  /// `MethodSpec.idParameter`), where a malformed id is reported.
  public init(_ error: any Error, idParameter: String? = nil) {
    switch error {
    case let error as ResponseError:
      self = error
    case let error as DomainError:
      self = ResponseError(domain: error, idParameter: idParameter)
    case let failure as ValidationFailure:
      self = ResponseError(domain: .invalid(failure), idParameter: nil)
    case let error as StorageError:
      self = ResponseError(storage: error)
    case ReplicaError.noLeasedIDs(let kind):
      self = ResponseError(
        .upstreamUnavailable,
        data: [
          "queued": false,
          "detail": .string(
            "no \(kind.rawValue) id is left on this workstation and the upstream cannot be reached to lease more; nothing was changed"
          ),
        ])
    case ReplicaError.offline:
      self = ResponseError(
        .upstreamUnavailable,
        data: [
          "queued": false,
          "detail":
            "the upstream cannot be reached and this workstation does not queue writes (--offline off); nothing was changed",
        ])
    case AuthError.signInRequired:
      self = .withDetail(.unauthenticated, "sign in first (login)")
    case AuthError.invalidCredentials:
      self = .withDetail(.unauthenticated, "the username, password or token is not valid")
    case AuthError.locked(let wait):
      self = ResponseError(
        .unauthenticated,
        data: [
          "detail": "too many failed sign-ins for this username; try again later",
          "retryAfterMs": JSONValue(wait),
        ])
    case AuthError.forbidden(let permission):
      self = ResponseError(
        .forbidden,
        data: [
          "permission": .string(permission.rawValue),
          "detail": .string("the signed-in role lacks \(permission.rawValue)"),
        ])
    case let error as PostgresError:
      // Only a refusal of the statement itself reaches here (a temporary failure is retried);
      // its SQLSTATE says what, and the message, which may quote a value, stays out.
      self = .withDetail(
        .internalError, "the upstream refused the write (\(error.sqlStateDescription))")
    default:
      self = .withDetail(.internalError, "unexpected error of type \(type(of: error))")
    }
  }

  private init(domain error: DomainError, idParameter: String?) {
    switch error {
    case .invalid(let failure):
      self = .invalidParams(
        failure.errors.map { ParamProblem(path: $0.path.description, message: $0.message) })
    case .malformedID(_, let expected):
      self = .invalidParams(
        path: idParameter.map { JSONPointer([$0]).description } ?? "", expected)
    case .notFound(let type, let id):
      self = ResponseError(
        .notFound, data: ["entityType": .string(type.rawValue), "id": .echoed(id)])
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
    case .unusable, .damaged, .foreign, .key:
      self = .withDetail(.storageUnavailable, error.description + "; nothing was changed")
    case .failed(let code, _):
      self = .withDetail(.internalError, "a storage operation failed (SQLite code \(code))")
    }
  }
}

extension JSONValue {
  /// A client-supplied identifier (a record id, a method name) as an error may repeat it:
  /// integers and id-like strings are echoed; anything else (a name, an email, a date sent where
  /// an id belongs) becomes null, so a client's mistake cannot carry a patient value into an
  /// error, and from there into a log.
  static func echoed(_ value: JSONValue) -> JSONValue {
    switch value {
    case .number(let number) where number.int64Value != nil: return value
    case .string(let text) where text.utf8.count <= 64:
      var letters = 0
      var digits = 0
      for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
          letters += 1
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
        case UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "/"),
          UInt8(ascii: "$"):
          continue
        default: return .null
        }
      }
      // Digits and separators alone are a date or a phone number, unless they are all digits.
      return letters > 0 || digits == text.utf8.count && digits > 0 ? value : .null
    default: return .null
    }
  }
}
