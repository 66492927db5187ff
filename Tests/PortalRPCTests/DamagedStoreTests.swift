import Foundation
import Storage
import Testing

/// A `portal.db` that is not a valid SQLite database (junk bytes, a truncated copy): `--check`
/// finds it (exit 1) and serving refuses it (exit 3), each with one sentence naming the file and
/// no SQLite code, and neither writes to it.
@Suite("Damaged store")
struct DamagedStoreTests {
  enum Damage: String, CaseIterable, CustomTestStringConvertible {
    case junk, truncatedHeader, truncatedFirstPage, truncatedHalf
    var testDescription: String { rawValue }
  }

  private func damagedStore(_ damage: Damage) throws -> URL {
    let data = FileManager.default.temporaryDirectory.appendingPathComponent(
      "damaged-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
    let file = data.appendingPathComponent(Store.fileName)
    if damage == .junk {
      try Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: file)
      return data
    }
    let demo = try PortalProcess.run(arguments: ["--data-dir", data.path, "--demo"], input: Data())
    #expect(demo.status == 0)
    let size = try #require(
      try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int)
    let keep =
      switch damage {
      case .truncatedHeader: 50
      case .truncatedFirstPage: 1000
      default: size / 2
      }
    let handle = try FileHandle(forWritingTo: file)
    try handle.truncate(atOffset: UInt64(keep))
    try handle.close()
    return data
  }

  @Test("--check exits 1 and serving exits 3, with one sentence", arguments: Damage.allCases)
  func refused(damage: Damage) throws {
    let data = try damagedStore(damage)
    let file = data.appendingPathComponent(Store.fileName)
    let before = try Data(contentsOf: file)
    // Junk from the first byte looks like an encrypted store (random bytes where SQLite's
    // header belongs), so it is named as either; a damaged SQLite file is named as damaged.
    let sentence =
      damage == .junk
      ? "\(file.path) is encrypted or damaged (it is not a plain SQLite database): give its key with --key-fd N or --key-file PATH; if it has none, restore it from a backup"
      : "\(file.path) is damaged: it is not a valid SQLite database (the file is truncated or overwritten); restore it from a backup or choose another --data-dir"

    let check = try PortalProcess.check(data)
    #expect(check.status == 1)
    #expect(check.stderr == "portal-rpc: \(sentence)\n")

    // No input: the server must refuse the store before it reads any (and a line written to a
    // process that already exited would only race with its exit).
    let served = try PortalProcess.run(arguments: ["--data-dir", data.path], input: Data())
    #expect(served.status == 3)
    #expect(served.lines.isEmpty)
    #expect(served.stderr == "portal-rpc: \(sentence)\n")
    #expect(try Data(contentsOf: file) == before, "the damaged file was written to")
  }
}
