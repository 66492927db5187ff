import Postgres
import TestSupport
import Testing
import Upstream

/// The change log's promise: a reader that follows `seq > cursor` sees every committed row, in
/// order, however many writers commit at once (a plain sequence misses about a third of them).
@Suite(.enabled(if: PostgresCluster.testsRun, PostgresCluster.missing))
struct ChangeLogOrderTests {
  @Test func readerPollingSeqAfterCursorMissesNothingUnderEightWriters() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    try UpstreamMigrator().migrate(try cluster.connect(), deadline: .in(seconds: 30))
    let reader = try cluster.connect()
    try reader.listen(UpstreamSchema.changesChannel, deadline: .in(seconds: 10))

    let writers = 8
    let rowsPerWriter = environmentCount("PORTAL_CHANGE_LOG_ROWS", fallback: 60)
    let connectionString = cluster.connectionString
    let threads = WorkerThreads(count: writers) { writer in
      let connection = try PostgresConnection(
        connectingTo: PostgresConnectionString(connectionString), deadline: .in(seconds: 10))
      for row in 0..<rowsPerWriter {
        // The transaction stays open a little after its insert, as a push's tail would: the
        // window in which a later writer could otherwise commit a larger seq first.
        try connection.execute(
          """
          BEGIN;
          INSERT INTO portal.changes (entity_type, entity_id, change, version)
            VALUES ('patient', 'P\(writer)-\(row)', 'created', 1);
          SELECT pg_sleep(random() * 0.002);
          COMMIT;
          """, deadline: .in(seconds: 30))
      }
    }

    var cursor: Int64 = 0
    var delivered: [Int64] = []
    while true {
      let writersDone = threads.finished == writers  // read before the poll that may be last
      let page = try reader.query(
        "SELECT seq FROM portal.changes WHERE seq > $1 ORDER BY seq", [String(cursor)],
        deadline: .in(seconds: 10))
      for row in page.rows {
        let seq = try #require(row[0].flatMap { Int64($0) })
        delivered.append(seq)
        cursor = seq
      }
      if writersDone { break }
      // Woken by the commit's NOTIFY; the short deadline is only the safety net's poll.
      _ = try reader.waitForNotification(deadline: .in(seconds: 0.05))
    }
    #expect(threads.join(seconds: 60))
    #expect(threads.errors.isEmpty, "\(threads.errors)")

    let committed = try reader.query(
      "SELECT seq FROM portal.changes ORDER BY seq", deadline: .in(seconds: 10)
    ).rows.compactMap { $0[0].flatMap { Int64($0) } }
    #expect(committed.count == writers * rowsPerWriter)
    let missed = Set(committed).subtracting(delivered).count
    #expect(missed == 0, "the reader never saw \(missed) of \(committed.count) rows")
    let inOrder = delivered == committed
    #expect(inOrder, "rows delivered out of order or twice")
  }
}
