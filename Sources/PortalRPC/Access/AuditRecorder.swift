internal import Domain
internal import Storage

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// Collects this connection's audit events and appends them to the store's hash chain: with the
/// group of requests that wrote (so a write's event commits in the write's own transaction, and
/// the reads of that group ride along), or, for a run of reads only, at most every
/// `flushInterval` or `flushCount` events, in a transaction of their own. A crash can lose at
/// most that window of read events, never a write's. After each commit the head file beside the
/// store moves forward.
///
/// - SeeAlso: `docs/security.md`, "Audit".
final class AuditRecorder {
  static let flushCount = 1000
  static let flushIntervalMilliseconds: Int64 = 100

  private var pending: [AuditEvent] = []
  /// Events appended in the transaction now committing; back to `pending` if it fails.
  private var committing: [AuditEvent] = []
  private var committingHead: AuditHead?
  /// When the oldest pending event was recorded (monotonic milliseconds).
  private var oldestPendingAt: Int64?

  /// A head committed but not yet written beside the store: the file moves at most every
  /// `flushIntervalMilliseconds` (a run of writes does not pay a file write each), and at the
  /// end.
  private var unwrittenHead: AuditHead?
  private var headWrittenAt: Int64 = 0

  var isEmpty: Bool { pending.isEmpty && unwrittenHead == nil }

  /// The open run of successful reads per method: where its event is in `pending`. A run's
  /// patients are listed as the reads come and made unique when the event is written, on the
  /// writer's thread.
  private var runs: [String: Int] = [:]
  /// The run the last read joined (a pipelined window reads one method over and over).
  private var lastRun: (method: String, index: Int)?
  /// Reads one event may stand for.
  static let runLimit = 1000

  func record(_ event: AuditEvent) {
    if pending.isEmpty { oldestPendingAt = Self.monotonicMilliseconds() }
    pending.append(event)
  }

  /// A successful read: joins the open run of its method by the same actor (its ids appended,
  /// the run's `until` moved), or starts one. A run never outlives the flush it was made in.
  func recordRead(
    method: String, entityType: String, actor: AuditEvent.Actor, time: Timestamp,
    touched: RecordView.Touched
  ) {
    let open = lastRun.flatMap { $0.method == method ? $0.index : nil } ?? runs[method]
    if let index = open, pending[index].actor === actor,
      pending[index].requests < Self.runLimit
    {
      pending[index].requests += 1
      pending[index].until = time
      pending[index].ids.append(contentsOf: touched.ids)
      pending[index].patientIDs.append(contentsOf: touched.patientIDs)
      lastRun = (method, index)
      return
    }
    runs[method] = pending.count
    lastRun = (method, pending.count)
    record(
      AuditEvent(
        time: time, actor: actor, method: method, outcome: .ok, entityType: entityType,
        ids: touched.ids, patientIDs: touched.patientIDs))
  }

  /// True when the pending read events must be written now.
  var isDue: Bool {
    if unwrittenHead != nil,
      Self.monotonicMilliseconds() - headWrittenAt >= Self.flushIntervalMilliseconds
    {
      return true
    }
    guard let oldestPendingAt else { return false }
    return pending.count >= Self.flushCount
      || Self.monotonicMilliseconds() - oldestPendingAt >= Self.flushIntervalMilliseconds
  }

  /// Milliseconds until the pending events are due, if any wait.
  var millisecondsUntilDue: Int64? {
    if unwrittenHead != nil {
      return max(0, headWrittenAt + Self.flushIntervalMilliseconds - Self.monotonicMilliseconds())
    }
    guard let oldestPendingAt else { return nil }
    return max(0, oldestPendingAt + Self.flushIntervalMilliseconds - Self.monotonicMilliseconds())
  }

  /// Appends read events off the request thread, when the store is a file (nil in memory).
  var writer: AuditWriter?

  /// Right before a commit: appends the pending events when the transaction writes anyway;
  /// otherwise hands them to the writer thread, or, without one, appends them when they are due
  /// (then taking the write lock for them).
  func appendBeforeCommit(to store: Store, due: Bool) throws(StorageError) {
    guard !pending.isEmpty else { return }
    if !store.isWriting, let writer {
      writer.append(&pending)
      oldestPendingAt = nil
      runs.removeAll(keepingCapacity: true)
      lastRun = nil
      return
    }
    guard store.isWriting || due || isDue else { return }
    runs.removeAll(keepingCapacity: true)
    lastRun = nil
    committingHead = try store.appendAudit(pending)
    committing = pending
    pending.removeAll(keepingCapacity: true)
    oldestPendingAt = nil
  }

  /// After the commit: moves the head file forward, or puts the events back to be tried again.
  func afterCommit(succeeded: Bool, directory: String?) {
    defer {
      committing.removeAll(keepingCapacity: true)
      committingHead = nil
    }
    guard !committing.isEmpty else { return }
    if succeeded {
      if let head = committingHead { unwrittenHead = head }
      writeHead(directory, force: false)
    } else {
      pending.insert(contentsOf: committing, at: 0)
      if oldestPendingAt == nil { oldestPendingAt = Self.monotonicMilliseconds() }
    }
  }

  /// Moves the head file to the newest committed head when its interval is up (or `force`).
  func writeHead(_ directory: String?, force: Bool) {
    guard let head = unwrittenHead else { return }
    let now = Self.monotonicMilliseconds()
    guard force || now - headWrittenAt >= Self.flushIntervalMilliseconds else { return }
    if let directory { AuditHeadFile.advance(directory, to: head) }
    unwrittenHead = nil
    headWrittenAt = now
  }

  static func monotonicMilliseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
  }
}
