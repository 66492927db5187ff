public import PortalJSON

/// A notification the server sends to the client, described for `initialize` and the OpenRPC
/// document's `x-notifications`.
public struct NotificationSpec: Sendable {
  public let name: String
  public let summary: String
  public let paramsSchema: JSONValue
  /// Documented for clients' types, but sent only by a replica: `initialize` leaves it out of
  /// `capabilities.notifications` on a standalone server.
  public let replicaOnly: Bool

  public init(
    _ name: String, summary: String, paramsSchema: JSONValue, replicaOnly: Bool = false
  ) {
    self.name = name
    self.summary = summary
    self.paramsSchema = paramsSchema
    self.replicaOnly = replicaOnly
  }
}
