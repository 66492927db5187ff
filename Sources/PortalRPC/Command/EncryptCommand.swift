internal import DataSync
internal import Domain
internal import Storage

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// `portal-rpc encrypt` (a plain store becomes encrypted) and `portal-rpc rekey` (an encrypted
/// store gets a new key). Both write the whole store into a private file beside it under the
/// new key, check and sync that file, and rename it over the store: a kill at any instant
/// leaves the store opening with the old key or the new one. Only while no process has the
/// store open.
enum EncryptCommand {
  /// Re-encrypts the store in `directory` from `key` (nil: a plain store) to `newKey` and
  /// returns the line to print.
  static func run(
    directory: String, key: StoreKey?, newKey: StoreKey, today: CalendarDate
  ) throws(MaintenanceError) -> String {
    let target = directory + "/" + Store.fileName
    let verb = key == nil ? "encrypted" : "re-encrypted"
    guard access(target, F_OK) == 0 else {
      throw .store(target, .unusable("there is no store file there"))
    }
    let lock: StoreLock
    do {
      lock = try StoreLock.exclusive(directory)
    } catch .unavailable(.inUse, _) {
      throw .inUse(directory: directory)
    } catch {
      throw .store(target, error)
    }
    do throws(StorageError) {
      guard try Store.settleForReplacement(target, key: key) else { throw .damaged }
    } catch .unavailable(.inUse, _) {
      throw .inUse(directory: directory)
    } catch .key(.missing) where key == nil {
      throw .misuse(
        "\(target) is already encrypted (or damaged); to change its key, use portal-rpc rekey")
    } catch {
      throw .store(target, error)
    }
    // What the store holds before: the copy must hold the same, and no problem it did not have
    // (a store whose derived dates drifted is still encrypted as it is; --check reports that).
    let before: StoreCheck
    do {
      before = try StoreCheck.run(try Store(inspectingFile: target, key: key), today: today)
    } catch let error as StorageError {
      throw .store(target, error)
    } catch {
      throw .checkFailed(what: target, problems: 1)
    }
    let file = try PrivateFile(beside: target)
    do {
      try Store.export(target, key: key, into: file.path, newKey: newKey)
    } catch {
      throw .store(target, error)
    }
    try file.sync()
    let report: StoreCheck
    do {
      report = try StoreCheck.run(
        try Store(inspectingFile: file.path, key: newKey), today: today)
    } catch let error as StorageError {
      throw .store("the \(verb) copy", error)
    } catch {
      throw .checkFailed(what: "the \(verb) copy", problems: 1)
    }
    let faithful =
      report.counts.map(\.table) == before.counts.map(\.table)
      && report.counts.map(\.rows) == before.counts.map(\.rows)
      && report.schemaVersion == before.schemaVersion
      && report.lastSequence == before.lastSequence
    let added = Set(report.problems).subtracting(before.problems)
    guard faithful, added.isEmpty else {
      throw .checkFailed(what: "the \(verb) copy", problems: max(added.count, 1))
    }
    try file.install(at: target, replacing: true)
    withExtendedLifetime(lock) {}
    let records = report.counts.filter { $0.table != "changes" }.reduce(0) { $0 + $1.rows }
    let carried =
      before.isSound
      ? "" : "; the \(before.problems.count) problems --check found before are still there"
    return
      "\(verb) \(target) (\(records) records)\(carried); from now on it opens only with the new key, so keep that key safe"
  }
}
