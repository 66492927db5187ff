public import PortalJSON

/// Turns framed input lines into responses, in arrival order: decodes each message, applies the
/// lifecycle rules, runs the method from the `MethodTable`, and writes the answer, preceded by
/// the change notifications it caused, to the session's `output`.
///
/// Input is received first and run afterwards (`receive`, then `runQueued`), so cancellations
/// take effect on requests still waiting in the queue, and requests that arrived together share
/// one commit.
public final class Server {
  public let session: Session
  public let table: MethodTable

  private var queue: [Work] = []
  private var queueHead = 0
  private var runningID: RequestID?
  /// The method of a call answered after its group's commit, and when it began (the monitor's
  /// clock).
  private var waitingSince: (spec: MethodSpec?, start: UInt64)?

  /// A unit of input, in arrival order.
  private enum Work {
    /// Answer with an error without running anything (parse errors, invalid and oversize lines).
    case answer(RequestID, ResponseError)
    case call(Request, cancelled: Bool)
    case batch([Incoming], cancelled: Set<Int>)
  }

  /// What running one request gave: its method (nil when the line named none) and its outcome,
  /// which is answered unless the request was a notification.
  private struct Ran {
    let spec: MethodSpec?
    let outcome: Result<Reply, ResponseError>
    let answered: Bool

    var failed: Bool { Server.failed(outcome) }
  }

  public init(session: Session, table: MethodTable) {
    self.session = session
    self.table = table
    session.monitor.prepare(methodNames: table.names)
  }

  /// Everything the server has to say; the transport writes it out and empties it.
  public var output: JSONWriter { session.output }

  public var hasQueuedWork: Bool { queueHead < queue.count }

  // MARK: Receiving

  /// Decodes one complete input line (without its line terminator) and queues it.
  public func receive(line: UnsafeBufferPointer<UInt8>) {
    switch IncomingLine(line: line) {
    case .unparsable(let error):
      enqueue(.answer(.null, .withDetail(.parseError, error.message)))
    case .emptyBatch:
      enqueue(.answer(.null, .invalidRequest("an empty batch is not a request")))
    case .batch(let entries):
      var cancelled: Set<Int> = []
      for (position, entry) in entries.enumerated() {
        guard let target = cancellationTarget(of: entry) else { continue }
        cancelQueued(target)
        for earlier in 0..<position where entries[earlier].requestID == target {
          cancelled.insert(earlier)
        }
      }
      enqueue(.batch(entries, cancelled: cancelled))
    case .single(let incoming):
      if applyIfCancellation(incoming) { return }
      switch incoming {
      case .request(let request): enqueue(.call(request, cancelled: false))
      case .invalid(let id, let error): enqueue(.answer(id, error))
      }
    }
  }

  /// Queues the answer for a line that was longer than `--max-message-bytes`.
  public func receiveOversizeLine(id: RequestID) {
    enqueue(
      .answer(
        id,
        .invalidRequest(
          "message longer than \(session.configuration.maxMessageBytes) bytes (--max-message-bytes)"
        )))
  }

  private func enqueue(_ work: Work) { queue.append(work) }

  /// Marks requests named by a `$/cancelRequest` notification at once, whether they wait in the
  /// queue or are running. Returns true when `incoming` was such a notification.
  private func applyIfCancellation(_ incoming: Incoming) -> Bool {
    guard let target = cancellationTarget(of: incoming) else { return false }
    cancelQueued(target)
    return true
  }

  /// The id a `$/cancelRequest` notification names, if `incoming` is one.
  private func cancellationTarget(of incoming: Incoming) -> RequestID? {
    guard case .request(let request) = incoming, request.method == Self.cancelMethod,
      request.isNotification
    else { return nil }
    return request.params.flatMap(Self.cancelTarget)
  }

  private func cancelQueued(_ target: RequestID) {
    if runningID == target { session.markCancelled(target) }
    for index in queueHead..<queue.count {
      switch queue[index] {
      case .call(let queued, false) where queued.id == target:
        queue[index] = .call(queued, cancelled: true)
      case .batch(let entries, var cancelled):
        for (position, entry) in entries.enumerated() where entry.requestID == target {
          cancelled.insert(position)
        }
        queue[index] = .batch(entries, cancelled: cancelled)
      default:
        break
      }
    }
  }

  static let cancelMethod = "$/cancelRequest"

  private static func cancelTarget(_ params: JSONValue) -> RequestID? {
    switch params {
    case .object(let object): object["id"].flatMap(RequestID.init)
    case .array(let array): array.first.flatMap(RequestID.init)
    default: nil
    }
  }

  // MARK: Running

  /// Requests run between two commits at most; bounds the time a write lock is held and the
  /// memory of answers waiting for their commit.
  static let maximumGroupSize = 512

  /// Runs what is queued, in order, writing each answer to `output`, then commits everything
  /// they changed at once (group commit: one fsync for the group). Answers are written out only
  /// after that commit; if it fails, every answer from the group's first write on becomes
  /// -32005 and nothing of the group is kept. Call until `hasQueuedWork` is false.
  public func runQueued() {
    var groupStart: (offset: Int, index: Int, mark: Int64)?
    var count = 0
    if queueHead < queue.count {
      session.checkSession()
      session.monitor.startLap()
    }
    while queueHead < queue.count, count < Self.maximumGroupSize, !session.exitRequested {
      let index = queueHead
      let offset = output.count
      let mark = session.notifier.mark
      let wasWriting = session.dataSync.store.isWriting
      queueHead += 1
      count += 1
      run(queue[index])
      if groupStart == nil, !wasWriting, session.dataSync.store.isWriting {
        groupStart = (offset, index, mark)
      }
      // A call that waits for the upstream ends the group: its wait starts once its write
      // (and every write before it) is durable.
      if session.afterCommit != nil { break }
    }
    let waiting = session.afterCommit
    session.afterCommit = nil
    var committed = true
    let commitStart = groupStart == nil ? 0 : session.monitor.commitStart()
    do {
      try session.auditRecorder.appendBeforeCommit(to: session.dataSync.store, due: false)
      try session.dataSync.commit()
      session.auditRecorder.afterCommit(
        succeeded: true, directory: session.configuration.dataDirectory)
      if groupStart != nil {
        session.monitor.recordCommit(since: commitStart, failed: false)
        session.notifier.ringBell()
        session.pushNeeded()
      }
    } catch {
      committed = false
      if groupStart != nil { session.monitor.recordCommit(since: commitStart, failed: true) }
      session.dataSync.rollback()
      session.auditRecorder.afterCommit(
        succeeded: false, directory: session.configuration.dataDirectory)
      let failure = ResponseError(error)
      session.log.error(
        "a commit failed (code \(failure.code)); its requests are answered with the error")
      if let groupStart {
        output.truncate(to: groupStart.offset)
        session.owed.removeAll { $0.offset >= groupStart.offset }
        session.notifier.mark = groupStart.mark
        for work in queue[groupStart.index..<queueHead] { answer(work, with: failure) }
      }
    }
    if let waiting, committed || groupStart == nil {
      let outcome = waiting.finish()
      session.publishOwnChanges()
      try? session.dataSync.commit()
      writeResponse(id: waiting.id, outcome: outcome)
      if let since = waitingSince, let spec = since.spec {
        session.monitor.record(spec, since: since.start, failed: Self.failed(outcome))
      }
    } else if let since = waitingSince, let spec = since.spec {
      session.monitor.record(spec, since: since.start, failed: true)  // answered -32005 above
    }
    waitingSince = nil
    if session.exitRequested || queueHead == queue.count {
      queue.removeAll(keepingCapacity: queue.count < 4096)
      queueHead = 0
    }
  }

  private func run(_ work: Work) {
    switch work {
    case .answer(let id, let error):
      writeResponse(id: id, outcome: .failure(error))
      session.monitor.endLap(nil, failed: true)
    case .call(let request, let cancelled):
      session.canWaitAfterCommit = request.id != nil
      let ran = run(request, cancelled: cancelled)
      session.canWaitAfterCommit = false
      if session.afterCommit != nil, ran.answered, !ran.failed {
        // Answered once the group is committed; its time runs on until then.
        waitingSince = (ran.spec, session.monitor.lapStart)
        return
      }
      session.afterCommit = nil
      if ran.answered { writeResponse(id: request.id ?? .null, outcome: ran.outcome) }
      session.monitor.endLap(ran.spec, failed: ran.failed)
    case .batch(let entries, let cancelled):
      runBatch(entries, cancelled: cancelled)
    }
  }

  /// Answers `work` again with `failure` (its commit failed), keeping the shape of the answer.
  private func answer(_ work: Work, with failure: ResponseError) {
    switch work {
    case .answer(let id, let error):
      writeResponse(id: id, outcome: .failure(error))
    case .call(let request, _):
      if let id = request.id { writeResponse(id: id, outcome: .failure(failure)) }
    case .batch(let entries, _):
      let answers: [(RequestID, ResponseError)] = entries.compactMap { entry in
        switch entry {
        case .invalid(let id, let error): (id, error)
        case .request(let request): request.id.map { ($0, failure) }
        }
      }
      guard !answers.isEmpty else { return }
      output.append(UInt8(ascii: "["))
      for (index, (id, error)) in answers.enumerated() {
        if index > 0 { output.append(UInt8(ascii: ",")) }
        Self.writeResponseObject(id: id, outcome: .failure(error), into: output)
      }
      output.writeRaw("]\n")
    }
  }

  /// A batch's answers are one array on one line; the notifications its requests cause go out
  /// before it, on lines of their own.
  private func runBatch(_ entries: [Incoming], cancelled: Set<Int>) {
    let answers = JSONWriter(capacity: 256)
    var answered = 0
    for (position, entry) in entries.enumerated() {
      let id: RequestID
      let outcome: Result<Reply, ResponseError>
      var spec: MethodSpec?
      switch entry {
      case .invalid(let invalidID, let error):
        id = invalidID
        outcome = .failure(error)
      case .request(let request):
        let ran = run(request, cancelled: cancelled.contains(position))
        guard ran.answered else {
          session.monitor.endLap(ran.spec, failed: ran.failed)
          continue
        }
        id = request.id ?? .null
        outcome = ran.outcome
        spec = ran.spec
      }
      answers.append(UInt8(ascii: answered == 0 ? "[" : ","))
      answered += 1
      Self.writeResponseObject(id: id, outcome: outcome, into: answers)
      session.monitor.endLap(spec, failed: Self.failed(outcome))
    }
    guard answered > 0 else { return }  // a batch of notifications gets no answer at all
    answers.writeRaw("]\n")
    answers.withBytes { output.append($0) }
  }

  /// Runs one request, owing its change notifications at the current end of the output (before
  /// its answer, which a notification does not get).
  private func run(_ request: Request, cancelled: Bool) -> Ran {
    let spec = table[request.method]
    let outcome = outcome(of: request, spec: spec, cancelled: cancelled)
    session.publishOwnChanges()
    if request.isNotification, case .failure(let error) = outcome {
      session.log.debug("notification failed with code \(error.code)")
    }
    return Ran(spec: spec, outcome: outcome, answered: !request.isNotification)
  }

  static func failed(_ outcome: Result<Reply, ResponseError>) -> Bool {
    if case .failure = outcome { return true }
    return false
  }

  private func outcome(of request: Request, spec: MethodSpec?, cancelled: Bool)
    -> Result<Reply, ResponseError>
  {
    if let refusal = lifecycleRefusal(of: request, spec: spec) { return .failure(refusal) }
    guard let spec else {
      let suggestions = table.suggestions(for: request.method).map(JSONValue.string)
      var data: JSONObject = ["method": .echoed(.string(request.method))]
      if !suggestions.isEmpty { data["suggestions"] = .array(suggestions) }
      return .failure(ResponseError(.methodNotFound, data: .object(data)))
    }
    if cancelled { return .failure(ResponseError(.requestCancelled)) }
    session.beginRequest()
    do {
      try session.admit(spec)
      let arguments = try Arguments.decode(request.params, for: spec.params)
      runningID = request.id
      session.dataSync.currentMethod = request.method
      defer {
        if let id = request.id { session.clearCancellation(id) }
        runningID = nil
      }
      return .success(
        try session.perform(
          spec, MethodCall(id: request.id, arguments: arguments, session: session)))
    } catch {
      return .failure(ResponseError(error, idParameter: spec.idParameter))
    }
  }

  /// The lifecycle's answer to a request that may not run in the current phase, if any.
  private func lifecycleRefusal(of request: Request, spec: MethodSpec?) -> ResponseError? {
    switch session.phase {
    case .running:
      return nil
    case .awaitingInitialize:
      if request.method == "initialize" || spec?.allowedBeforeInitialize == true { return nil }
      return ResponseError.withDetail(
        .serverNotInitialized, "send initialize first; only ping and rpc.discover work before it")
    case .shutDown:
      if request.method == "exit" { return nil }
      return .invalidRequest("the server is shut down; send the exit notification or close stdin")
    }
  }

  // MARK: Writing

  private func writeResponse(id: RequestID, outcome: Result<Reply, ResponseError>) {
    Self.writeResponseObject(id: id, outcome: outcome, into: output)
    output.append(UInt8(ascii: "\n"))
  }

  static func writeResponseObject(
    id: RequestID, outcome: Result<Reply, ResponseError>, into writer: JSONWriter
  ) {
    writer.writeRaw("{\"jsonrpc\":\"2.0\",\"id\":")
    writer.write(id)
    switch outcome {
    case .success(.value(let value)):
      writer.writeRaw(",\"result\":")
      writer.write(value)
    case .success(.encoded(let encoded)):
      writer.writeRaw(",\"result\":")
      writer.write(encoded)
    case .failure(let error):
      writer.writeRaw(",\"error\":{\"code\":")
      writer.writeInteger(error.code.rawValue)
      writer.writeRaw(",\"message\":")
      writer.writeString(error.message)
      if let data = error.data {
        writer.writeRaw(",\"data\":")
        writer.write(data)
      }
      writer.append(UInt8(ascii: "}"))
    }
    writer.append(UInt8(ascii: "}"))
  }

  // MARK: Idle

  /// Another process may have committed: owe this client the notifications for it.
  public func deliverPeerChanges(wokenByWatcher: Bool) {
    session.checkSession()
    session.flushAuditIfDue()
    if !wokenByWatcher { turnDayWhileIdle() }
    do {
      if wokenByWatcher {
        try session.notifier.wake(at: output.count)
      } else {
        try session.notifier.idle(at: output.count)
      }
    } catch {
      session.log.warn(
        "other processes' changes could not be read yet (\(ResponseError(error).code))")
    }
  }

  /// What the transport waits on besides input: a descriptor and how long it may sleep.
  /// The clinic's day turned while the client waited with subscriptions: the derived dates move
  /// now, and subscribed windows hear of it within the safety poll, not at their next request.
  private func turnDayWhileIdle() {
    guard session.dataSync.isDayTurnDue else { return }
    let offset = output.count
    let mark = session.notifier.mark
    session.dataSync.turnDayIfDue()
    let wrote = session.dataSync.loggedChanges != nil
    session.publishOwnChanges()
    do {
      try session.dataSync.commit()
      if wrote { session.notifier.ringBell() }
    } catch {
      session.dataSync.rollback()
      output.truncate(to: offset)
      session.owed.removeAll { $0.offset >= offset }
      session.notifier.mark = mark
      session.log.warn(
        "the day turn could not be written yet (code \(ResponseError(error).code)); retried later")
    }
  }

  /// The replica's part of the idle loop: the election's retry, `sync/status`, SIGTERM.
  func serviceReplica() { session.replica?.service(session) }

  public var wakeDescriptor: Int32? { session.notifier.wakeDescriptor }
  public var idleTimeoutMilliseconds: Int32? {
    let peers = session.notifier.idleTimeoutMilliseconds
    guard let auth = session.authTimeoutMilliseconds else { return peers }
    return min(peers ?? auth, auth)
  }
}
