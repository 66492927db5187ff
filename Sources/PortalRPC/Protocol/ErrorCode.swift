/// A JSON-RPC error code: the standard ones and PortalRPC's own, one documented constant each.
///
/// - SeeAlso: `docs/protocol.md`, "Errors".
public struct ErrorCode: RawRepresentable, Hashable, Sendable {
  public let rawValue: Int

  public init(rawValue: Int) { self.rawValue = rawValue }

  /// The line is not JSON (or not UTF-8). The id is always `null`.
  public static let parseError = ErrorCode(rawValue: -32700)
  /// Not a JSON-RPC 2.0 request, an empty batch, an oversize line, or a request after `shutdown`.
  public static let invalidRequest = ErrorCode(rawValue: -32600)
  /// No method of that name; `data.suggestions` lists near misses.
  public static let methodNotFound = ErrorCode(rawValue: -32601)
  /// Wrong, missing or unknown parameters, including entity validation problems.
  public static let invalidParams = ErrorCode(rawValue: -32602)
  /// A bug on our side; `data.detail` never carries patient data.
  public static let internalError = ErrorCode(rawValue: -32603)
  /// The entity does not exist.
  public static let notFound = ErrorCode(rawValue: -32001)
  /// A request other than `initialize`, `ping` or `rpc.discover` came before `initialize`.
  public static let serverNotInitialized = ErrorCode(rawValue: -32002)
  /// `expectedVersion` is stale.
  public static let versionConflict = ErrorCode(rawValue: -32003)
  /// A delete was refused because other records point at the entity.
  public static let relatedRecordsExist = ErrorCode(rawValue: -32004)
  /// The store cannot take the change now (disk full, read-only, locked too long).
  public static let storageUnavailable = ErrorCode(rawValue: -32005)
  /// Reserved for replica mode: the upstream cannot be reached and the change waits in the
  /// outbox. A standalone server never sends it.
  public static let upstreamUnavailable = ErrorCode(rawValue: -32006)
  /// Nobody is signed in (or the session ended), a sign-in failed, or a username must wait.
  public static let unauthenticated = ErrorCode(rawValue: -32010)
  /// The signed-in role lacks the permission `data.permission` names.
  public static let forbidden = ErrorCode(rawValue: -32011)
  /// The client cancelled the request with `$/cancelRequest`.
  public static let requestCancelled = ErrorCode(rawValue: -32800)

  /// Every code above, in the order of the protocol's table.
  public static let all: [ErrorCode] = [
    .parseError, .invalidRequest, .methodNotFound, .invalidParams, .internalError, .notFound,
    .serverNotInitialized, .versionConflict, .relatedRecordsExist, .storageUnavailable,
    .upstreamUnavailable, .unauthenticated, .forbidden, .requestCancelled,
  ]

  /// The short, stable message sent with the code.
  public var message: String {
    switch self {
    case .parseError: "Parse error"
    case .invalidRequest: "Invalid Request"
    case .methodNotFound: "Method not found"
    case .invalidParams: "Invalid params"
    case .internalError: "Internal error"
    case .notFound: "Not found"
    case .serverNotInitialized: "Server not initialized"
    case .versionConflict: "Version conflict"
    case .relatedRecordsExist: "Related records exist"
    case .storageUnavailable: "Storage unavailable"
    case .upstreamUnavailable: "Upstream unavailable"
    case .unauthenticated: "Unauthenticated"
    case .forbidden: "Forbidden"
    case .requestCancelled: "Request cancelled"
    default: "Error"
    }
  }
}
