internal import Domain
public import PortalJSON

/// The whole interface of PortalRPC: every method (one entry each, listed in `init`), every
/// notification, the schemas they refer to, and the OpenRPC document built from them.
public struct PortalInterface {
  public let table: MethodTable
  public let notifications: [NotificationSpec]
  public let schemas: JSONObject

  public init() {
    let discovery = DiscoveryCache()
    let notifications =
      [ChangeNotification.spec] + SyncMethods.notifications + AuthMethods.notifications
    var table = MethodTable()
    let lifecycle = LifecycleMethods.specs(
      discover: { discovery.document! },
      capabilities: { replica in
        [
          "methods": .array(discovery.methodNames.map(JSONValue.string)),
          "notifications": .array(
            notifications.filter { replica || !$0.replicaOnly }.map { .string($0.name) }),
        ]
      })
    let dataSync = DataSyncMethods.specs(table: { discovery.table! })
    let sync = SyncMethods.specs(table: { discovery.table! })
    let auth = AuthMethods.specs()
    // New methods go last, so the fuzzer's seeds keep naming the methods they named.
    for spec in lifecycle + auth + EntityKind.all.flatMap(EntityMethods.specs(for:)) + dataSync
      + sync + MetricsMethods.specs() + EncryptionMethods.specs()
    {
      table.register(spec)
    }
    var schemas = JSONObject()
    for kind in EntityKind.all {
      var schema = kind.jsonSchema.objectValue ?? JSONObject()
      schema.removeValue(forKey: "$schema")
      schema.removeValue(forKey: "$id")
      schemas[kind.typeName] = .object(schema)
    }
    for kind in EntityKind.all { schemas["New" + kind.typeName] = kind.newRecordSchema }
    for member in EntityMethods.sharedSchemas { schemas[member.key] = member.value }
    for member in SyncMethods.schemas { schemas[member.key] = member.value }
    for member in AuthMethods.schemas { schemas[member.key] = member.value }
    for member in MetricsMethods.schemas { schemas[member.key] = member.value }
    schemas["Change"] = ChangeNotification.schema
    self.table = table
    self.notifications = notifications
    self.schemas = schemas
    discovery.methodNames = table.names
    discovery.table = table
    discovery.document = EncodedJSON(openRPCDocument)
  }

  /// The OpenRPC document, as `rpc.discover` serves it and `schema/openrpc.json` holds it.
  public var openRPCDocument: JSONValue {
    OpenRPCDocument.build(methods: table.specs, notifications: notifications, schemas: schemas)
  }
}

/// Filled once the table exists; read by `rpc.discover` and `initialize`.
private final class DiscoveryCache {
  var document: EncodedJSON?
  var methodNames: [String] = []
  var table: MethodTable?
}
