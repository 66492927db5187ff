/// How a record is found in its table: a patient by its canonical id text, anything else by its
/// integer id.
public enum RecordKey: Sendable, Hashable {
  case patient(String)
  case integer(Int64)

  var sqlValue: SQLValue {
    switch self {
    case .patient(let text): .text(text)
    case .integer(let id): .integer(id)
    }
  }
}

/// A record as stored: its version, its owner and its canonical JSON.
public struct StoredRecord: Sendable {
  public let version: Int64
  /// The owning patient's canonical id (nil for a patient).
  public let patientKey: String?
  /// The record's JSON, exactly as it is sent to clients.
  public let document: [UInt8]
}
