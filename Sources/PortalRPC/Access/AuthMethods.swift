internal import Domain
internal import PortalJSON
internal import Storage

/// The seed's `AuthManager` as methods: `login`, `logout`, `refreshToken`, `isAuthenticated`,
/// `hasPermission`, `getUser`; and `getAuditLog` for those who may read the log.
///
/// - SeeAlso: `docs/security.md`.
public enum AuthMethods {
  static func specs() -> [MethodSpec] {
    [
      MethodSpec(
        "login",
        summary:
          "Signs this connection in with a username and password, or with a token another window of the same person got (that window's sign-in is joined, so a logout anywhere ends both). An unknown user and a wrong password get the same answer; after 5 failures in a row a username must wait, twice as long after each further failure.",
        params: [
          .required(
            "credentials", .object, "{username, password} or {token}.",
            schema: [
              "oneOf": [
                [
                  "type": "object", "required": ["username", "password"],
                  "additionalProperties": false,
                  "properties": [
                    "username": ["type": "string", "minLength": 1],
                    "password": ["type": "string"],
                  ],
                ],
                [
                  "type": "object", "required": ["token"], "additionalProperties": false,
                  "properties": ["token": ["type": "string", "minLength": 1]],
                ],
              ]
            ])
        ],
        result: ("Login", EntityMethods.reference("Login")),
        errors: [.invalidParams, .unauthenticated, .storageUnavailable],
        access: .open
      ) { call in
        let credentials = call.arguments.object("credentials")!
        if let token = credentials["token"]?.stringValue, credentials.count == 1 {
          return .value(try call.session.signIn(token: token))
        }
        guard let username = credentials["username"]?.stringValue, !username.isEmpty,
          let password = credentials["password"]?.stringValue, credentials.count == 2
        else {
          throw ResponseError.invalidParams(
            path: "/credentials", "must be {username, password} or {token}")
        }
        return .value(try call.session.signIn(username: username, password: Array(password.utf8)))
      },
      MethodSpec(
        "logout",
        summary:
          "Signs out: this sign-in's tokens are revoked everywhere, so every window that joined it is signed out too.",
        result: ("Null", ["type": "null"]),
        errors: [.storageUnavailable],
        access: .signedIn
      ) { call in
        try call.session.signOut()
        return .null
      },
      MethodSpec(
        "refreshToken",
        summary:
          "A new token pair for the same sign-in. Given a refresh token, it is spent and signs this connection in; without one, the connection must be signed in.",
        params: [
          .optional("refreshToken", .string, "The refresh token login or refreshToken gave.")
        ],
        result: (
          "Tokens",
          [
            "type": "object", "required": ["token", "refreshToken", "expiresAt"],
            "properties": [
              "token": ["type": "string"], "refreshToken": ["type": "string"],
              "expiresAt": ["type": "string", "format": "date-time"],
            ],
          ]
        ),
        errors: [.unauthenticated, .storageUnavailable],
        access: .open
      ) { call in
        .value(try call.session.refresh(call.arguments.string("refreshToken")))
      },
      MethodSpec(
        "isAuthenticated",
        summary: "True when a staff member is signed in on this connection.",
        result: ("Boolean", ["type": "boolean"]),
        access: .open
      ) { call in
        .value(.bool(call.session.auth.signedIn != nil))
      },
      MethodSpec(
        "hasPermission",
        summary:
          "True when the signed-in staff member's role grants the permission (false when nobody is signed in).",
        params: [
          .required(
            "permission", .string,
            "<entityType>:read|write, medicalHistory:read, billingAmounts:read, audit:read, users:manage or sync:manage.",
            schema: ["type": "string", "enum": .array(Permission.all.map { .string($0.rawValue) })])
        ],
        result: ("Boolean", ["type": "boolean"]),
        errors: [.invalidParams],
        access: .open
      ) { call in
        let name = call.arguments.string("permission")!
        guard Permission.all.contains(Permission(rawValue: name)) else {
          throw ResponseError.invalidParams(
            path: "/permission",
            "is not a permission; one of: \(Permission.all.map(\.rawValue).joined(separator: ", "))"
          )
        }
        return .value(
          .bool(call.session.auth.policy?.role.has(Permission(rawValue: name)) ?? false))
      },
      MethodSpec(
        "getUser",
        summary: "The signed-in staff member, or null.",
        result: ("User", ["anyOf": [EntityMethods.reference("User"), ["type": "null"]]]),
        access: .open
      ) { call in
        guard let signedIn = call.session.auth.signedIn else { return .null }
        return .value(call.session.userJSON(signedIn.member, signedIn.policy.role))
      },
      MethodSpec(
        "getAuditLog",
        summary:
          "Audit events, oldest first, filtered by staff member, patient, entity type, method and time; page with after (the last seq seen). Events hold ids, never values.",
        params: [
          .optional(
            "query", .object,
            "{staffId?, patientId?, entityType?, method?, from?, to?, after?, limit?}",
            schema: EntityMethods.reference("AuditQuery"))
        ],
        result: (
          "AuditPage",
          [
            "type": "object", "required": ["events"],
            "properties": [
              "events": ["type": "array", "items": EntityMethods.reference("AuditEvent")]
            ],
          ]
        ),
        errors: [.invalidParams],
        access: .permission(.auditRead)
      ) { call in
        .encoded(try auditPage(call))
      },
    ]
  }

  /// `auth/expired`: the session ended by itself.
  static let notifications = [
    NotificationSpec(
      "auth/expired",
      summary:
        "The connection was signed out by itself: idle past --idle-timeout (reason idle), its token expired (expired), or its sign-in was ended elsewhere: a logout, a password reset, a role change or a disabled account (revoked). Requests then answer -32010 until the next login.",
      paramsSchema: [
        "type": "object", "required": ["reason"],
        "properties": ["reason": ["type": "string", "enum": ["idle", "expired", "revoked"]]],
      ])
  ]

  static let schemas: JSONObject = [
    "User": [
      "type": "object", "required": ["id", "username", "name", "role", "permissions"],
      "properties": [
        "id": ["type": "integer"], "username": ["type": "string"], "name": ["type": "string"],
        "role": ["type": "string"],
        "permissions": ["type": "array", "items": ["type": "string"]],
      ],
    ],
    "Login": [
      "type": "object", "required": ["user", "token", "refreshToken", "expiresAt"],
      "properties": [
        "user": ["$ref": "#/components/schemas/User"],
        "token": ["type": "string", "description": "Lets another window log in (login({token}))."],
        "refreshToken": ["type": "string"],
        "expiresAt": ["type": "string", "format": "date-time"],
      ],
    ],
    "AuditQuery": [
      "type": "object", "additionalProperties": false,
      "properties": [
        "staffId": ["type": "integer"], "patientId": ["type": "string"],
        "entityType": ["type": "string"], "method": ["type": "string"],
        "from": ["type": "string", "format": "date-time"],
        "to": ["type": "string", "format": "date-time"],
        "after": ["type": "integer", "minimum": 0],
        "limit": ["type": "integer", "minimum": 1, "maximum": 1000, "default": 100],
      ],
    ],
    "AuditEvent": [
      "type": "object", "required": ["seq", "time", "method", "outcome"],
      "properties": [
        "seq": ["type": "integer"], "time": ["type": "string"],
        "staffId": ["type": "integer"], "username": ["type": "string"], "role": ["type": "string"],
        "method": ["type": "string"],
        "outcome": ["type": "string", "enum": ["ok", "error", "refused", "failed", "locked"]],
        "code": ["type": "integer"], "permission": ["type": "string"],
        "entityType": ["type": "string"],
        "ids": ["type": "array", "items": ["type": ["string", "integer"]]],
        "patientIds": ["type": "array", "items": ["type": "string"]],
        "requests": [
          "type": "integer", "minimum": 2,
          "description":
            "Present when the event stands for a run of successful reads of one method (time .. until); absent means one request.",
        ],
        "until": ["type": "string", "description": "The last read of a run."],
        "client": ["type": "string"],
      ],
    ],
  ]

  private static func auditPage(_ call: MethodCall) throws -> EncodedJSON {
    let raw = call.arguments.object("query") ?? JSONObject()
    var query = AuditQuery()
    var problems: [ParamProblem] = []
    for member in raw {
      let path = "/query/" + member.key
      func text() -> String? {
        guard let text = member.value.stringValue else {
          problems.append(ParamProblem(path: path, message: "must be a string"))
          return nil
        }
        return text
      }
      switch member.key {
      case "staffId":
        query.staffID = member.value.int64Value
        if query.staffID == nil {
          problems.append(ParamProblem(path: path, message: "must be an integer"))
        }
      case "patientId":
        query.patientID = PatientID.canonical(member.value)
        if query.patientID == nil {
          problems.append(ParamProblem(path: path, message: "must be a patient id"))
        }
      case "entityType": query.entityType = text()
      case "method": query.method = text()
      case "from": query.from = text()
      case "to": query.to = text()
      case "after": query.after = member.value.int64Value ?? -1
      case "limit": query.limit = Int(member.value.int64Value ?? 0)
      default:
        problems.append(ParamProblem(path: path, message: "unknown member of an audit query"))
      }
    }
    if query.after < 0 {
      problems.append(
        ParamProblem(path: "/query/after", message: "must be an integer of at least 0"))
    }
    if !(1...1000).contains(query.limit) {
      problems.append(
        ParamProblem(path: "/query/limit", message: "must be an integer from 1 to 1000"))
    }
    if !problems.isEmpty { throw ResponseError.invalidParams(problems) }
    let events = try call.session.dataSync.store.auditEvents(query)
    let writer = JSONWriter(capacity: 4096)
    writer.writeRaw("{\"events\":[")
    for (index, event) in events.enumerated() {
      if index > 0 { writer.append(UInt8(ascii: ",")) }
      writer.write(event)
    }
    writer.writeRaw("]}")
    return EncodedJSON(trusted: writer.bytes)
  }
}
