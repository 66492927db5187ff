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

  /// Counts, payments, balance and (when `visits`) appointment dates for one patient.
  public func summary(ofPatient ordinal: Int64, visits: Bool) throws(StorageError) -> PatientSummary
  {
    var summary = PatientSummary()
    func count(_ table: String, _ status: String?) throws(StorageError) -> Int {
      if let status {
        return Int(
          try database.integer(
            "SELECT count(*) FROM \(table) WHERE patient = ? AND status = ?",
            [.integer(ordinal), .text(status)]) ?? 0)
      }
      return Int(
        try database.integer("SELECT count(*) FROM \(table) WHERE patient = ?", [.integer(ordinal)])
          ?? 0)
    }
    summary.totalAppointments = try count("appointments", nil)
    summary.pendingDocuments = try count("documents", "pending")
    summary.unreadMessages = try count("message_threads", "unread")
    summary.activePrescriptions = try count("prescriptions", "active")
    let payments = try database.statement(
      """
      SELECT doc FROM transactions WHERE patient = ? AND status = 'completed' AND type = 'payment'
        ORDER BY date DESC, id DESC LIMIT ?
      """
    ).bind([.integer(ordinal), .integer(Int64(PatientSummary.paymentHistoryLimit))])
    while try payments.step() {
      if case .object(let transaction)? = try? JSONParser.parse(payments.bytes(0)) {
        summary.payments.append(PatientSummary.payment(from: transaction))
      }
    }
    let effects =
      try database.integer(
        "SELECT coalesce(sum(effect), 0) FROM transactions WHERE patient = ?", [.integer(ordinal)])
      ?? 0
    let opening = try openingBalance(ofPatient: ordinal)
    summary.balance = Money(cents: opening.cents + effects)
    if visits {
      let last = try database.statement(
        "SELECT max(date) FROM appointments WHERE patient = ? AND status = 'completed'"
      ).bind([.integer(ordinal)])
      if try last.step() { summary.lastVisit = last.text(0) }
      last.finish()
      let next = try database.statement(
        "SELECT min(date) FROM appointments WHERE patient = ? AND status IN ('scheduled', 'confirmed')"
      ).bind([.integer(ordinal)])
      if try next.step() { summary.nextAppointment = next.text(0) }
      next.finish()
    }
    return summary
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
