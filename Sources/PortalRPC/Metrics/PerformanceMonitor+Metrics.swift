internal import Domain
internal import PortalJSON
internal import Storage

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

extension PerformanceMonitor {
  /// `getMetrics`' answer, the seed's `PerformanceMetrics`: the server's figures (methods,
  /// commits, upstream calls, replication, store, uptime) and, apart, what the shell reported.
  ///
  /// - SeeAlso: `docs/metrics.md`, "What each figure means".
  func metrics(_ session: Session) -> JSONValue {
    var byMethod = JSONObject()
    for (index, stats) in methods.enumerated() where stats.count > 0 {
      byMethod.appendUnchecked(methodNames[index], stats.json)
    }
    let replication = session.replica?.lags(session, now: Clock.system.now())
    func milliseconds(_ value: Int64?) -> JSONValue { value.map { JSONValue($0) } ?? .null }
    var result: JSONObject = [
      "recording": .bool(recording),
      "uptimeSeconds": .number(TimingStats.decimal(uptimeNanoseconds / 1_000_000, scale: 3)),
      "methods": .object(byMethod),
      "commits": commits.json,
      "upstream": upstream.json,
      "queueDepth": JSONValue(replication?.queueDepth ?? 0),
      "pushLagMs": milliseconds(replication?.pushMilliseconds),
      "pullLagMs": milliseconds(replication?.pullMilliseconds),
      "storeBytes": Self.storeBytes(session.configuration.dataDirectory).map { JSONValue($0) }
        ?? .null,
    ]
    for section in ShellSection.allCases {
      result.appendUnchecked(section.rawValue, shell[section]!.json)
    }
    return .object(result)
  }

  /// The bytes of the store's file and its write-ahead log in `directory`; nil in memory.
  static func storeBytes(_ directory: String?) -> Int64? {
    guard let directory else { return nil }
    let path = directory + "/" + Store.fileName
    var total: Int64 = 0
    for file in [path, path + "-wal"] {
      var info = stat()
      if stat(file, &info) == 0 { total += Int64(info.st_size) }
    }
    return total
  }
}
