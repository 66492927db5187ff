internal import DataSync
internal import PortalJSON

/// `queueSyncOperation`: checks the seed's `SyncOperation`, then runs the method its type names
/// through the method table, as one request of that method would run (one unit of work, the
/// same notifications). Standalone, nothing is queued.
enum SyncOperationRunner {
  static func run(_ call: MethodCall, table: MethodTable) throws -> Reply {
    let operation = call.arguments.object("operation")!
    let (type, params) = try decode(operation)
    guard let spec = table[type.method] else {
      throw ResponseError.withDetail(.internalError, "no method for a sync operation type")
    }
    let reply: Reply
    do {
      let arguments = try Arguments.decode(.object(params), for: spec.params)
      // Called directly, the changes are the named method's (inside a transaction they stay the
      // transaction's, as every operation's are).
      let dataSync = call.dataSync
      let outer = dataSync.currentMethod
      if outer == "queueSyncOperation" { dataSync.currentMethod = spec.name }
      defer { dataSync.currentMethod = outer }
      reply = try call.session.perform(
        spec, MethodCall(id: call.id, arguments: arguments, session: call.session))
    } catch {
      throw relocated(ResponseError(error, idParameter: spec.idParameter), for: type)
    }
    let writer = JSONWriter(capacity: 1024)
    let mutationID = (call.dataSync.journal as? ReplicaJournal)?.lastMutationID
    writer.writeRaw("{\"mutationId\":")
    if let mutationID { writer.writeString(String(mutationID)) } else { writer.writeRaw("null") }
    writer.writeRaw(",\"result\":")
    switch reply {
    case .value(let value): writer.write(value)
    case .encoded(let encoded): writer.write(encoded)
    }
    writer.append(UInt8(ascii: "}"))
    return .encoded(EncodedJSON(trusted: writer.bytes))
  }

  /// The operation's type and the params of the method it names; every problem at once.
  private static func decode(_ operation: JSONObject) throws(ResponseError) -> (
    SyncOperationType, JSONObject
  ) {
    var problems: [ParamProblem] = []
    for member in operation where !["type", "entityId", "data", "timestamp"].contains(member.key) {
      problems.append(
        ParamProblem(
          path: JSONPointer(["operation", member.key]).description,
          message: "unknown member of an operation; expected type, entityId, data or timestamp"))
    }
    let known = SyncOperationType.all.map(\.name).joined(separator: ", ")
    let type = operation["type"]?.stringValue.flatMap(SyncOperationType.named)
    if type == nil {
      problems.append(
        ParamProblem(path: "/operation/type", message: "must be one of: \(known)"))
    }
    let data = operation["data"]?.objectValue
    if data == nil {
      problems.append(ParamProblem(path: "/operation/data", message: "must be an object"))
    }
    let entityID = operation["entityId"].flatMap { $0.isNull ? nil : $0 }
    if let type, type.idParameter == nil, entityID != nil {
      problems.append(
        ParamProblem(
          path: "/operation/entityId",
          message: "must be absent for \(type.name): the server assigns the id"))
    }
    if let type, type.dataParameter == nil, let id = type.idParameter, data?[id] != nil {
      problems.append(
        ParamProblem(
          path: JSONPointer(["operation", "data", id]).description,
          message: "give the record's id as the operation's entityId"))
    }
    if let timestamp = operation["timestamp"], !timestamp.isNull, timestamp.stringValue == nil {
      problems.append(ParamProblem(path: "/operation/timestamp", message: "must be a string"))
    }
    guard problems.isEmpty, let type, let data else { throw .invalidParams(problems) }
    return (type, type.params(entityID: entityID, data: data))
  }

  /// `error` with its validation paths moved from the method's params to the operation's.
  private static func relocated(_ error: ResponseError, for type: SyncOperationType)
    -> ResponseError
  {
    guard error.code == .invalidParams, var data = error.data?.objectValue,
      let errors = data["errors"]?.arrayValue
    else { return error }
    data["errors"] = .array(
      errors.map { problem in
        guard var object = problem.objectValue, let path = object["path"]?.stringValue else {
          return problem
        }
        object["path"] = .string(type.operationPath(path))
        return .object(object)
      })
    var moved = error
    moved.data = .object(data)
    return moved
  }
}
