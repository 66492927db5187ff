internal import Domain
internal import PortalJSON
internal import Storage

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// `portal-rpc export --format jsonl`: every record of the store, one
/// `{"entityType":…,"entity":{…}}` line each (patients first, then each other type, each by id),
/// from one read snapshot and in constant memory, to stdout or a private file. Progress goes to
/// stderr as counts only.
enum ExportCommand {
  /// Output is written out whenever this much has gathered.
  static let flushBytes = 64 << 10

  /// Exports the store in `directory` to `output` (stdout when nil) and returns the last line
  /// for stderr. `progress` hears a line at most once a second.
  static func run(
    directory: String, output: String?, force: Bool, key: StoreKey?, busyTimeout: Int32,
    progress: (String) -> Void
  ) throws(MaintenanceError) -> String {
    let source = directory + "/" + Store.fileName
    if let output, !force, access(output, F_OK) == 0 { throw .destinationExists(output) }
    let store: Store
    let total: Int
    do throws(StorageError) {
      store = try Store(inspecting: directory, key: key, busyTimeoutMilliseconds: busyTimeout)
      try store.beginRead()  // one snapshot for the count and every record
      total = try store.recordCount()
    } catch {
      throw .store(source, error)
    }
    let file = try output.map { path throws(MaintenanceError) in try PrivateFile(beside: path) }
    let descriptor = file?.descriptor ?? 1
    let name = output ?? "stdout"
    if file == nil { signal(SIGPIPE, SIG_IGN) }  // a reader that goes away is an error to report
    let writer = JSONWriter(capacity: flushBytes + (64 << 10))
    var written = 0
    var lastReport = monotonicSeconds()
    func flush() throws(MaintenanceError) {
      let complete = writer.withBytes { PrivateFile.writeAll(descriptor, $0) }
      guard complete else { throw .file("write", path: name, code: errno) }
      writer.reset()
    }
    do {
      for kind in EntityKind.all {
        try store.forEachRecord(kind) { entity in
          writer.writeRaw("{\"entityType\":")
          writer.writeString(kind.name.rawValue)
          writer.writeRaw(",\"entity\":")
          writer.append(entity)
          writer.writeRaw("}\n")
          written += 1
          if writer.count >= flushBytes { try flush() }
          let now = monotonicSeconds()
          if now - lastReport >= 1 {
            lastReport = now
            progress("exported \(written)/\(total) records")
          }
        }
      }
      try flush()
    } catch let error as MaintenanceError {
      throw error
    } catch {
      throw .store(source, error as? StorageError ?? .unusable("the store could not be read"))
    }
    store.rollback()
    if let file, let output {
      try file.sync()
      try file.install(at: output, replacing: force)
    }
    return "exported \(written) records to \(name)"
  }

  private static func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
  }
}
