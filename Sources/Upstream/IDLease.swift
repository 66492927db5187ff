public import Domain
public import Postgres

/// Blocks of ids a replica takes from PostgreSQL, so the ids it hands out offline never collide
/// with another workstation's. `portal.id_high_water` holds, per kind, the first id no block
/// has; it starts past every id PostgreSQL holds or retired (a clinic's uploaded records
/// included). Every block is also recorded in `portal.id_leases`, with its client.
public enum IDLease {
  /// How many ids a block holds.
  public static let blockSize: Int64 = 1000
  /// A new block is leased when fewer ids than this are left: a whole block in reserve, so a
  /// burst of adds (a transaction of hundreds, an import) does not run out before the agent
  /// leases more.
  public static let reserve: Int64 = blockSize

  /// Leases the next block of `kind`'s ids for `clientID`, in one transaction.
  public static func lease(
    _ kind: EntityKind.Name, clientID: String, on connection: PostgresConnection,
    deadline: ContinuousClock.Instant, size: Int64 = blockSize
  ) throws(PostgresError) -> ClosedRange<Int64> {
    try connection.execute("BEGIN", deadline: deadline)
    do throws(PostgresError) {
      let rows = try connection.query(
        """
        INSERT INTO portal.id_high_water AS h (kind, next)
          SELECT $1, greatest(
            (SELECT coalesce(max(id), 0) FROM portal.records WHERE kind = $1),
            (SELECT coalesce(max(max_id), 0) FROM portal.retired_ids WHERE kind = $1)) + 1 + $2
          ON CONFLICT (kind) DO UPDATE SET next = h.next + $2
          RETURNING next - $2
        """, [kind.rawValue, String(size)], deadline: deadline)
      guard let first = rows.scalar.flatMap({ Int64($0) }) else {
        throw PostgresError.server(sqlState: "XX000", message: "no block was leased")
      }
      let block = first...(first + size - 1)
      try connection.query(
        "INSERT INTO portal.id_leases (kind, client_id, first, last) VALUES ($1, $2, $3, $4)",
        [kind.rawValue, clientID, String(block.lowerBound), String(block.upperBound)],
        deadline: deadline)
      try connection.execute("COMMIT", deadline: deadline)
      return block
    } catch {
      if connection.isOpen { _ = try? connection.execute("ROLLBACK", deadline: deadline) }
      throw error
    }
  }
}
