internal import Domain

/// Whose file `portal.db` is, decided before anything is written to it. SQLite keeps a 32-bit
/// `application_id` in every file's header for exactly this; PortalRPC stores carry
/// `Store.applicationID`.
enum Ownership: Equatable {
  /// No schema at all (a file just created, or an empty one): ours to initialise.
  case new
  /// Marked with `Store.applicationID`.
  case ours
  /// Written by a PortalRPC from before the mark: no application id, but only our tables and a
  /// migration history that is ours, version for version.
  case unmarked
  /// Anything else: another program's database, never written to.
  case foreign
}

extension Store {
  /// The `application_id` of every PortalRPC store: "PRPC" in ASCII.
  public static let applicationID: Int32 = 0x5052_5043

  /// Every table a PortalRPC store has ever held.
  static let ownTables: Set<String> = Set(
    [
      "schema_migrations", "retired_ids", "changes", "patient_totals", "clinic_day", "outbox",
      "confirmed", "id_leases", "sync_state", "staff", "staff_tokens", "login_failures",
      "audit_log",
    ]
      + EntityKind.all.map(\.tableName))
}

extension Database {
  /// Reads the header and the schema only (it writes nothing), so it is safe on any file.
  func ownership() throws(StorageError) -> Ownership {
    let id = try integer("PRAGMA application_id") ?? 0
    // Reading the schema also finds a file too damaged to use before anything is written to it.
    let tables = try texts(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    )
    if id == Int64(Store.applicationID) { return .ours }
    if id != 0 { return .foreign }
    if tables.isEmpty, try integer("SELECT count(*) FROM sqlite_schema") == 0 { return .new }
    guard tables.contains("schema_migrations"), Set(tables).isSubset(of: Store.ownTables),
      try texts("SELECT name FROM pragma_table_info('schema_migrations')")
        == ["version", "name", "applied_at"]
    else { return .foreign }
    let names = Dictionary(uniqueKeysWithValues: Migrations.all.map { ($0.version, $0.name) })
    let history = try Statement(
      self, "SELECT version, name FROM schema_migrations", persistent: false)
    history.bind([])
    while try history.step() {
      guard names[Int(history.int64(0))] == history.text(1) else { return .foreign }
    }
    return .unmarked
  }

  /// The first column of every row, as text.
  private func texts(_ sql: String) throws(StorageError) -> [String] {
    let statement = try Statement(self, sql, persistent: false)
    statement.bind([])
    var texts: [String] = []
    while try statement.step() { texts.append(statement.text(0) ?? "") }
    return texts
  }
}
