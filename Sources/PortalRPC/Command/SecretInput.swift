#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// Reads a secret (a password) from a file descriptor or the terminal, never from the command
/// line or the environment, where other users and logs could see it. Errors name where it was
/// read from, never what was read.
enum SecretInput {
  struct Failure: Error {
    let message: String
  }

  /// Reads `descriptor` to its end (64 KiB at most), drops one trailing newline, and closes it.
  /// A descriptor that stays open without reaching its end (a pipe whose writer never closes it)
  /// is given up after `timeout`, so a start never hangs on it.
  static func read(_ descriptor: Int32, flag: String, timeout: Duration) throws(Failure) -> String {
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    let deadline = ContinuousClock.now + timeout
    while true {
      var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
      let left = deadline - .now
      let milliseconds = Int32(max(0, left.components.seconds * 1000))
      let ready = poll(&entry, 1, milliseconds)
      if ready < 0 && errno == EINTR { continue }
      if ready == 0 {
        throw Failure(
          message:
            "\(flag) \(descriptor) did not reach its end within \(timeout); give a file or a pipe that is closed after the password"
        )
      }
      let count = Glibc.read(descriptor, &chunk, chunk.count)
      if count < 0 && errno == EINTR { continue }
      if count < 0 {
        throw Failure(
          message:
            "\(flag) \(descriptor) cannot be read (errno \(errno)); open it for reading, e.g. \(descriptor)<FILE"
        )
      }
      if count == 0 { break }
      bytes += chunk[0..<count]
      if bytes.count > 65_536 {
        throw Failure(message: "\(flag) \(descriptor) holds more than 64 KiB")
      }
    }
    return try text(bytes, from: "\(flag) \(descriptor)")
  }

  /// Asks for a secret on the controlling terminal with echo off; nil when there is no terminal.
  static func fromTerminal(prompt: String) throws(Failure) -> String? {
    let terminal = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)
    guard terminal >= 0 else { return nil }
    defer { close(terminal) }
    var saved = termios()
    guard tcgetattr(terminal, &saved) == 0 else { return nil }
    var quiet = saved
    quiet.c_lflag &= ~tcflag_t(ECHO)
    _ = tcsetattr(terminal, TCSAFLUSH, &quiet)
    defer {
      _ = tcsetattr(terminal, TCSAFLUSH, &saved)
      _ = write(terminal, "\n", 1)
    }
    _ = prompt.withCString { write(terminal, $0, strlen($0)) }
    var bytes: [UInt8] = []
    var byte: UInt8 = 0
    while Glibc.read(terminal, &byte, 1) == 1, byte != 0x0A {
      bytes.append(byte)
      if bytes.count > 4096 { throw Failure(message: "the password typed is too long") }
    }
    return try text(bytes, from: "the terminal")
  }

  private static func text(_ bytes: [UInt8], from source: String) throws(Failure) -> String {
    var bytes = bytes
    if bytes.last == 0x0A { bytes.removeLast() }
    if bytes.last == 0x0D { bytes.removeLast() }
    guard !bytes.isEmpty else { throw Failure(message: "\(source) gave an empty password") }
    guard !bytes.contains(0), let password = String(validating: bytes, as: UTF8.self) else {
      throw Failure(message: "\(source) gave a password that is not UTF-8 text")
    }
    return password
  }
}
