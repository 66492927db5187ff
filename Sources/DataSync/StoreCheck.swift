public import Domain
internal import PortalJSON
public import Storage

/// `portal-rpc --check`: is this store sound, and do DataSync's invariants hold in it? SQLite's
/// integrity and foreign-key checks, a gap-free change log, and for every record: its JSON
/// parses and validates, its version matches, every copy of a patient's name and email equals
/// the patient's, every derived field equals what the records it derives from say, every pointer
/// names a record of the same patient, and every balance equals its opening balance plus its
/// completed transactions, exactly. Problems name the record and the field, never a value.
public struct StoreCheck: Sendable {
  public var problems: [String] = []
  public var counts: [(table: String, rows: Int)] = []
  public var schemaVersion = 0
  public var lastSequence: Int64 = 0

  public var isSound: Bool { problems.isEmpty }

  public static func run(_ store: Store, today: CalendarDate) throws -> StoreCheck {
    var check = StoreCheck()
    check.schemaVersion = try store.schemaVersion()
    guard check.schemaVersion == Migrations.latestVersion else {
      check.problems.append(
        "the store has schema version \(check.schemaVersion); this portal-rpc expects \(Migrations.latestVersion) (opening it with portal-rpc upgrades it)"
      )
      return check
    }
    check.problems += try store.integrityProblems()
    check.counts = try store.counts()
    let gaps = try store.sequenceGaps()
    check.lastSequence = gaps.newest
    if gaps.count != 0 {
      check.problems.append(
        "the change log misses \(gaps.count) sequence number\(gaps.count == 1 ? "" : "s")")
    }
    // Derived dates are as of the clinic day the store last turned to (a store closed since then
    // turns when next opened); a new store has not turned yet.
    let asOf = try store.clinicDay().flatMap(CalendarDate.init) ?? today
    try check.records(store, today: today, asOf: asOf)
    return check
  }

  private mutating func records(_ store: Store, today: CalendarDate, asOf: CalendarDate) throws {
    var patients: [Int64: JSONObject] = [:]
    var children: [EntityKind.Name: [Int64: (patient: Int64, document: JSONObject)]] = [:]
    let validator = Validator(mode: .update, today: today)
    for kind in EntityKind.all {
      for row in try store.rows(kind) {
        let label =
          "\(kind.name.rawValue) \(kind.belongsToPatient ? String(row.row) : "#\(row.row)")"
        guard case .object(let document)? = try? JSONParser.parse(row.document) else {
          problems.append("\(label): its JSON does not parse")
          continue
        }
        if Meta(document["meta"] ?? .null)?.version != row.version {
          problems.append("\(label): meta.version differs from the row's version")
        }
        if case .failure(let failure) = validator.validate(
          EntityDocument.clientPart(of: document, kind), as: kind)
        {
          for error in failure.errors where !error.message.contains("future") {
            problems.append("\(label): \(error.path) \(error.message)")
          }
        }
        for (column, stored) in row.columns where document[column]?.stringValue ?? "NULL" != stored
        {
          problems.append("\(label): the \(column) column differs from its JSON")
        }
        if kind.name == .transaction, PatientSummary.balanceEffect(of: document).cents != row.effect
        {
          problems.append("\(label): its balance effect column is wrong")
        }
        if kind.name == .patient {
          patients[row.row] = document
        } else {
          children[kind.name, default: [:]][row.row] = (row.patientOrdinal, document)
        }
      }
    }
    for (kind, records) in children {
      for (id, record) in records {
        checkChild(
          EntityKind.named(kind), id, record.document, patients[record.patient], children,
          record.patient)
      }
    }
    for (ordinal, patient) in patients {
      checkPatient(
        ordinal, patient, children, opening: try store.openingBalance(ofPatient: ordinal),
        asOf: asOf)
      let totals = try store.recountedTotals(ofPatient: ordinal)
      if totals.kept != totals.counted {
        problems.append("patient #\(ordinal): its kept totals differ from its records")
      }
    }
  }

  private mutating func checkChild(
    _ kind: EntityKind, _ id: Int64, _ document: JSONObject, _ patient: JSONObject?,
    _ children: [EntityKind.Name: [Int64: (patient: Int64, document: JSONObject)]], _ owner: Int64
  ) {
    let label = "\(kind.name.rawValue) \(id)"
    guard let patient else {
      problems.append("\(label): its patient does not exist")
      return
    }
    if document["patientId"] != patient["id"] {
      problems.append("\(label): patientId is not its patient's id")
    }
    if document["patientName"] != patient["name"] {
      problems.append("\(label): patientName differs from the patient's name")
    }
    if kind.field(named: "patientEmail") != nil, document["patientEmail"] != patient["email"] {
      problems.append("\(label): patientEmail differs from the patient's email")
    }
    if kind.name == .messageThread {
      let newest = (document["messages"]?.arrayValue ?? []).compactMap {
        $0["timestamp"]?.stringValue
      }.max()
      if document["lastMessageTime"]?.stringValue != newest {
        problems.append("\(label): lastMessageTime is not its newest message's time")
      }
      for (index, message) in (document["messages"]?.arrayValue ?? []).enumerated()
      where message["from"]?.stringValue == "patient" && message["sender"] != patient["name"] {
        problems.append("\(label): message \(index) is from the patient but names another sender")
      }
    }
    for field in kind.fields {
      guard case .reference(let target) = field.type, let pointer = document[field.name]?.int64Value
      else { continue }
      if children[target]?[pointer]?.patient != owner {
        problems.append(
          "\(label): \(field.name) does not name a \(target.rawValue) of the same patient")
      }
    }
  }

  private mutating func checkPatient(
    _ ordinal: Int64, _ patient: JSONObject,
    _ children: [EntityKind.Name: [Int64: (patient: Int64, document: JSONObject)]], opening: Money,
    asOf today: CalendarDate
  ) {
    let label = "patient #\(ordinal)"
    func mine(_ kind: EntityKind.Name) -> [(Int64, JSONObject)] {
      (children[kind] ?? [:]).filter { $0.value.patient == ordinal }.map {
        ($0.key, $0.value.document)
      }
      .sorted { $0.0 < $1.0 }
    }
    func count(_ kind: EntityKind.Name, _ status: String?) -> Int {
      mine(kind).filter { status == nil || $0.1["status"]?.stringValue == status }.count
    }
    var expected = PatientSummary()
    expected.totalAppointments = count(.appointment, nil)
    expected.pendingDocuments = count(.document, "pending")
    expected.unreadMessages = count(.messageThread, "unread")
    expected.activePrescriptions = count(.prescription, "active")
    if patient["quickStats"] != expected.quickStats {
      problems.append("\(label): quickStats differ from its records")
    }
    let balance = mine(.transaction).reduce(opening) { $0 + PatientSummary.balanceEffect(of: $1.1) }
    if patient["outstandingBalance"].flatMap(Money.init) != balance {
      problems.append(
        "\(label): outstandingBalance differs from its opening balance plus its completed transactions"
      )
    }
    let payments = mine(.transaction)
      .filter {
        $0.1["status"]?.stringValue == "completed" && $0.1["type"]?.stringValue == "payment"
      }
      .sorted { ($0.1["date"]?.stringValue ?? "", $0.0) > ($1.1["date"]?.stringValue ?? "", $1.0) }
      .prefix(PatientSummary.paymentHistoryLimit).map { PatientSummary.payment(from: $0.1) }
    expected.payments = Array(payments)
    if patient["billing"] != expected.billing {
      problems.append("\(label): billing differs from its payments")
    }
    let day = today.description
    let dated = mine(.appointment).compactMap { record -> (status: String, date: String)? in
      guard let status = record.1["status"]?.stringValue, let date = record.1["date"]?.stringValue
      else { return nil }
      return (status, date)
    }
    let lastVisit = dated.filter { $0.status == "completed" && $0.date <= day }.map(\.date).max()
    let next = dated.filter { ["scheduled", "confirmed"].contains($0.status) && $0.date >= day }
      .map(\.date).min()
    if patient["lastVisit"]?.stringValue != lastVisit {
      problems.append("\(label): lastVisit differs from its latest completed appointment")
    }
    if patient["nextAppointment"]?.stringValue != next {
      problems.append(
        "\(label): nextAppointment differs from its earliest scheduled or confirmed appointment")
    }
  }
}
