public import PortalJSON

/// One committed change to one record: what the change log stores, what `getChangesSince`
/// returns and what a `dataSync/changed` notification carries.
///
/// - SeeAlso: `docs/protocol.md`, "Notifications".
public struct ChangeEvent: Sendable {
  public enum Kind: String, Sendable {
    case created, updated, deleted
  }

  /// The data's global, gap-free sequence number (assigned by the store on commit).
  public var sequence: Int64
  public var entityType: EntityKind.Name
  public var entityID: JSONValue
  public var change: Kind
  public var version: Int64
  public var patientID: JSONValue?
  /// Top-level fields that changed (updates only).
  public var fields: [String]?
  /// The method whose request made the change.
  public var method: String
  /// Which process made it (see `origin(for:)`).
  public var originProcess: String
  public var time: Timestamp
  /// The record after the change (absent for deletes).
  public var entity: EncodedJSON?

  public init(
    sequence: Int64 = 0, entityType: EntityKind.Name, entityID: JSONValue, change: Kind,
    version: Int64, patientID: JSONValue?, fields: [String]?, method: String,
    originProcess: String, time: Timestamp, entity: EncodedJSON?
  ) {
    self.sequence = sequence
    self.entityType = entityType
    self.entityID = entityID
    self.change = change
    self.version = version
    self.patientID = patientID
    self.fields = fields
    self.method = method
    self.originProcess = originProcess
    self.time = time
    self.entity = entity
  }
}
