internal import CLibPQ

/// A libpq connection string (a `postgresql://` URI or `key=value` pairs) that carries no
/// password: the password comes apart from it, so it never shows in a command line or a log.
public struct PostgresConnectionString: Sendable, Equatable, CustomStringConvertible {
  let text: String
  private let summary: String
  /// What PostgreSQL shows for the connection (`application_name`, in `pg_stat_activity`); it
  /// wins over one the string itself gives. Nil leaves the string's own, or libpq's default.
  public var applicationName: String?

  /// Why a string holding a password is refused (the reason of `.invalidConnectionString`).
  public static let passwordRefusal =
    "it carries a password; give the password apart (a password file or descriptor)"

  /// Refuses a string libpq cannot parse (without repeating it) and one that holds a password.
  public init(_ text: String) throws(PostgresError) {
    var errorMessage: UnsafeMutablePointer<CChar>?
    guard let options = PQconninfoParse(text, &errorMessage) else {
      if let errorMessage { PQfreemem(errorMessage) }
      throw .invalidConnectionString(reason: "libpq cannot parse it")
    }
    defer { PQconninfoFree(options) }
    var given: [String: String] = [:]
    var option = options
    while let keyword = option.pointee.keyword {
      if let value = option.pointee.val { given[String(cString: keyword)] = String(cString: value) }
      option += 1
    }
    if given["password"] != nil {
      throw .invalidConnectionString(reason: Self.passwordRefusal)
    }
    self.text = text
    summary = ["host", "hostaddr", "port", "dbname", "user"]
      .compactMap { key in given[key].map { "\(key)=\($0)" } }
      .joined(separator: " ")
  }

  /// Where it points (host, port, database, user), for logs.
  public var description: String { summary.isEmpty ? "(libpq defaults)" : summary }
}
