public import Domain
public import PortalJSON

/// One write a client asked for, as a value: what a replica keeps in its outbox and what the sync
/// agent applies to PostgreSQL with the same rules (`DataSync.perform`). Every write method maps
/// to one case; a `transaction` is the batch of its writes (its reads change nothing).
public indirect enum WriteOperation: Sendable, Equatable {
  /// `add<E>`.
  case add(EntityKind.Name, entity: JSONObject)
  /// `sync<E>Data`, `sync<E>DataWithAPI`, `update<E>RelatedData`: a merge patch.
  case update(EntityKind.Name, id: JSONValue, updates: JSONObject, expectedVersion: Int64?)
  /// `delete<E>`.
  case delete(EntityKind.Name, id: JSONValue, cascade: Bool)
  /// `appendMessage`, with the message as the replica completed it (its id and timestamp).
  case appendMessage(threadID: JSONValue, message: JSONObject)
  /// `transaction`: all of them, or none.
  case batch([WriteOperation])

  /// The entity type and id the operation is about, for the sync queue's listing (a batch names
  /// its first write's; an add names the id it was given, when known).
  public var subject: (entityType: EntityKind.Name, id: JSONValue?)? {
    switch self {
    case .add(let kind, _): (kind, nil)
    case .update(let kind, let id, _, _): (kind, id)
    case .delete(let kind, let id, _): (kind, id)
    case .appendMessage(let thread, _): (.messageThread, thread)
    case .batch(let operations): operations.first?.subject
    }
  }

  /// The operation's JSON form, as the outbox keeps it.
  public var json: JSONValue {
    switch self {
    case .add(let kind, let entity):
      ["op": "add", "entityType": .string(kind.rawValue), "entity": .object(entity)]
    case .update(let kind, let id, let updates, let expected):
      [
        "op": "update", "entityType": .string(kind.rawValue), "id": id,
        "updates": .object(updates), "expectedVersion": expected.map { JSONValue($0) } ?? .null,
      ]
    case .delete(let kind, let id, let cascade):
      ["op": "delete", "entityType": .string(kind.rawValue), "id": id, "cascade": .bool(cascade)]
    case .appendMessage(let thread, let message):
      ["op": "appendMessage", "threadId": thread, "message": .object(message)]
    case .batch(let operations):
      ["op": "batch", "operations": .array(operations.map(\.json))]
    }
  }

  /// Reads the JSON form back; nil for anything this build did not write.
  public init?(json: JSONValue) {
    func kind() -> EntityKind.Name? {
      json["entityType"]?.stringValue.flatMap(EntityKind.Name.init)
    }
    switch json["op"]?.stringValue {
    case "add":
      guard let kind = kind(), case .object(let entity)? = json["entity"] else { return nil }
      self = .add(kind, entity: entity)
    case "update":
      guard let kind = kind(), let id = json["id"], case .object(let updates)? = json["updates"]
      else { return nil }
      self = .update(
        kind, id: id, updates: updates, expectedVersion: json["expectedVersion"]?.int64Value)
    case "delete":
      guard let kind = kind(), let id = json["id"] else { return nil }
      self = .delete(kind, id: id, cascade: json["cascade"]?.boolValue ?? false)
    case "appendMessage":
      guard let thread = json["threadId"], case .object(let message)? = json["message"] else {
        return nil
      }
      self = .appendMessage(threadID: thread, message: message)
    case "batch":
      guard let items = json["operations"]?.arrayValue else { return nil }
      var operations: [WriteOperation] = []
      for item in items {
        guard let operation = WriteOperation(json: item) else { return nil }
        operations.append(operation)
      }
      self = .batch(operations)
    default:
      return nil
    }
  }

  /// The same operation without its `expectedVersion`s (a forced retry).
  public var withoutExpectedVersions: WriteOperation {
    switch self {
    case .update(let kind, let id, let updates, _):
      .update(kind, id: id, updates: updates, expectedVersion: nil)
    case .batch(let operations): .batch(operations.map(\.withoutExpectedVersions))
    default: self
    }
  }
}
