internal import Domain
internal import PortalJSON
internal import Upstream

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// The agent's status as every window of a data directory sees it. The agent's process has it
/// from its `SyncAgent`; the others read `DIR/portal.db-sync`, which the agent rewrites (temp file
/// and rename, mode 0600) on every change. It holds no patient data: a connection state, times,
/// sequence numbers and a `SyncFailure` sentence.
struct AgentStatus: Sendable, Hashable {
  var online = false
  /// `SyncAgentState.Phase`'s name; `none` before any agent published.
  var phase = "none"
  var nextRetryAt: Timestamp?
  var lastError: String?
  var lastPushAt: Timestamp?
  var lastPullAt: Timestamp?
  var cursor: Int64?
  /// The last `sync/progress` report of long work, `{phase, done, total}`.
  var progress: JSONValue?

  init() {}

  init(_ status: SyncStatus) {
    online = status.online
    phase = status.phase
    nextRetryAt = status.nextRetryAt
    lastError = status.lastError
    lastPushAt = status.lastPushAt
    lastPullAt = status.lastPullAt
    cursor = status.cursor
  }

  var json: JSONValue {
    func time(_ timestamp: Timestamp?) -> JSONValue { timestamp.map { .string("\($0)") } ?? .null }
    return [
      "online": .bool(online), "phase": .string(phase), "nextRetryAt": time(nextRetryAt),
      "lastError": lastError.map(JSONValue.string) ?? .null, "lastPushAt": time(lastPushAt),
      "lastPullAt": time(lastPullAt), "cursor": cursor.map { JSONValue($0) } ?? .null,
      "progress": progress ?? .null,
    ]
  }

  init?(json: JSONValue) {
    guard let online = json["online"]?.boolValue, let phase = json["phase"]?.stringValue else {
      return nil
    }
    func time(_ key: String) -> Timestamp? { json[key]?.stringValue.flatMap(Timestamp.init) }
    self.online = online
    self.phase = phase
    nextRetryAt = time("nextRetryAt")
    lastError = json["lastError"]?.stringValue
    lastPushAt = time("lastPushAt")
    lastPullAt = time("lastPullAt")
    cursor = json["cursor"]?.int64Value
    progress = json["progress"].flatMap { $0.isNull ? nil : $0 }
  }
}

/// `DIR/portal.db-sync`: written by the agent's thread, read by the other windows' processes.
final class AgentStatusFile: Sendable {
  static let fileName = "portal.db-sync"

  let path: String
  private let temporaryPath: String

  init(directory: String) {
    path = directory + "/" + Self.fileName
    temporaryPath = path + ".tmp-\(getpid())"
  }

  /// Replaces the file at once (a reader sees the old status or the new, never half of one).
  /// A failure is ignored: the next change writes it again, and readers keep the last one.
  func write(_ status: AgentStatus) {
    let writer = JSONWriter(capacity: 512)
    writer.write(status.json)
    writer.append(UInt8(ascii: "\n"))
    unlink(temporaryPath)
    let file = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard file >= 0 else { return }
    let complete = writer.withBytes { bytes in
      var offset = 0
      while offset < bytes.count {
        let written = Glibc.write(file, bytes.baseAddress! + offset, bytes.count - offset)
        if written < 0 && errno == EINTR { continue }
        if written <= 0 { return false }
        offset += written
      }
      return true
    }
    close(file)
    if !complete || rename(temporaryPath, path) != 0 { unlink(temporaryPath) }
  }

  /// The last status an agent published; nil when there is none (or it cannot be read).
  func read() -> AgentStatus? {
    let file = open(path, O_RDONLY | O_CLOEXEC)
    guard file >= 0 else { return nil }
    defer { close(file) }
    var bytes = [UInt8](repeating: 0, count: 4096)
    var count = 0
    while count < bytes.count {
      let got = bytes.withUnsafeMutableBytes {
        Glibc.read(file, $0.baseAddress! + count, $0.count - count)
      }
      if got < 0 && errno == EINTR { continue }
      if got <= 0 { break }
      count += got
    }
    guard let json = try? JSONParser.parse(bytes[0..<count]) else { return nil }
    return AgentStatus(json: json)
  }
}
