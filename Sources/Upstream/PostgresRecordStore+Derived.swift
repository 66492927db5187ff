public import Domain
public import PortalJSON
internal import Postgres

/// The facts the derived fields need, as `Store+Derived.swift` reads them in SQLite. There are no
/// kept totals here: the counts and the balance are counted from the patient's rows, through
/// `records_by_status`, in one statement.
extension PostgresRecordStore {
  /// Records the exact balance effect of a transaction.
  public func setBalanceEffect(transaction id: Int64, _ effect: Money) throws {
    try query(
      "UPDATE portal.records SET effect = $1 WHERE kind = $2 AND id = $3",
      [String(effect.cents), EntityKind.Name.transaction.rawValue, String(id)])
  }

  /// Counts, balance and, when asked, payments and appointment dates for one patient, as of the
  /// clinic's date `today`.
  public func summary(
    ofPatient ordinal: Int64, visits: Bool, payments withPayments: Bool, today: CalendarDate
  ) throws -> PatientSummary {
    var summary = PatientSummary()
    let totals = try query(
      """
      SELECT
        (SELECT count(*) FROM portal.records WHERE kind = $2 AND patient = $1),
        (SELECT count(*) FROM portal.records WHERE kind = $3 AND patient = $1
          AND status = 'pending'),
        (SELECT count(*) FROM portal.records WHERE kind = $4 AND patient = $1
          AND status = 'unread'),
        (SELECT count(*) FROM portal.records WHERE kind = $5 AND patient = $1
          AND status = 'active'),
        (SELECT coalesce(sum(effect), 0) FROM portal.records WHERE kind = $6 AND patient = $1)
          + p.opening_balance
        FROM portal.records p WHERE p.kind = 'patient' AND p.id = $1
      """,
      [String(ordinal)]
        + [.appointment, .document, .messageThread, .prescription, .transaction].map {
          (name: EntityKind.Name) -> String? in name.rawValue
        })
    if let row = totals.rows.first {
      summary.totalAppointments = Int(Self.int64(row[0]))
      summary.pendingDocuments = Int(Self.int64(row[1]))
      summary.unreadMessages = Int(Self.int64(row[2]))
      summary.activePrescriptions = Int(Self.int64(row[3]))
      summary.balance = Money(cents: Self.int64(row[4]))
    }
    if withPayments {
      let payments = try query(
        """
        SELECT doc::text FROM portal.records
          WHERE kind = $1 AND patient = $2 AND status = 'completed' AND type = 'payment'
          ORDER BY date DESC NULLS LAST, id DESC LIMIT $3
        """,
        [
          EntityKind.Name.transaction.rawValue, String(ordinal),
          String(PatientSummary.paymentHistoryLimit),
        ])
      for row in payments.rows {
        if case .object(let transaction)? = try? JSONParser.parse(Self.bytes(row[0])) {
          summary.payments.append(PatientSummary.payment(from: transaction))
        }
      }
    }
    if visits {
      (summary.lastVisit, summary.nextAppointment) = try visitDates(
        ofPatient: ordinal, today: today)
    }
    return summary
  }

  /// The latest completed appointment's date up to `today`, and the earliest scheduled or
  /// confirmed one's from `today` on.
  public func visitDates(ofPatient ordinal: Int64, today: CalendarDate) throws -> (
    last: String?, next: String?
  ) {
    let row = try query(
      """
      SELECT
        (SELECT max(date) FROM portal.records WHERE kind = $1 AND patient = $2
          AND status = 'completed' AND date <= $3),
        (SELECT min(date) FROM portal.records WHERE kind = $1 AND patient = $2
          AND status IN ('scheduled', 'confirmed') AND date >= $3)
      """,
      [EntityKind.Name.appointment.rawValue, String(ordinal), today.description]
    ).rows.first
    return (row?[0] ?? nil, row?[1] ?? nil)
  }

  /// The patient's newest activity entries, each with its change's `seq` as its id.
  public func recentActivity(ofPatient ordinal: Int64) throws -> [JSONObject] {
    let rows = try query(
      """
      SELECT seq, activity::text FROM portal.changes
        WHERE patient = $1 AND activity IS NOT NULL ORDER BY seq DESC LIMIT $2
      """, [String(ordinal), String(PatientSummary.activityLimit)])
    var entries: [JSONObject] = []
    for row in rows.rows {
      guard case .object(let activity)? = try? JSONParser.parse(Self.bytes(row[1])) else {
        continue
      }
      var entry: JSONObject = ["id": JSONValue(Self.int64(row[0]))]
      for member in activity { entry.appendUnchecked(member.key, member.value) }
      entries.append(entry)
    }
    return entries
  }

  /// The clinic's date the derived dates were last moved to, if any.
  public func clinicDay() throws -> String? {
    try query("SELECT day FROM portal.clinic_day").scalar
  }

  public func setClinicDay(_ day: String) throws {
    try query(
      """
      INSERT INTO portal.clinic_day ("only", day) VALUES (1, $1)
        ON CONFLICT ("only") DO UPDATE SET day = excluded.day
      """, [day])
  }

  /// Patients with an appointment dated after `since` (every day, when nil) through `today` that
  /// can move their dates, each once, in the order of their first such appointment by date and
  /// id (the order SQLite's date index gives).
  public func patientsWithDatesMoving(after since: String?, through today: CalendarDate) throws
    -> [Int64]
  {
    try query(
      """
      SELECT patient FROM (
        SELECT DISTINCT ON (patient) patient, date, id FROM portal.records
          WHERE kind = $1 AND date >= $2 AND date <= $3
            AND status IN ('scheduled', 'confirmed', 'completed')
          ORDER BY patient, date, id
      ) first ORDER BY date, id
      """, [EntityKind.Name.appointment.rawValue, since ?? "", today.description]
    ).rows.map { Self.int64($0[0]) }
  }
}
