import Domain
import PortalJSON
import Testing

@Suite("List queries")
struct ListQueryTests {
  private let today = CalendarDate("2026-01-31")!

  private func parse(_ json: String, _ kind: EntityKind = .appointment) throws -> Result<
    ListQuery, ValidationFailure
  > {
    ListQuery.parse(try JSONParser.parse(json), for: kind, today: today)
  }

  private func paths(_ result: Result<ListQuery, ValidationFailure>) -> [String] {
    if case .failure(let failure) = result { return failure.errors.map(\.path.description) }
    return []
  }

  @Test("filters, sort and limit parse into conditions")
  func parses() throws {
    let query = try parse(
      #"{"filter":{"status":"scheduled","date":{"gte":"2026-01-01","lt":"2026-03-01"},"doctorId":{"in":[1,2]},"notes":{"contains":"blood"}},"sort":[{"field":"date","direction":"desc"}],"limit":10}"#
    ).get()
    #expect(query.conditions.map(\.op) == [.eq, .gte, .lt, .in, .contains])
    #expect(query.sort.first?.descending == true)
    #expect(query.limit == 10)
  }

  @Test("every problem of a query is named")
  func problems() throws {
    #expect(paths(try parse(#"{"filter":{"colour":1}}"#)) == ["/query/filter/colour"])
    #expect(
      paths(try parse(#"{"filter":{"status":{"like":"x"}}}"#)) == ["/query/filter/status/like"])
    #expect(paths(try parse(#"{"filter":{"status":"done"}}"#)) == ["/query/filter/status"])
    #expect(
      paths(try parse(#"{"filter":{"date":{"gt":"2026-02-30"}}}"#)) == ["/query/filter/date/gt"])
    #expect(
      paths(try parse(#"{"filter":{"doctorId":{"contains":"1"}}}"#)) == [
        "/query/filter/doctorId/contains"
      ])
    #expect(paths(try parse(#"{"filter":{"meta":{"eq":1}}}"#)) == ["/query/filter/meta/eq"])
    #expect(paths(try parse(#"{"limit":0}"#)) == ["/query/limit"])
    #expect(paths(try parse(#"{"limit":1001}"#)) == ["/query/limit"])
    #expect(
      paths(try parse(#"{"sort":[{"field":"date","direction":"up"}]}"#)) == [
        "/query/sort/0/direction"
      ])
    #expect(paths(try parse(#"{"page":2}"#)) == ["/query/page"])
    #expect(paths(try parse(#"{"cursor":"not-a-cursor"}"#)) == ["/query/cursor"])
  }

  @Test("a cursor only fits the query it came from")
  func cursors() throws {
    let query = try parse(#"{"filter":{"status":"scheduled"},"sort":[{"field":"date"}]}"#).get()
    let cursor = query.cursor(after: ["date": "2026-02-01", "id": 7], rowOrder: 7)
    let again = try parse(
      #"{"filter":{"status":"scheduled"},"sort":[{"field":"date"}],"cursor":"\#(cursor)"}"#
    ).get()
    #expect(again.after == ["2026-02-01", 7])
    let other = try parse(
      #"{"filter":{"status":"confirmed"},"sort":[{"field":"date"}],"cursor":"\#(cursor)"}"#)
    #expect(paths(other) == ["/query/cursor"])
  }
}
