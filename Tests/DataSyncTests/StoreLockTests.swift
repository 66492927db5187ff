import Domain
import Foundation
import Testing

@testable import Storage

/// The data directory's lock: every open store holds it shared; `restore` takes it exclusively.
@Suite("The store lock")
struct StoreLockTests {
  @Test("the data directory's lock: shared by every open store, refused to restore meanwhile")
  func lock() throws {
    let (sync, folder) = try makeDataSync()
    #expect(throws: StorageError.unavailable(.inUse, code: 5)) {
      try StoreLock.exclusive(folder.path)
    }
    withExtendedLifetime(sync) {}
    // An inspecting store (--check, backup, export) holds the lock too.
    let inspector = try Store(inspecting: folder.path)
    #expect(throws: StorageError.unavailable(.inUse, code: 5)) {
      try StoreLock.exclusive(folder.path)
    }
    withExtendedLifetime(inspector) {}
  }

  @Test("with no store open, restore's lock is free, and a store waits for it, then gives up")
  func exclusiveLock() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "lock-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let now = Timestamp(millisecondsSinceEpoch: 0)
    _ = try Store(directory: folder.path, now: now)
    let restore = try StoreLock.exclusive(folder.path)
    #expect(throws: StorageError.unavailable(.beingRestored, code: 5)) {
      try Store(
        directory: folder.path, options: Store.Options(busyTimeoutMilliseconds: 20), now: now)
    }
    #expect(throws: StorageError.unavailable(.beingRestored, code: 5)) {
      try Store(inspecting: folder.path, busyTimeoutMilliseconds: 20)
    }
    withExtendedLifetime(restore) {}
  }
}
