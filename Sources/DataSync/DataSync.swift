public import Domain
internal import PortalJSON
public import Storage

/// The DataSync operations of `protocol.md`, each one request: it checks the domain's rules,
/// writes through the store inside that request's savepoint, and records a change event per
/// touched record. The one place a request's writes happen.
///
/// Requests share a transaction until `commit()`; a failing request is undone alone.
public final class DataSync {
  public let store: Store
  public let clock: Clock
  /// This process's mark on the changes it makes (so peers can tell theirs from ours).
  public let origin: String

  /// Change events of the current request, in the order they were logged.
  public private(set) var events: [ChangeEvent] = []

  public init(store: Store, clock: Clock, origin: String) {
    self.store = store
    self.clock = clock
    self.origin = origin
  }

  // MARK: Units of work

  /// Runs one request's writes in its own savepoint: all of them, or none.
  func write<T>(_ body: (Context) throws -> T) throws -> T {
    let eventCount = events.count
    do {
      return try store.inSavepoint {
        try body(Context(now: clock.now(), method: currentMethod))
      }
    } catch {
      events.removeSubrange(eventCount...)
      throw error
    }
  }

  /// Runs reads in the open transaction, or opens a read transaction for them.
  func read<T>(_ body: () throws -> T) throws -> T {
    try store.beginRead()
    return try body()
  }

  /// Makes everything since the last commit durable (one fsync at `--durability full`).
  public func commit() throws {
    try store.commit()
  }

  /// Gives up everything since the last commit (after a failed commit, for instance).
  public func rollback() {
    store.rollback()
  }

  /// Hands over the events logged since the last call (the request's notifications).
  public func takeEvents() -> [ChangeEvent] {
    defer { events.removeAll(keepingCapacity: true) }
    return events
  }

  /// The method of the request being run, recorded in the change log as its cause.
  public var currentMethod = ""

  /// What one write sees: its time and cause.
  struct Context {
    let now: Timestamp
    let method: String
  }

  // MARK: Shared steps

  /// Logs a change to one record.
  func log(
    _ change: ChangeEvent.Kind, _ kind: EntityKind, id: JSONValue, version: Int64,
    patientID: JSONValue?, fields: [String]?, entity: EncodedJSON?, context: Context
  ) throws {
    var event = ChangeEvent(
      entityType: kind.name, entityID: id, change: change, version: version, patientID: patientID,
      fields: fields, method: context.method, originProcess: origin, time: context.now,
      entity: entity)
    event.sequence = try store.append(event)
    events.append(event)
  }

  /// The store key for an id parameter; a malformed id is an invalid-params problem.
  func key(_ kind: EntityKind, _ id: JSONValue) throws -> RecordKey {
    if kind.name == .patient {
      guard let canonical = PatientID.canonical(id) else {
        throw DomainError.invalid(
          JSONPointer([kind.idParameter]), "must be a patient id (a non-empty string or an integer)"
        )
      }
      return .patient(canonical)
    }
    guard let integer = id.int64Value, integer > 0 else {
      throw DomainError.invalid(JSONPointer([kind.idParameter]), "must be a positive integer id")
    }
    return .integer(integer)
  }

  /// The record, or not-found naming its type and id.
  func existing(_ kind: EntityKind, _ id: JSONValue) throws -> (
    key: RecordKey, record: StoredRecord, document: JSONObject
  ) {
    let key = try key(kind, id)
    guard let record = try store.record(kind, key) else {
      throw DomainError.notFound(kind.name, id: id)
    }
    return (key, record, try Self.object(record.document))
  }

  /// The patient a `patientId` value names, or not-found naming it.
  func patient(_ id: JSONValue) throws -> (ordinal: Int64, document: JSONObject) {
    guard let canonical = PatientID.canonical(id),
      let record = try store.record(.patient, .patient(canonical))
    else { throw DomainError.notFound(.patient, id: id) }
    return (record.patientOrdinal, try Self.object(record.document))
  }

  static func object(_ bytes: [UInt8]) throws -> JSONObject {
    guard case .object(let object) = try JSONParser.parse(bytes) else {
      throw StorageError.unusable("a stored record is not a JSON object")
    }
    return object
  }
}
