import DataSync
import Domain
import Foundation
import PortalJSON
import Postgres
import Storage
import Synchronization
import TestSupport
import Testing
import Upstream

/// The DataSync rules over PostgreSQL's records give what they give over SQLite: the same
/// requests, run over a `DataSync<Store>` on a temporary file and over a
/// `DataSync<PostgresRecordStore>` on a throwaway cluster with the same fixed clock, leave the
/// same records, byte for byte, and the same change log.
@Suite(.enabled(if: PostgresCluster.testsRun, PostgresCluster.missing))
struct PostgresRecordStoreTests {
  static let clock = Clock.fixed(Timestamp("2026-01-31T09:15:00.000Z")!)

  @Test func sameRequestsLeaveTheSameRecordsAndChanges() throws {
    // One clock for both, moved on at the end so that the day turns over either store.
    let now = Mutex(Self.clock.now())
    let clock = Clock { now.withLock { $0 } }
    let (local, folder) = try Self.sqliteDataSync(clock: clock)
    defer { try? FileManager.default.removeItem(at: folder) }
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let connection = try cluster.connect()
    let upstream = try Self.postgresDataSync(connection, clock: clock)

    let localOutcomes = try Self.scenario(local)
    let upstreamOutcomes = try Self.scenario(upstream)
    #expect(localOutcomes.count == upstreamOutcomes.count)
    for (index, (mine, theirs)) in zip(localOutcomes, upstreamOutcomes).enumerated() {
      #expect(mine == theirs, "step \(index)")
    }
    // The next clinic day moves the dates of the patients with appointments in between.
    now.withLock { $0 = Timestamp("2026-02-20T08:00:00.000Z")! }
    for sync in [local.turnDayIfDue, upstream.turnDayIfDue] { sync() }
    try local.commit()
    try upstream.commit()
    #expect(try local.store.clinicDay() == "2026-02-20")
    #expect(try upstream.store.clinicDay() == "2026-02-20")

    // The refusals the scenario expects did happen.
    #expect(localOutcomes.filter { $0.hasPrefix("error") }.count == 4)

    let localRecords = try Self.records(local.store)
    let upstreamRecords = try Self.records(upstream.store)
    #expect(localRecords.count == 90)
    // The rename reached the copies and the patient's own message senders.
    let thread = try #require(localRecords.first { $0.hasPrefix("messageThread 9 ") })
    #expect(thread.contains(#""patientName":"Dée O'Imported","patientEmail":"dee@example.com""#))
    #expect(thread.components(separatedBy: #""sender":"Dée O'Imported""#).count == 3)
    #expect(localRecords.count == upstreamRecords.count)
    for (mine, theirs) in zip(localRecords, upstreamRecords) {
      #expect(mine == theirs)
    }
    let total = try connection.query(
      "SELECT count(*) FROM portal.records", deadline: .in(seconds: 10))
    #expect(total.scalar == String(upstreamRecords.count))

    let localChanges = try Self.changes(local.store)
    let upstreamChanges = try Self.changes(upstream.store)
    #expect(localChanges.count > 150)
    #expect(localChanges.count == upstreamChanges.count)
    #expect(upstreamChanges.filter { $0.contains(" | dayTurned | ") }.count > 3)
    for (mine, theirs) in zip(localChanges, upstreamChanges) {
      #expect(mine == theirs)
    }

    // A reporting tool reads current records with plain SQL.
    let report = try connection.query(
      """
      SELECT doc ->> 'name', custom_id, opening_balance FROM portal.records
        WHERE kind = 'patient' AND id = 9
      """, deadline: .in(seconds: 10))
    #expect(report.rows == [["Dée O'Imported", "EXT-7", "2500"]])
    // A replica learns a new patient's opening balance from its created change.
    let opening = try connection.query(
      """
      SELECT opening_balance FROM portal.changes
        WHERE entity_type = 'patient' AND entity_id = 'P010' AND change = 'created'
      """, deadline: .in(seconds: 10))
    #expect(opening.rows == [["12050"]])
  }

  @Test func aFailingRequestLeavesPostgreSQLUnchanged() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let connection = try cluster.connect()
    let sync = try Self.postgresDataSync(connection)
    try DemoPractice.add(to: sync)
    try sync.commit()
    let observer = try cluster.connect()
    let before = try Self.snapshot(observer)

    #expect(throws: DomainError.self) {
      try sync.atomically {
        _ = try sync.sync(.patient, id: "P001", updates: ["name": "Renamed"], expectedVersion: nil)
        _ = try sync.delete(.appointment, id: 1)
        _ = try sync.delete(.appointment, id: 404)
      }
    }
    #expect(sync.store.isInTransaction)
    #expect(try Self.snapshot(connection) == before)
    try sync.commit()
    #expect(try Self.snapshot(observer) == before)

    // A server error inside a savepoint is undone alone and the transaction goes on.
    let store = sync.store
    let document = try #require(try store.patientRecord(ordinal: 1)).document
    #expect(throws: PostgresError.self) {
      try store.inSavepoint {
        try store.insertPatient(
          id: "P001", ordinal: 1, version: 1, openingBalance: .zero, document: document)
      }
    }
    _ = try sync.sync(.appointment, id: 1, updates: ["notes": "After"], expectedVersion: nil)
    try sync.commit()
    let notes = try observer.query(
      "SELECT doc ->> 'notes' FROM portal.records WHERE kind = 'appointment' AND id = 1",
      deadline: .in(seconds: 10))
    #expect(notes.scalar == "After")

    // Outside a savepoint, a failed statement spoils the transaction: commit says so, and
    // nothing of it stays.
    try store.beginRead()
    try store.setClinicDay("2030-01-01")
    #expect(throws: PostgresError.self) {
      try store.insertPatient(
        id: "P001", ordinal: 1, version: 1, openingBalance: .zero, document: document)
    }
    #expect(throws: PostgresError.self) { try store.commit() }
    #expect(!store.isInTransaction)
    #expect(try store.clinicDay() == "2026-01-31")
  }

  @Test func assignedIDsAreHandedOutInOrder() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let connection = try cluster.connect()
    let sync = try Self.postgresDataSync(connection)
    sync.store.clientID = "workstation-1"
    sync.store.mutationID = 7
    sync.store.assignedIDs = [.patient: [40], .appointment: [700, 701]]
    let patient = try sync.add(.patient, Self.patient(name: "Ada Park"))
    #expect(try patient.decoded()["id"] == "P040")
    // A request that fails after taking an id gives it back.
    var appointment = Self.appointment("P040", date: "2026-02-20", status: "scheduled")
    appointment["patientName"] = "Someone Else"
    #expect(throws: DomainError.self) { try sync.add(.appointment, appointment) }
    appointment["patientName"] = nil
    #expect(try sync.add(.appointment, appointment).decoded()["id"] == 700)
    #expect(try sync.add(.appointment, appointment).decoded()["id"] == 701)
    // Once the queue runs out, the next id is one past the largest used.
    #expect(try sync.add(.appointment, appointment).decoded()["id"] == 702)
    #expect(try sync.add(.patient, Self.patient(name: "Bo Park")).decoded()["id"] == "P041")
    try sync.commit()
    let marks = try connection.query(
      "SELECT DISTINCT client_id, mutation_id FROM portal.changes", deadline: .in(seconds: 10))
    #expect(marks.rows == [["workstation-1", "7"]])
  }

  @Test func migrationTwoRunsOnceUnderTwoMigrators() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let connectionString = cluster.connectionString
    let applied = Mutex<[[Int]]>([])
    let runners = WorkerThreads(count: 2) { _ in
      let connection = try PostgresConnection(
        connectingTo: PostgresConnectionString(connectionString), deadline: .in(seconds: 10))
      let versions = try UpstreamMigrator().migrate(connection, deadline: .in(seconds: 30))
      applied.withLock { $0.append(versions) }
    }
    #expect(runners.join(seconds: 60))
    #expect(runners.errors.isEmpty, "\(runners.errors)")
    #expect(applied.withLock { $0.flatMap { $0 }.filter { $0 == 2 } } == [2])
    let connection = try cluster.connect()
    let recorded = try connection.query(
      "SELECT count(*) FROM portal.schema_migrations WHERE version = 2", deadline: .in(seconds: 10))
    #expect(recorded.scalar == "1")
    let body = try connection.query(
      """
      SELECT data_type FROM information_schema.columns
        WHERE table_schema = 'portal' AND table_name = 'changes' AND column_name = 'body'
      """, deadline: .in(seconds: 10))
    #expect(body.scalar == "json")
  }

  // MARK: The scenario

  /// The same requests over either store, one commit each; returns each one's answer (or its
  /// refusal), with recentActivity's ids (each store's own sequence numbers) left out.
  static func scenario<Records: RecordStore>(_ sync: DataSync<Records>) throws -> [String] {
    var outcomes: [String] = []
    func step(_ body: () throws -> JSONValue) {
      do {
        outcomes.append(withoutActivityIDs(try body()).description)
      } catch {
        outcomes.append("error \(error)")
      }
      try? sync.commit()
    }
    func encoded(_ body: @escaping () throws -> EncodedJSON) -> () throws -> JSONValue {
      { try body().decoded() }
    }

    try DemoPractice.add(to: sync)
    try sync.commit()
    // An imported patient, whose id is not in generated form.
    let imported = try importedPatient()
    try sync.store.inSavepoint {
      try sync.store.insertPatient(
        id: "EXT-7", ordinal: 9, version: 1, openingBalance: Money(cents: 2500),
        document: imported)
    }
    try sync.commit()

    var withBalance = patient(name: "Cy Reyes")
    withBalance["outstandingBalance"] = .number(JSONNumber("120.50")!)
    step(encoded { try sync.add(.patient, withBalance) })  // P010, after the import's ordinal
    step(encoded { try sync.add(.patient, patient(name: "Eve Stone")) })  // P011
    step(
      encoded {
        try sync.add(.appointment, appointment("P010", date: "2026-01-10", status: "completed"))
      })
    step(
      encoded {
        try sync.add(.appointment, appointment("P010", date: "2026-02-14", status: "scheduled"))
      })
    step(
      encoded {
        try sync.add(.appointment, appointment("P010", date: "2026-03-01", status: "confirmed"))
      })
    step(
      encoded {
        try sync.add(.appointment, appointment("EXT-7", date: "2026-02-02", status: "scheduled"))
      })
    step(
      encoded {
        try sync.add(
          .document,
          [
            "patientId": "P010", "title": "X-ray", "type": "imaging", "status": "pending",
            "uploadDate": "2026-01-20", "uploadedBy": "Radiology", "fileName": "xray.pdf",
            "mimeType": "application/pdf", "sizeBytes": 1000, "appointmentId": 18,
          ])
      })
    step(
      encoded {
        try sync.add(
          .insuranceClaim,
          [
            "patientId": "P010", "serviceDate": "2026-01-10", "submittedDate": "2026-01-11",
            "amount": .number(JSONNumber("150.00")!), "status": "submitted",
            "diagnosisCodes": ["Z00.00"], "procedureCodes": ["99396"], "appointmentId": 17,
          ])
      })
    step(
      encoded {
        try sync.add(.transaction, transaction("P010", "charge", "200.00", "completed", claim: 9))
      })
    step(
      encoded { try sync.add(.transaction, transaction("P010", "payment", "50.25", "completed")) })
    step(encoded { try sync.add(.transaction, transaction("P010", "refund", "10.00", "pending")) })
    step(
      encoded {
        try sync.add(
          .messageThread,
          [
            "patientId": "EXT-7", "subject": "Refill", "category": "prescription",
            "priority": "normal", "status": "unread", "assignedTo": "Front Desk",
            "messages": [
              [
                "id": 1, "from": "patient", "text": "Refill please",
                "timestamp": "2026-01-30T10:00:00.000Z",
              ],
              [
                "id": 2, "from": "admin", "sender": "Front Desk", "text": "On it",
                "timestamp": "2026-01-30T11:00:00.000Z",
              ],
            ],
          ])
      })
    step(
      encoded {
        try sync.appendMessage(
          threadID: 9, message: ["from": "patient", "text": "Thanks"])
      })
    // Renames copy the name (and email) into every record, message senders included.
    step(
      encoded {
        try sync.updateRelated(
          .patient, id: "EXT-7", updates: ["name": "Dée O'Imported", "email": "dee@example.com"],
          expectedVersion: nil)
      })
    step(
      encoded {
        try sync.sync(
          .patient, id: "P001", updates: ["name": "Sarah J. Johnson"], expectedVersion: nil)
      })
    // Moving an appointment to another patient clears the document's pointer to it.
    step(
      encoded {
        try sync.sync(.appointment, id: 18, updates: ["patientId": "P011"], expectedVersion: 1)
      })
    // Deleting the claim clears the transaction's pointer to it.
    step { try sync.delete(.insuranceClaim, id: 9) }
    step(
      encoded { try sync.sync(.appointment, id: 17, updates: ["notes": "x"], expectedVersion: 99) })
    step(
      encoded { try sync.add(.transaction, transaction("P010", "charge", "10.005", "completed")) })
    step {
      try sync.atomically {
        _ = try sync.sync(.patient, id: "P010", updates: ["name": "Renamed"], expectedVersion: nil)
        _ = try sync.delete(.appointment, id: 404)
        return .null
      }
    }
    step { try sync.delete(.patient, id: "P011") }
    step { try sync.delete(.patient, id: "P011", cascade: true) }
    step(encoded { try sync.add(.patient, patient(name: "Flo Hart")) })  // P012: 11 is retired
    step(
      encoded {
        try sync.sync(.transaction, id: 19, updates: ["status": "completed"], expectedVersion: nil)
      })
    step(
      encoded {
        try sync.sync(.appointment, id: 19, updates: ["status": "completed"], expectedVersion: nil)
      })
    step { try sync.delete(.appointment, id: 19) }
    step(
      encoded {
        try sync.updateRelated(
          .patient, id: "P010", updates: ["email": "cy@example.com"], expectedVersion: nil)
      })
    return outcomes
  }

  static func patient(name: String) -> JSONObject {
    [
      "name": .string(name), "email": "someone@example.com", "phone": "(555) 000-1111",
      "dob": "1980-06-01", "address": "1 Test St", "status": "active",
      "assignedDoctor": "Dr. Chen",
      "insurance": ["provider": "Aetna", "memberId": "A1", "group": "G1", "status": "active"],
      "emergencyContact": ["name": "Bo Park", "relationship": "Spouse", "phone": "(555) 000-2222"],
      "medicalHistory": ["conditions": [], "allergies": [], "medications": []],
    ]
  }

  static func appointment(_ patient: String, date: String, status: String) -> JSONObject {
    [
      "patientId": .string(patient), "doctorId": 1, "doctorName": "Dr. Chen",
      "date": .string(date), "time": "10:00 AM", "type": "Follow-up", "status": .string(status),
    ]
  }

  static func transaction(
    _ patient: String, _ type: String, _ amount: String, _ status: String, claim: Int64? = nil
  ) -> JSONObject {
    var transaction: JSONObject = [
      "patientId": .string(patient), "type": .string(type),
      "amount": .number(JSONNumber(amount)!), "date": "2026-01-15", "description": "Visit",
      "status": .string(status),
    ]
    if let claim { transaction["claimId"] = JSONValue(claim) }
    if type == "payment" || type == "refund" { transaction["method"] = "cash" }
    return transaction
  }

  /// A patient record as an import would bring it: made by the rules, then given the id `EXT-7`.
  static func importedPatient() throws -> [UInt8] {
    let scratch = DataSync(
      store: try Store(directory: nil, now: clock.now()), clock: clock, origin: "scratch")
    var input = patient(name: "Imported Person")
    input["outstandingBalance"] = .number(JSONNumber("25.00")!)
    guard case .object(var document) = try scratch.add(.patient, input).decoded() else {
      return []
    }
    document["id"] = "EXT-7"
    return EncodedJSON(document).bytes
  }

  // MARK: Comparing the stores

  static func sqliteDataSync(clock: Clock = clock) throws -> (DataSync<Store>, URL) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "pgstore-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let store = try Store(directory: folder.path, now: clock.now())
    return (DataSync(store: store, clock: clock, origin: "test"), folder)
  }

  static func postgresDataSync(_ connection: PostgresConnection, clock: Clock = clock) throws
    -> DataSync<PostgresRecordStore>
  {
    try UpstreamMigrator().migrate(connection, deadline: .in(seconds: 30))
    let store = PostgresRecordStore(connection: connection, callTimeout: .seconds(10))
    return DataSync(store: store, clock: clock, origin: "test")
  }

  /// Every record, patients by ordinal and then each kind by patient and id: a patient's JSON
  /// without recentActivity's ids, any other record's JSON exactly as stored.
  static func records<Records: RecordStore>(_ store: Records) throws -> [String] {
    var lines: [String] = []
    for ordinal in Int64(1)...Int64(50) {
      if let patient = try store.patientRecord(ordinal: ordinal) {
        let document = withoutActivityIDs(try JSONParser.parse(patient.document))
        lines.append("patient \(ordinal) v\(patient.version) \(document)")
      }
      for kind in EntityKind.all where kind.belongsToPatient {
        for row in try store.records(kind, ofPatient: ordinal) {
          let text = String(decoding: row.document, as: UTF8.self)
          lines.append("\(kind.name) \(row.id) of \(ordinal) v\(row.version) \(text)")
        }
      }
    }
    return lines
  }

  /// The change log, each row without its sequence number.
  static func changes<Records: RecordStore>(_ store: Records) throws -> [String] {
    var lines: [String] = []
    try store.forEachChange(after: 0, through: .max, limit: .max) { row in
      func text(_ bytes: [UInt8]?) -> String {
        bytes.map { String(decoding: $0, as: UTF8.self) } ?? "-"
      }
      var entity = text(row.entity)
      if row.entityType == "patient", let bytes = row.entity {
        entity = withoutActivityIDs(try JSONParser.parse(bytes)).description
      }
      lines.append(
        [
          row.entityType, text(row.entityID), row.change, String(row.version),
          text(row.patientID), text(row.fields), row.method, row.origin,
          row.patientOrdinal.map { String($0) } ?? "-", entity,
        ].joined(separator: " | "))
    }
    return lines
  }

  /// `value` with the `id` of every recentActivity entry in it removed.
  static func withoutActivityIDs(_ value: JSONValue) -> JSONValue {
    switch value {
    case .object(let object):
      var result = JSONObject()
      for member in object {
        if member.key == "recentActivity", case .array(let entries) = member.value {
          result.appendUnchecked(
            member.key,
            .array(
              entries.map { entry in
                guard case .object(var entry) = entry else { return entry }
                entry.removeValue(forKey: "id")
                return .object(entry)
              }))
        } else {
          result.appendUnchecked(member.key, withoutActivityIDs(member.value))
        }
      }
      return .object(result)
    case .array(let elements): return .array(elements.map(withoutActivityIDs))
    default: return value
    }
  }

  /// Everything the store writes, as text, read on `connection`.
  static func snapshot(_ connection: PostgresConnection) throws -> [[String?]] {
    var rows: [[String?]] = []
    for sql in [
      """
      SELECT kind, id, patient, custom_id, version, doc::text, status, date, type, effect,
        opening_balance FROM portal.records ORDER BY kind, id
      """,
      """
      SELECT seq, entity_type, entity_id, change, version, patient_id, body::text, patient,
        fields::text, method, origin, activity::text FROM portal.changes ORDER BY seq
      """,
      "SELECT kind, max_id FROM portal.retired_ids ORDER BY kind",
      "SELECT day FROM portal.clinic_day",
    ] {
      rows += try connection.query(sql, deadline: .in(seconds: 10)).rows
      rows.append(["--"])
    }
    return rows
  }
}
