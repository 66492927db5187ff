/// The rows one statement returned, every value as PostgreSQL's text form (nil for SQL NULL).
public struct PostgresRows: Sendable, Equatable {
  public var columns: [String]
  public var rows: [[String?]]
  /// The rows an INSERT, UPDATE, DELETE (or similar) touched, when the command reports a count.
  public var affectedRows: Int?

  public init(columns: [String] = [], rows: [[String?]] = [], affectedRows: Int? = nil) {
    self.columns = columns
    self.rows = rows
    self.affectedRows = affectedRows
  }

  /// The value in the first column of the first row (nil when there is none, or it is NULL).
  public var scalar: String? { rows.first?.first ?? nil }
}
