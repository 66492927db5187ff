public import PortalJSON

/// `initialize`, `shutdown`, `exit`, `ping`, `rpc.discover` and `$/cancelRequest`.
///
/// - SeeAlso: `docs/protocol.md`, "Lifecycle".
public enum LifecycleMethods {
  public static let serverName = "portal-rpc"
  public static let serverVersion = "0.1.0"
  public static let protocolVersion = "1.0"
  public static let supportedProtocolVersions = ["1.0"]

  /// The lifecycle methods; `discover` serves the OpenRPC document and `capabilities` lists
  /// what `initialize` announces (given whether the server is a replica).
  public static func specs(
    discover: @escaping () -> EncodedJSON,
    capabilities: @escaping (_ replica: Bool) -> JSONValue
  ) -> [MethodSpec] {
    [
      MethodSpec(
        "initialize",
        summary:
          "Starts the session: says who the server is, what it can do and where its data lives.",
        params: [
          .optional(
            "clientInfo", .object, "Who the client is: {name, version}.",
            schema: [
              "type": "object",
              "properties": ["name": ["type": "string"], "version": ["type": "string"]],
            ]),
          .optional(
            "protocolVersion", .string,
            "The protocol version the client speaks; the major version must be supported."),
        ],
        result: (
          "InitializeResult",
          [
            "type": "object",
            "required": ["serverInfo", "protocolVersion", "capabilities", "dataDir"],
            "properties": [
              "serverInfo": [
                "type": "object",
                "properties": ["name": ["type": "string"], "version": ["type": "string"]],
              ],
              "protocolVersion": ["type": "string"],
              "capabilities": [
                "type": "object",
                "properties": [
                  "methods": ["type": "array", "items": ["type": "string"]],
                  "notifications": ["type": "array", "items": ["type": "string"]],
                ],
              ],
              "dataDir": ["type": ["string", "null"]],
            ],
          ]
        ),
        errors: [.invalidRequest, .invalidParams],
        access: .open
      ) { call in
        try initialize(call, capabilities: capabilities(call.session.replica != nil))
      },
      MethodSpec(
        "shutdown",
        summary: "Ends the session: every later request is refused until exit or end of input.",
        result: ("null", ["type": "null"]),
        access: .open
      ) { call in
        call.session.phase = .shutDown
        return .null
      },
      MethodSpec(
        "exit",
        summary: "Notification: stop the process (status 0) once earlier input is answered.",
        result: nil,
        allowedBeforeInitialize: true,
        access: .open
      ) { call in
        call.session.exitRequested = true
        return .null
      },
      MethodSpec(
        "ping",
        summary: "Answers \"pong\"; allowed before initialize.",
        result: ("pong", ["const": "pong"]),
        allowedBeforeInitialize: true,
        access: .open
      ) { _ in .value("pong") },
      MethodSpec(
        "rpc.discover",
        summary: "The OpenRPC document of the whole interface (schema/openrpc.json).",
        result: ("OpenRPC", ["$ref": "https://meta.open-rpc.org/"]),
        allowedBeforeInitialize: true,
        access: .open
      ) { _ in .encoded(discover()) },
      MethodSpec(
        "$/cancelRequest",
        summary:
          "Notification: cancel the request with this id if it has not started, or stop it at its next check if it is long running; it then answers -32800.",
        params: [
          .required(
            "id", .any, "The id of the request to cancel.",
            schema: ["type": ["string", "integer", "null"]])
        ],
        result: nil,
        allowedBeforeInitialize: true,
        access: .open
      ) { _ in .null },
    ]
  }

  private static func initialize(_ call: MethodCall, capabilities: JSONValue) throws(ResponseError)
    -> Reply
  {
    let session = call.session
    guard session.phase == .awaitingInitialize else {
      throw .invalidRequest("initialize was already called for this session")
    }
    if let requested = call.arguments.string("protocolVersion") {
      let major = requested.split(separator: ".", omittingEmptySubsequences: false).first
      let supportedMajors = supportedProtocolVersions.map { $0.split(separator: ".").first }
      guard let major, supportedMajors.contains(major), Int(major) != nil else {
        throw ResponseError(
          .invalidParams,
          data: [
            "errors": [
              [
                "path": "/protocolVersion",
                "message": .string(
                  "unsupported protocol version; this server speaks \(supportedProtocolVersions.joined(separator: ", "))"
                ),
              ]
            ],
            "supported": .array(supportedProtocolVersions.map(JSONValue.string)),
            "requested": .string(requested),
          ])
      }
    }
    session.clientInfo = call.arguments["clientInfo"]
    session.cachedAuditActor = nil
    session.phase = .running
    let dataDir: JSONValue = session.configuration.dataDirectory.map(JSONValue.string) ?? .null
    return .value([
      "serverInfo": ["name": .string(serverName), "version": .string(serverVersion)],
      "protocolVersion": .string(protocolVersion),
      "capabilities": capabilities,
      "dataDir": dataDir,
    ])
  }
}
