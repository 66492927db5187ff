public import Postgres

/// Brings the upstream schema up to date on one connection: under a session advisory lock, it
/// applies each missing migration in its own transaction and records it.
public struct UpstreamMigrator {
  public let migrations: [UpstreamMigration]

  public init(migrations: [UpstreamMigration] = UpstreamSchema.migrations) {
    self.migrations = migrations
  }

  /// Applies what is missing before `deadline` (waiting for another runner's lock counts) and
  /// returns the versions this call applied (none when another runner already did).
  @discardableResult
  public func migrate(_ connection: PostgresConnection, deadline: ContinuousClock.Instant)
    throws(UpstreamSchemaError) -> [Int]
  {
    do {
      try connection.query(
        "SELECT pg_advisory_lock($1)", [String(UpstreamSchema.migrationLock)], deadline: deadline)
    } catch { throw .postgres(error) }
    do {
      let applied = try applyMissing(connection, deadline: deadline)
      try unlock(connection, deadline: deadline)
      return applied
    } catch {
      // A lost connection released the lock with its session; a live one releases it here.
      if connection.isOpen { try? unlock(connection, deadline: deadline) }
      throw error
    }
  }

  private func applyMissing(_ connection: PostgresConnection, deadline: ContinuousClock.Instant)
    throws(UpstreamSchemaError) -> [Int]
  {
    let known = migrations.map(\.version).max() ?? 0
    let current: Int
    do {
      try connection.execute(
        """
        CREATE SCHEMA IF NOT EXISTS portal;
        CREATE TABLE IF NOT EXISTS portal.schema_migrations (
          version integer PRIMARY KEY,
          name text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        );
        """, deadline: deadline)
      let rows = try connection.query(
        "SELECT coalesce(max(version), 0) FROM portal.schema_migrations", deadline: deadline)
      current = Int(rows.scalar ?? "0") ?? 0
    } catch { throw .postgres(error) }
    guard current <= known else { throw .newerSchema(applied: current, known: known) }
    var applied: [Int] = []
    for migration in migrations where migration.version > current {
      // One simple-protocol script is one implicit transaction: all of it, or none of it.
      let record = """
        ;
        INSERT INTO portal.schema_migrations (version, name)
          VALUES (\(migration.version), \(Self.literal(migration.name)));
        """
      do {
        try connection.execute(migration.sql + record, deadline: deadline)
      } catch { throw .postgres(error) }
      applied.append(migration.version)
    }
    return applied
  }

  private func unlock(_ connection: PostgresConnection, deadline: ContinuousClock.Instant)
    throws(UpstreamSchemaError)
  {
    do {
      try connection.query(
        "SELECT pg_advisory_unlock($1)", [String(UpstreamSchema.migrationLock)], deadline: deadline
      )
    } catch { throw .postgres(error) }
  }

  /// `text` as a SQL string literal.
  private static func literal(_ text: String) -> String {
    var quoted = "'"
    for character in text { quoted += character == "'" ? "''" : String(character) }
    return quoted + "'"
  }
}
