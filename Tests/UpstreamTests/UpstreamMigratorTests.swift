import Postgres
import Synchronization
import TestSupport
import Testing
import Upstream

/// Migrating the clinic's PostgreSQL: once per version, safe when workstations upgrade at once.
@Suite(.enabled(if: PostgresCluster.testsRun, PostgresCluster.missing))
struct UpstreamMigratorTests {
  @Test func migratesOnceAndRecordsEachVersion() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let connection = try cluster.connect()
    let known = UpstreamSchema.migrations.map(\.version)
    #expect(try UpstreamMigrator().migrate(connection, deadline: .in(seconds: 30)) == known)
    #expect(try UpstreamMigrator().migrate(connection, deadline: .in(seconds: 30)) == [])
    let recorded = try connection.query(
      "SELECT version FROM portal.schema_migrations ORDER BY version", deadline: .in(seconds: 10))
    #expect(recorded.rows.map { $0[0] } == known.map { String($0) })

    // The trigger numbers rows (whatever seq a writer sends) and one NOTIFY per transaction
    // carries the largest.
    let listener = try cluster.connect()
    try listener.listen(UpstreamSchema.changesChannel, deadline: .in(seconds: 10))
    try connection.execute(
      """
      INSERT INTO portal.changes (seq, entity_type, entity_id, change, version)
        VALUES (100, 'patient', 'P001', 'created', 1), (100, 'patient', 'P002', 'created', 1);
      """, deadline: .in(seconds: 10))
    let seqs = try connection.query(
      "SELECT seq FROM portal.changes ORDER BY seq", deadline: .in(seconds: 10))
    #expect(seqs.rows == [["1"], ["2"]])
    #expect(try listener.waitForNotification(deadline: .in(seconds: 10))?.payload == "2")
    #expect(try listener.waitForNotification(deadline: .in(seconds: 0.05)) == nil)
  }

  @Test func twoRunnersAtOnceBothSucceed() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let connectionString = cluster.connectionString
    let applied = Mutex<[[Int]]>([])
    let runners = WorkerThreads(count: 2) { _ in
      let connection = try PostgresConnection(
        connectingTo: PostgresConnectionString(connectionString), deadline: .in(seconds: 10))
      let versions = try UpstreamMigrator().migrate(connection, deadline: .in(seconds: 30))
      applied.withLock { $0.append(versions) }
    }
    #expect(runners.join(seconds: 60))
    #expect(runners.errors.isEmpty, "\(runners.errors)")
    let known = UpstreamSchema.migrations.map(\.version)
    #expect(applied.withLock { $0.flatMap { $0 }.sorted() } == known)
    let count = try cluster.connect().query(
      "SELECT count(*) FROM portal.schema_migrations", deadline: .in(seconds: 10))
    #expect(count.scalar == String(known.count))
  }

  @Test func refusesASchemaFromANewerVersion() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let connection = try cluster.connect()
    try UpstreamMigrator().migrate(connection, deadline: .in(seconds: 30))
    try connection.query(
      "INSERT INTO portal.schema_migrations (version, name) VALUES (999, 'from the future')",
      deadline: .in(seconds: 10))
    let known = UpstreamSchema.migrations.map(\.version).max() ?? 0
    #expect(throws: UpstreamSchemaError.newerSchema(applied: 999, known: known)) {
      try UpstreamMigrator().migrate(connection, deadline: .in(seconds: 30))
    }
    // The lock was released: another runner is not kept waiting.
    let other = try cluster.connect()
    #expect(throws: UpstreamSchemaError.newerSchema(applied: 999, known: known)) {
      try UpstreamMigrator().migrate(other, deadline: .in(seconds: 5))
    }
  }
}
