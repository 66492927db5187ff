internal import Synchronization

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// How other threads reach the agent's thread: they record what they ask for, then write a byte
/// to a pipe whose read end the agent polls beside its connection's socket. A stop also makes a
/// second pipe readable for good, which interrupts the connection's call in flight.
final class WakeSignal: Sendable {
  struct Requests: Sendable {
    var stop = false
    var push = false
  }

  let readEnd: Int32
  private let writeEnd: Int32
  /// Readable from the first stop on, never emptied: the agent connection's interrupt.
  let stopReadEnd: Int32
  private let stopWriteEnd: Int32
  private let requests = Mutex(Requests())

  init() throws(SyncAgentError) {
    (readEnd, writeEnd) = try Self.makePipe()
    do {
      (stopReadEnd, stopWriteEnd) = try Self.makePipe()
    } catch {
      close(readEnd)
      close(writeEnd)
      throw error
    }
  }

  deinit {
    for end in [readEnd, writeEnd, stopReadEnd, stopWriteEnd] { close(end) }
  }

  /// Records a request and wakes the agent (a full pipe is already readable, so EAGAIN is fine).
  func request(_ change: (inout Requests) -> Void) {
    let stop = requests.withLock { requests in
      change(&requests)
      return requests.stop
    }
    var byte: UInt8 = 1
    if stop { _ = write(stopWriteEnd, &byte, 1) }
    _ = write(writeEnd, &byte, 1)
  }

  /// A pipe whose ends do not block and are not inherited by child processes.
  private static func makePipe() throws(SyncAgentError) -> (read: Int32, write: Int32) {
    var ends: [Int32] = [-1, -1]
    guard pipe(&ends) == 0 else { throw .cannotMakeWakePipe(errno: errno) }
    for end in ends {
      _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
      _ = fcntl(end, F_SETFD, FD_CLOEXEC)
    }
    return (ends[0], ends[1])
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
