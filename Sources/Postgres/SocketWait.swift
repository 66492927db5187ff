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

  /// Waits with `poll` until `socket` is ready as asked, or `deadline` passes (then nil). An error
  /// or hang-up on the socket counts as ready, so the libpq call that follows reports it.
  func wait(on socket: Int32, until deadline: ContinuousClock.Instant) -> Readiness? {
    while true {
      let remaining = deadline - .now
      guard remaining > .zero else { return nil }
      var descriptor = pollfd(fd: socket, events: events, revents: 0)
      let result = poll(&descriptor, 1, Self.milliseconds(remaining))
      if result < 0, errno == EINTR { continue }
      if result < 0 { return Readiness(readable: true, writable: true) }
      if result == 0 { continue }  // the loop checks the deadline again
      let broken = descriptor.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0
      return Readiness(
        readable: broken || descriptor.revents & Int16(POLLIN) != 0,
        writable: broken || descriptor.revents & Int16(POLLOUT) != 0)
    }
  }

  /// `duration` in whole milliseconds for `poll`, rounded up (so a wait never ends early).
  private static func milliseconds(_ duration: Duration) -> Int32 {
    let (seconds, attoseconds) = duration.components
    let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    return Int32(clamping: milliseconds)
  }
}
