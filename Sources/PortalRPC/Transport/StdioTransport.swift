#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// Runs a `Server` over two file descriptors (stdin and stdout): reads raw bytes, frames lines,
/// lets the server answer everything that arrived together, and writes all those answers with a
/// single write(2). Nothing else ever writes to the output descriptor.
public final class StdioTransport {
  private let server: Server
  private var framer: LineFramer
  private let input: Int32
  private let output: Int32
  private let readBuffer: UnsafeMutableRawBufferPointer
  private var inputEnded = false
  private var outputClosed = false
  /// When the peers' safety poll is next due (while the client has subscriptions).
  private var nextPeerPoll: ContinuousClock.Instant?
  /// The replica's descriptors were readable at the last wait: it is serviced before the next
  /// one (otherwise only when its timer is due, not before every request).
  private var replicaDue = true

  static let readSize = 64 << 10

  public init(server: Server, input: Int32 = 0, output: Int32 = 1) {
    self.server = server
    self.input = input
    self.output = output
    framer = LineFramer(maxLineBytes: server.session.configuration.maxMessageBytes)
    readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.readSize, alignment: 16)
  }

  deinit { readBuffer.deallocate() }

  /// Serves until end of input, the `exit` notification, or a client that stopped reading.
  public func run() {
    signal(SIGPIPE, SIG_IGN)  // a vanished reader is an EPIPE we handle, not a signal that kills
    server.session.pollInput = { [unowned self] in self.readWaitingInput() }
    defer { server.session.pollInput = nil }
    while !inputEnded && !outputClosed && !server.session.exitRequested {
      readInput()
      repeat {
        server.runQueued()
        flush()
      } while server.hasQueuedWork && !outputClosed && !server.session.exitRequested
    }
    if outputClosed { server.session.log.info("the client closed its end of stdout; stopping") }
  }

  /// Blocks until input arrives, then frames it. While the client has subscriptions, it also
  /// wakes for other processes' commits (the peer watcher) and for the safety poll, and on a
  /// replica for the replica's timer and wake-ups, and writes the notifications those bring;
  /// otherwise it simply blocks in read(2). Returns early when a SIGTERM asked the server to stop.
  private func readInput() {
    while true {
      if let replica = server.session.replica, replicaDue || replica.isDue {
        replicaDue = false
        server.serviceReplica()
        flush()
        if server.session.exitRequested { return }
      }
      let waits = server.idleTimeoutMilliseconds != nil || server.session.replica != nil
      if waits, !waitForInputOrPeers() {
        continue
      }
      let count = read(input, readBuffer.baseAddress, readBuffer.count)
      if count > 0 {
        frame(count)
        return
      }
      if count < 0 && errno == EINTR { continue }
      if count < 0 && errno == EAGAIN {
        var descriptor = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
        _ = poll(&descriptor, 1, -1)
        continue
      }
      if count < 0 {
        server.session.log.error("reading stdin failed (errno \(Int(errno))); stopping")
      }
      endInput()
      return
    }
  }

  /// Waits for stdin, the peer watcher, the replica's wake-up or the next timer (the peers'
  /// safety poll, the replica's); delivers peer changes when they are the reason (the replica is
  /// serviced by the caller, before each wait). True when stdin has something (or ended).
  private func waitForInputOrPeers() -> Bool {
    var timeout: Int32 = -1
    if let idle = server.idleTimeoutMilliseconds {
      let soonest = ContinuousClock.now + .milliseconds(idle)
      let due = nextPeerPoll.map { min($0, soonest) } ?? soonest
      nextPeerPoll = due
      timeout = Replica.milliseconds(until: due)
    } else {
      nextPeerPoll = nil
    }
    if let replica = server.session.replica?.timeoutMilliseconds {
      timeout = timeout < 0 ? replica : min(timeout, replica)
    }
    var descriptors = [pollfd(fd: input, events: Int16(POLLIN), revents: 0)]
    let watcher = server.wakeDescriptor.map { descriptor in
      descriptors.append(pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0))
      return descriptors.count - 1
    }
    let replicaFirst = descriptors.count
    if let replica = server.session.replica?.wakeDescriptor {
      descriptors.append(pollfd(fd: replica, events: Int16(POLLIN), revents: 0))
    }
    if let bell = server.session.replica?.bellDescriptor {
      descriptors.append(pollfd(fd: bell, events: Int16(POLLIN), revents: 0))
    }
    let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
    if ready < 0 { return errno != EINTR }
    let woken = watcher.map { descriptors[$0].revents != 0 } ?? false
    if descriptors[replicaFirst...].contains(where: { $0.revents != 0 }) { replicaDue = true }
    let pollDue = nextPeerPoll.map { ContinuousClock.now >= $0 } ?? false
    if woken || pollDue {
      nextPeerPoll = nil
      server.deliverPeerChanges(wokenByWatcher: woken)
      flush()
    }
    return descriptors[0].revents != 0
  }

  /// Reads what is already waiting, without blocking: how a long call sees a `$/cancelRequest`.
  private func readWaitingInput() {
    guard !inputEnded else { return }
    var descriptor = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
    while poll(&descriptor, 1, 0) > 0 {
      let count = read(input, readBuffer.baseAddress, readBuffer.count)
      if count > 0 {
        frame(count)
        if count < readBuffer.count { return }
        continue
      }
      if count < 0 && (errno == EINTR || errno == EAGAIN) { return }
      endInput()
      return
    }
  }

  private func frame(_ count: Int) {
    let bytes = UnsafeBufferPointer(
      start: readBuffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: count)
    framer.push(bytes, deliver)
  }

  private func endInput() {
    inputEnded = true
    framer.finish(deliver)
  }

  private func deliver(_ event: LineFramer.Event) {
    switch event {
    case .line(let line): server.receive(line: line)
    case .oversize(let id): server.receiveOversizeLine(id: id)
    }
  }

  /// Writes everything the server produced, answers and owed notifications in order: with one
  /// write(2) when it is only answers (notifications are streamed in chunks).
  private func flush() {
    guard !outputClosed else {
      server.session.drainOutput { _ in false }
      return
    }
    server.session.drainOutput { bytes in
      var offset = 0
      while offset < bytes.count {
        let written = write(output, bytes.baseAddress! + offset, bytes.count - offset)
        if written >= 0 {
          offset += written
        } else if errno == EINTR {
          continue
        } else if errno == EAGAIN {
          var descriptor = pollfd(fd: output, events: Int16(POLLOUT), revents: 0)
          _ = poll(&descriptor, 1, -1)
        } else {
          outputClosed = true
          return false
        }
      }
      return true
    }
  }
}
