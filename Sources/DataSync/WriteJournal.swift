public import Domain
public import PortalJSON
public import Storage

/// What a replica adds to every write: ids from the blocks it leased, and an outbox entry in the
/// write's own transaction, so an answered write is always queued for PostgreSQL. Standalone
/// stores have none.
public protocol WriteJournal: AnyObject {
  /// The id the next added record of `kind` takes, from a leased block; throws when the replica
  /// has none left (it is offline and used them all).
  func nextID(for kind: EntityKind) throws -> Int64
  /// Appends the write to the outbox, inside the open transaction.
  func record(_ entry: JournalEntry) throws
  /// The version PostgreSQL last confirmed for the record (before this workstation's pending
  /// writes), or nil for a record PostgreSQL has not confirmed.
  func confirmedVersion(_ kind: EntityKind, _ key: RecordKey) throws -> Int64?
  /// True while a write to the record awaits PostgreSQL (its `meta.syncState` is `pending`).
  func isPending(_ kind: EntityKind, _ key: RecordKey) throws -> Bool
}

/// One write as the outbox keeps it.
public struct JournalEntry: Sendable {
  /// The method the client called (`addPatient`, `transaction`, …).
  public var method: String
  public var operation: WriteOperation
  /// The ids the write handed out, per kind, in order: PostgreSQL applies it with the same ones.
  public var assignedIDs: [EntityKind.Name: [Int64]]
  /// For each update sent with `expectedVersion`: the record and the version PostgreSQL had
  /// confirmed when the client saw it. A change made elsewhere after it is a conflict.
  public var baseVersions: [BaseVersion]
  /// When the write was made; PostgreSQL applies it as of this instant.
  public var time: Timestamp

  public init(
    method: String, operation: WriteOperation, assignedIDs: [EntityKind.Name: [Int64]],
    baseVersions: [BaseVersion], time: Timestamp
  ) {
    self.method = method
    self.operation = operation
    self.assignedIDs = assignedIDs
    self.baseVersions = baseVersions
    self.time = time
  }
}

/// A record and the upstream version an update was based on.
public struct BaseVersion: Sendable, Equatable {
  public var entityType: EntityKind.Name
  /// The record's canonical id, as JSON (a patient's id text, or an integer).
  public var id: JSONValue
  public var version: Int64

  public init(entityType: EntityKind.Name, id: JSONValue, version: Int64) {
    self.entityType = entityType
    self.id = id
    self.version = version
  }
}

extension RecordKey {
  /// The id as the protocol writes it.
  var json: JSONValue {
    switch self {
    case .patient(let id): .string(id)
    case .integer(let id): JSONValue(id)
    }
  }
}
