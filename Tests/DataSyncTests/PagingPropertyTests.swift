import DataSync
import Domain
import Foundation
import PortalJSON
import Storage
import TestSupport
import Testing

/// Keyset paging under concurrent writes, over random sorts and page sizes: a record that exists
/// for the whole scan and keeps its sort values is returned exactly once; no record is returned
/// twice unless its sort values changed mid-scan (it moved behind the cursor).
@Suite("Paging properties")
struct PagingPropertyTests {
  static let sortable = ["date", "time", "status", "type", "patientName", "durationMinutes", "id"]
  static let statuses = ["scheduled", "confirmed", "completed", "cancelled", "no-show"]

  @Test("paging never skips or repeats a record while others write")
  func pagingUnderWrites() throws {
    let scans = max(1, environmentCount("PORTAL_PROPERTY_CASES", fallback: 2000) / 100)
    var random = SeededGenerator(environment: "PORTAL_PROPERTY_SEED", fallback: 404)
    let (sync, _) = try makeDataSync(demo: true)
    for _ in 0..<40 { _ = try sync.add(.appointment, randomAppointment(using: &random)) }
    try sync.commit()

    for scan in 0..<scans {
      let context = "seed \(random.seed), scan \(scan)"
      var sort: [JSONValue] = []
      for field in Self.sortable.shuffled(using: &random).prefix(
        Int.random(in: 1...2, using: &random))
      {
        sort.append([
          "field": .string(field), "direction": Bool.random(using: &random) ? "asc" : "desc",
        ])
      }
      let limit = Int.random(in: 1...7, using: &random)
      let initial = Set(try ids(sync))
      var moved = Set<Int64>()
      var deleted = Set<Int64>()
      var seen: [Int64] = []
      var cursor: JSONValue = .null
      var pages = 0
      repeat {
        var query: JSONObject = ["limit": JSONValue(limit), "sort": .array(sort)]
        if !cursor.isNull { query["cursor"] = cursor }
        let page = decode(try sync.list(.appointment, query: .object(query)))
        seen += page["items"]?.arrayValue?.compactMap { $0["id"]?.int64Value } ?? []
        cursor = page["nextCursor"] ?? .null
        pages += 1
        // Others write between pages.
        for _ in 0..<Int.random(in: 0...3, using: &random) {
          let existing = try ids(sync)
          let target = existing.randomElement(using: &random)!
          switch Int.random(in: 0..<4, using: &random) {
          case 0: _ = try sync.add(.appointment, randomAppointment(using: &random))
          case 1:
            _ = try sync.delete(.appointment, id: .number(JSONNumber(target)))
            deleted.insert(target)
          case 2:
            _ = try sync.sync(
              .appointment, id: .number(JSONNumber(target)), updates: ["notes": "Called"],
              expectedVersion: nil)
          default:
            let status = Self.statuses.randomElement(using: &random)!
            _ = try sync.sync(
              .appointment, id: .number(JSONNumber(target)),
              updates: ["status": .string(status), "date": .string(randomDate(using: &random))],
              expectedVersion: nil)
            moved.insert(target)
          }
        }
        try sync.commit()
      } while !cursor.isNull && pages < 500
      #expect(cursor.isNull, "\(context): paging did not end")
      var counts: [Int64: Int] = [:]
      for id in seen { counts[id, default: 0] += 1 }
      for (id, count) in counts where count > 1 {
        #expect(
          moved.contains(id), "\(context): record \(id) returned \(count) times, sort \(sort)")
      }
      for id in initial.subtracting(moved).subtracting(deleted) {
        #expect(counts[id] == 1, "\(context): record \(id) skipped, sort \(sort), limit \(limit)")
      }
    }
  }

  private func ids(_ sync: DataSync<Store>) throws -> [Int64] {
    let page = decode(try sync.list(.appointment, query: ["limit": 1000]))
    return page["items"]?.arrayValue?.compactMap { $0["id"]?.int64Value } ?? []
  }

  private func randomDate(using random: inout SeededGenerator) -> String {
    "2026-0\(Int.random(in: 1...9, using: &random))-1\(Int.random(in: 0...9, using: &random))"
  }

  private func randomAppointment(using random: inout SeededGenerator) -> JSONObject {
    [
      "patientId": .string("P00\(Int.random(in: 1...8, using: &random))"),
      "date": .string(randomDate(using: &random)),
      "time": .string(
        "\(Int.random(in: 10...17, using: &random)):\(["00", "30"].randomElement(using: &random)!)"),
      "type": .string(
        ["Follow-up", "Consultation", "Annual Physical"].randomElement(using: &random)!),
      "status": .string(Self.statuses.randomElement(using: &random)!),
      "durationMinutes": JSONValue(Int.random(in: 1...6, using: &random) * 15),
    ]
  }
}
