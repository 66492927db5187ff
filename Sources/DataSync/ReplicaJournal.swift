public import Domain
internal import PortalJSON
public import Storage

/// A replica's journal over its SQLite store: ids from leased blocks, an outbox row per write,
/// and the confirmed version of a record from its capture.
public final class ReplicaJournal: WriteJournal {
  private let store: Store
  /// The outbox row the last write made (what `queueSyncOperation` answers).
  public var lastMutationID: Int64?
  /// Whether a write may be queued now; false refuses it (`--offline off` while the upstream is
  /// unreachable).
  public var acceptsWrites: () -> Bool = { true }

  /// Turns on the capture of confirmed state on `store`'s connection.
  public init(store: Store) throws {
    self.store = store
    try store.captureConfirmedState()
  }

  public func nextID(for kind: EntityKind) throws -> Int64 {
    guard let id = try store.leasedID(for: kind) else { throw ReplicaError.noLeasedIDs(kind.name) }
    return id
  }

  public func record(_ entry: JournalEntry) throws {
    guard acceptsWrites() else { throw ReplicaError.offline }
    let subject = entry.operation.subject
    var ids = JSONObject()
    for (kind, list) in entry.assignedIDs.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
      ids[kind.rawValue] = .array(list.map { JSONValue($0) })
    }
    let bases = JSONValue.array(
      entry.baseVersions.map {
        [
          "entityType": .string($0.entityType.rawValue), "id": $0.id,
          "version": JSONValue($0.version),
        ]
      })
    // An add names the id it was given.
    let id =
      subject?.id
      ?? entry.assignedIDs[subject?.entityType ?? .patient]?.first.map {
        subject?.entityType == .patient ? .string(PatientID.generated(ordinal: $0)) : JSONValue($0)
      }
    lastMutationID = try store.appendOutbox(
      method: entry.method, operation: EncodedJSON(entry.operation.json).bytes,
      assignedIDs: EncodedJSON(JSONValue.object(ids)).bytes, baseVersions: EncodedJSON(bases).bytes,
      madeAt: entry.time.description, entityType: subject?.entityType.rawValue,
      entityID: id.map { EncodedJSON($0).bytes })
  }

  public func confirmedVersion(_ kind: EntityKind, _ key: RecordKey) throws -> Int64? {
    try store.confirmedVersion(kind, key)
  }

  public func isPending(_ kind: EntityKind, _ key: RecordKey) throws -> Bool {
    try store.hasConfirmedCapture(kind, key)
  }
}

extension JournalEntry {
  /// The entry an outbox row holds; nil for a row this build cannot read.
  public init?(_ row: OutboxRow) {
    guard let operationJSON = try? JSONParser.parse(row.operation),
      let operation = WriteOperation(json: operationJSON),
      case .object(let idsObject)? = try? JSONParser.parse(row.assignedIDs),
      let basesJSON = try? JSONParser.parse(row.baseVersions), let time = Timestamp(row.madeAt)
    else { return nil }
    var ids: [EntityKind.Name: [Int64]] = [:]
    for member in idsObject {
      guard let kind = EntityKind.Name(rawValue: member.key) else { return nil }
      ids[kind] = member.value.arrayValue?.compactMap(\.int64Value) ?? []
    }
    let bases = (basesJSON.arrayValue ?? []).compactMap { base -> BaseVersion? in
      guard let kind = base["entityType"]?.stringValue.flatMap(EntityKind.Name.init),
        let id = base["id"], let version = base["version"]?.int64Value
      else { return nil }
      return BaseVersion(entityType: kind, id: id, version: version)
    }
    self.init(
      method: row.method, operation: operation, assignedIDs: ids, baseVersions: bases, time: time)
  }
}

/// Why a replica cannot take a write now.
public enum ReplicaError: Error, Sendable {
  /// Every id leased for this kind is used and PostgreSQL cannot be reached for more.
  case noLeasedIDs(EntityKind.Name)
  /// The upstream cannot be reached and this workstation does not queue writes offline.
  case offline
}
