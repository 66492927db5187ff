internal import DataSync
internal import Domain
internal import Storage

/// A copy of a store, taken from one snapshot into a private temporary file beside the path it
/// is for, synced, and passed through the `--check` checks: what `backup` and `restore` install.
struct CheckedCopy {
  let file: PrivateFile
  let report: StoreCheck

  /// Copies `store` next to `target`; throws `checkFailed` (naming the copy as `what`) when the
  /// copy is not sound, and the temporary file is gone.
  init(of store: Store, beside target: String, what: String, today: CalendarDate)
    throws(MaintenanceError)
  {
    file = try PrivateFile(beside: target)
    do {
      try store.copy(to: file.path)
    } catch {
      throw .store(store.path ?? "in memory", error)
    }
    try file.sync()
    do {
      report = try StoreCheck.run(
        try Store(inspectingFile: file.path, key: store.key), today: today)
    } catch let error as StorageError {
      throw .store(what, error)
    } catch {
      throw .checkFailed(what: what, problems: 1)
    }
    guard report.isSound else { throw .checkFailed(what: what, problems: report.problems.count) }
  }

  /// "sound: schema version 4, last change 120, 58 records".
  var summary: String {
    let records = report.counts.filter { $0.table != "changes" }.reduce(0) { $0 + $1.rows }
    return
      "sound: schema version \(report.schemaVersion), last change \(report.lastSequence), \(records) records"
  }
}
