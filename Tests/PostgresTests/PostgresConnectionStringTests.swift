import Testing

@testable import Postgres

@Suite struct PostgresConnectionStringTests {
  @Test func acceptsAURIAndKeyValuePairsWithoutAPassword() throws {
    let uri = try PostgresConnectionString("postgresql://clinic@db.clinic.lan:5433/portal")
    #expect(uri.description == "host=db.clinic.lan port=5433 dbname=portal user=clinic")
    let pairs = try PostgresConnectionString("host=/tmp/sock port=54329 dbname=postgres")
    #expect(pairs.description == "host=/tmp/sock port=54329 dbname=postgres")
  }

  @Test func refusesAPasswordWithoutRepeatingIt() {
    for text in [
      "postgresql://clinic:s3cret-pw@db.clinic.lan/portal",
      "host=db.clinic.lan password=s3cret-pw dbname=portal",
      "postgresql://db.clinic.lan/portal?password=s3cret-pw",
    ] {
      #expect {
        try PostgresConnectionString(text)
      } throws: { error in
        guard case .invalidConnectionString(let reason) = error as? PostgresError else {
          return false
        }
        return reason.contains("password") && !"\(error)".contains("s3cret")
      }
    }
  }

  @Test func refusesWhatLibpqCannotParseWithoutRepeatingIt() {
    #expect(throws: PostgresError.invalidConnectionString(reason: "libpq cannot parse it")) {
      try PostgresConnectionString("host=db nonsense-key-s3cret=1")
    }
  }

  @Test func serverMessagesWithholdQuotedValues() {
    #expect(
      PostgresError.withholdingQuoted(#"invalid input syntax for type integer: "P001 Ada""#)
        == #"invalid input syntax for type integer: "…""#)
    #expect(PostgresError.withholdingQuoted(#"open "quote"#) == #"open "…"#)
    #expect(PostgresError.withholdingQuoted("division by zero") == "division by zero")
  }
}
