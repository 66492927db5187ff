import Foundation
import PortalJSON
import Testing

/// Each role against each method and each masked field, through the real executable: the
/// permission a method needs is written down here, apart from the server's own table, so a new
/// method without an entry fails this test, and a method whose gate differs from the security
/// table fails it too.
@Suite("Roles and permissions")
struct AccessTests {
  /// The entity types and the names the protocol gives their methods.
  static let kinds: [(type: String, stem: String, plural: String, sync: String)] = [
    ("patient", "Patient", "Patients", "syncPatientData"),
    ("appointment", "Appointment", "Appointments", "syncAppointmentData"),
    ("messageThread", "MessageThread", "MessageThreads", "syncMessageData"),
    ("prescription", "Prescription", "Prescriptions", "syncPrescriptionData"),
    ("document", "Document", "Documents", "syncDocumentData"),
    ("carePlan", "CarePlan", "CarePlans", "syncCarePlanData"),
    ("transaction", "Transaction", "Transactions", "syncTransactionData"),
    ("insuranceClaim", "InsuranceClaim", "InsuranceClaims", "syncInsuranceClaimData"),
  ]

  /// What a method needs: nothing, a sign-in, or a permission.
  enum Need: Equatable {
    case nothing
    case signIn
    case permission(String)
    /// `exportPatient`: the patient and every type of its chart.
    case chart
  }

  /// The security table's grants, written out independently of the server.
  static let grants: [String: Set<String>] = {
    func reads(_ types: [String]) -> [String] { types.map { $0 + ":read" } }
    func writes(_ types: [String]) -> [String] { types.map { $0 + ":write" } }
    let all = kinds.map(\.type)
    return [
      "admin": Set(
        reads(all) + writes(all) + [
          "medicalHistory:read", "billingAmounts:read", "audit:read", "users:manage",
          "sync:manage",
        ]),
      "doctor": Set(
        reads(all)
          + writes([
            "patient", "appointment", "messageThread", "prescription", "document", "carePlan",
          ]) + ["medicalHistory:read", "billingAmounts:read"]),
      "nurse": Set(
        reads(all.filter { $0 != "transaction" })
          + writes(["appointment", "messageThread", "document", "carePlan"])
          + ["medicalHistory:read"]),
      "frontDesk": Set(
        reads(["patient", "appointment", "messageThread", "insuranceClaim"])
          + writes(["patient", "appointment", "messageThread"]) + ["billingAmounts:read"]),
      "billing": Set(
        reads(["patient", "transaction", "insuranceClaim", "appointment"])
          + writes(["transaction", "insuranceClaim"]) + ["billingAmounts:read"]),
    ]
  }()

  static func need(_ method: String) -> Need? {
    switch method {
    case "initialize", "shutdown", "exit", "ping", "rpc.discover", "$/cancelRequest", "login",
      "refreshToken", "isAuthenticated", "hasPermission", "getUser":
      return .nothing
    case "logout", "isOnline", "getSyncStatus", "processSyncQueue", "subscribeToUpdates",
      "unsubscribeFromUpdates", "getChangesSince", "transaction", "queueSyncOperation",
      "getMetrics", "trackApiCall", "trackDataSync", "trackUserAction", "encrypt", "decrypt",
      "encryptObject", "decryptObject":
      return .signIn
    case "getAuditLog": return .permission("audit:read")
    case "getSyncQueue", "retrySyncOperation", "discardSyncOperation":
      return .permission("sync:manage")
    case "updatePatientRelatedData": return .permission("patient:write")
    case "updateAppointmentRelatedData": return .permission("appointment:write")
    case "appendMessage": return .permission("messageThread:write")
    case "exportPatient": return .chart
    default: break
    }
    for kind in kinds {
      if ["add" + kind.stem, kind.sync, kind.sync + "WithAPI", "delete" + kind.stem].contains(
        method)
      {
        return .permission(kind.type + ":write")
      }
      if ["get" + kind.stem, "get" + kind.plural].contains(method)
        || (kind.type != "patient" && method == "getPatient" + kind.plural)
        || (kind.type == "messageThread" && method == "getPatientMessages")
      {
        return .permission(kind.type + ":read")
      }
    }
    return nil
  }

  /// The permission `role` lacks for a method that needs `need`, if any.
  static func missing(_ need: Need, role: String) -> String? {
    let granted = grants[role]!
    switch need {
    case .nothing, .signIn: return nil
    case .permission(let permission): return granted.contains(permission) ? nil : permission
    case .chart:
      let chart = ["patient"] + kinds.map(\.type).filter { $0 != "patient" }
      return chart.map { $0 + ":read" }.first { !granted.contains($0) }
    }
  }

  /// Params that pass the parameter check but change nothing: empty records (refused as
  /// invalid), ids no record has.
  static func harmlessParams(_ method: JSONValue) -> String {
    var params = JSONObject()
    for param in method["params"]?.arrayValue ?? [] {
      guard param["required"]?.boolValue == true, let name = param["name"]?.stringValue else {
        continue
      }
      let schema = param["schema"]
      let type = schema?["type"]?.stringValue
      if name == "patientId" || name == "entityId" {
        params[name] = "P999"
      } else if type == "string" && name.hasSuffix("Id") {
        params[name] = "999999"
      } else if name.hasSuffix("Id") || type == "integer" {
        params[name] = JSONValue(999_999)
      } else if type == "array" {
        params[name] = .array([])
      } else if name == "credentials" {
        params[name] = ["username": "nobody-here", "password": "not the password"]
      } else if name == "permission" {
        params[name] = "patient:read"
      } else if name == "entityType" {
        params[name] = "*"
      } else if type == "string" {
        params[name] = "x"
      } else {
        params[name] = [:]
      }
    }
    return JSONValue.object(params).description
  }

  /// Methods never called here: they end the session or the process.
  static let notCalled: Set<String> = ["shutdown", "exit", "$/cancelRequest", "logout"]

  @Test("every method has an entry, and each role is refused exactly what the table denies it")
  func everyRoleAgainstEveryMethod() throws {
    let data = try Staff.clinic("access-methods")
    let discovered = try PortalProcess.run(arguments: ["--openrpc"], input: Data())
    let document = try JSONParser.parse(discovered.lines.joined(separator: "\n"))
    let methods = try #require(document["methods"]?.arrayValue)
    for method in methods {
      let name = method["name"]?.stringValue ?? ""
      #expect(Self.need(name) != nil, "no permission entry for \(name): add one to this test")
    }

    // Before sign-in: every method that needs one answers -32010.
    let anonymous = try PortalProcess(arguments: ["--data-dir", data.path])
    try anonymous.call("initialize", id: 0, params: "{}")
    var id = 0
    for method in methods {
      let name = method["name"]!.stringValue!
      guard let need = Self.need(name), need != .nothing, !Self.notCalled.contains(name) else {
        continue
      }
      id += 1
      let line = try anonymous.call(name, id: id, params: Self.harmlessParams(method))
      #expect(
        try JSONParser.parse(line)["error"]?["code"]?.int64Value == -32010,
        "\(name) before sign-in: \(line.prefix(160))")
    }
    try anonymous.closeInput()
    _ = try anonymous.finish()

    for role in Roles.all {
      let window = try PortalProcess(arguments: ["--data-dir", data.path])
      try window.signIn(role)
      for method in methods {
        let name = method["name"]!.stringValue!
        guard let need = Self.need(name), !Self.notCalled.contains(name), name != "initialize"
        else { continue }
        id += 1
        let line = try window.call(name, id: id, params: Self.harmlessParams(method))
        let error = try JSONParser.parse(line)["error"]
        let code = error?["code"]?.int64Value
        // A sign-in with made-up credentials is refused like any other; that is not a gate.
        if name == "login" || name == "refreshToken" { continue }
        if let permission = Self.missing(need, role: role) {
          #expect(code == -32011, "\(role) calling \(name): \(line.prefix(160))")
          #expect(
            error?["data"]?["permission"]?.stringValue == permission,
            "\(role) calling \(name) should be refused for \(permission): \(line.prefix(160))")
        } else {
          #expect(
            code != -32011 && code != -32010, "\(role) calling \(name): \(line.prefix(160))")
        }
      }
      // A cascade deletes records of every type: only a role that writes them all may.
      id += 1
      let cascade = try JSONParser.parse(
        try window.call("deletePatient", id: id, params: #"["P999",true]"#))
      let lacking = Self.kinds.map { $0.type + ":write" }.first {
        !Self.grants[role]!.contains($0)
      }
      #expect(
        cascade["error"]?["data"]?["permission"]?.stringValue == lacking,
        "\(role) cascading a delete: \(cascade)")
      try window.closeInput()
      #expect(try window.finish().status == 0)
    }
  }

  /// The fields behind a permission of their own.
  static let maskedFields: [(kind: String, field: String, permission: String)] = [
    ("patient", "medicalHistory", "medicalHistory:read"),
    ("patient", "outstandingBalance", "billingAmounts:read"),
    ("patient", "billing", "billingAmounts:read"),
    ("insuranceClaim", "amount", "billingAmounts:read"),
    ("insuranceClaim", "approvedAmount", "billingAmounts:read"),
    ("insuranceClaim", "paidAmount", "billingAmounts:read"),
  ]

  @Test("a masked field is refused in a filter, a sort and a write, naming its permission")
  func everyRoleAgainstEveryMaskedField() throws {
    let data = try Staff.clinic("access-fields")
    var id = 0
    for role in Roles.all {
      let window = try PortalProcess(arguments: ["--data-dir", data.path])
      try window.signIn(role)
      let granted = Self.grants[role]!
      for masked in Self.maskedFields {
        let kind = try #require(Self.kinds.first { $0.type == masked.kind })
        let hidden = !granted.contains(masked.permission)
        if granted.contains(kind.type + ":read") {
          for query in [
            #"{"filter":{"\#(masked.field)":1}}"#,
            #"{"sort":[{"field":"\#(masked.field)"}]}"#,
          ] {
            id += 1
            let line = try window.call("get" + kind.plural, id: id, params: "[\(query)]")
            let error = try JSONParser.parse(line)["error"]
            #expect(
              (error?["code"]?.int64Value == -32011) == hidden,
              "\(role) querying \(masked.kind).\(masked.field): \(line.prefix(160))")
            if hidden {
              #expect(error?["data"]?["permission"]?.stringValue == masked.permission)
            }
          }
        }
        if granted.contains(kind.type + ":write") {
          id += 1
          let target = kind.type == "patient" ? #""P999""# : "999999"
          let line = try window.call(
            kind.sync, id: id, params: #"[\#(target),{"\#(masked.field)":null}]"#)
          let error = try JSONParser.parse(line)["error"]
          #expect(
            error?["code"]?.int64Value == (hidden ? -32011 : -32001),
            "\(role) writing \(masked.kind).\(masked.field): \(line.prefix(160))")
          if hidden { #expect(error?["data"]?["permission"]?.stringValue == masked.permission) }
        }
      }
      try window.closeInput()
      _ = try window.finish()
    }
  }
}
