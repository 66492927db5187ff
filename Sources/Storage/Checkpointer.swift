internal import CSQLite
internal import Dispatch
internal import Synchronization

/// Copies the write-ahead log back into the database file on a thread of its own, with a
/// connection of its own, so a commit (durable once the log is synced) never waits for a
/// checkpoint. SQLite would otherwise run one inside whichever COMMIT crosses 1,000 pages,
/// adding its writes and fsync to that request's answer.
///
/// The checkpoint connection is used only on `queue`: that confinement is why the class is
/// `@unchecked Sendable`.
final class Checkpointer: @unchecked Sendable {
  private let path: String
  private let busyTimeout: Int32
  private let queue = DispatchQueue(label: "portal-rpc.checkpoint")
  private let scheduled = Atomic<Bool>(false)
  private var database: Database?

  /// Pages in the log that start a background checkpoint, and that make the writer checkpoint
  /// itself (if the background one cannot keep up).
  static let backgroundPages: Int32 = 1000
  static let inlinePages: Int32 = 16_000

  init(path: String, busyTimeout: Int32) {
    self.path = path
    self.busyTimeout = busyTimeout
  }

  /// Installs the checkpointer on `database`'s connection (replacing SQLite's auto-checkpoint,
  /// which a WAL hook turns off). The store keeps the checkpointer alive as long as the hook.
  func install(on database: Database) {
    sqlite3_wal_hook(
      database.handle,
      { context, connection, name, pages in
        let checkpointer = Unmanaged<Checkpointer>.fromOpaque(context!).takeUnretainedValue()
        if pages >= Checkpointer.inlinePages {
          sqlite3_wal_checkpoint_v2(connection, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        } else if pages >= Checkpointer.backgroundPages {
          checkpointer.request()
        }
        return SQLITE_OK
      }, Unmanaged.passUnretained(self).toOpaque())
  }

  /// Asks for a checkpoint soon; several requests before it runs make one.
  func request() {
    guard !scheduled.exchange(true, ordering: .acquiringAndReleasing) else { return }
    queue.async { [self] in
      scheduled.store(false, ordering: .releasing)
      if database == nil {
        database = try? Database(path: path)
        database?.setBusyTimeout(milliseconds: busyTimeout)
      }
      if let database {
        sqlite3_wal_checkpoint_v2(database.handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
      }
    }
  }

  /// Waits for a running checkpoint to finish (tests and shutdown).
  func wait() { queue.sync {} }
}
