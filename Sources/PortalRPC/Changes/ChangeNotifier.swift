internal import DataSync
internal import Domain
internal import PortalJSON
internal import Storage

/// Pushes `dataSync/changed` to this client for every committed change that matches one of its
/// subscriptions, in sequence order, each exactly once: this process's changes as its requests
/// make them (before each request's response), other processes' changes when they are seen (on
/// a wake-up, and before this process takes the write lock, so the order holds).
///
/// `deliveredThrough` is the sequence number up to which every change has been considered.
final class ChangeNotifier {
  private unowned let session: Session
  private(set) var subscriptions: [Subscription] = []
  private var nextSubscriptionID: Int64 = 1
  private(set) var deliveredThrough: Int64 = 0
  private var watcher: PeerWatcher?
  /// True when inotify could not be had: peers are then found by polling `data_version`.
  private(set) var polling = false
  private var lastDataVersion: Int64 = -1

  init(session: Session) { self.session = session }

  private var store: Store { session.dataSync.store }
  private var origin: String { session.dataSync.origin }

  // MARK: Subscriptions

  func subscribe(entityType: String?, entityID: String?) throws -> Int64 {
    if subscriptions.isEmpty { try startWatching() }
    let subscription = Subscription(
      id: nextSubscriptionID, entityType: entityType, entityID: entityID)
    nextSubscriptionID += 1
    subscriptions.append(subscription)
    return subscription.id
  }

  /// Removes subscriptions by id, or by what they match; returns how many went.
  func unsubscribe(id: Int64?, entityType: String?, entityID: String?) -> Int {
    let before = subscriptions.count
    subscriptions.removeAll { subscription in
      if let id { return subscription.id == id }
      return subscription.entityType == entityType && subscription.entityID == entityID
    }
    return before - subscriptions.count
  }

  /// Arms the peer watcher first, then takes the baseline, so no commit falls between.
  private func startWatching() throws {
    if watcher == nil, !polling, let directory = session.configuration.dataDirectory {
      let candidate = PeerWatcher(directory: directory)
      if candidate.arm() {
        watcher = candidate
      } else {
        polling = true
        session.log.warn("inotify is unavailable; watching for other processes by polling")
      }
    }
    deliveredThrough = try store.lastSequence()
    lastDataVersion = try store.dataVersion()
  }

  // MARK: Delivery

  /// Notifications owed at a place in the output: the changes in `after+1 ... through` that match
  /// `subscriptions` (as they were when the changes were made). They are streamed from the change
  /// log when the output is written, after the commit, so even a 10,000-record cascade never sits
  /// in memory.
  struct Owed {
    let offset: Int
    let after: Int64
    let through: Int64
    let subscriptions: [Subscription]
  }

  /// Owes the notifications for this process's changes with sequence numbers in `range`.
  func publishOwn(_ range: ClosedRange<Int64>, at offset: Int) {
    defer { deliveredThrough = max(deliveredThrough, range.upperBound) }
    guard !subscriptions.isEmpty else { return }
    session.owed.append(
      Owed(
        offset: offset, after: range.lowerBound - 1, through: range.upperBound,
        subscriptions: subscriptions))
  }

  /// Owes the notifications for changes other processes committed since the last look.
  func catchUp(at offset: Int) throws(StorageError) {
    guard !subscriptions.isEmpty else { return }
    lastDataVersion = try store.dataVersion()  // before the query, so nothing slips between
    let last = try store.lastSequence()
    guard last > deliveredThrough else { return }
    session.owed.append(
      Owed(offset: offset, after: deliveredThrough, through: last, subscriptions: subscriptions))
    deliveredThrough = last
  }

  /// Writes owed notifications to `sink` in chunks of about `chunkBytes`.
  func stream(_ owed: Owed, chunkBytes: Int = 256 << 10, _ sink: (JSONWriter) -> Bool) throws {
    let chunk = JSONWriter(capacity: chunkBytes + 4096)
    var open = true
    let policy = session.readPolicy
    try store.forEachChange(after: owed.after, through: owed.through) { stored in
      guard open, matches(stored, owed.subscriptions), let row = stored.visible(to: policy) else {
        return
      }
      ChangeNotification.write(
        row, origin: ChangeNotification.origin(of: row, this: origin),
        entity: replicaEntity(row).map { policy == nil ? $0 : masked($0, row) }, into: chunk)
      if chunk.count >= chunkBytes {
        open = sink(chunk)
        chunk.reset(keepingCapacity: chunkBytes + 4096)
      }
    }
    if open && !chunk.isEmpty { _ = sink(chunk) }
  }

  /// On a replica, the record as a read shows it now (with `meta.syncState`); nil otherwise.
  private func replicaEntity(_ row: ChangeRow) -> [UInt8]? {
    let dataSync = session.dataSync
    guard dataSync.journal != nil, let entity = row.entity,
      let kind = EntityKind.named(row.entityType)
    else { return nil }
    return try? dataSync.withSyncState(kind, EncodedJSON(trusted: entity)).bytes
  }

  /// A replica's record (with `meta.syncState`) masked as the row's record was.
  private func masked(_ entity: [UInt8], _ row: ChangeRow) -> [UInt8] {
    guard let policy = session.readPolicy, let kind = EntityKind.Name(rawValue: row.entityType),
      policy.masks(kind), case .object(let record)? = try? JSONParser.parse(entity)
    else { return entity }
    return JSONWriter.encode(.object(policy.mask(kind, record)))
  }

  private func matches(_ row: ChangeRow, _ subscriptions: [Subscription]) -> Bool {
    let entityID = (try? JSONParser.parse(row.entityID)).flatMap(PatientID.canonical)
    let patientID = row.patientID.flatMap { try? JSONParser.parse($0) }.flatMap(PatientID.canonical)
    return subscriptions.contains {
      $0.matches(entityType: row.entityType, entityID: entityID, patientID: patientID)
    }
  }

  /// Keeps and restores the delivery mark around a group whose commit may fail.
  var mark: Int64 {
    get { deliveredThrough }
    set { deliveredThrough = newValue }
  }

  // MARK: Waiting

  /// The descriptor the event loop waits on besides stdin, if any.
  var wakeDescriptor: Int32? { watcher.map(\.descriptor) }

  /// How long the event loop may sleep before `idle()` must run (the safety poll), or nil.
  var idleTimeoutMilliseconds: Int32? {
    guard !subscriptions.isEmpty else { return nil }
    return polling ? 50 : 1000
  }

  /// A wake-up from the watcher: drain it first, then read the change log.
  func wake(at offset: Int) throws {
    watcher?.drain()
    try catchUp(at: offset)
  }

  /// The safety poll: cheap when nothing changed (a commit without a ring, a lost watch).
  func idle(at offset: Int) throws {
    guard !subscriptions.isEmpty else { return }
    if try store.dataVersion() != lastDataVersion { try catchUp(at: offset) }
  }

  /// After this process commits: wake the other processes.
  func ringBell() {
    guard let directory = session.configuration.dataDirectory else { return }
    PeerWatcher.ring(directory + "/portal.db-bell")
  }
}
