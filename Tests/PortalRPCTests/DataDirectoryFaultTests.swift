import Foundation
import Glibc
import Testing

/// Why a data directory cannot be used, as the file system said it: a directory this user may not
/// write is "permission denied", one on a read-only medium "read-only", never "no such file".
@Suite("Data directory faults", .serialized)
struct DataDirectoryFaultTests {
  /// How to run the executable so that permission bits apply to it: directly, or, as root (who
  /// ignores them), as `nobody` through `setpriv`. Nil when neither is possible here.
  static let unprivileged: [String]? = {
    if geteuid() != 0 { return [] }
    let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first {
      FileManager.default.isExecutableFile(atPath: $0)
    }
    return setpriv.map { [$0, "--reuid=65534", "--regid=65534", "--clear-groups"] }
  }()

  private func directory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "data-dir-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  private func refusal(_ path: URL, _ reason: String) -> String {
    "portal-rpc: cannot use data directory \(path.path): \(reason); pass --data-dir with a writable directory, or --in-memory\n"
  }

  @Test(
    "a directory this user may not write: permission denied",
    .enabled(if: unprivileged != nil, "root ignores permission bits, and setpriv is missing"))
  func permissionDenied() throws {
    let launcher = try #require(Self.unprivileged)
    let data = try directory()
    #expect(chmod(data.path, 0o555) == 0)
    for path in [data, data.appendingPathComponent("to-create")] {
      let result = try PortalProcess.run(
        arguments: ["--data-dir", path.path], input: Data(), launcher: launcher)
      #expect(result.status == 3)
      #expect(result.stderr == refusal(path, "permission denied"))
    }
  }

  @Test(
    "a directory on a read-only file system, with no store: read-only",
    .enabled(if: StorageFaultTests.canMount))
  func readOnly() throws {
    let point = try directory()
    #expect(mount("tmpfs", point.path, "tmpfs", UInt(MS_RDONLY), "size=64k") == 0)
    defer { umount2(point.path, Int32(MNT_DETACH)) }
    for path in [point, point.appendingPathComponent("to-create")] {
      let result = try PortalProcess.run(arguments: ["--data-dir", path.path], input: Data())
      #expect(result.status == 3)
      #expect(result.stderr == refusal(path, "the file system is read-only"))
    }
  }
}
