internal import Domain
internal import Foundation
internal import Storage

/// Appends read events to the audit chain off the request thread, over a store connection of
/// its own: the session hands over the events of each group of requests that wrote nothing, and
/// this thread appends them at most `AuditRecorder.flushIntervalMilliseconds` after the first of
/// them arrived, or as soon as `AuditRecorder.flushCount` wait, in one transaction (one fsync).
/// A crash loses at most that window of read events. SQLite's write lock orders its appends
/// with the session's own (a write's event stays in the write's transaction), so the chain
/// stays one chain.
final class AuditWriter: @unchecked Sendable {
  private let condition = NSCondition()
  private var pending: [AuditEvent] = []
  private var oldestPendingAt: Int64?
  private var stopping = false
  private var stopped = false
  /// Used on the writer's thread only.
  private let store: Store
  private let directory: String
  private let log: Log

  init(directory: String, options: Store.Options, now: Timestamp, log: Log) throws {
    store = try Store(directory: directory, options: options, now: now)
    self.directory = directory
    self.log = log
    let thread = Thread { [self] in run() }
    thread.name = "audit-writer"
    thread.start()
  }

  /// Takes `events` over (leaving it empty); returns at once.
  func append(_ events: inout [AuditEvent]) {
    guard !events.isEmpty else { return }
    condition.lock()
    if pending.isEmpty {
      oldestPendingAt = AuditRecorder.monotonicMilliseconds()
      swap(&pending, &events)
    } else {
      pending.append(contentsOf: events)
      events.removeAll(keepingCapacity: true)
    }
    condition.signal()
    condition.unlock()
  }

  /// Writes what waits and stops the thread; returns once it is written (or given up).
  func finish() {
    condition.lock()
    stopping = true
    condition.signal()
    while !stopped { condition.wait() }
    condition.unlock()
  }

  private func run() {
    var failures = 0
    while true {
      condition.lock()
      while !stopping {
        guard let oldest = oldestPendingAt else {
          condition.wait()
          continue
        }
        let due = oldest + AuditRecorder.flushIntervalMilliseconds
        let now = AuditRecorder.monotonicMilliseconds()
        if pending.count >= AuditRecorder.flushCount || now >= due { break }
        _ = condition.wait(until: Date().addingTimeInterval(Double(due - now) / 1000))
      }
      let batch = pending
      pending.removeAll(keepingCapacity: true)
      oldestPendingAt = nil
      let last = stopping
      condition.unlock()
      if !batch.isEmpty {
        do {
          let head = try store.appendAudit(batch)
          try store.commit()
          if let head { AuditHeadFile.advance(directory, to: head) }
          failures = 0
        } catch {
          store.rollback()
          failures += 1
          log.warn(
            "audit events could not be written yet (code \(ResponseError(error).code)); retried")
          condition.lock()
          pending.insert(contentsOf: batch, at: 0)
          if oldestPendingAt == nil { oldestPendingAt = AuditRecorder.monotonicMilliseconds() }
          condition.unlock()
          // At the end, a store that keeps refusing is given up after a few tries.
          if !last || failures < 5 {
            Thread.sleep(forTimeInterval: min(0.1 * Double(failures), 1))
            continue
          }
        }
      }
      if last {
        condition.lock()
        let drained = pending.isEmpty || failures >= 5
        if drained {
          stopped = true
          condition.broadcast()
        }
        condition.unlock()
        if drained { return }
      }
    }
  }
}
