internal import CSQLite

/// Encrypting a plain store and changing an encrypted store's key: SQLCipher's export writes
/// every table, index and trigger into a second file under the new key. The caller makes that
/// file, syncs it and renames it over the store, so a crash at any instant leaves either the
/// old file under the old key or the new file under the new key.
extension Store {
  /// Writes the whole store in `file` (plain when `key` is nil) into the empty file `target`,
  /// encrypted with `newKey`, with the same schema version and application id. Call it holding
  /// the data directory's exclusive `StoreLock`, after `settleForReplacement` (so the file alone
  /// is the whole store).
  public static func export(
    _ file: String, key: StoreKey?, into target: String, newKey: StoreKey
  ) throws(StorageError) {
    let source = try Database(path: file, key: key)
    guard try source.ownership() != .foreign else { throw .foreign }
    let version = try source.integer("PRAGMA user_version") ?? 0
    let application = try source.integer("PRAGMA application_id") ?? 0
    try source.attach(target, as: "target", key: newKey)
    defer { try? source.execute("DETACH DATABASE target") }
    try source.execute(
      """
      PRAGMA target.journal_mode = OFF;
      SELECT sqlcipher_export('target');
      PRAGMA target.user_version = \(version);
      PRAGMA target.application_id = \(application);
      """)
  }
}

extension Database {
  /// Attaches the file at `path` as `name`, encrypted with `key`. The key is bound as a
  /// parameter straight from guarded memory, never spliced into SQL text.
  func attach(_ path: String, as name: String, key: StoreKey) throws(StorageError) {
    let sql = "ATTACH DATABASE ?1 AS \(name) KEY ?2"
    let statement = try Statement(self, sql, persistent: false)
    statement.bind(.text(path), at: 1)
    key.literal.withUnsafeBytes { literal in
      _ = sqlite3_bind_text(
        statement.handle, 2, literal.baseAddress!.assumingMemoryBound(to: CChar.self),
        Int32(literal.count), nil)
    }
    defer { sqlite3_clear_bindings(statement.handle) }
    _ = try statement.step()
  }
}
