/// One step of the upstream schema's history: SQL run once, in one transaction, and recorded in
/// `portal.schema_migrations`.
public struct UpstreamMigration: Sendable {
  public let version: Int
  public let name: String
  /// One or more statements without parameters; no transaction control of their own.
  public let sql: String
}
