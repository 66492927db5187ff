internal import PortalJSON
internal import Sodium

/// The seed's `EncryptionManager` as methods: `encrypt`/`decrypt` for strings and
/// `encryptObject`/`decryptObject` for any JSON value. A shell keeps its own small secrets
/// sealed with a key derived from the store's key (XChaCha20-Poly1305, authenticated): opaque
/// `pv1.` strings it may put anywhere, that only a server holding the same store key opens, and
/// that fail to open after any change. An optional `context` binds a sealed value to where it
/// belongs (e.g. `"shell:settings"`): opened under another context, it fails too.
///
/// - SeeAlso: `docs/security.md`, "Encryption at rest".
enum EncryptionMethods {
  /// The derivation context of the sealing key (8 bytes, as libsodium's KDF wants).
  static let keyContext = "pvalues1"

  static func specs() -> [MethodSpec] {
    let context = Param.optional(
      "context", .string,
      "Binds the sealed value to a purpose (up to 200 characters); the same context must be given to open it.",
      schema: ["type": "string", "maxLength": 200])
    let sealed = Param.required(
      "encryptedData", .string, "A value encrypt or encryptObject returned.")
    let errors: [ErrorCode] = [.invalidParams, .storageUnavailable, .unauthenticated]
    return [
      MethodSpec(
        "encrypt",
        summary:
          "Seals a string with a key derived from the store's key; only a server holding that key opens it.",
        params: [.required("data", .string, "The string to seal."), context],
        result: ("SealedValue", sealedSchema), errors: errors, access: .signedIn
      ) { call in
        let sealer = try call.session.valueSealer()
        let data = Array(call.arguments.string("data")!.utf8)
        return .value(.string(sealer.seal(data, associated: associated("s", call.arguments))))
      },
      MethodSpec(
        "decrypt",
        summary: "Opens a string encrypt sealed; -32602 when it was changed or sealed elsewhere.",
        params: [sealed, context],
        result: ("String", ["type": "string"]), errors: errors, access: .signedIn
      ) { call in
        let bytes = try open("s", call)
        guard let text = String(validating: bytes, as: UTF8.self) else {
          throw ResponseError.invalidParams(path: "/encryptedData", "does not hold a string")
        }
        return .value(.string(text))
      },
      MethodSpec(
        "encryptObject",
        summary:
          "Seals any JSON value (an object, an array, a number…) with a key derived from the store's key.",
        params: [.required("value", .any, "The value to seal."), context],
        result: ("SealedValue", sealedSchema), errors: errors, access: .signedIn
      ) { call in
        let sealer = try call.session.valueSealer()
        let text = Array(call.arguments["value"]!.description.utf8)
        return .value(.string(sealer.seal(text, associated: associated("o", call.arguments))))
      },
      MethodSpec(
        "decryptObject",
        summary:
          "Opens a value encryptObject sealed; -32602 when it was changed or sealed elsewhere.",
        params: [sealed, context],
        result: ("Value", [:]), errors: errors, access: .signedIn
      ) { call in
        let bytes = try open("o", call)
        guard let value = try? JSONParser.parse(bytes) else {
          throw ResponseError.invalidParams(path: "/encryptedData", "does not hold a JSON value")
        }
        return .value(value)
      },
    ]
  }

  static let sealedSchema: JSONValue = [
    "type": "string", "pattern": "^pv1\\.[A-Za-z0-9_-]+$",
    "description": "An opaque sealed value: pv1. and base64url.",
  ]

  /// What a sealed value is bound to besides its key: its kind (string or JSON value) and the
  /// caller's context.
  private static func associated(_ kind: String, _ arguments: Arguments) -> [UInt8] {
    Array((kind + ":" + (arguments.string("context") ?? "")).utf8)
  }

  private static func open(_ kind: String, _ call: MethodCall) throws -> [UInt8] {
    let sealer = try call.session.valueSealer()
    guard
      let bytes = sealer.open(
        call.arguments.string("encryptedData")!, associated: associated(kind, call.arguments))
    else {
      throw ResponseError.invalidParams(
        path: "/encryptedData",
        "cannot be opened: it was changed, sealed under another context or kind, or sealed by a store with another key"
      )
    }
    return bytes
  }
}

extension Session {
  /// The sealing key for the value methods, or -32005 when the store has no key.
  func valueSealer() throws -> SealedValue {
    if let sealer = cachedValueSealer { return sealer }
    guard let key = configuration.storeKey else {
      throw ResponseError.withDetail(
        .storageUnavailable,
        "the store is not encrypted, so there is no key to seal values with; start portal-rpc with --key-fd or --key-file"
      )
    }
    let sealer = SealedValue(master: key.bytes, context: EncryptionMethods.keyContext)
    cachedValueSealer = sealer
    return sealer
  }
}
