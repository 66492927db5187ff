internal import CSQLite
internal import Dispatch
internal import Synchronization

/// Keeps the write-ahead log short without making requests wait for it. A thread of its own,
/// with a connection of its own, copies the bulk of the log back into the database file; the
/// writer then copies the few frames committed meanwhile itself, right after a commit, so the
/// whole log is in the database and the next write starts the log again from its beginning
/// (overwriting its frames in place, which a sync finishes sooner than frames that grow the
/// file).
///
/// SQLite would otherwise copy the whole log inside whichever COMMIT crosses 1,000 pages,
/// adding those writes and a second fsync to that request's answer. A background copy alone is
/// not enough: the log restarts only when a write begins with every frame copied, which a
/// steady stream of commits never gives it.
///
/// The checkpoint connection is used only on `queue`, and `nextAttempt` only by the writer's
/// thread (the one committing, which runs the WAL hook): that confinement is why the class is
/// `@unchecked Sendable`.
final class Checkpointer: @unchecked Sendable {
  private let path: String
  private let key: StoreKey?
  private let busyTimeout: Int32
  private let queue = DispatchQueue(label: "portal-rpc.checkpoint")
  private let running = Atomic<Bool>(false)
  /// A background copy ended and the writer has not yet copied the frames committed during it.
  private let backgroundCopyDone = Atomic<Bool>(false)
  private var database: Database?
  /// The log size at which the writer next acts (raised when the log could not restart).
  private var nextAttempt = Checkpointer.backgroundPages

  /// Frames in the log that start a background copy.
  static let backgroundPages: Int32 = 1000
  /// Frames in the log at which the writer copies everything itself, whatever runs in the
  /// background (a safety valve: the background copy cannot keep up, or failed).
  static let inlinePages: Int32 = 16_000

  init(path: String, key: StoreKey?, busyTimeout: Int32) {
    self.path = path
    self.key = key
    self.busyTimeout = busyTimeout
  }

  /// Installs the checkpointer on `database`'s connection (replacing SQLite's auto-checkpoint,
  /// which a WAL hook turns off). The store keeps the checkpointer alive as long as the hook.
  func install(on database: Database) {
    sqlite3_wal_hook(
      database.handle,
      { context, connection, name, frames in
        let checkpointer = Unmanaged<Checkpointer>.fromOpaque(context!).takeUnretainedValue()
        checkpointer.committed(frames: frames, connection: connection, name: name)
        return SQLITE_OK
      }, Unmanaged.passUnretained(self).toOpaque())
  }

  /// The writer's part, after each commit that left `frames` frames in the log.
  private func committed(
    frames: Int32, connection: OpaquePointer?, name: UnsafePointer<CChar>?
  ) {
    guard frames >= Self.backgroundPages else {  // the log restarted
      nextAttempt = Self.backgroundPages
      return
    }
    guard frames >= nextAttempt else { return }
    if frames >= Self.inlinePages {
      sqlite3_wal_checkpoint_v2(connection, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
      return
    }
    guard !running.load(ordering: .acquiring) else { return }
    if backgroundCopyDone.exchange(false, ordering: .acquiringAndReleasing) {
      sqlite3_wal_checkpoint_v2(connection, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
      // If another process still reads an older snapshot, the log cannot restart yet: let it
      // grow a little before trying again rather than copying after every commit.
      nextAttempt = frames + Self.backgroundPages / 4
    } else {
      startBackgroundCopy()
    }
  }

  private func startBackgroundCopy() {
    running.store(true, ordering: .releasing)
    queue.async { [self] in
      if database == nil {
        database = Self.connection(path: path, key: key, busyTimeout: busyTimeout)
      }
      if let database {
        sqlite3_wal_checkpoint_v2(database.handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
      }
      // Done or not (another process may be checkpointing), the writer goes on from here, and
      // backs off if the log still cannot restart.
      backgroundCopyDone.store(true, ordering: .releasing)
      running.store(false, ordering: .releasing)
    }
  }

  /// A connection of the checkpointer's own that has read the store once: SQLite (before 3.42)
  /// opens a connection's log only at its first read, and until then a checkpoint on it does
  /// nothing and reports success.
  private static func connection(path: String, key: StoreKey?, busyTimeout: Int32) -> Database? {
    guard let database = try? Database(path: path, key: key) else { return nil }
    database.setBusyTimeout(milliseconds: busyTimeout)
    guard (try? database.integer("PRAGMA schema_version")) != nil else { return nil }
    return database
  }

  /// Waits for a running checkpoint to finish (tests and shutdown).
  func wait() { queue.sync {} }
}
