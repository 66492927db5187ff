public import Domain

/// Who may call a method and what its answer holds, declared in the method's one table entry
/// (`MethodSpec.access`, which has no default, so a new method cannot leave it out). The access
/// gate (`Session.perform`) reads it on every call, direct or inside a `transaction` or
/// `queueSyncOperation`, to refuse, to mask the answer and to audit.
///
/// - SeeAlso: `docs/security.md`, "How a request passes the gate".
public enum MethodAccess: Sendable {
  /// Needs no sign-in: the lifecycle, `login`, and the questions about the session itself.
  case open
  /// Needs a signed-in staff member and no permission; touches no record (or filters what it
  /// returns record by record, as subscriptions and the change feed do).
  case signedIn
  /// Needs `permission`; touches no patient record.
  case permission(Permission)
  /// Reads records of `kind` (needs `<kind>:read`): `query` names the parameter holding a list
  /// query, whose filter and sort may not name a masked field; `result` is the answer's shape.
  case reads(EntityKind.Name, result: RecordShape, query: String? = nil)
  /// Writes records of `kind` (needs `<kind>:write`): `fields` names the parameter holding the
  /// new record or merge patch, which may not hold a masked field.
  case writes(EntityKind.Name, result: RecordShape, fields: String? = nil)
  /// Needs a signed-in staff member; answers or pushes records of any type, each left out or
  /// masked by the role (`subscribeToUpdates`, `getChangesSince`).
  case feed
  /// Runs other methods, each of which passes the gate itself (`transaction`,
  /// `queueSyncOperation`); needs a signed-in staff member.
  case delegates

  /// The permission the method needs that `policy`'s role lacks, if any (entity permissions are
  /// looked up by type, the others by name).
  func missing(in policy: AccessPolicy) -> Permission? {
    switch self {
    case .open, .signedIn, .feed, .delegates: nil
    case .permission(let permission): policy.role.has(permission) ? nil : permission
    case .reads(let kind, _, _): policy.canRead(kind) ? nil : .read(kind)
    case .writes(let kind, _, _): policy.canWrite(kind) ? nil : .write(kind)
    }
  }

  /// True when a call is written to the audit log: it reads or writes patient data or the log.
  var isAudited: Bool {
    switch self {
    case .open, .signedIn, .delegates: false
    case .permission, .reads, .writes, .feed: true
    }
  }
}

/// Where the records are in a method's answer, so the gate can mask them and name them in the
/// audit log.
public enum RecordShape: Sendable {
  /// One record of the method's kind.
  case record
  /// `{items: [record], total, nextCursor}`.
  case page
  /// `[record]`.
  case list
  /// `{<key>: record, related: [{entityType, id, version}]}`.
  case update(key: String)
  /// `{deleted: {entityType, id}, related: [{entityType, id}]}`.
  case deletion
  /// `{patient, appointments: [...], …}`: every type of a patient's records.
  case chart
}
