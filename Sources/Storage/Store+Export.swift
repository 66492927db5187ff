public import Domain

/// Reading the whole store one record at a time, for `portal-rpc export`.
extension Store {
  /// Calls `body` with each record of `kind` as stored (its JSON bytes, valid only during the
  /// call), in id order (patients in the order they were added). One row is in memory at a
  /// time, so a store of any size streams in constant memory; inside a read transaction every
  /// kind comes from the same snapshot.
  public func forEachRecord(
    _ kind: EntityKind, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void
  ) throws {
    let statement = try database.statement(
      kind.belongsToPatient
        ? "SELECT doc FROM \(kind.tableName) ORDER BY id"
        : "SELECT doc FROM patients ORDER BY ordinal")
    statement.bind([])
    defer { statement.finish() }
    while try statement.step() {
      try statement.withBytes(0, body)
    }
  }

  /// How many records the store holds, of every kind.
  public func recordCount() throws(StorageError) -> Int {
    try counts().filter { $0.table != "changes" }.reduce(0) { $0 + $1.rows }
  }
}
