internal import DataSync
internal import Domain
internal import Foundation
internal import PortalJSON
internal import Postgres
internal import Storage
internal import Upstream

/// The sync agent's work on this workstation's store: applying pulled pages (the rebase) and
/// pushing the outbox's head with `UpstreamApplier`. It runs on the agent's thread alone, over
/// a store connection of its own (SQLite's write lock orders it with the windows' writes), and
/// rings the peer bell after each commit, so every window of the directory, this one's included,
/// sends the changes.
final class ReplicaWorker: @unchecked Sendable {
  private let dataSync: DataSync<Store>
  private let applier: UpstreamApplier
  private let bellPath: String
  let clientID: String

  init(directory: String, options: Store.Options, clock: Clock, callTimeout: Duration) throws {
    let store = try Store(directory: directory, options: options, now: clock.now())
    try store.captureConfirmedState()
    dataSync = DataSync(store: store, clock: clock, origin: DataSync<Store>.upstreamOrigin)
    clientID = try Self.clientID(store)
    try dataSync.commit()
    applier = UpstreamApplier(clientID: clientID, callTimeout: callTimeout) { error in
      Self.rejection(error)
    }
    bellPath = directory + "/portal.db-bell"
  }

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
    (try? dataSync.read { try dataSync.store.syncValue("cursor") }).flatMap { $0 }.flatMap {
      Int64($0)
    } ?? 0
  }

  /// On each new connection: joins the upstream if this store never has (downloading or
  /// uploading as the joining rules say) and tops up the leased ids, so a workstation seen
  /// online can add at once; the cursor to go on from when it moved.
  func prepare(_ connection: PostgresConnection, deadline: ContinuousClock.Instant) throws
    -> Int64?
  {
    let joined = try ReplicaJoin.join(dataSync, connection, log: nil)
    try refillLeases(connection, deadline: deadline)
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
      return ConfirmedChange(kind: kind.name, row: row, record: nil)
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
        openingBalance: opening, document: Array(body.utf8)))
  }

  // MARK: Push

  /// Pushes the oldest pending entry; a refusal rolls its effect back here at once. Tops up the
  /// leased ids first, while the connection is up.
  func push(_ connection: PostgresConnection, deadline: ContinuousClock.Instant)
    throws(PostgresError) -> SyncAgent.PushOutcome
  {
    try refillLeases(connection, deadline: deadline)
    let head: OutboxRow
    do {
      guard
        let row = try dataSync.read({
          try dataSync.store.outboxRows(state: "pending", limit: 1).first
        })
      else {
        try? dataSync.commit()
        return .nothingToPush
      }
      try dataSync.commit()
      head = row
    } catch {
      dataSync.rollback()
      return .failedTemporarily(.localStore)
    }
    let outcome: UpstreamApplier.Outcome
    if let entry = JournalEntry(head) {
      do {
        outcome = try applier.apply(entry, mutationID: head.mutationID, on: connection)
      } catch {
        try? recordAttempt(head.mutationID)
        throw error
      }
    } else {
      outcome = .rejected(
        error: Self.rejection(
          ResponseError.withDetail(.internalError, "an unreadable outbox entry"))
          ?? .null)
    }
    do {
      try dataSync.store.inSavepoint {
        switch outcome {
        case .applied(let sequence):
          try dataSync.store.markOutboxApplied(head.mutationID, sequence: sequence)
        case .rejected(let error):
          try dataSync.store.rejectOutbox(head.mutationID, error: EncodedJSON(error).bytes)
          _ = try dataSync.rebase(applying: [], cursor: nil)
        }
      }
      let remaining = try dataSync.store.outboxCounts().pending
      try dataSync.commit()
      _ = dataSync.takeLoggedChanges()
      PeerWatcher.ring(bellPath)
      if case .rejected = outcome { return .rejected(remaining: remaining) }
      return .pushed(remaining: remaining)
    } catch {
      // PostgreSQL has the outcome; the next push reads it back from there.
      dataSync.rollback()
      return .failedTemporarily(.localStore)
    }
  }

  /// Leases a new block of ids for every kind with less than half a block left.
  private func refillLeases(_ connection: PostgresConnection, deadline: ContinuousClock.Instant)
    throws(PostgresError)
  {
    for kind in EntityKind.all {
      let left = (try? dataSync.read { try dataSync.store.leasedIDsLeft(for: kind) }) ?? 0
      try? dataSync.commit()
      guard left < IDLease.blockSize / 2 else { continue }
      let block = try IDLease.lease(
        kind.name, clientID: clientID, on: connection, deadline: deadline)
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
