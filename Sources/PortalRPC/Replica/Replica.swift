internal import Dispatch
internal import Domain
internal import PortalJSON
internal import Synchronization
internal import Upstream

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// A data directory served as a replica, in one process: the agent's election (`AgentLock`), the
/// `SyncAgent` when this process wins it, the status every window answers from, and `sync/status`
/// to this process's client. Confined to the thread that runs the server, except `ReplicaWake`,
/// which the agent's thread and SIGTERM use to wake it.
///
/// Every `tickInterval` the server's loop calls `service`: a process that is not the agent tries
/// the lock (so it takes over within that interval after the agent exits or dies), and each
/// process compares its status with what it last told its client.
///
/// - SeeAlso: `docs/upstream.md`, "Roles" and "What windows see".
public final class Replica {
  let configuration: ReplicaConfiguration
  let hooks: ReplicaHooks
  let log: Log
  private let lock: AgentLock
  private let statusFile: AgentStatusFile
  let wake: ReplicaWake
  private(set) var agent: SyncAgent?
  private var nextTick = ContinuousClock.now
  /// The last `sync/status` params told to the client (at first: what it would have been told).
  private var lastNotice: JSONValue?
  private var lastNoticeAt: ContinuousClock.Instant?
  /// When a coalesced `sync/status` may go out.
  private var noticeDue: ContinuousClock.Instant?
  /// What the log last said about the connection: once per change, not per retry.
  private var logged: (online: Bool, error: String?) = (false, nil)
  private var termination: (any DispatchSourceSignal)?
  /// The clinic's date when the loop last looked (the agent turns the day upstream).
  private var clinicDay: CalendarDate?
  var rejections = RejectionNotices()
  /// The agent's long work, reported by its worker.
  let progress: SyncProgress
  /// The last `sync/progress` told to the client, and when.
  private var lastProgress: (value: JSONValue, at: ContinuousClock.Instant)?
  /// The agent process watches the directory's peer bell, so another window's write is pushed
  /// as soon as it commits.
  private var bell: PeerWatcher?
  private let directory: String

  /// How often the loop services the replica: the agent election's retry, and the status's
  /// refresh (another window's agent publishes into the status file).
  static let tickInterval = AgentLock.retryInterval
  /// The agent process's: status changes wake it through its pipe and other windows' writes
  /// through the peer bell, so its timer only catches the clinic's midnight.
  static let agentTickInterval = Duration.seconds(1)
  /// At most one `sync/status` this often.
  static let noticeInterval = Duration.milliseconds(250)

  init(
    configuration: ReplicaConfiguration, hooks: ReplicaHooks, directory: String, log: Log,
    progress: SyncProgress = SyncProgress()
  ) throws(SyncAgentError) {
    self.progress = progress
    self.configuration = configuration
    self.hooks = hooks
    self.log = log
    self.directory = directory
    lock = AgentLock(directory: directory)
    statusFile = AgentStatusFile(directory: directory)
    wake = try ReplicaWake()
  }

  deinit { stop() }

  /// Whether this process is the agent.
  var isAgent: Bool { agent != nil }

  /// Runs the election for the first time and turns SIGTERM into a clean stop.
  func start() {
    signal(SIGTERM, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
    source.setEventHandler { [wake] in wake.requestTermination() }
    source.resume()
    termination = source
    log.info("serving the data directory as a replica (\(name: configuration.description))")
    elect()
  }

  /// Stops the agent (at once, whatever PostgreSQL is doing), then gives up the lock, so another
  /// window takes over. Idempotent.
  func stop() {
    termination?.cancel()
    termination = nil
    bell = nil
    if let agent {
      agent.stop()  // its last status (`stopped`) is in the file before the lock goes
      self.agent = nil
      log.info("the sync agent stopped")
    }
    lock.release()
  }

  /// Takes the lock if it is free and starts the agent.
  private func elect() {
    guard agent == nil, lock.tryAcquire() else { return }
    let statusFile = statusFile
    let wake = wake
    do {
      var agentConfiguration = configuration.agentConfiguration(cursor: hooks.cursor())
      agentConfiguration.prepare = hooks.prepare
      agentConfiguration.afterPull = hooks.afterPull
      agentConfiguration.calls = hooks.calls
      agent = try SyncAgent(
        configuration: agentConfiguration, sink: hooks.pull,
        push: hooks.push
      ) { [progress] status in
        var published = AgentStatus(status)
        published.progress = progress.value
        statusFile.write(published)
        wake.ring()
      }
      if let agent {
        progress.publish.withLock {
          $0 = { [progress] in
            var published = AgentStatus(agent.status)
            published.progress = progress.value
            statusFile.write(published)
            wake.ring()
          }
        }
      }
      log.info("this process is the sync agent of its data directory")
      let watcher = PeerWatcher(directory: directory)
      if watcher.arm() { bell = watcher }
    } catch {
      log.error("the sync agent cannot start (\(name: error.description)); trying again")
      lock.release()
    }
  }

  // MARK: Status

  /// The agent's status: this process's own agent's, or the one another window's agent published.
  var agentStatus: AgentStatus {
    if let agent {
      var status = AgentStatus(agent.status)
      status.progress = progress.value
      return status
    }
    return statusFile.read() ?? AgentStatus()
  }

  var isOnline: Bool { agentStatus.online }

  /// `getSyncStatus`'s answer.
  func syncStatus(_ session: Session) -> JSONValue {
    let status = agentStatus
    let store = session.dataSync.store
    let counts = hooks.queueCounts(store)
    func time(_ timestamp: Timestamp?) -> JSONValue { timestamp.map { .string("\($0)") } ?? .null }
    return [
      "mode": "replica", "online": .bool(status.online), "agent": .bool(isAgent),
      "queueDepth": JSONValue(counts.queueDepth), "rejected": JSONValue(counts.rejected),
      "lastPushAt": time(status.lastPushAt), "lastPullAt": time(status.lastPullAt),
      "cursor": status.cursor.map { JSONValue($0) } ?? .null,
      "upstreamSequence": hooks.upstreamSequence(store).map { JSONValue($0) } ?? .null,
      "nextRetryAt": time(status.nextRetryAt),
      "lastError": status.lastError.map(JSONValue.string) ?? .null,
    ]
  }

  /// Writes `sync/progress` when the agent's long work moved: at most one every
  /// `noticeInterval`, and always when it ends.
  private func tellProgress(_ value: JSONValue?, session: Session, now: ContinuousClock.Instant) {
    guard let value, value != lastProgress?.value else { return }
    let ended = value["done"] == value["total"]
    if let last = lastProgress, now < last.at + Self.noticeInterval, !ended {
      noticeDue = min(noticeDue ?? .now + .seconds(3600), last.at + Self.noticeInterval)
      return
    }
    let output = session.output
    output.writeRaw("{\"jsonrpc\":\"2.0\",\"method\":\"sync/progress\",\"params\":")
    output.write(value)
    output.writeRaw("}\n")
    lastProgress = (value, now)
  }

  /// Logs the agent's connection going up or down, and a new cause of failure while down.
  private func logChange(_ status: AgentStatus) {
    if status.online {
      if !logged.online { log.info("the upstream is reachable") }
      logged = (true, nil)
    } else if let error = status.lastError, logged.online || error != logged.error {
      log.warn("the upstream is unreachable (\(name: error)); retrying with backoff")
      logged = (false, error)
    }
  }

  /// `sync/status`'s params.
  private func notice(_ status: AgentStatus, _ session: Session) -> JSONValue {
    let counts = hooks.queueCounts(session.dataSync.store)
    return [
      "online": .bool(status.online), "agent": .bool(isAgent),
      "queueDepth": JSONValue(counts.queueDepth), "rejected": JSONValue(counts.rejected),
      "lastError": status.lastError.map(JSONValue.string) ?? .null,
    ]
  }

  // MARK: The server's loop

  /// Whether a timer of the replica (the tick, a coalesced notice) is due now.
  var isDue: Bool {
    let now = ContinuousClock.now
    return now >= nextTick || noticeDue.map { now >= $0 } ?? false
  }

  /// How long the loop may wait before `service` is due; nil when only `wakeDescriptor` can make
  /// it due.
  var timeoutMilliseconds: Int32? {
    let due = [nextTick, noticeDue].compactMap { $0 }.min()
    return due.map { Self.milliseconds(until: $0) }
  }

  /// Readable when the agent published a status or SIGTERM came.
  var wakeDescriptor: Int32 { wake.readEnd }

  /// Readable when a window of the directory committed (the agent process only).
  var bellDescriptor: Int32? { bell?.descriptor }

  /// Runs the election when due, and writes `sync/status` to the session's output when what it
  /// says changed (once the client initialized; at most one every `noticeInterval`).
  func service(_ session: Session) {
    let woken = wake.drain()
    // A window of the directory committed (or a file of the directory changed, such as the
    // agent's own status file): the agent pushes if anything waits. One index probe, not a count
    // of the queue, so a run of writes costs the agent process little; and an agent whose push
    // rewrites its status file is not woken to push again for nothing.
    if let bell, Self.isReadable(bell.descriptor) {
      bell.drain()
      let store = session.dataSync.store
      if let agent,
        (try? store.hasPendingOutbox()) == true || (try? store.hasUnpushedStaffOrAudit()) == true
      {
        agent.pushNeeded()
      }
    }
    if woken.terminate { session.exitRequested = true }
    let now = ContinuousClock.now
    let ticked = now >= nextTick
    if ticked {
      elect()
      // The agent holds the lock: it looks less often (nothing of its own is polled).
      nextTick = now + (isAgent ? Self.agentTickInterval : Self.tickInterval)
      // The clinic's day turned: the agent moves the derived dates upstream at once.
      let today = session.clock.today()
      if let agent, today != clinicDay {
        if clinicDay != nil { agent.pushNeeded() }
        clinicDay = today
      }
    }
    // Between timers and wake-ups (a loop turn per batch of input), nothing is looked at.
    guard ticked || woken.rang || noticeDue.map({ now >= $0 }) ?? false else { return }
    let status = agentStatus
    if isAgent { logChange(status) }
    let current = notice(status, session)
    // Another window's write is in the outbox: the agent hears of it within a tick.
    if let agent, (current["queueDepth"]?.int64Value ?? 0) > 0 { agent.pushNeeded() }
    guard session.phase == .running else {
      if lastNotice == nil { lastNotice = current }
      return
    }
    rejections.announce(session, rejected: Int(current["rejected"]?.int64Value ?? 0))
    tellProgress(status.progress, session: session, now: now)
    guard current != lastNotice else {
      noticeDue = nil
      return
    }
    if let lastNoticeAt, now < lastNoticeAt + Self.noticeInterval {
      noticeDue = lastNoticeAt + Self.noticeInterval
      return
    }
    let output = session.output
    output.writeRaw("{\"jsonrpc\":\"2.0\",\"method\":\"sync/status\",\"params\":")
    output.write(current)
    output.writeRaw("}\n")
    lastNotice = current
    lastNoticeAt = now
    noticeDue = nil
  }

  /// The wait until `instant` for `poll`, in whole milliseconds rounded up.
  static func isReadable(_ descriptor: Int32) -> Bool {
    var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
    return poll(&entry, 1, 0) > 0
  }

  static func milliseconds(until instant: ContinuousClock.Instant) -> Int32 {
    let (seconds, attoseconds) = (instant - .now).components
    guard seconds >= 0, attoseconds >= 0 else { return 0 }
    return Int32(
      clamping: seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
  }
}

/// How the agent's thread and the SIGTERM handler wake the server's loop: a byte into a pipe
/// whose read end the loop polls beside stdin.
final class ReplicaWake: Sendable {
  let readEnd: Int32
  private let writeEnd: Int32
  private let terminationRequested = Atomic(false)

  init() throws(SyncAgentError) {
    var ends: [Int32] = [-1, -1]
    guard pipe(&ends) == 0 else { throw .cannotMakeWakePipe(errno: errno) }
    for end in ends {
      _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
      _ = fcntl(end, F_SETFD, FD_CLOEXEC)
    }
    (readEnd, writeEnd) = (ends[0], ends[1])
  }

  deinit {
    close(readEnd)
    close(writeEnd)
  }

  /// Wakes the loop (a full pipe is already readable, so EAGAIN is fine).
  func ring() {
    var byte: UInt8 = 1
    _ = write(writeEnd, &byte, 1)
  }

  func requestTermination() {
    terminationRequested.store(true, ordering: .sequentiallyConsistent)
    ring()
  }

  /// Empties the pipe: whether it rang, and whether termination was asked for (ever).
  func drain() -> (rang: Bool, terminate: Bool) {
    var buffer = [UInt8](repeating: 0, count: 64)
    var rang = false
    while read(readEnd, &buffer, buffer.count) > 0 { rang = true }
    return (rang, terminationRequested.load(ordering: .sequentiallyConsistent))
  }
}
