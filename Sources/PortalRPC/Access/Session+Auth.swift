internal import Domain
internal import PortalJSON
internal import Storage

/// The session's side of sign-in that the server loop drives: ending a session that idled out,
/// expired or was revoked (with `auth/expired`), and writing the audit log at each commit.
extension Session {
  /// Before a request runs: ends the session if it is over, then counts the request as activity.
  func beginRequest() {
    guard auth.auditing || auth.signedIn != nil else { return }
    let time = clock.now()
    requestTime = time
    guard auth.signedIn != nil else { return }
    let now = time.millisecondsSinceEpoch
    if let ending = auth.ending(at: now) {
      endSession(ending)
    } else {
      auth.touch(now)
    }
  }

  /// At the start of a group and while idle: ends a session that is over, here or because
  /// another process revoked its token; turns auth on when another process made the first
  /// account.
  func checkSession() {
    guard auth.mode != .off || auth.signedIn != nil || !auth.auditing else { return }
    if let ending = auth.ending(at: clock.now().millisecondsSinceEpoch) {
      endSession(ending)
      // Between groups: what the ending wrote is committed at once, not held.
      do {
        try dataSync.commit()
      } catch {
        dataSync.rollback()
      }
      return
    }
    do {
      if try auth.revoked(in: dataSync.store) { endSession(.revoked) }
      if auth.auditing, auditRecorder.writer == nil { startAuditWriter() }
    } catch {
      log.warn("the session could not be checked against the store (\(ResponseError(error).code))")
    }
  }

  /// Signs the connection out and tells the client why, before anything else it is sent. An
  /// idle logoff also revokes this window's own tokens (not the other windows' of the same
  /// sign-in), so a shell that kept them cannot undo it: the person signs in again.
  func endSession(_ ending: Authentication.Ending) {
    guard let signedIn = auth.signedIn else { return }
    auth.signOut()
    if ending == .idle {
      let store = dataSync.store
      do {
        try store.inSavepoint {
          try store.deleteToken(hash: signedIn.tokenHash)
          try store.deleteToken(hash: signedIn.refreshHash)
        }
      } catch {
        log.warn("an idle session's tokens could not be revoked yet (\(ResponseError(error).code))")
      }
    }
    recordAudit(
      method: "session." + ending.rawValue, outcome: .ok, actor: .account(signedIn.member))
    output.writeRaw("{\"jsonrpc\":\"2.0\",\"method\":\"auth/expired\",\"params\":{\"reason\":")
    output.writeString(ending.rawValue)
    output.writeRaw("}}\n")
  }

  /// Milliseconds until the server must look at the session or the audit buffer again, if ever.
  var authTimeoutMilliseconds: Int32? {
    let sessionDue = auth.millisecondsUntilDue(at: clock.now().millisecondsSinceEpoch).map {
      // A signed-in session is looked at once a second at least: another process may revoke it,
      // and a test's clock may jump.
      min($0, 1000)
    }
    let due = [sessionDue, auditRecorder.millisecondsUntilDue].compactMap { $0 }.min()
    return due.map { Int32(clamping: max($0, 1)) }
  }

  /// While idle: writes read events that are due in a transaction of their own.
  func flushAuditIfDue() {
    guard auditRecorder.isDue else { return }
    let offset = output.count
    let mark = notifier.mark
    do {
      try writeAuditNow(forcingHead: false)
    } catch {
      output.truncate(to: offset)
      owed.removeAll { $0.offset >= offset }
      notifier.mark = mark
      log.warn("audit events could not be written yet (code \(ResponseError(error).code)); retried")
    }
  }

  /// Appends what waits and commits it, then moves the head file (when due, or `forcingHead`);
  /// on failure nothing is lost: the events wait for the next try.
  private func writeAuditNow(forcingHead: Bool) throws {
    do {
      try auditRecorder.appendBeforeCommit(to: dataSync.store, due: true)
      try dataSync.commit()
      auditRecorder.afterCommit(succeeded: true, directory: configuration.dataDirectory)
      auditRecorder.writeHead(configuration.dataDirectory, force: forcingHead)
    } catch {
      dataSync.rollback()
      auditRecorder.afterCommit(succeeded: false, directory: configuration.dataDirectory)
      throw error
    }
  }

  /// Starts the thread that appends read events, for a store in a data directory that is audited.
  func startAuditWriter() {
    guard auth.auditing, auditRecorder.writer == nil, let directory = configuration.dataDirectory,
      !dataSync.store.isReadOnly
    else { return }
    do {
      auditRecorder.writer = try AuditWriter(
        directory: directory,
        options: configuration.storeOptions(),
        now: clock.now(), log: log)
    } catch {
      log.warn(
        "read events are written on the request thread: no second store connection (\(ResponseError(error).code))"
      )
    }
  }

  /// At the end of input: whatever audit events wait are written before the process exits.
  public func finishAudit() {
    defer { auditRecorder.writer?.finish() }
    guard !auditRecorder.isEmpty else { return }
    do {
      try writeAuditNow(forcingHead: true)
    } catch {
      log.error("audit events could not be written at exit (code \(ResponseError(error).code))")
    }
  }
}
