internal import Domain

/// Why a request was not allowed: mapped to -32010 and -32011 in `ResponseError+Init.swift`.
enum AuthError: Error, Equatable {
  /// No staff member is signed in on this connection (or the session ended).
  case signInRequired
  /// A sign-in failed: unknown user, wrong password, disabled account or dead token, all alike.
  case invalidCredentials
  /// The username failed too often; sign-ins are refused unchecked for `retryAfterMilliseconds`.
  case locked(retryAfterMilliseconds: Int64)
  /// The role lacks `permission`.
  case forbidden(Permission)
}
