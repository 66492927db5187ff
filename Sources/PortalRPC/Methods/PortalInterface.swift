public import PortalJSON

/// The whole interface of PortalRPC: every method (one entry each, in `methods`), every
/// notification, and the OpenRPC document built from them.
public struct PortalInterface {
  public let table: MethodTable
  public let notifications: [NotificationSpec]
  public let schemas: JSONObject

  public init() {
    let discovery = DiscoveryCache()
    notifications = []
    schemas = [:]
    var table = MethodTable()
    let names = ListBox()
    let notificationNames = notifications.map(\.name)
    for spec in LifecycleMethods.specs(
      discover: { discovery.document! },
      capabilities: {
        [
          "methods": .array(names.values.map(JSONValue.string)),
          "notifications": .array(notificationNames.map(JSONValue.string)),
        ]
      })
    {
      table.register(spec)
    }
    self.table = table
    names.values = table.names
    discovery.document = EncodedJSON(
      OpenRPCDocument.build(methods: table.specs, notifications: notifications, schemas: schemas))
  }

  /// The OpenRPC document, as `rpc.discover` serves it and `schema/openrpc.json` holds it.
  public var openRPCDocument: JSONValue {
    OpenRPCDocument.build(methods: table.specs, notifications: notifications, schemas: schemas)
  }
}

/// Filled once the table exists; read by `rpc.discover` and `initialize`.
private final class DiscoveryCache {
  var document: EncodedJSON?
}

private final class ListBox {
  var values: [String] = []
}
