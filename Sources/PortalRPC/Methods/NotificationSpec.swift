public import PortalJSON

/// A notification the server sends to the client, described for `initialize` and the OpenRPC
/// document's `x-notifications`.
public struct NotificationSpec: Sendable {
  public let name: String
  public let summary: String
  public let paramsSchema: JSONValue

  public init(_ name: String, summary: String, paramsSchema: JSONValue) {
    self.name = name
    self.summary = summary
    self.paramsSchema = paramsSchema
  }
}
