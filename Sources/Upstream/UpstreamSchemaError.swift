public import Postgres

/// Why the upstream schema could not be brought up to date.
public enum UpstreamSchemaError: Error, Sendable, Equatable, CustomStringConvertible {
  /// PostgreSQL failed or could not be reached; nothing half-applied stays (each migration is
  /// one transaction).
  case postgres(PostgresError)
  /// The database was migrated by a newer PortalRPC; this one must not touch it.
  case newerSchema(applied: Int, known: Int)

  public var description: String {
    switch self {
    case .postgres(let error): "upstream schema: \(error)"
    case .newerSchema(let applied, let known):
      "the upstream schema is at version \(applied), newer than this PortalRPC knows (\(known))"
    }
  }
}
