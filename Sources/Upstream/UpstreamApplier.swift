public import DataSync
internal import Domain
public import PortalJSON
public import Postgres
internal import Storage

/// Applies a replica's outbox entry to PostgreSQL, authoritatively and exactly once: in one
/// transaction it checks whether this client's mutation was already applied (a push whose reply
/// was lost), checks the versions the write was based on against changes made elsewhere, runs
/// the same `DataSync` operation over `PostgresRecordStore`, and records the outcome with the
/// records and their change rows.
public struct UpstreamApplier {
  /// What PostgreSQL made of an entry.
  public enum Outcome: Sendable, Equatable {
    /// Applied; `sequence` is the last change row it wrote (0 when it changed nothing).
    case applied(sequence: Int64)
    /// Refused for good, with the error a client would have been given (`{code, message, data}`).
    case rejected(error: JSONValue)
  }

  public let clientID: String
  public var callTimeout: Duration
  /// The error a refused write answers, as `{code, message, data}`; nil for an error that is
  /// not the write's fault (it is then thrown, and the push retried).
  public let describe: (any Error) -> JSONValue?

  public init(
    clientID: String, callTimeout: Duration, describe: @escaping (any Error) -> JSONValue?
  ) {
    self.clientID = clientID
    self.callTimeout = callTimeout
    self.describe = describe
  }

  /// Applies `entry` (outbox row `mutationID`) over `connection`; throws only what is
  /// temporary (the connection, a deadline, a serialization failure, …).
  public func apply(_ entry: JournalEntry, mutationID: Int64, on connection: PostgresConnection)
    throws(PostgresError) -> Outcome
  {
    try apply([(entry, mutationID)], on: connection)[0]
  }

  /// Applies several entries, in order, in one PostgreSQL transaction (one commit, one fsync):
  /// each is still applied on its own (its own savepoint, its own outcome, a refusal undoing
  /// only it), and none is applied unless all outcomes are committed together.
  public func apply(_ entries: [(JournalEntry, Int64)], on connection: PostgresConnection)
    throws(PostgresError) -> [Outcome]
  {
    let store = PostgresRecordStore(
      connection: connection, callTimeout: callTimeout, clientID: clientID)
    do {
      try store.beginRead()
      // One push at a time, from its first read: the rules read records and then write what
      // they computed, and under READ COMMITTED two pushes interleaved so would lose an update
      // (a rename's copies overwritten by a stale append) or break a reference (an add for a
      // patient a cascade deletes meanwhile). The change log's own lock is the one taken, so
      // its order is also the order the pushes ran in.
      try store.query(
        "SELECT pg_advisory_xact_lock($1)", [String(UpstreamSchema.changeSequenceLock)])
      var outcomes: [Outcome] = []
      let recorded = try recordedOutcomes(entries.map(\.1), store)
      for (entry, mutationID) in entries {
        store.mutationID = mutationID
        if let recorded = recorded[mutationID] {
          outcomes.append(recorded)
          continue
        }
        let outcome: Outcome
        if let conflict = try conflict(entry, store) {
          outcome = .rejected(error: conflict)
        } else {
          outcome = try run(entry, store)
        }
        try store.query(
          """
          INSERT INTO portal.applied_mutations (client_id, mutation_id, outcome)
            VALUES ($1, $2, $3::json)
          """,
          [clientID, String(mutationID), EncodedJSON(outcome.json).text])
        outcomes.append(outcome)
      }
      try store.commit()
      return outcomes
    } catch let error as PostgresError {
      store.rollback()
      throw error
    } catch {
      store.rollback()
      throw PostgresError.server(sqlState: "XX000", message: "the push failed")
    }
  }

  private func run(_ entry: JournalEntry, _ store: PostgresRecordStore) throws -> Outcome {
    let sync = DataSync(store: store, clock: Clock({ entry.time }), origin: clientID)
    sync.turnsDays = false  // the agent turns the clinic's day on its own
    do {
      _ = try sync.apply(entry)
      // The entry's last change row (none: it changed nothing, and there is nothing to pull).
      return .applied(sequence: sync.takeLoggedChanges()?.upperBound ?? 0)
    } catch let error as PostgresError where !error.isTemporary {
      // PostgreSQL refused the statement itself (a constraint, a value out of range): retrying
      // would never succeed, so the entry is refused rather than left to wedge the queue.
      guard let described = describe(error) else { throw error }
      return .rejected(error: described)
    } catch let error as PostgresError {
      throw error
    } catch {
      guard let described = describe(error) else { throw error }
      return .rejected(error: described)
    }
  }

  /// The outcomes PostgreSQL already recorded for any of `mutationIDs` (one round trip).
  private func recordedOutcomes(_ mutationIDs: [Int64], _ store: PostgresRecordStore) throws
    -> [Int64: Outcome]
  {
    let list = "{" + mutationIDs.map { String($0) }.joined(separator: ",") + "}"
    let rows = try store.query(
      """
      SELECT mutation_id, outcome::text FROM portal.applied_mutations
        WHERE client_id = $1 AND mutation_id = ANY($2::bigint[])
      """, [clientID, list])
    var outcomes: [Int64: Outcome] = [:]
    for row in rows.rows {
      guard let id = row[0].flatMap({ Int64($0) }), let text = row[1],
        let json = try? JSONParser.parse(Array(text.utf8)), let outcome = Outcome(json: json)
      else { continue }
      outcomes[id] = outcome
    }
    return outcomes
  }

  /// -32003 when a record an update was based on changed elsewhere since the version the
  /// replica had confirmed (the replica's own earlier writes never count against it).
  private func conflict(_ entry: JournalEntry, _ store: PostgresRecordStore) throws -> JSONValue? {
    for base in entry.baseVersions {
      let id = base.id.stringValue ?? base.id.int64Value.map { String($0) } ?? ""
      let changed = try store.query(
        """
        SELECT 1 FROM portal.changes WHERE entity_type = $1 AND entity_id = $2 AND version > $3
          AND client_id IS DISTINCT FROM $4 LIMIT 1
        """, [base.entityType.rawValue, id, String(base.version), clientID])
      guard changed.scalar != nil else { continue }
      let kind = EntityKind.named(base.entityType)
      let key: RecordKey = kind.name == .patient ? .patient(id) : .integer(Int64(id) ?? 0)
      guard let current = try store.record(kind, key) else {
        return describe(DomainError.notFound(kind.name, id: base.id))
      }
      return describe(
        DomainError.versionConflict(
          kind.name, id: base.id, expected: base.version, current: current.version,
          currentEntity: EncodedJSON(trusted: current.document)))
    }
    return nil
  }
}

extension UpstreamApplier.Outcome {
  var json: JSONValue {
    switch self {
    case .applied(let sequence): ["applied": true, "sequence": JSONValue(sequence)]
    case .rejected(let error): ["applied": false, "error": error]
    }
  }

  init?(json: JSONValue) {
    if json["applied"]?.boolValue == true {
      self = .applied(sequence: json["sequence"]?.int64Value ?? 0)
    } else if let error = json["error"] {
      self = .rejected(error: error)
    } else {
      return nil
    }
  }
}
