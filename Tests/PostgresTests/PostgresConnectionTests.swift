import Postgres
import TestSupport
import Testing

/// A real, throwaway server per test: queries, parameters and errors as the upstream sync uses
/// them.
@Suite(.enabled(if: PostgresCluster.testsRun, PostgresCluster.missing))
struct PostgresConnectionTests {
  @Test func parameterisedQueryRoundTrip() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let connection = try cluster.connect()
    let rows = try connection.query(
      "SELECT $1::int + 1 AS next, $2::text AS name, $3::text AS nothing", ["41", "Ada", nil],
      deadline: .in(seconds: 10))
    #expect(rows.columns == ["next", "name", "nothing"])
    #expect(rows.rows == [["42", "Ada", nil]])

    try connection.execute(
      "CREATE TABLE notes(id int PRIMARY KEY, body text); CREATE INDEX ON notes(body)",
      deadline: .in(seconds: 10))
    let inserted = try connection.query(
      "INSERT INTO notes VALUES ($1, $2), ($3, $4)", ["1", "a 'quoted' body", "2", "ü"],
      deadline: .in(seconds: 10))
    #expect(inserted.affectedRows == 2)
    let read = try connection.query(
      "SELECT id, body FROM notes ORDER BY id", deadline: .in(seconds: 10))
    #expect(read.rows == [["1", "a 'quoted' body"], ["2", "ü"]])

    // The round trip the upstream sync pays per statement (printed, not asserted).
    var times: [Duration] = []
    for _ in 0..<200 {
      let start = ContinuousClock.now
      try connection.query("SELECT $1::int", ["1"], deadline: .in(seconds: 10))
      times.append(.now - start)
    }
    print("PostgreSQL round trip over a Unix socket, p50: \(times.sorted()[100])")
  }

  @Test func serverErrorCarriesItsStateButNoValue() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let connection = try cluster.connect()
    let value = "Ada Lovelace P001"
    #expect {
      try connection.query("SELECT $1::int", [value], deadline: .in(seconds: 10))
    } throws: { error in
      guard case .server(let state, let message) = error as? PostgresError else { return false }
      return state == "22P02" && message.contains("integer") && !"\(error)".contains("Ada")
    }

    try connection.execute("CREATE TABLE ids(id text PRIMARY KEY)", deadline: .in(seconds: 10))
    try connection.query("INSERT INTO ids VALUES ($1)", [value], deadline: .in(seconds: 10))
    #expect {
      try connection.query("INSERT INTO ids VALUES ($1)", [value], deadline: .in(seconds: 10))
    } throws: { error in
      guard case .server("23505", _) = error as? PostgresError else { return false }
      return !"\(error)".contains("Ada")
    }
    // A statement's error leaves the connection usable.
    #expect(connection.isOpen)
    #expect(
      try connection.query("SELECT count(*) FROM ids", deadline: .in(seconds: 10)).scalar == "1")
  }

  @Test func refusedConnectionIsCannotConnect() throws {
    let cluster = try PostgresCluster()
    let unreachable = cluster.connectionString
    cluster.stop()
    #expect {
      try PostgresConnection(
        connectingTo: PostgresConnectionString(unreachable), deadline: .in(seconds: 10))
    } throws: { error in
      guard case .cannotConnect = error as? PostgresError else { return false }
      return true
    }
  }
}
