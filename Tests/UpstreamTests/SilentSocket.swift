import Foundation

/// A Unix socket where a PostgreSQL server would listen that accepts connections into its
/// backlog and never answers: a connection attempt to it waits until its deadline.
final class SilentSocket {
  let directory: String
  private let descriptor: Int32

  init() throws {
    var template = Array("/tmp/portal-silent-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
    directory = String(cString: made)
    descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let path = Array("\(directory)/.s.PGSQL.5432".utf8CString)
    withUnsafeMutableBytes(of: &address.sun_path) { bytes in
      bytes.copyBytes(from: path.map { UInt8(bitPattern: $0) })
    }
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    guard descriptor >= 0, bound == 0, listen(descriptor, 8) == 0 else {
      throw POSIXError(.EADDRNOTAVAIL)
    }
  }

  deinit {
    close(descriptor)
    try? FileManager.default.removeItem(atPath: directory)
  }

  var connectionString: String { "host=\(directory) port=5432 user=postgres dbname=postgres" }
}
