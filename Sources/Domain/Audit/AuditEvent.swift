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

  /// Who acted, from which client: shared by every event of one signed-in connection, so an
  /// event costs one reference for it, not four strings.
  public final class Actor: Sendable {
    public let staffID: Int64?
    public let username: String?
    public let role: String?
    /// The client's name from `initialize`.
    public let client: String?

    public init(staffID: Int64?, username: String?, role: String?, client: String?) {
      self.staffID = staffID
      self.username = username
      self.role = role
      self.client = client
    }
  }

  public var time: Timestamp
  public var actor: Actor
  /// The method, or `session.expired` / `session.revoked` when a session ended by itself.
  public var method: String
  public var outcome: Outcome
  public var code: Int?
  public var permission: String?
  public var entityType: String?
  /// The ids of the records read or written.
  public var ids: [JSONValue]
  /// The patients those records belong to (written once each, in the order first met).
  public var patientIDs: [String]
  /// How many requests the event stands for: a run of successful reads of one method by one
  /// connection within one flush is one event (their ids in order), `time` … `until`.
  public var requests: Int = 1
  public var until: Timestamp?

  public var staffID: Int64? { actor.staffID }
  public var username: String? { actor.username }
  public var role: String? { actor.role }
  public var client: String? { actor.client }

  public init(
    time: Timestamp, actor: Actor, method: String, outcome: Outcome, code: Int? = nil,
    permission: String? = nil, entityType: String? = nil, ids: [JSONValue] = [],
    patientIDs: [String] = []
  ) {
    self.time = time
    self.actor = actor
    self.method = method
    self.outcome = outcome
    self.code = code
    self.permission = permission
    self.entityType = entityType
    self.ids = ids
    self.patientIDs = patientIDs
  }

  public static func == (lhs: AuditEvent, rhs: AuditEvent) -> Bool {
    lhs.time == rhs.time && lhs.staffID == rhs.staffID && lhs.username == rhs.username
      && lhs.role == rhs.role && lhs.client == rhs.client && lhs.method == rhs.method
      && lhs.outcome == rhs.outcome && lhs.code == rhs.code && lhs.permission == rhs.permission
      && lhs.entityType == rhs.entityType && lhs.ids == rhs.ids && lhs.patientIDs == rhs.patientIDs
      && lhs.requests == rhs.requests && lhs.until == rhs.until
  }

  /// Writes the event as canonical JSON: keys in code-point order, no insignificant whitespace,
  /// absent members left out. `seq` is its place in the log, so a moved event no longer
  /// verifies. The audit log writes a link's events one after another into one buffer.
  public func write(seq: Int64, into writer: JSONWriter) {
    var first = true
    func key(_ name: StaticString) {
      writer.append(UInt8(ascii: first ? "{" : ","))
      first = false
      writer.writeRaw(name)
    }
    if let client {
      key("\"client\":")
      writer.writeString(client)
    }
    if let code {
      key("\"code\":")
      writer.writeInteger(code)
    }
    if let entityType {
      key("\"entityType\":")
      writer.writeString(entityType)
    }
    if !ids.isEmpty {
      key("\"ids\":")
      writer.write(JSONValue.array(ids))
    }
    key("\"method\":")
    writer.writeString(method)
    key("\"outcome\":")
    writer.writeString(outcome.rawValue)
    if !patientIDs.isEmpty {
      // Each patient once, in the order first met (a run of reads lists them as they came).
      key("\"patientIds\":[")
      var written = Set<String>()
      written.reserveCapacity(patientIDs.count)
      for patient in patientIDs where written.insert(patient).inserted {
        if written.count > 1 { writer.append(UInt8(ascii: ",")) }
        writer.writeString(patient)
      }
      writer.append(UInt8(ascii: "]"))
    }
    if let permission {
      key("\"permission\":")
      writer.writeString(permission)
    }
    if requests != 1 {
      key("\"requests\":")
      writer.writeInteger(requests)
    }
    if let role {
      key("\"role\":")
      writer.writeString(role)
    }
    key("\"seq\":")
    writer.writeInteger(seq)
    if let staffID {
      key("\"staffId\":")
      writer.writeInteger(staffID)
    }
    key("\"time\":")
    time.writeQuoted(into: writer)
    if let until {
      key("\"until\":")
      until.writeQuoted(into: writer)
    }
    if let username {
      key("\"username\":")
      writer.writeString(username)
    }
    writer.append(UInt8(ascii: "}"))
  }
}
