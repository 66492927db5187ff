public import Domain

/// What `--check` reads: SQLite's own consistency checks, the schema version, row counts, and
/// every record with its columns, for the invariant checks DataSync runs.
extension Store {
  /// SQLite's `integrity_check` and `foreign_key_check`: empty when the file is sound.
  public func integrityProblems() throws(StorageError) -> [String] {
    var problems: [String] = []
    let integrity = try database.statement("PRAGMA integrity_check")
    while try integrity.step() {
      if let line = integrity.text(0), line != "ok" { problems.append("integrity: " + line) }
    }
    let keys = try database.statement("PRAGMA foreign_key_check")
    while try keys.step() {
      problems.append(
        "a \(keys.text(0) ?? "?") row (rowid \(keys.int64(1))) points at a missing \(keys.text(2) ?? "?")"
      )
    }
    return problems
  }

  /// Rows per table.
  public func counts() throws(StorageError) -> [(table: String, rows: Int)] {
    var counts: [(String, Int)] = []
    for table in EntityKind.all.map(\.tableName) + ["changes"] {
      counts.append((table, Int(try database.integer("SELECT count(*) FROM \(table)") ?? 0)))
    }
    return counts
  }

  /// One row of an entity table as stored: its key columns and JSON.
  public struct Row: Sendable {
    /// A patient's ordinal, or the record's id.
    public let row: Int64
    public let patientOrdinal: Int64
    public let version: Int64
    public let document: [UInt8]
    /// The lifted columns (status, date, type) and a transaction's effect, as stored.
    public let columns: [String: String]
    public let effect: Int64
  }

  /// Every row of `kind`'s table, in id order.
  public func rows(_ kind: EntityKind) throws(StorageError) -> [Row] {
    let lifted = kind.liftedColumns
    let extra = lifted.map { ", " + $0 }.joined() + (kind.name == .transaction ? ", effect" : "")
    let statement = try Statement(
      database,
      kind.belongsToPatient
        ? "SELECT id, patient, version, doc\(extra) FROM \(kind.tableName) ORDER BY id"
        : "SELECT ordinal, ordinal, version, doc FROM patients ORDER BY ordinal",
      persistent: false)
    statement.bind([])
    var rows: [Row] = []
    while try statement.step() {
      var columns: [String: String] = [:]
      for (offset, name) in lifted.enumerated() {
        columns[name] = statement.text(Int32(4 + offset)) ?? "NULL"
      }
      rows.append(
        Row(
          row: statement.int64(0), patientOrdinal: statement.int64(1), version: statement.int64(2),
          document: statement.bytes(3), columns: columns,
          effect: kind.name == .transaction ? statement.int64(Int32(4 + lifted.count)) : 0))
    }
    return rows
  }

  /// Sequence numbers that are missing between 1 and the newest (a gap-free log has none).
  public func sequenceGaps() throws(StorageError) -> (count: Int, newest: Int64) {
    let newest = try lastSequence()
    let rows = Int64(try database.integer("SELECT count(*) FROM changes") ?? 0)
    return (Int(newest - rows), newest)
  }
}
