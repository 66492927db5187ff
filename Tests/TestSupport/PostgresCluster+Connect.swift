public import Postgres
public import Testing

extension PostgresCluster {
  /// A new connection to this cluster, made within ten seconds.
  public func connect() throws -> PostgresConnection {
    try PostgresConnection(
      connectingTo: PostgresConnectionString(connectionString), deadline: .in(seconds: 10))
  }

  /// Why the PostgreSQL suites are skipped outside CI.
  public static let missing: Comment =
    "PostgreSQL is not installed (bash .ci/run installs postgresql and libpq-dev); with CI=true this fails"
}

extension ContinuousClock.Instant {
  /// `seconds` from now.
  public static func `in`(seconds: Double) -> Self { .now + .seconds(seconds) }
}
