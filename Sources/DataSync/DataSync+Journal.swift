public import Domain
public import PortalJSON
internal import Storage

/// A replica's side of each write: its outbox entry and its ids, and applying an entry again
/// (a rebase on the replica, the push on PostgreSQL) with the ids and instant it was given.
extension DataSync {
  /// Notes the write a unit of work is making, for a replica's outbox entry.
  func noteOperation(_ operation: WriteOperation) {
    if journal != nil { operations.append(operation) }
  }

  /// The outbox entry of the unit of work that ends now.
  func journalEntry(_ context: Context, _ journal: any WriteJournal) throws -> JournalEntry {
    var bases: [BaseVersion] = []
    func collect(_ operation: WriteOperation) throws {
      switch operation {
      case .update(let kind, let id, _, let expected?) where expected > 0:
        let entity = EntityKind.named(kind)
        let key = try key(entity, id)
        if let version = try journal.confirmedVersion(entity, key) {
          bases.append(BaseVersion(entityType: kind, id: key.json, version: version))
        }
      case .batch(let operations): for operation in operations { try collect(operation) }
      default: break
      }
    }
    let operation = operations.count == 1 ? operations[0] : .batch(operations)
    try collect(operation)
    return JournalEntry(
      method: context.method, operation: operation, assignedIDs: handedOutIDs,
      baseVersions: bases, time: context.now)
  }

  /// The id a new record of `kind` takes: the one an entry being applied again was given, one
  /// from a replica's leased block, or the store's next.
  func nextID(for kind: EntityKind) throws -> Int64 {
    let id: Int64
    if var planned = plannedIDs[kind.name], !planned.isEmpty {
      id = planned.removeFirst()
      plannedIDs[kind.name] = planned
    } else if let journal {
      id = try journal.nextID(for: kind)
    } else {
      id = try store.nextID(for: kind)
    }
    if journal != nil { handedOutIDs[kind.name, default: []].append(id) }
    return id
  }

  /// True when `nextID` hands out a new id each call (not the store's "largest plus one").
  var idsAreHandedOut: Bool { journal != nil || plannedIDs.values.contains { !$0.isEmpty } }

  /// Applies an outbox entry again, with the ids and the instant it was first given and without
  /// queueing it again: a replica's rebase, and the sync agent's push to PostgreSQL.
  public func apply(_ entry: JournalEntry) throws -> JSONValue {
    let (savedJournal, savedMethod) = (journal, currentMethod)
    journal = nil
    plannedIDs = entry.assignedIDs
    timeOverride = entry.time
    currentMethod = entry.method
    defer {
      (journal, currentMethod) = (savedJournal, savedMethod)
      plannedIDs = [:]
      timeOverride = nil
    }
    // The client's expectedVersion was checked when the write was made; from then on a
    // conflict is a change made elsewhere after the entry's base versions, which the push checks.
    return try perform(entry.operation.withoutExpectedVersions)
  }

  /// A record as a replica shows it: `meta.syncState` is `pending` while a write to it awaits
  /// PostgreSQL, `synced` otherwise. A standalone store's records are shown as stored.
  public func withSyncState(_ kind: EntityKind, _ document: EncodedJSON) throws -> EncodedJSON {
    guard let journal else { return document }
    // Records are stored with `id` first and `meta` last: the state goes in without decoding
    // the record (every write's answer and every read pays for this on a replica).
    if let id = SyncStateSplice.leadingID(document.bytes),
      let spliced = SyncStateSplice.insert(
        try journal.isPending(kind, try key(kind, id)) ? "pending" : "synced",
        into: document.bytes)
    {
      return EncodedJSON(trusted: spliced)
    }
    var object = try Self.object(document.bytes)
    let pending = try journal.isPending(kind, try key(kind, object["id"] ?? .null))
    var meta = object["meta"]?.objectValue ?? [:]
    meta["syncState"] = .string(pending ? "pending" : "synced")
    object["meta"] = .object(meta)
    return EncodedJSON(object)
  }

  /// Runs one write operation, as the method it came from would.
  public func perform(_ operation: WriteOperation) throws -> JSONValue {
    switch operation {
    case .add(let kind, let entity):
      return try add(EntityKind.named(kind), entity).decoded()
    case .update(let kind, let id, let updates, let expected):
      return try sync(EntityKind.named(kind), id: id, updates: updates, expectedVersion: expected)
        .decoded()
    case .delete(let kind, let id, let cascade):
      return try delete(EntityKind.named(kind), id: id, cascade: cascade)
    case .appendMessage(let thread, let message):
      return try appendMessage(threadID: thread, message: message).decoded()
    case .batch(let operations):
      return .array(try atomically { try operations.map(perform) })
    }
  }
}
