public import Domain
public import PortalJSON
public import Storage

/// What the DataSync rules need from a store of records: the workstation's SQLite `Store`, or
/// the clinic's PostgreSQL when a replica's pushed write is applied there. Each rule is written
/// once, in `DataSync`, over this interface; the two stores differ only in how they keep records.
///
/// Every call runs inside the unit of work the caller opened (`inSavepoint`), and a store throws
/// its own error type, which the caller maps.
public protocol RecordStore: AnyObject {
  /// True when the store cannot be written (a read-only medium); reads still work.
  var isReadOnly: Bool { get }
  /// Runs `body` as one unit (all of it, or none), inside whatever transaction is open.
  func inSavepoint<T>(_ body: () throws -> T) throws -> T
  /// Opens a read transaction unless one is open.
  func beginRead() throws
  var isInTransaction: Bool { get }
  /// Makes everything since the last commit durable.
  func commit() throws
  /// Gives up everything since the last commit.
  func rollback()

  // MARK: Records

  func record(_ kind: EntityKind, _ key: RecordKey) throws -> StoredRecord?
  func patientRecord(ordinal: Int64) throws -> StoredRecord?
  /// The id the next added record of `kind` takes (a patient's ordinal for patients).
  func nextID(for kind: EntityKind) throws -> Int64
  func insertPatient(
    id canonical: String, ordinal: Int64, version: Int64, openingBalance: Money, document: [UInt8]
  ) throws
  func insert(
    _ kind: EntityKind, id: Int64, patientOrdinal: Int64, version: Int64, document: [UInt8]
  ) throws
  /// Replaces a record's JSON and version (and owner); `row` is a patient's ordinal or an id.
  func update(
    _ kind: EntityKind, row: Int64, patientOrdinal: Int64, version: Int64, document: [UInt8]
  ) throws
  func delete(_ kind: EntityKind, _ key: RecordKey) throws
  /// A patient's records of one kind, by id.
  func records(_ kind: EntityKind, ofPatient ordinal: Int64) throws
    -> [(id: Int64, version: Int64, document: [UInt8])]
  func count(_ kind: EntityKind, ofPatient ordinal: Int64) throws -> Int
  /// Ids of the patient's records of `kind` whose `field` holds `id` (pointers to a record).
  func ids(_ kind: EntityKind, ofPatient ordinal: Int64, where field: String, equals id: Int64)
    throws -> [Int64]
  /// Copies a patient's name or email into every record of the patient, each copy a new version
  /// with its own change.
  func copyPatientValues(
    ofPatient ordinal: Int64, patientID: JSONValue, copies: [String: JSONValue], method: String,
    origin: String, at time: Timestamp
  ) throws

  // MARK: Derived fields

  /// Records the exact balance effect of a transaction.
  func setBalanceEffect(transaction id: Int64, _ effect: Money) throws
  func summary(ofPatient ordinal: Int64, visits: Bool, payments: Bool, today: CalendarDate) throws
    -> PatientSummary
  func recentActivity(ofPatient ordinal: Int64) throws -> [JSONObject]
  func clinicDay() throws -> String?
  func setClinicDay(_ day: String) throws
  func patientsWithDatesMoving(after since: String?, through today: CalendarDate) throws -> [Int64]

  // MARK: Change log

  /// Logs one change; returns its sequence number.
  func append(_ event: ChangeEvent, patientOrdinal: Int64?, activity: JSONObject?) throws -> Int64
  func lastSequence() throws -> Int64
  func forEachChange(
    after sequence: Int64, through last: Int64, limit: Int, _ body: (ChangeRow) throws -> Void
  ) throws
  /// Writes `{entityType, id, version}` for each change in the range but the skipped record.
  func writeTouched(
    after: Int64, through: Int64, skipping: (type: String, id: [UInt8]), into writer: JSONWriter
  ) throws
}

extension Store: RecordStore {}
