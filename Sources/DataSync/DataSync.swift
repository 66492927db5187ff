public import Domain
internal import PortalJSON
internal import Storage

/// The DataSync operations of `docs/protocol.md`, each one request: it checks the domain's rules,
/// writes through the store inside that request's savepoint, carries the cross-section rules
/// (copies, derived fields, pointers) in the same write, and logs a change per touched record.
/// The one place a request's writes happen.
///
/// Requests share a transaction until `commit()`; a failing request is undone alone.
public final class DataSync<Records: RecordStore> {
  public private(set) var store: Records
  /// Reopens the store for writing, for a store that was opened read-only (its data directory
  /// was not writable): tried before each write, so the server recovers when the fault clears.
  public var reopenForWriting: (() -> Records?)?
  public let clock: Clock
  /// This process's mark on the changes it makes (so peers can tell theirs from ours).
  public let origin: String
  /// The method of the request being run, recorded in the change log as its cause.
  public var currentMethod = ""

  /// Sequence numbers of the changes logged since `takeLoggedChanges()` was last called.
  public internal(set) var loggedChanges: ClosedRange<Int64>?
  /// Patients whose derived fields must be recomputed before the request ends, and which of the
  /// costlier parts: the visit dates when appointments changed, the payments when transactions
  /// did. Counts, balance and activity are always recomputed (one row each way).
  private var stalePatients: [Int64: StaleParts] = [:]
  /// Values the request sent for server-maintained fields, held against the stored record when
  /// its write ends (see `Validator.claims`).
  private var heldClaims: [(kind: EntityKind, key: RecordKey, claims: JSONObject)] = []
  /// The clinic's date the derived dates were last brought up to, and when it may next change.
  var dayTurn = DayTurn()
  /// False for a unit of work that must not turn the day first (a pushed write applied to
  /// PostgreSQL: the agent turns the clinic's day there on its own).
  public var turnsDays = true
  /// How many savepoints are open: a day turn runs only outside them, so that a request that
  /// fails cannot take the turn down with it.
  private var savepointDepth = 0

  /// A replica's outbox and id leases; nil for a standalone store.
  public var journal: (any WriteJournal)?
  /// The writes the open unit of work made, for its outbox entry.
  var operations: [WriteOperation] = []
  /// The ids the open unit of work handed out, per kind.
  var handedOutIDs: [EntityKind.Name: [Int64]] = [:]
  /// Ids an entry being applied again must take (the ones it was given the first time).
  var plannedIDs: [EntityKind.Name: [Int64]] = [:]
  /// The instant an entry being applied again was first made.
  var timeOverride: Timestamp?

  public init(store: Records, clock: Clock, origin: String) {
    self.store = store
    self.clock = clock
    self.origin = origin
  }

  // MARK: Units of work

  /// Runs one request's writes in its own savepoint (all of them, or none), then brings the
  /// derived fields of every patient it touched up to date, in the same savepoint.
  func write<T>(_ body: (Context) throws -> T) throws -> T {
    reopenIfWritable()
    turnDayIfDue()
    return try savepoint(method: currentMethod, body)
  }

  /// One savepoint: `body`, the derived fields it made stale, and its claims.
  func savepoint<T>(method: String, _ body: (Context) throws -> T) throws -> T {
    let logged = loggedChanges
    savepointDepth += 1
    let outermost = savepointDepth == 1
    defer {
      savepointDepth -= 1
      if outermost {
        operations = []
        handedOutIDs = [:]
      }
    }
    do {
      return try store.inSavepoint {
        let now = timeOverride ?? clock.now()
        let context = Context(now: now, today: clock.date(of: now), method: method)
        let result = try body(context)
        try refreshStalePatients(context)
        try checkHeldClaims()
        if outermost, let journal, !operations.isEmpty {
          try journal.record(try journalEntry(context, journal))
        }
        return result
      }
    } catch {
      loggedChanges = logged
      stalePatients = [:]
      heldClaims = []
      throw error
    }
  }

  /// Runs reads in the open transaction, or opens a read transaction for them.
  public func read<T>(_ body: () throws -> T) throws -> T {
    reopenIfWritable()
    turnDayIfDue()
    try store.beginRead()
    return try body()
  }

  /// A store opened read-only (on a read-only medium, where it is also immutable: nobody can
  /// change it) is reopened as soon as the medium is writable again, before a read as well as a
  /// write, so that neither misses what other processes write from then on.
  private func reopenIfWritable() {
    if store.isReadOnly, !store.isInTransaction, let reopened = reopenForWriting?() {
      store = reopened
    }
  }

  /// Makes everything since the last commit durable (one fsync at `--durability full`).
  public func commit() throws {
    try store.commit()
  }

  /// Gives up everything since the last commit (after a failed commit, for instance).
  public func rollback() {
    store.rollback()
    loggedChanges = nil
    dayTurn = DayTurn()  // a day turn in the lost commit is looked at again
  }

  /// True while a request's savepoint is open.
  var isInSavepoint: Bool { savepointDepth > 0 }

  /// Hands over the sequence numbers logged since the last call: the request's notifications.
  public func takeLoggedChanges() -> ClosedRange<Int64>? {
    defer { loggedChanges = nil }
    return loggedChanges
  }

  /// What one write sees: its time, the clinic's date, and its cause.
  struct Context {
    let now: Timestamp
    let today: CalendarDate
    let method: String
  }

  // MARK: Shared steps

  /// Logs a change to one record (`record` is the record after the change, or before a delete),
  /// with its recentActivity entry, and marks its patient's derived fields stale.
  func log(
    _ change: ChangeEvent.Kind, _ kind: EntityKind, id: JSONValue, version: Int64,
    patient: (ordinal: Int64, id: JSONValue), fields: [String]?, record: JSONObject,
    entity: EncodedJSON?, context: Context
  ) throws {
    let event = ChangeEvent(
      entityType: kind.name, entityID: id, change: change, version: version, patientID: patient.id,
      fields: fields, method: context.method, originProcess: origin, time: context.now,
      entity: entity)
    let activity = Activity.entry(
      kind, change: change, fields: fields, record: record, date: context.today)
    noteLogged(try store.append(event, patientOrdinal: patient.ordinal, activity: activity))
    if kind.belongsToPatient {
      stalePatients[patient.ordinal, default: []].formUnion(StaleParts(changed: kind.name))
    }
  }

  /// Marks a patient's derived fields stale (a record of `kind` moved away from the patient).
  func markStale(_ ordinal: Int64, changed kind: EntityKind.Name) {
    stalePatients[ordinal, default: []].formUnion(StaleParts(changed: kind))
  }

  /// Widens the logged range to `sequence`.
  func noteLogged(_ sequence: Int64) {
    loggedChanges = (loggedChanges?.lowerBound ?? sequence)...sequence
  }

  /// The store key for an id; a malformed one is `malformedID`, whatever parameter carried it.
  func key(_ kind: EntityKind, _ id: JSONValue) throws -> RecordKey {
    if kind.name == .patient {
      guard let canonical = PatientID.canonical(id) else {
        throw DomainError.malformedID(
          kind.name, expected: "must be a patient id (a non-empty string or an integer)")
      }
      return .patient(canonical)
    }
    guard let integer = id.int64Value, integer > 0 else {
      throw DomainError.malformedID(kind.name, expected: "must be a positive integer id")
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

  /// A client-driven record as stored, refused when it would pass the size every record keeps to.
  func encoded(_ document: JSONObject, _ kind: EntityKind) throws -> EncodedJSON {
    let encoded = EncodedJSON(document)
    guard encoded.bytes.count <= EntityKind.maximumRecordBytes else {
      throw DomainError.invalid(
        JSONPointer(),
        "the \(kind.name.rawValue) would take \(encoded.bytes.count) bytes; a record may take at most \(EntityKind.maximumRecordBytes)"
      )
    }
    return encoded
  }

  static func object(_ bytes: [UInt8]) throws -> JSONObject {
    guard case .object(let object) = try JSONParser.parse(bytes) else {
      throw StorageError.unusable("a stored record is not a JSON object")
    }
    return object
  }

  // MARK: Derived fields

  /// Refreshes the stale patients in ordinal order: the order their changes are logged in then
  /// depends on the request alone (not on a dictionary's hashing), so every store, and every
  /// process, logs the same request's changes in the same order.
  private func refreshStalePatients(_ context: Context) throws {
    while let ordinal = stalePatients.keys.min(),
      let parts = stalePatients.removeValue(forKey: ordinal)
    {
      try refreshPatient(ordinal, parts, context: context)
    }
  }

  /// Recomputes a patient's derived fields from the store; stores a new version if they moved.
  func refreshPatient(_ ordinal: Int64, _ parts: StaleParts, context: Context) throws {
    guard let record = try store.patientRecord(ordinal: ordinal) else { return }
    let current = try Self.object(record.document)
    let visits = parts.contains(.visits)
    var summary = try store.summary(
      ofPatient: ordinal, visits: visits, payments: parts.contains(.payments), today: context.today)
    summary.activity = try store.recentActivity(ofPatient: ordinal)
    let client = EntityDocument.clientPart(of: current, .patient)
    var server = EntityDocument.serverPart(of: current, .patient)
    server["outstandingBalance"] = summary.balance.json
    server["quickStats"] = summary.quickStats
    server["recentActivity"] = .array(summary.activity.map(JSONValue.object))
    if parts.contains(.payments) { server["billing"] = summary.billing }
    if visits {
      server["lastVisit"] = summary.lastVisit.map(JSONValue.string)
      server["nextAppointment"] = summary.nextAppointment.map(JSONValue.string)
    }
    let proposed = EntityDocument.assemble(.patient, client: client, server: server)
    let fields = EntityDocument.changedFields(.patient, from: current, to: proposed)
    guard !fields.isEmpty else { return }
    let meta = (Meta(current["meta"] ?? .null) ?? .created(at: context.now)).next(at: context.now)
    server["meta"] = meta.json
    let document = EntityDocument.assemble(.patient, client: client, server: server)
    let encoded = EncodedJSON(document)
    try store.update(
      .patient, row: ordinal, patientOrdinal: ordinal, version: meta.version,
      document: encoded.bytes)
    let id = current["id"] ?? .null
    try log(
      .updated, .patient, id: id, version: meta.version, patient: (ordinal, id), fields: fields,
      record: document, entity: encoded, context: context)
  }

  // MARK: Claims

  /// Holds the values a request sent for server-maintained fields of one record, to be checked
  /// once the write has carried every rule.
  func hold(_ claims: JSONObject, _ kind: EntityKind, _ key: RecordKey) {
    if !claims.isEmpty { heldClaims.append((kind, key, claims)) }
  }

  /// Refuses the write when a held value differs from the one the server stored (naming where
  /// the field's value comes from, never either value).
  private func checkHeldClaims() throws {
    guard !heldClaims.isEmpty else { return }
    defer { heldClaims = [] }
    var errors: [FieldError] = []
    for (kind, key, claims) in heldClaims {
      let stored = try store.record(kind, key).map { try Self.object($0.document) } ?? [:]
      for claim in claims where (stored[claim.key] ?? .null) != claim.value {
        guard let field = kind.field(named: claim.key) else { continue }
        errors.append(FieldError(field: field.name, field.serverOwnedMessage))
      }
    }
    if !errors.isEmpty { throw DomainError.invalid(ValidationFailure(errors: errors)) }
  }

  // MARK: Pointers

  /// Clears every pointer (`appointmentId`, `claimId`) the patient's records hold to a record of
  /// `kind` that is being deleted or moved away, so none is left dangling; each cleared record
  /// gets a new version and its own change.
  func clearPointers(
    to kind: EntityKind, id: Int64, patient: (ordinal: Int64, id: JSONValue), context: Context
  ) throws {
    for other in EntityKind.all where other.belongsToPatient {
      for field in other.fields {
        guard case .reference(let target) = field.type, target == kind.name else { continue }
        for pointing in try store.ids(
          other, ofPatient: patient.ordinal, where: field.name, equals: id)
        {
          guard let record = try store.record(other, .integer(pointing)) else { continue }
          // The pointer goes; the record keeps everything else.
          var document = try Self.object(record.document)
          document.removeValue(forKey: field.name)
          let meta = (Meta(document["meta"] ?? .null) ?? .created(at: context.now)).next(
            at: context.now)
          document["meta"] = meta.json
          let encoded = EncodedJSON(document)
          try store.update(
            other, row: pointing, patientOrdinal: patient.ordinal, version: meta.version,
            document: encoded.bytes)
          if other.name == .transaction {
            try store.setBalanceEffect(
              transaction: pointing, PatientSummary.balanceEffect(of: document))
          }
          try log(
            .updated, other, id: JSONValue(pointing), version: meta.version, patient: patient,
            fields: [field.name], record: document, entity: encoded, context: context)
        }
      }
    }
  }
}

extension DataSync {
  /// Runs several requests' worth of work as one: all of it, or (if `body` throws) none.
  public func atomically<T>(_ body: () throws -> T) throws -> T {
    try write { _ in try body() }
  }
}

/// The parts of a patient's derived fields a change made stale, beyond the counts, balance and
/// activity every change refreshes.
struct StaleParts: OptionSet {
  let rawValue: UInt8
  /// `lastVisit` and `nextAppointment`: an appointment changed, or the day turned.
  static let visits = StaleParts(rawValue: 1)
  /// `billing`: a transaction changed.
  static let payments = StaleParts(rawValue: 2)

  init(rawValue: UInt8) { self.rawValue = rawValue }

  /// What a change to a record of `kind` makes stale.
  init(changed kind: EntityKind.Name) {
    switch kind {
    case .appointment: self = .visits
    case .transaction: self = .payments
    default: self = []
    }
  }
}
