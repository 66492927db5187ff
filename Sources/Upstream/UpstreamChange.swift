/// One row of the upstream change log, as a pull hands it to the agent's sink. `body` is the
/// record's JSON text, patient data: it is never logged.
public struct UpstreamChange: Sendable, Hashable {
  /// The row's place in commit order; the agent's cursor is the last `seq` handed over.
  public var seq: Int64
  public var entityType: String
  public var entityId: String
  /// `created`, `updated` or `deleted`.
  public var change: String
  public var version: Int64
  public var patientId: String?
  public var body: String?
  /// The workstation and mutation that caused it; nil for a writer outside the sync.
  public var clientId: String?
  public var mutationId: Int64?
  /// The owning patient's ordinal (a patient's own), and a created patient's opening balance in
  /// cents (migration 2's columns; nil in older rows).
  public var patient: Int64?
  public var openingBalance: Int64?
  /// The method that made the change (`syncPatientData`, `dayTurned`, …).
  public var method: String?

  public init(
    seq: Int64, entityType: String, entityId: String, change: String, version: Int64,
    patientId: String? = nil, body: String? = nil, clientId: String? = nil,
    mutationId: Int64? = nil, patient: Int64? = nil, openingBalance: Int64? = nil,
    method: String? = nil
  ) {
    self.method = method
    self.seq = seq
    self.entityType = entityType
    self.entityId = entityId
    self.change = change
    self.version = version
    self.patientId = patientId
    self.body = body
    self.clientId = clientId
    self.mutationId = mutationId
    self.patient = patient
    self.openingBalance = openingBalance
  }

  /// The columns a pull selects, in the order `init?(row:)` reads them.
  static let columns =
    """
    seq, entity_type, entity_id, change, version, patient_id, body::text, client_id, mutation_id,
    patient, opening_balance, method
    """

  /// A row of `columns`; nil when a NOT NULL column is missing or a number does not parse.
  init?(row: [String?]) {
    guard row.count == 12, let seq = row[0].flatMap({ Int64($0) }), let entityType = row[1],
      let entityId = row[2], let change = row[3], let version = row[4].flatMap({ Int64($0) })
    else { return nil }
    self.init(
      seq: seq, entityType: entityType, entityId: entityId, change: change, version: version,
      patientId: row[5], body: row[6], clientId: row[7], mutationId: row[8].flatMap { Int64($0) },
      patient: row[9].flatMap { Int64($0) }, openingBalance: row[10].flatMap { Int64($0) },
      method: row[11])
  }
}
