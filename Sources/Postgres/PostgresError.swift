/// Why a PostgreSQL call failed. No case ever carries a parameter value or a password, so every
/// description is safe to log.
public enum PostgresError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The server refused the statement; the connection is still usable. `message` is the server's
  /// primary message with every double-quoted part (where PostgreSQL quotes a value) withheld.
  case server(sqlState: String, message: String)
  /// The connection is gone (closed, broken, or ended by the server) and has been dropped; the
  /// outcome of a statement that was in flight is unknown.
  case connectionLost
  /// The deadline passed first; the connection has been dropped (never cancelled), so the
  /// outcome of a statement that was in flight is unknown.
  case timedOut
  /// The connection's owner interrupted the call (it is stopping); the connection has been
  /// dropped, and the outcome of a statement that was in flight is unknown.
  case interrupted
  /// No connection could be made: `reason` is libpq's first line (it names hosts, never secrets).
  case cannotConnect(reason: String)
  /// The connection string cannot be used: it does not parse, or it carries a password.
  case invalidConnectionString(reason: String)

  public var description: String {
    switch self {
    case .server(let sqlState, let message): "PostgreSQL error \(sqlState): \(message)"
    case .connectionLost: "the connection to PostgreSQL was lost"
    case .timedOut: "PostgreSQL did not answer before the deadline"
    case .interrupted: "the PostgreSQL call was interrupted: its owner is stopping"
    case .cannotConnect(let reason): "cannot connect to PostgreSQL: \(reason)"
    case .invalidConnectionString(let reason): "unusable PostgreSQL connection string: \(reason)"
    }
  }

  /// `message` with every double-quoted part replaced by `"…"`: PostgreSQL's style quotes values
  /// (`invalid input syntax for type integer: "…"`), so none can reach a log through an error.
  static func withholdingQuoted(_ message: String) -> String {
    var result = ""
    var quoted = false
    for character in message {
      if character == "\"" {
        result += quoted ? "…\"" : "\""
        quoted.toggle()
      } else if !quoted {
        result.append(character)
      }
    }
    if quoted { result += "…" }
    return result
  }

  /// The first line of a libpq message, without its trailing newline.
  static func firstLine(_ message: String) -> String {
    let line = message.split(separator: "\n", omittingEmptySubsequences: true).first ?? ""
    let trimmed = line.trimmingWhitespace()
    return trimmed.isEmpty ? "no reason given" : trimmed
  }
}

extension Substring {
  fileprivate func trimmingWhitespace() -> String {
    String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
  }
}
