import Postgres
import TestSupport
import Testing

extension PostgresCluster {
  /// A new connection to this cluster, made within ten seconds.
  func connect() throws -> PostgresConnection {
    try PostgresConnection(
      connectingTo: PostgresConnectionString(connectionString), deadline: .in(seconds: 10))
  }
}

extension ContinuousClock.Instant {
  /// `seconds` from now.
  static func `in`(seconds: Double) -> Self { .now + .seconds(seconds) }
}

/// Why the PostgreSQL suites are skipped outside CI.
let postgresMissing: Comment =
  "PostgreSQL is not installed (bash .ci/run installs postgresql and libpq-dev); with CI=true this fails"
