internal import Synchronization

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// How other threads reach the agent's thread: they record what they ask for, then write a byte
/// to a pipe whose read end the agent polls beside its connection's socket.
final class WakeSignal: Sendable {
  struct Requests: Sendable {
    var stop = false
    var push = false
  }

  let readEnd: Int32
  private let writeEnd: Int32
  private let requests = Mutex(Requests())

  init() throws(SyncAgentError) {
    var ends: [Int32] = [-1, -1]
    guard pipe(&ends) == 0 else { throw .cannotMakeWakePipe(errno: errno) }
    for end in ends {
      _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
      _ = fcntl(end, F_SETFD, FD_CLOEXEC)
    }
    readEnd = ends[0]
    writeEnd = ends[1]
  }

  deinit {
    close(readEnd)
    close(writeEnd)
  }

  /// Records a request and wakes the agent (a full pipe is already readable, so EAGAIN is fine).
  func request(_ change: (inout Requests) -> Void) {
    requests.withLock { change(&$0) }
    var byte: UInt8 = 1
    _ = write(writeEnd, &byte, 1)
  }

  var stopRequested: Bool { requests.withLock { $0.stop } }

  /// Empties the pipe, then returns what was asked (a push request is taken, a stop stays).
  func take() -> Requests {
    var buffer = [UInt8](repeating: 0, count: 64)
    while read(readEnd, &buffer, buffer.count) > 0 {}
    return requests.withLock { requests in
      defer { requests.push = false }
      return requests
    }
  }
}
