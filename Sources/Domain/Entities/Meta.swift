public import PortalJSON

/// `meta` of every entity: the version (1, then +1 on every change) and when it was created and
/// last changed.
public struct Meta: Sendable, Hashable {
  public var version: Int64
  public var createdAt: Timestamp
  public var updatedAt: Timestamp

  public init(version: Int64, createdAt: Timestamp, updatedAt: Timestamp) {
    self.version = version
    self.createdAt = createdAt
    self.updatedAt = updatedAt
  }

  public static func created(at time: Timestamp) -> Meta {
    Meta(version: 1, createdAt: time, updatedAt: time)
  }

  /// The meta of the next version, changed at `time`.
  public func next(at time: Timestamp) -> Meta {
    Meta(version: version + 1, createdAt: createdAt, updatedAt: time)
  }

  public var json: JSONValue {
    [
      "version": JSONValue(version), "createdAt": .string(createdAt.description),
      "updatedAt": .string(updatedAt.description),
    ]
  }

  public init?(_ value: JSONValue) {
    guard let version = value["version"]?.int64Value,
      let created = value["createdAt"]?.stringValue.flatMap(Timestamp.init),
      let updated = value["updatedAt"]?.stringValue.flatMap(Timestamp.init)
    else { return nil }
    self.init(version: version, createdAt: created, updatedAt: updated)
  }
}
