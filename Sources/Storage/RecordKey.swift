/// How a record is named: a patient by its canonical id text, anything else by its integer id.
public enum RecordKey: Sendable, Hashable {
  case patient(String)
  case integer(Int64)
}

/// A record as stored: its version, its place, and its canonical JSON.
public struct StoredRecord: Sendable {
  public let version: Int64
  /// A patient's ordinal (its place in id order), or the owning patient's ordinal for any other
  /// record.
  public let patientOrdinal: Int64
  /// The record's JSON, exactly as it is sent to clients.
  public let document: [UInt8]

  public init(version: Int64, patientOrdinal: Int64, document: [UInt8]) {
    self.version = version
    self.patientOrdinal = patientOrdinal
    self.document = document
  }
}
