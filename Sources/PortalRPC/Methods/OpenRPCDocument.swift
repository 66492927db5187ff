public import PortalJSON

/// Builds the OpenRPC 1.3.2 document from the method table, so the document cannot drift from
/// the code; `schema/openrpc.json` is this output, and a test keeps the two equal.
public enum OpenRPCDocument {
  public static func build(
    methods: [MethodSpec], notifications: [NotificationSpec], schemas: JSONObject
  ) -> JSONValue {
    var document: JSONObject = [
      "openrpc": "1.3.2",
      "info": [
        "title": "PortalRPC",
        "version": .string(LifecycleMethods.serverVersion),
        "description": .string(
          "The DataSync data backend of a clinical admin portal: newline-delimited JSON-RPC 2.0 on stdin/stdout. See docs/protocol.md and docs/domain.md."
        ),
      ],
      "methods": .array(methods.map(methodObject)),
    ]
    var components: JSONObject = [:]
    if !schemas.isEmpty { components["schemas"] = .object(schemas) }
    components["errors"] = .object(
      JSONObject(ErrorCode.all.map { (errorName($0), errorObject($0)) }))
    document["components"] = .object(components)
    document["x-notifications"] = .array(
      notifications.map { notification in
        [
          "name": .string(notification.name),
          "summary": .string(notification.summary),
          "params": notification.paramsSchema,
        ]
      })
    return .object(document)
  }

  private static func methodObject(_ spec: MethodSpec) -> JSONValue {
    var method: JSONObject = [
      "name": .string(spec.name),
      "summary": .string(spec.summary),
      "paramStructure": "either",
      "params": .array(
        spec.params.map { param in
          [
            "name": .string(param.name),
            "summary": .string(param.summary),
            "required": .bool(param.isRequired),
            "schema": param.schema,
          ]
        }),
    ]
    if let result = spec.result {
      method["result"] = ["name": .string(result.name), "schema": result.schema]
    }
    if !spec.errors.isEmpty {
      method["errors"] = .array(
        spec.errors.map { ["$ref": .string("#/components/errors/\(errorName($0))")] })
    }
    return .object(method)
  }

  private static func errorObject(_ code: ErrorCode) -> JSONValue {
    ["code": JSONValue(code.rawValue), "message": .string(code.message)]
  }

  /// `Method not found` becomes `MethodNotFound`.
  static func errorName(_ code: ErrorCode) -> String {
    code.message.split(separator: " ").map { word in
      word.prefix(1).uppercased() + word.dropFirst()
    }.joined()
  }
}
