#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// What a connection waits for on its socket.
enum SocketWait {
  case readable
  case writable
  case readableOrWritable

  var events: Int16 {
    switch self {
    case .readable: Int16(POLLIN)
    case .writable: Int16(POLLOUT)
    case .readableOrWritable: Int16(POLLIN | POLLOUT)
    }
  }

  /// What `poll` reported for a socket.
  struct Readiness {
    var readable: Bool
    var writable: Bool
  }

  /// How a wait ended.
  enum Outcome {
    case ready(Readiness)
    case timedOut
    /// The interrupt descriptor became readable first.
    case interrupted
  }

  /// Waits with `poll` until `socket` is ready as asked, `deadline` passes, or `interrupt` (when
  /// given) becomes readable. An error or hang-up on the socket counts as ready, so the libpq call
  /// that follows reports it.
  func wait(
    on socket: Int32, until deadline: ContinuousClock.Instant, interrupt: Int32? = nil
  ) -> Outcome {
    while true {
      let remaining = deadline - .now
      guard remaining > .zero else { return .timedOut }
      var descriptors = [pollfd(fd: socket, events: events, revents: 0)]
      if let interrupt {
        descriptors.append(pollfd(fd: interrupt, events: Int16(POLLIN), revents: 0))
      }
      let result = poll(&descriptors, nfds_t(descriptors.count), Self.milliseconds(remaining))
      if result < 0, errno == EINTR { continue }
      if result < 0 { return .ready(Readiness(readable: true, writable: true)) }
      if result == 0 { continue }  // the loop checks the deadline again
      if descriptors.count > 1, descriptors[1].revents != 0 { return .interrupted }
      let revents = descriptors[0].revents
      let broken = revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0
      return .ready(
        Readiness(
          readable: broken || revents & Int16(POLLIN) != 0,
          writable: broken || revents & Int16(POLLOUT) != 0))
    }
  }

  /// `duration` in whole milliseconds for `poll`, rounded up (so a wait never ends early).
  private static func milliseconds(_ duration: Duration) -> Int32 {
    let (seconds, attoseconds) = duration.components
    let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    return Int32(clamping: milliseconds)
  }
}
