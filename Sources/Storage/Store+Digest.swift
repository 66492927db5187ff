internal import Domain

extension Store {
  /// Every row of every table, in a stable order: what tests compare before and after a refused
  /// request, and what `--check` counts.
  public func contents() throws(StorageError) -> [String: [String]] {
    var tables: [String: [String]] = [:]
    let names = ["retired_ids", "changes"] + EntityKind.all.map(\.tableName)
    for name in names {
      let statement = try Statement(database, "SELECT * FROM \(name) ORDER BY 1", persistent: false)
      statement.bind([])
      var rows: [String] = []
      let columns = sqlite3ColumnCount(statement)
      while try statement.step() {
        rows.append(
          (0..<columns).map { statement.isNull($0) ? "NULL" : statement.text($0) ?? "" }.joined(
            separator: "|"))
      }
      tables[name] = rows
    }
    return tables
  }
}
