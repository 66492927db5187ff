public import Domain
internal import PortalJSON
public import Storage

/// A record's state as PostgreSQL confirmed it, as a pull hands it to the replica.
public struct ConfirmedChange: Sendable {
  public var kind: EntityKind.Name
  /// A patient's ordinal, or the record's id.
  public var row: Int64
  /// The record as PostgreSQL holds it; nil when PostgreSQL deleted it.
  public var record: ConfirmedRecord?
  /// The method that made the change upstream, told to windows as the cause.
  public var method: String?

  public init(kind: EntityKind.Name, row: Int64, record: ConfirmedRecord?, method: String? = nil) {
    self.kind = kind
    self.row = row
    self.record = record
    self.method = method
  }
}

extension DataSync where Records == Store {
  /// The origin a rebase writes in the change log: windows are told `origin: "upstream"`.
  public static var upstreamOrigin: String { "upstream" }

  /// Brings the replica to PostgreSQL's state with its own pending writes on top, in one
  /// transaction: every captured record goes back to its confirmed state, PostgreSQL's `changes`
  /// are applied, the pull `cursor` is stored (applied outbox rows it covers are forgotten),
  /// and every pending or applied-but-not-yet-pulled outbox entry is applied again, in order,
  /// with its own ids. A record whose state a window sees changed gets one change row, with
  /// origin `upstream`. Returns how many.
  ///
  /// An entry that no longer applies (its record was deleted elsewhere, say) stays queued and
  /// leaves no effect: PostgreSQL will refuse it, and the refusal reaches the user.
  public func rebase(applying changes: [ConfirmedChange], cursor: Int64?) throws -> Int {
    try store.inSavepoint {
      try store.deferForeignKeys()
      var before: [RecordRow: [UInt8]?] = [:]
      var order: [RecordRow] = []
      func remember(_ row: RecordRow, _ document: [UInt8]?) {
        guard before[row] == nil else { return }
        before[row] = .some(document)
        order.append(row)
      }
      let pendingBefore = try store.confirmedRows()
      for row in pendingBefore + changes.map({ RecordRow($0.kind, $0.row) }) {
        remember(row, try store.row(EntityKind.named(row.kind), row.row)?.document)
      }

      try store.setCapturing(false)
      try store.restoreConfirmed()
      for change in changes {
        let kind = EntityKind.named(change.kind)
        if let record = change.record {
          try store.putConfirmed(kind, row: change.row, record)
        } else {
          try store.removeConfirmed(kind, row: change.row)
        }
      }
      if let cursor {
        try store.forgetAppliedOutbox(through: cursor)
        try store.setSyncValue("cursor", String(cursor))
      }

      let (mark, logged) = (try store.lastSequence(), loggedChanges)
      try store.setCapturing(true)
      for row in try store.outboxRows() where row.state != "rejected" {
        guard let entry = JournalEntry(row) else { continue }
        _ = try? apply(entry)
      }
      loggedChanges = logged
      try store.dropChanges(after: mark)
      // A record only the re-applied writes touched was, before them, as PostgreSQL has it.
      let pendingAfter = try store.confirmedRows()
      for row in pendingAfter where before[row] == nil {
        if let kept = try store.confirmedDocument(row) { remember(row, kept) }
      }
      var methods: [RecordRow: String] = [:]
      for change in changes { methods[RecordRow(change.kind, change.row)] = change.method }
      // A record whose writes PostgreSQL has all confirmed is synced now, even where its JSON
      // came back unchanged: windows hear that too (its meta.syncState changed).
      let synced = Set(pendingBefore).subtracting(pendingAfter)
      return try logVisibleChanges(order, before: before, methods: methods, synced: synced)
    }
  }

  /// One change row, origin `upstream`, per record whose JSON differs from `before`.
  private func logVisibleChanges(
    _ rows: [RecordRow], before: [RecordRow: [UInt8]?], methods: [RecordRow: String],
    synced: Set<RecordRow>
  ) throws -> Int {
    let now = clock.now()
    var logged = 0
    for row in rows {
      let kind = EntityKind.named(row.kind)
      let old = before[row] ?? nil
      let current = try store.row(kind, row.row)
      let becameSynced = synced.contains(row) && current != nil
      guard old != current?.document || becameSynced else { continue }
      let oldObject = try old.map(Self.object)
      let newObject = try current.map { try Self.object($0.document) }
      guard let document = newObject ?? oldObject else { continue }
      let change: ChangeEvent.Kind =
        newObject == nil ? .deleted : (oldObject == nil ? .created : .updated)
      var fields =
        change == .updated
        ? EntityDocument.changedFields(kind, from: oldObject!, to: newObject!)
        : nil
      if fields?.isEmpty == true { fields = ["meta"] }  // only its syncState moved
      let version = current?.version ?? ((Meta(document["meta"] ?? .null)?.version ?? 0) + 1)
      let patientID = kind.name == .patient ? document["id"] : document["patientId"]
      let event = ChangeEvent(
        entityType: kind.name, entityID: document["id"] ?? .null, change: change, version: version,
        patientID: patientID, fields: fields, method: methods[row] ?? "sync",
        originProcess: Self.upstreamOrigin,
        time: now, entity: current.map { EncodedJSON(trusted: $0.document) })
      var ordinal = current?.patientOrdinal ?? (kind.name == .patient ? row.row : nil)
      if ordinal == nil, let owner = patientID.flatMap(PatientID.canonical) {
        ordinal = try store.patientOrdinal(owner)
      }
      noteLogged(try store.append(event, patientOrdinal: ordinal, activity: nil))
      logged += 1
    }
    return logged
  }
}

extension DataSync where Records == Store {
  /// The fast way to take a page that holds only this workstation's own applied writes while
  /// others still wait: PostgreSQL applied them in the order they were made, on top of what it
  /// confirmed, so what windows see is already that state plus the writes still waiting. Only
  /// the confirmed state moves (and the cursor); nothing visible changes. False (nothing done)
  /// when no write waits beyond the page: then a full `rebase` brings the records to
  /// PostgreSQL's exact bytes.
  public func confirmOwn(_ changes: [ConfirmedChange], cursor: Int64) throws -> Bool {
    try store.inSavepoint {
      guard try store.hasUnconfirmedOutbox(after: cursor) else { return false }
      for change in changes {
        try store.keepConfirmed(EntityKind.named(change.kind), row: change.row, change.record)
      }
      try store.forgetAppliedOutbox(through: cursor)
      try store.setSyncValue("cursor", String(cursor))
      return true
    }
  }
}

extension DataSync where Records == Store {
  /// True for a store that joined an upstream (it is a replica's, whatever this process does).
  /// Outside a unit of work only (it ends the read it makes). A plain look at the store: no day
  /// turn runs before it, as one would before a request's read.
  public var isReplicaStore: Bool {
    defer { try? commit() }
    return (try? store.syncValue("upstream_id")) != nil
  }
}
