public import Domain
public import PortalJSON

/// The facts the cross-section rules need, read with the derived-field columns and indexes.
extension Store {
  /// The patient record at `ordinal`.
  public func patientRecord(ordinal: Int64) throws(StorageError) -> StoredRecord? {
    let statement = try database.statement("SELECT version, doc FROM patients WHERE ordinal = ?")
      .bind([.integer(ordinal)])
    guard try statement.step() else { return nil }
    defer { statement.finish() }
    return StoredRecord(
      version: statement.int64(0), patientOrdinal: ordinal, document: statement.bytes(1))
  }

  /// Counts, balance and, when asked, payments and appointment dates for one patient, as of the
  /// clinic's date `today`. Counts and balance come from `patient_totals`, the payments from at
  /// most `paymentHistoryLimit` index entries and the dates from one index seek each, so the cost
  /// does not grow with the patient's history.
  public func summary(
    ofPatient ordinal: Int64, visits: Bool, payments withPayments: Bool, today: CalendarDate
  ) throws(StorageError) -> PatientSummary {
    var summary = PatientSummary()
    let totals = try database.statement(
      """
      SELECT t.appointments, t.pending_documents, t.unread_messages, t.active_prescriptions,
        t.balance_effects + p.opening_balance
        FROM patient_totals t JOIN patients p ON p.ordinal = t.patient WHERE t.patient = ?
      """
    ).bind([.integer(ordinal)])
    if try totals.step() {
      summary.totalAppointments = Int(totals.int64(0))
      summary.pendingDocuments = Int(totals.int64(1))
      summary.unreadMessages = Int(totals.int64(2))
      summary.activePrescriptions = Int(totals.int64(3))
      summary.balance = Money(cents: totals.int64(4))
      totals.finish()
    }
    if withPayments {
      let payments = try database.statement(
        """
        SELECT doc FROM transactions
          WHERE patient = ? AND status = 'completed' AND type = 'payment'
          ORDER BY date DESC, id DESC LIMIT ?
        """
      ).bind([.integer(ordinal), .integer(Int64(PatientSummary.paymentHistoryLimit))])
      while try payments.step() {
        if case .object(let transaction)? = try? JSONParser.parse(payments.bytes(0)) {
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
  public func visitDates(ofPatient ordinal: Int64, today: CalendarDate) throws(StorageError) -> (
    last: String?, next: String?
  ) {
    let day = SQLValue.text(today.description)
    let last = try database.statement(
      "SELECT max(date) FROM appointments WHERE patient = ? AND status = 'completed' AND date <= ?"
    ).bind([.integer(ordinal), day])
    let lastVisit = try last.step() ? last.text(0) : nil
    last.finish()
    let next = try database.statement(
      """
      SELECT min(date) FROM appointments
        WHERE patient = ? AND status IN ('scheduled', 'confirmed') AND date >= ?
      """
    ).bind([.integer(ordinal), day])
    let nextAppointment = try next.step() ? next.text(0) : nil
    next.finish()
    return (lastVisit, nextAppointment)
  }

  /// What the triggers keep in `patient_totals`, counted afresh from the records (for `--check`):
  /// appointments, pending documents, unread threads, active prescriptions, balance effects.
  public func recountedTotals(ofPatient ordinal: Int64) throws(StorageError) -> (
    kept: [Int64], counted: [Int64]
  ) {
    let patient = SQLValue.integer(ordinal)
    let kept = try database.statement(
      """
      SELECT appointments, pending_documents, unread_messages, active_prescriptions,
        balance_effects FROM patient_totals WHERE patient = ?
      """
    ).bind([patient])
    var keptValues: [Int64] = []
    if try kept.step() { keptValues = (Int32(0)..<5).map { kept.int64($0) } }
    kept.finish()
    var counted: [Int64] = []
    for query in [
      "SELECT count(*) FROM appointments WHERE patient = ?",
      "SELECT count(*) FROM documents WHERE patient = ? AND status = 'pending'",
      "SELECT count(*) FROM message_threads WHERE patient = ? AND status = 'unread'",
      "SELECT count(*) FROM prescriptions WHERE patient = ? AND status = 'active'",
      "SELECT coalesce(sum(effect), 0) FROM transactions WHERE patient = ?",
    ] {
      counted.append(try database.integer(query, [patient]) ?? 0)
    }
    return (keptValues, counted)
  }

  /// The clinic's date the derived dates were last moved to, if any.
  public func clinicDay() throws(StorageError) -> String? {
    let statement = try database.statement("SELECT day FROM clinic_day")
    defer { statement.finish() }
    return try statement.step() ? statement.text(0) : nil
  }

  public func setClinicDay(_ day: String) throws(StorageError) {
    try database.statement("INSERT OR REPLACE INTO clinic_day(only, day) VALUES (1, ?)")
      .bind([.text(day)]).run()
  }

  /// Patients whose `lastVisit` or `nextAppointment` the days after `since` (every day, when
  /// nil) through `today` can move: those with an appointment dated in that span.
  public func patientsWithDatesMoving(after since: String?, through today: CalendarDate)
    throws(StorageError) -> [Int64]
  {
    let statement = try database.statement(
      """
      SELECT DISTINCT patient FROM appointments
        WHERE date >= ? AND date <= ? AND status IN ('scheduled', 'confirmed', 'completed')
      """
    ).bind([.text(since ?? ""), .text(today.description)])
    var patients: [Int64] = []
    while try statement.step() { patients.append(statement.int64(0)) }
    return patients
  }

  /// The patient's newest activity entries, each with its change's sequence number as its id.
  public func recentActivity(ofPatient ordinal: Int64) throws(StorageError) -> [JSONObject] {
    let statement = try database.statement(
      "SELECT seq, activity FROM changes WHERE patient = ? AND activity IS NOT NULL ORDER BY seq DESC LIMIT ?"
    ).bind([.integer(ordinal), .integer(Int64(PatientSummary.activityLimit))])
    var entries: [JSONObject] = []
    while try statement.step() {
      guard case .object(let activity)? = try? JSONParser.parse(statement.bytes(1)) else {
        continue
      }
      var entry: JSONObject = ["id": JSONValue(statement.int64(0))]
      for member in activity { entry.appendUnchecked(member.key, member.value) }
      entries.append(entry)
    }
    return entries
  }

  /// Records the exact balance effect of a transaction (what `sum(effect)` adds up, in integers).
  public func setBalanceEffect(transaction id: Int64, _ effect: Money) throws(StorageError) {
    try database.statement("UPDATE transactions SET effect = ? WHERE id = ?")
      .bind([.integer(effect.cents), .integer(id)]).run()
  }

  /// Ids of the patient's records of `kind` whose `field` holds `id` (pointers to a record).
  public func ids(
    _ kind: EntityKind, ofPatient ordinal: Int64, where field: String, equals id: Int64
  ) throws(StorageError) -> [Int64] {
    let statement = try database.statement(
      "SELECT id FROM \(kind.tableName) WHERE patient = ? AND doc ->> '$.\(field)' = ? ORDER BY id"
    ).bind([.integer(ordinal), .integer(id)])
    var ids: [Int64] = []
    while try statement.step() { ids.append(statement.int64(0)) }
    return ids
  }
}
