public import DataSync
public import Domain
public import PortalJSON
internal import Sodium
public import Storage

/// The state of one client connection: where it is in the lifecycle, which of its requests it has
/// cancelled, and the services methods use. Confined to the thread that runs the server.
public final class Session {
  /// Where the connection is in the lifecycle of `docs/protocol.md`.
  public enum Phase: Sendable {
    case awaitingInitialize
    case running
    case shutDown
  }

  public internal(set) var phase: Phase = .awaitingInitialize
  public let configuration: ServerConfiguration
  public let log: Log
  /// Where `meta` timestamps come from: the system clock, or the one `--clock` fixed.
  public var clock: Clock { dataSync.clock }
  /// The DataSync operations over this session's store.
  public let dataSync: DataSync<Store>
  /// Set by the `exit` notification: stop after the current input.
  public internal(set) var exitRequested = false
  /// What the client said about itself in `initialize`.
  public internal(set) var clientInfo: JSONValue?
  /// The replica's election, agent and status when the data directory is served as a replica
  /// (`--upstream`); nil when standalone.
  public internal(set) var replica: Replica?

  /// Everything the server has to say to this client; the transport writes it out and empties it.
  public let output = JSONWriter(capacity: 64 << 10)
  /// Subscriptions and the delivery of change notifications.
  lazy var notifier = ChangeNotifier(session: self)
  /// Notifications owed at places in `output`, streamed when the output is written.
  var owed: [ChangeNotifier.Owed] = []

  private var cancelledIDs: Set<RequestID> = []
  /// Reads whatever input is already waiting (without blocking), so that a `$/cancelRequest`
  /// sent while a long call runs is seen by it. Installed by the transport.
  var pollInput: (() -> Void)?
  /// Set by a method that answers only after its writes are durable and something else has
  /// happened (a replica waiting for PostgreSQL): the server commits, then finishes it.
  var afterCommit: AfterCommit?
  /// True while a call runs on its own (not in a batch or a transaction): only then may it set
  /// `afterCommit`.
  var canWaitAfterCommit = false
  /// Wakes the sync agent when a write queued something for PostgreSQL; nil standalone.
  var replicaPushNeeded: (() -> Void)?
  /// Who is signed in on this connection, and whether anyone must be.
  var auth: Authentication
  /// This connection's audit events on their way to the store's hash chain.
  let auditRecorder = AuditRecorder()
  /// When the request now running began (the time its audit event gets).
  var requestTime: Timestamp?
  /// The actor of this connection's audit events, while it stays the same person and client.
  var cachedAuditActor: AuditEvent.Actor?
  /// The patients a feed method (`getChangesSince`) just showed, for its audit event.
  var feedTouched: RecordView.Touched?
  /// The key `encrypt` and `encryptObject` seal with, derived from the store's key once.
  var cachedValueSealer: SealedValue?
  /// Requests' and upstream calls' counts and durations, and a shell's own (`getMetrics`).
  public let monitor: PerformanceMonitor

  public init(configuration: ServerConfiguration, dataSync: DataSync<Store>) {
    self.configuration = configuration
    self.log = Log(level: configuration.logLevel)
    self.dataSync = dataSync
    monitor = PerformanceMonitor(configuration: configuration, log: log)
    auth = Authentication(
      mode: configuration.authMode, limits: configuration.sessionLimits,
      accounts: (try? dataSync.store.staffCount()) ?? 0)
    dataSync.store.onWriteLock = { [unowned self] () throws(StorageError) in
      try notifier.catchUp(at: output.count)
    }
  }

  /// Owes the notifications for the changes the request just run made, before its response.
  func publishOwnChanges() {
    guard let range = dataSync.takeLoggedChanges() else { return }
    notifier.publishOwn(range, at: output.count)
  }

  /// Writes everything the session has to say, in order: the output's bytes with the owed
  /// notifications streamed in at their places. `sink` returns false once it cannot write (the
  /// client is gone). Empties the output.
  public func drainOutput(_ sink: (UnsafeBufferPointer<UInt8>) -> Bool) {
    var written = 0
    var open = true
    output.withBytes { bytes in
      for owed in owed where open {
        if owed.offset > written {
          open = sink(UnsafeBufferPointer(rebasing: bytes[written..<owed.offset]))
          written = owed.offset
        }
        guard open else { break }
        do {
          try notifier.stream(owed) { chunk in
            open = chunk.withBytes { sink($0) }
            return open
          }
        } catch {
          log.error("change notifications could not be read (\(ResponseError(error).code))")
        }
      }
      if open && written < bytes.count {
        _ = sink(UnsafeBufferPointer(rebasing: bytes[written..<bytes.count]))
      }
    }
    owed.removeAll()
    output.reset()
  }

  /// True when the client cancelled `id`; reads waiting input first.
  public func isCancelled(_ id: RequestID) -> Bool {
    pollInput?()
    return !cancelledIDs.isEmpty && cancelledIDs.contains(id)
  }

  func markCancelled(_ id: RequestID) { cancelledIDs.insert(id) }
  func clearCancellation(_ id: RequestID) {
    if !cancelledIDs.isEmpty { cancelledIDs.remove(id) }
  }
}

extension Session {
  /// Tells this workstation's sync agent that the outbox has something new to push (nothing
  /// standalone).
  func pushNeeded() {
    replicaPushNeeded?()
  }
}
