import Foundation
import Synchronization

/// Runs `count` bodies each on a thread of its own (a PostgreSQL connection has one owner
/// thread), collecting their errors; `finished` counts those that have ended.
final class WorkerThreads: Sendable {
  private let state = Mutex<(finished: Int, errors: [String])>((0, []))
  private let group = DispatchGroup()

  init(count: Int, _ body: @escaping @Sendable (Int) throws -> Void) {
    for index in 0..<count {
      group.enter()
      Thread { [self] in
        defer { group.leave() }
        var failure: String?
        do { try body(index) } catch { failure = "worker \(index): \(error)" }
        state.withLock { state in
          state.finished += 1
          if let failure { state.errors.append(failure) }
        }
      }.start()
    }
  }

  var finished: Int { state.withLock { $0.finished } }
  var errors: [String] { state.withLock { $0.errors } }

  /// Waits until every body has ended; false after `seconds`.
  func join(seconds: Double) -> Bool { group.wait(timeout: .now() + seconds) == .success }
}
