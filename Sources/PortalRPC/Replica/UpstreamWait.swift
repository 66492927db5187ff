internal import DataSync
internal import Domain
internal import PortalJSON
internal import Storage

#if canImport(Glibc)
  internal import Glibc
#endif

/// A request that waits, after its group committed, for PostgreSQL's word on outbox entries:
/// `sync<E>DataWithAPI` (one entry) and `processSyncQueue` (what was pending when it was asked).
/// It looks at the outbox every few milliseconds (the agent, in this process or another, records
/// each outcome there), reads the client's input between looks so `$/cancelRequest` works, and
/// gives up with -32006 (the entries stay queued) when the upstream stays unreachable.
struct UpstreamWait {
  let session: Session
  let requestID: RequestID

  /// How long the agent may stay offline before the wait answers -32006: `retryAttempts` tries,
  /// each up to the backoff's base.
  private var offlineGrace: Duration {
    guard let configuration = session.replica?.configuration else { return .zero }
    return .milliseconds(
      Int64(configuration.retryAttempts) * configuration.backoff.baseMilliseconds)
  }

  /// The longest any wait lasts; the entries stay queued after it.
  static let limit = Duration.seconds(60)

  /// What became of each of `mutationIDs`: `nil` while PostgreSQL has not answered.
  private enum Fate { case applied, rejected(ResponseError) }

  /// `sync<E>DataWithAPI`: the record once PostgreSQL applied the entry and the replica pulled
  /// it back; the upstream's error (the local change rolled back) when refused.
  func confirmed(_ kind: EntityKind, id: JSONValue, mutationID: Int64) -> Result<
    Reply, ResponseError
  > {
    session.pushNeeded()
    let attempts = session.replica?.configuration.retryAttempts ?? 1
    let outcome = wait(for: [mutationID], attempts: attempts)
    switch outcome {
    case .failure(let error): return .failure(error)
    case .success(let fates):
      if case .rejected(let error)? = fates[mutationID] { return .failure(error) }
      do {
        return .success(.encoded(try session.dataSync.get(kind, id: id)))
      } catch {
        return .failure(ResponseError(error))
      }
    }
  }

  /// `processSyncQueue`: pushes what is pending now and waits for each outcome.
  func drain() -> Result<Reply, ResponseError> {
    let store = session.dataSync.store
    guard let pending = try? store.outboxRows(state: "pending").map(\.mutationID) else {
      return .failure(ResponseError.withDetail(.storageUnavailable, "the outbox cannot be read"))
    }
    session.pushNeeded()
    switch wait(for: pending, attempts: nil) {
    case .failure(let error): return .failure(error)
    case .success(let fates):
      let rejected = fates.values.filter { if case .rejected = $0 { true } else { false } }.count
      let remaining = (try? store.outboxCounts().pending) ?? 0
      return .success(
        .value([
          "pushed": JSONValue(fates.count - rejected), "rejected": JSONValue(rejected),
          "remaining": JSONValue(remaining),
        ]))
    }
  }

  /// Waits until every entry has an outcome (applied entries until their change was pulled
  /// back, so reads show PostgreSQL's record). -32006 when the upstream stays unreachable, when
  /// an entry failed `attempts` tries, or at `limit`; -32800 when the client cancels.
  private func wait(for mutationIDs: [Int64], attempts: Int?) -> Result<
    [Int64: Fate], ResponseError
  > {
    let store = session.dataSync.store
    let start = ContinuousClock.now
    var offlineSince: ContinuousClock.Instant?
    var fates: [Int64: Fate] = [:]
    while true {
      for id in mutationIDs where fates[id] == nil {
        guard let row = try? store.outboxRows(after: id - 1, limit: 1).first, row.mutationID == id
        else {
          fates[id] = .applied  // applied, and its change pulled back
          continue
        }
        if row.state == "rejected" {
          fates[id] = .rejected(Self.error(row))
        } else if let attempts, row.state == "pending", row.attempts >= attempts {
          return .failure(unavailable(id, "the upstream did not take it in \(attempts) tries"))
        }
      }
      if fates.count == mutationIDs.count { return .success(fates) }
      let now = ContinuousClock.now
      if session.replica?.isOnline == true {
        offlineSince = nil
      } else if let since = offlineSince, now - since > offlineGrace {
        return .failure(unavailable(mutationIDs.first, "the upstream cannot be reached"))
      } else if offlineSince == nil {
        offlineSince = now
      }
      if now - start > Self.limit {
        return .failure(unavailable(mutationIDs.first, "the upstream did not answer in time"))
      }
      session.pollInput?()
      if session.isCancelled(requestID) { return .failure(ResponseError(.requestCancelled)) }
      usleep(2_000)
    }
  }

  /// -32006: the change is safe in the outbox and goes when the upstream is back.
  private func unavailable(_ mutationID: Int64?, _ detail: String) -> ResponseError {
    var data: JSONObject = [
      "queued": true, "detail": .string(detail + "; the change stays queued"),
    ]
    if let mutationID { data["mutationId"] = .string(String(mutationID)) }
    return ResponseError(.upstreamUnavailable, data: .object(data))
  }

  /// The upstream's refusal as it was recorded.
  static func error(_ row: OutboxRow) -> ResponseError {
    let error = row.error.flatMap { try? JSONParser.parse($0) } ?? .null
    let code = error["code"]?.int64Value.map { ErrorCode(rawValue: Int($0)) } ?? .internalError
    return ResponseError(code, message: error["message"]?.stringValue, data: error["data"])
  }
}
