public import PortalJSON

/// One entry of the audit log: who did what to which records, and how it ended. Ids only, never
/// a field's value: a patient's id, a record's id, a staff member's id and username, a method's
/// name, an error code.
///
/// - SeeAlso: `docs/security.md`, "Audit".
public struct AuditEvent: Sendable, Equatable {
  /// How a request or a sign-in ended.
  public enum Outcome: String, Sendable {
    /// Answered with a result.
    case ok
    /// Answered with an error other than a refusal (`code` says which).
    case error
    /// Refused for want of a permission (`permission` says which) or a session.
    case refused
    /// A sign-in with a wrong password, an unknown user or a dead token.
    case failed
    /// A sign-in refused unchecked while the account waits after repeated failures.
    case locked
  }

  public var time: Timestamp
  public var staffID: Int64?
  public var username: String?
  public var role: String?
  /// The method, or `session.expired` / `session.revoked` when a session ended by itself.
  public var method: String
  public var outcome: Outcome
  public var code: Int?
  public var permission: String?
  public var entityType: String?
  /// The ids of the records read or written.
  public var ids: [JSONValue]
  /// The patients those records belong to.
  public var patientIDs: [String]
  /// The client's name from `initialize`.
  public var client: String?

  public init(
    time: Timestamp, staffID: Int64? = nil, username: String? = nil, role: String? = nil,
    method: String, outcome: Outcome, code: Int? = nil, permission: String? = nil,
    entityType: String? = nil, ids: [JSONValue] = [], patientIDs: [String] = [],
    client: String? = nil
  ) {
    self.time = time
    self.staffID = staffID
    self.username = username
    self.role = role
    self.method = method
    self.outcome = outcome
    self.code = code
    self.permission = permission
    self.entityType = entityType
    self.ids = ids
    self.patientIDs = patientIDs
    self.client = client
  }

  /// The event as canonical JSON: keys in code-point order, no insignificant whitespace, absent
  /// members left out. `seq` is its place in the log, so a moved event no longer verifies.
  public func canonicalJSON(seq: Int64) -> [UInt8] {
    var object = JSONObject()
    object.reserveCapacity(13)
    if let client { object["client"] = .string(client) }
    if let code { object["code"] = JSONValue(code) }
    if let entityType { object["entityType"] = .string(entityType) }
    if !ids.isEmpty { object["ids"] = .array(ids) }
    object["method"] = .string(method)
    object["outcome"] = .string(outcome.rawValue)
    if !patientIDs.isEmpty { object["patientIds"] = .array(patientIDs.map(JSONValue.string)) }
    if let permission { object["permission"] = .string(permission) }
    if let role { object["role"] = .string(role) }
    object["seq"] = JSONValue(seq)
    if let staffID { object["staffId"] = JSONValue(staffID) }
    object["time"] = .string(time.description)
    if let username { object["username"] = .string(username) }
    return JSONWriter.encode(.object(object))
  }
}
