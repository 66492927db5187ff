internal import DataSync
internal import Domain
internal import Foundation
internal import PortalJSON
internal import Postgres
internal import Storage
internal import Upstream

/// The sync agent's work on this workstation's store: applying pulled pages (the rebase) and
/// pushing the outbox's head with `UpstreamApplier`. It runs on the agent's thread alone, over
/// a store connection of its own (SQLite's write lock orders it with the windows' writes). It
/// rings the peer bell after a commit that changed what windows see (a pull's visible changes, a
/// refused write rolled back), so every window of the directory, this one's included, sends them.
final class ReplicaWorker: @unchecked Sendable {
  private let dataSync: DataSync<Store>
  private let applier: UpstreamApplier
  private let bellPath: String
  /// The rules over PostgreSQL's records, for the clinic's day turn (per connection).
  private var upstreamDay: DataSync<PostgresRecordStore>?
  let clientID: String

  /// Where long work (a download, a long push) is told.
  private let progress: SyncProgress
  /// How many entries the current run of pushes has pushed (reset when the outbox empties).
  private var pushedInRun = 0

  /// This workstation's name, shown in PostgreSQL's `portal.clients`.
  private let clientName: String
  /// Told of each call this worker makes to PostgreSQL, for `getMetrics`.
  let calls: UpstreamCallObserver

  init(
    directory: String, options: Store.Options, clock: Clock, callTimeout: Duration,
    clientName: String = "", progress: SyncProgress = SyncProgress(),
    calls: UpstreamCallObserver = .none
  ) throws {
    self.progress = progress
    self.clientName = clientName
    self.calls = calls
    let store = try Store(directory: directory, options: options, now: clock.now())
    try store.captureConfirmedState()
    dataSync = DataSync(store: store, clock: clock, origin: DataSync<Store>.upstreamOrigin)
    dataSync.turnsDays = false  // a replica's dates come from PostgreSQL
    clientID = try Self.clientID(store)
    try dataSync.commit()
    applier = UpstreamApplier(clientID: clientID, callTimeout: callTimeout) { error in
      Self.rejection(error)
    }
    bellPath = directory + "/portal.db-bell"
  }

  /// The agent's store connection, for its work beside the outbox.
  var dataSyncStore: Store { dataSync.store }

  /// Wakes every window of the directory (they look at the store again).
  func ringBell() { PeerWatcher.ring(bellPath) }

  /// This data directory's name upstream: made once, kept in the store.
  static func clientID(_ store: Store) throws -> String {
    try store.beginRead()
    if let id = try store.syncValue("client_id") { return id }
    let id = UUID().uuidString.lowercased()
    try store.inSavepoint { try store.setSyncValue("client_id", id) }
    return id
  }

  /// The error a client gets for a refused write, `{code, message, data}`; nil when the error is
  /// not the write's (a temporary PostgreSQL failure).
  static func rejection(_ error: any Error) -> JSONValue? {
    if let error = error as? PostgresError, error.isTemporary { return nil }
    let response = ResponseError(error)
    var object: JSONObject = [
      "code": JSONValue(Int64(response.code.rawValue)), "message": .string(response.message),
    ]
    if let data = response.data { object["data"] = data }
    return .object(object)
  }

  /// The cursor a new agent starts after.
  func cursor() -> Int64 {
    // The read ends here: an idle agent holding a snapshot would keep the log from being
    // checkpointed.
    defer { try? dataSync.commit() }
    return (try? dataSync.read { try dataSync.store.syncValue("cursor") }).flatMap { $0 }.flatMap {
      Int64($0)
    } ?? 0
  }

  /// On each new connection: joins the upstream if this store never has (downloading or
  /// uploading as the joining rules say); the cursor to go on from when it moved.
  /// Ids are leased here too, so a replica reported online can answer an add.
  func prepare(_ connection: PostgresConnection, deadline: ContinuousClock.Instant) throws -> Int64?
  {
    let joined = try calls.time("join") {
      try ReplicaJoin.join(dataSync, connection, log: nil) { done, total in
        self.progress.report("download", done: done, total: total)
      }
    }
    try refillLeases(connection, deadline: deadline)
    syncStaffAndAudit(connection, deadline: deadline)
    try calls.time("register") { () throws(PostgresError) in
      try connection.query(
        """
        INSERT INTO portal.clients (client_id, name, first_seen, last_seen) VALUES ($1, $2, now(), now())
          ON CONFLICT (client_id) DO UPDATE SET name = excluded.name, last_seen = now()
        """, [clientID, clientName], deadline: deadline)
    }
    return joined.outcome == nil ? nil : joined.cursor
  }

  // MARK: Pull

  /// Applies a page of PostgreSQL's changes as confirmed state under the pending writes.
  func pull(_ changes: [UpstreamChange]) throws {
    guard let last = changes.last else { return }
    do {
      let confirmed = try changes.compactMap(confirmedChange)
      // This workstation's own mutations in the page are applied, whatever the outbox says:
      // re-applied on top of their own confirmed effect, an add would take the next id.
      var ownMutations: [Int64: Int64] = [:]
      for change in changes where change.clientId == clientID {
        if let mutation = change.mutationId { ownMutations[mutation] = change.seq }
      }
      try dataSync.store.inSavepoint {
        for (mutation, sequence) in ownMutations {
          try dataSync.store.noteOutboxAppliedUpstream(mutation, sequence: sequence)
        }
      }
      let ownOnly = changes.allSatisfy { $0.clientId == clientID && $0.mutationId != nil }
      if ownOnly, try dataSync.confirmOwn(confirmed, cursor: last.seq) {
        try dataSync.commit()
        return
      }
      let logged = try dataSync.rebase(applying: confirmed, cursor: last.seq)
      try dataSync.commit()
      _ = dataSync.takeLoggedChanges()
      if logged > 0 { PeerWatcher.ring(bellPath) }
    } catch {
      dataSync.rollback()
      throw error
    }
  }

  /// A change row as the record it leaves; nil for a row of a kind this build does not know.
  private func confirmedChange(_ change: UpstreamChange) throws -> ConfirmedChange? {
    guard let kind = EntityKind.named(change.entityType) else { return nil }
    let row: Int64
    if kind.name == .patient {
      guard let ordinal = change.patient else { return nil }
      row = ordinal
    } else {
      guard let id = Int64(change.entityId) else { return nil }
      row = id
    }
    guard change.change != "deleted", let body = change.body, let owner = change.patient else {
      return ConfirmedChange(kind: kind.name, row: row, record: nil, method: change.method)
    }
    let customID =
      kind.name == .patient && PatientID.ordinal(of: change.entityId) != row
      ? change.entityId : nil
    let opening =
      try change.openingBalance
      ?? (kind.name == .patient ? dataSync.store.openingBalance(ofPatient: row).cents : 0)
    return ConfirmedChange(
      kind: kind.name, row: row,
      record: ConfirmedRecord(
        patientOrdinal: owner, customID: customID, version: change.version,
        openingBalance: opening, document: Array(body.utf8)), method: change.method)
  }

  // MARK: Push

  /// Pushes the oldest pending entries, each in its own PostgreSQL transaction, for as long as
  /// they are applied (at most `pushBatch` of them, or `pushSlice`, so the agent still hears
  /// NOTIFY and heartbeats between calls); a refusal rolls its entry's effect back here at once
  /// and ends the call. Tops up the leased ids first, while the connection is up.
  func push(_ connection: PostgresConnection, deadline: ContinuousClock.Instant)
    throws(PostgresError) -> SyncAgent.PushOutcome
  {
    try refillLeases(connection, deadline: deadline)
    turnUpstreamDayIfDue(connection)
    syncStaffAndAudit(connection, deadline: deadline)
    let started = ContinuousClock.now
    var pushed = 0
    while true {
      let step: SyncAgent.PushOutcome
      do {
        step = try pushHead(connection)
      } catch {
        // Entries already pushed count; the failure comes back on the next call.
        if pushed > 0 { return .pushed(remaining: 1) }
        throw error
      }
      guard case .pushed(let remaining) = step else {
        return pushed > 0 && step == .nothingToPush ? .pushed(remaining: 0) : step
      }
      pushed += 1
      if remaining == 0 || pushed >= Self.pushBatch
        || ContinuousClock.now - started > Self.pushSlice
      {
        return step
      }
    }
  }

  /// At most this many transactions per push call, and for at most this long.
  static let pushBatch = 16
  static let pushSlice = Duration.milliseconds(200)

  /// Pushes the oldest pending entries, up to `transactionSize` of them in one PostgreSQL
  /// transaction, then records each outcome here (a refusal rolls its entry's effect back).
  private func pushHead(_ connection: PostgresConnection) throws(PostgresError)
    -> SyncAgent.PushOutcome
  {
    let rows: [OutboxRow]
    do {
      rows = try dataSync.read {
        try dataSync.store.outboxRows(state: "pending", limit: Self.transactionSize)
      }
      try dataSync.commit()
    } catch {
      dataSync.rollback()
      return .failedTemporarily(.localStore)
    }
    guard !rows.isEmpty else { return .nothingToPush }
    var outcomes: [Int64: UpstreamApplier.Outcome] = [:]
    var batch: [(JournalEntry, Int64)] = []
    for row in rows {
      if let entry = JournalEntry(row) {
        batch.append((entry, row.mutationID))
      } else {
        outcomes[row.mutationID] = .rejected(
          error: Self.rejection(
            ResponseError.withDetail(.internalError, "an unreadable outbox entry")) ?? .null)
      }
    }
    do {
      let applied = try calls.time("push") { () throws(PostgresError) in
        try applier.apply(batch, on: connection)
      }
      for (outcome, (_, id)) in zip(applied, batch) {
        outcomes[id] = outcome
      }
    } catch {
      if let first = rows.first { try? recordAttempt(first.mutationID) }
      throw error
    }
    var rejected = false
    do {
      try dataSync.store.inSavepoint {
        for row in rows {
          switch outcomes[row.mutationID] {
          case .applied(let sequence)?:
            try dataSync.store.markOutboxApplied(row.mutationID, sequence: sequence)
          case .rejected(let error)?:
            try dataSync.store.rejectOutbox(row.mutationID, error: EncodedJSON(error).bytes)
            rejected = true
          case nil: break
          }
        }
        if rejected { _ = try dataSync.rebase(applying: [], cursor: nil) }
      }
      let remaining = try dataSync.store.outboxCounts().pending
      try dataSync.commit()
      pushedInRun += rows.count
      progress.report("push", done: pushedInRun, total: pushedInRun + remaining)
      if remaining == 0 { pushedInRun = 0 }
      _ = dataSync.takeLoggedChanges()
      if rejected {
        PeerWatcher.ring(bellPath)  // the refused writes' effects were rolled back
        return .rejected(remaining: remaining)
      }
      return .pushed(remaining: remaining)
    } catch {
      // PostgreSQL has the outcomes; the next push reads them back from there.
      dataSync.rollback()
      return .failedTemporarily(.localStore)
    }
  }

  /// How many entries one PostgreSQL transaction applies (one commit for all of them).
  static let transactionSize = 64

  /// The clinic's day turns upstream, once, by whichever agent comes first (PostgreSQL's
  /// `clinic_day` says which day the dates were last moved to); every replica pulls the moved
  /// dates like any other change.
  private func turnUpstreamDayIfDue(_ connection: PostgresConnection) {
    if upstreamDay?.store.connection !== connection {
      let store = PostgresRecordStore(
        connection: connection, callTimeout: applier.callTimeout, clientID: clientID)
      upstreamDay = DataSync(store: store, clock: dataSync.clock, origin: clientID)
    }
    guard let upstream = upstreamDay, upstream.isDayTurnDue else { return }
    upstream.currentMethod = DataSync<PostgresRecordStore>.dayTurnMethod
    do {
      let day = try calls.time("dayTurn") { () throws -> String? in
        upstream.turnDayIfDue()
        try upstream.commit()
        guard let day = try upstream.store.clinicDay() else { return nil }
        try upstream.commit()
        return day
      }
      // The replica keeps the day its dates were moved to, as a standalone store does, so
      // `--check` compares them as of that day.
      if let day {
        try dataSync.store.inSavepoint {
          if try dataSync.store.clinicDay() != day { try dataSync.store.setClinicDay(day) }
        }
        try dataSync.commit()
      }
    } catch {
      upstream.rollback()
      dataSync.rollback()
    }
  }

  /// Leases a new block of ids for every kind with less than half a block left.
  private func refillLeases(_ connection: PostgresConnection, deadline: ContinuousClock.Instant)
    throws(PostgresError)
  {
    for kind in EntityKind.all {
      let left = (try? dataSync.read { try dataSync.store.leasedIDsLeft(for: kind) }) ?? 0
      try? dataSync.commit()
      guard left < IDLease.reserve else { continue }
      let block = try calls.time("lease") { () throws(PostgresError) in
        try IDLease.lease(kind.name, clientID: clientID, on: connection, deadline: deadline)
      }
      do {
        try dataSync.store.inSavepoint { try dataSync.store.addLease(for: kind, block) }
        try dataSync.commit()
      } catch {
        dataSync.rollback()  // the block is given up (ids are plenty; none is reused)
      }
    }
  }

  /// Counts a failed try of the entry, for the queue's `retrying` state.
  private func recordAttempt(_ mutationID: Int64) throws {
    do {
      try dataSync.store.inSavepoint {
        try dataSync.store.deferOutbox(mutationID, nextAttemptAt: nil)
      }
      try dataSync.commit()
      PeerWatcher.ring(bellPath)
    } catch {
      dataSync.rollback()
      throw error
    }
  }
}
