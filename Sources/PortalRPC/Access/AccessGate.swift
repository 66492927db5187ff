internal import Domain
internal import PortalJSON

/// The one place every call passes, direct or inside a `transaction` or `queueSyncOperation`:
/// it refuses a call the connection may not make (-32010 before sign-in, -32011 naming the
/// missing permission), runs it, masks its answer for the role (`RecordView`), and records the
/// audit event. A method declares what the gate needs in its `MethodSpec.access`.
///
/// - SeeAlso: `docs/security.md`, "How a request passes the gate".
extension Session {
  /// Refuses a call the connection may not make at all (no sign-in, or the method's own
  /// permission missing), before its params are even decoded.
  func admit(_ spec: MethodSpec) throws(AuthError) {
    guard auth.required, !spec.access.isOpen else { return }
    guard let signedIn = auth.signedIn else {
      if spec.access.isAudited {
        audit(spec, spec.access, outcome: .refused, code: ErrorCode.unauthenticated.rawValue)
      }
      throw .signInRequired
    }
    if let needed = spec.access.missing(in: signedIn.policy) {
      audit(
        spec, spec.access, outcome: .refused, code: ErrorCode.forbidden.rawValue,
        permission: needed.rawValue)
      throw .forbidden(needed)
    }
  }

  func perform(_ spec: MethodSpec, _ call: MethodCall) throws -> Reply {
    let auth = self.auth
    guard auth.required || auth.auditing else { return try spec.handler(call) }
    let access = spec.access
    let policy = auth.required ? auth.policy : nil
    if auth.required, !access.isOpen {
      guard let signedIn = auth.signedIn else {
        if access.isAudited {
          audit(spec, access, outcome: .refused, code: ErrorCode.unauthenticated.rawValue)
        }
        throw AuthError.signInRequired
      }
      if let missing = refusal(access, call.arguments, signedIn.policy) {
        audit(
          spec, access, outcome: .refused, code: ErrorCode.forbidden.rawValue,
          permission: missing.rawValue)
        throw AuthError.forbidden(missing)
      }
    }
    var call = call
    if let policy, case .writes(let kind, .record, let fields?) = access,
      spec.name == EntityKind.named(kind).addMethod, let record = call.arguments.object(fields)
    {
      call = MethodCall(
        id: call.id,
        arguments: call.arguments.replacing(
          fields, with: .object(policy.completingNew(kind, record))),
        session: call.session)
    }
    let reply: Reply
    do {
      reply = try spec.handler(call)
    } catch {
      if access.isAudited {
        audit(spec, access, outcome: .error, code: ResponseError(error).code.rawValue)
      }
      throw RecordView.masked(error, policy: policy)
    }
    switch access {
    case .reads(let kind, let shape, _), .writes(let kind, let shape, _):
      let (shown, touched) = try RecordView(kind: kind, shape: shape, policy: policy).apply(
        to: reply)
      if case .reads = access, auth.auditing {
        auditRecorder.recordRead(
          method: spec.name, entityType: kind.rawValue, actor: auditActor,
          time: requestTime ?? clock.now(), touched: touched)
      } else {
        audit(spec, access, outcome: .ok, touched: touched)
      }
      return shown
    case .permission, .feed:
      audit(spec, access, outcome: .ok, touched: feedTouched ?? RecordView.Touched())
      feedTouched = nil
      return reply
    case .open, .signedIn, .delegates:
      return reply
    }
  }

  /// The permission `access` needs that `policy` lacks for these arguments: the method's own,
  /// a masked field written, filtered or sorted on, or a type of a whole chart.
  private func refusal(_ access: MethodAccess, _ arguments: Arguments, _ policy: AccessPolicy)
    -> Permission?
  {
    if let needed = access.missing(in: policy) { return needed }
    switch access {
    case .writes(let kind, _, let fields?):
      return arguments.object(fields).flatMap { record in
        policy.refusal(writing: kind, fields: record.map(\.key))
      }
    case .reads(let kind, _, let query?):
      guard let query = arguments.object(query) else { return nil }
      var named = query["filter"]?.objectValue.map { $0.map(\.key) } ?? []
      for key in query["sort"]?.arrayValue ?? [] {
        if let field = key["field"]?.stringValue { named.append(field) }
      }
      return policy.refusal(reading: kind, fields: named)
    case .reads(_, .chart, _):
      return EntityKind.all.lazy.filter(\.belongsToPatient).map { Permission.read($0.name) }
        .first { !policy.role.has($0) }
    case .writes(.patient, .deletion, _) where arguments.bool("cascade") == true:
      // A cascade deletes every type of the patient's records: it needs to write them all.
      return EntityKind.all.lazy.filter(\.belongsToPatient).map { Permission.write($0.name) }
        .first { !policy.role.has($0) }
    default:
      return nil
    }
  }

  /// Records one audit event for a call of `spec` by the signed-in staff member.
  func audit(
    _ spec: MethodSpec, _ access: MethodAccess, outcome: AuditEvent.Outcome, code: Int? = nil,
    permission: String? = nil, touched: RecordView.Touched = RecordView.Touched()
  ) {
    guard auth.auditing else { return }
    var entityType: String?
    switch access {
    case .reads(let kind, _, _), .writes(let kind, _, _): entityType = kind.rawValue
    default: break
    }
    recordAudit(
      method: spec.name, outcome: outcome, code: code, permission: permission,
      entityType: entityType, touched: touched)
  }

  /// Records an audit event by this client, attributed to `actor`: the signed-in staff member
  /// (the default), or the account a sign-in named (nil: an unknown one).
  func recordAudit(
    method: String, outcome: AuditEvent.Outcome, code: Int? = nil, permission: String? = nil,
    entityType: String? = nil, touched: RecordView.Touched = RecordView.Touched(),
    actor: AuditActor = .signedIn
  ) {
    guard auth.auditing else { return }
    let who: AuditEvent.Actor
    switch actor {
    case .signedIn: who = auditActor
    case .account(let member): who = auditActor(member)
    }
    auditRecorder.record(
      AuditEvent(
        time: requestTime ?? clock.now(), actor: who, method: method, outcome: outcome,
        code: code, permission: permission, entityType: entityType, ids: touched.ids,
        patientIDs: touched.patientIDs))
  }
}

extension MethodAccess {
  var isOpen: Bool {
    if case .open = self { return true }
    return false
  }
}

extension Session {
  /// The signed-in staff member (or nobody) and this client, made once per sign-in.
  var auditActor: AuditEvent.Actor {
    let staff = auth.signedIn?.member
    // `initialize` (the only place the client's name is set) forgets the cached actor.
    if let cached = cachedAuditActor, cached.staffID == staff?.id { return cached }
    let made = auditActor(staff)
    cachedAuditActor = made
    return made
  }

  func auditActor(_ staff: StaffMember?) -> AuditEvent.Actor {
    AuditEvent.Actor(
      staffID: staff?.id, username: staff?.username, role: staff?.role,
      client: clientInfo?["name"]?.stringValue)
  }
}

/// Who an audit event is about.
enum AuditActor {
  /// The staff member signed in on the connection, if any.
  case signedIn
  /// The account a sign-in named (nil when it named none that exists).
  case account(StaffMember?)
}
