import Foundation
import PortalJSON
import Testing

/// No patient value reaches a log line or an error: the demo practice is served at
/// `--log-level debug`, every method is called with patient values in the wrong places, and the
/// hand-picked error paths (bad values, parse errors, unknown methods, conflicts, bad cursors and
/// filters, failed atomic groups, cancellation) are walked. Neither stderr nor any error's message
/// or data may hold a patient value; the only exception is a conflict's `data.current`, the record
/// the caller may already read.
@Suite("Privacy")
struct PrivacyTests {
  static let listMethods = [
    "getPatients", "getAppointments", "getMessageThreads", "getPrescriptions", "getDocuments",
    "getCarePlans", "getTransactions", "getInsuranceClaims",
  ]

  @Test("no patient value in stderr or any error, at debug level, on every error path")
  func noPatientValueLeaks() throws {
    let data = FileManager.default.temporaryDirectory.appendingPathComponent(
      "privacy-\(UUID().uuidString)")
    let server = try PortalProcess(arguments: [
      "--data-dir", data.path, "--demo", "--log-level", "debug",
    ])
    try server.call("initialize", id: 0, params: "{}")
    var id = 0
    func call(_ method: String, _ params: String) throws -> String {
      id += 1
      return try server.call(method, id: id, params: params)
    }

    // Every patient value the store holds: the strings that must never come back out.
    let vocabulary = try Self.schemaVocabulary()
    var secrets = Set<String>()
    var records: [String: [JSONObject]] = [:]
    for method in Self.listMethods {
      let page = try JSONParser.parse(try call(method, #"[{"limit":1000}]"#))
      let items = page["result"]?["items"]?.arrayValue?.compactMap(\.objectValue) ?? []
      records[method] = items
      for item in items { Self.collectStrings(.object(item), into: &secrets) }
    }
    secrets = secrets.filter { $0.count >= 4 && !vocabulary.contains($0) && !Self.isIdentifier($0) }
    #expect(secrets.count > 50, "the demo practice should hold plenty of patient values")
    let patient = try #require(records["getPatients"]?.first)
    let patientID = try #require(patient["id"]?.stringValue)
    let name = try #require(patient["name"]?.stringValue)
    let email = try #require(patient["email"]?.stringValue)
    let thread = try #require(records["getMessageThreads"]?.first?["id"]?.int64Value)
    let quoted = JSONValue.string(name).description

    var errors: [String] = []
    func expectError(_ method: String, _ params: String) throws {
      let line = try call(method, params)
      if line.contains(#""error""#) { errors.append(line) }
    }

    // Every method, with patient values where its parameters go.
    let document = try JSONParser.parse(try call("rpc.discover", "[]"))
    for method in document["result"]?["methods"]?.arrayValue ?? [] {
      guard let methodName = method["name"]?.stringValue,
        !["exit", "shutdown", "initialize", "$/cancelRequest"].contains(methodName)
      else { continue }
      let names = method["params"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
      let byName = names.map { "\(JSONValue.string($0).description):\(quoted)" }.joined(
        separator: ",")
      try expectError(methodName, "[\(quoted),{\"email\":\(quoted)},\(quoted)]")
      try expectError(methodName, "{\(byName)}")
      try expectError(
        methodName, #"[{"name":\#(quoted),"email":"\#(name)@@","dob":\#(quoted),"phone":7}]"#)
    }

    // Bad values in records a clinic really sends.
    try expectError(
      "syncPatientData",
      #"["\#(patientID)",{"email":\#(JSONValue.string(name + "@").description)}]"#)
    try expectError("syncPatientData", #"["\#(patientID)",{"dob":\#(quoted),"status":\#(quoted)}]"#)
    try expectError(
      "syncPatientData", #"["\#(patientID)",{"name":"","meta":{"expectedVersion":999}}]"#)
    try expectError(
      "syncPatientData", #"["\#(patientID)",{"phone":"1","meta":{"expectedVersion":999}}]"#)
    try expectError("getPatient", "[\(quoted)]")
    try expectError("getPatients", #"[{"filter":{"name":\#(quoted),"email":{"bad":\#(quoted)}}}]"#)
    try expectError("getPatients", #"[{"sort":{"field":\#(quoted)}}]"#)
    try expectError("getPatients", #"[{"cursor":\#(quoted)}]"#)
    try expectError(
      "addAppointment",
      #"[{"patientId":"\#(patientID)","patientName":\#(quoted),"date":\#(quoted),"time":\#(quoted),"type":"x","status":"scheduled"}]"#
    )
    try expectError(
      "appendMessage",
      #"[\#(thread),{"sender":\#(quoted),"senderType":\#(quoted),"content":\#(quoted)}]"#)
    try expectError(
      "addTransaction",
      #"[{"patientId":"\#(patientID)","type":"payment","amount":\#(quoted),"date":"2026-01-01","description":\#(quoted),"status":"completed"}]"#
    )
    try expectError(
      "transaction",
      #"{"operations":[{"method":"syncPatientData","params":["\#(patientID)",{"phone":\#(quoted)}]},{"method":"syncPatientData","params":["\#(patientID)",{"email":\#(quoted)}]}]}"#
    )
    try expectError("deletePatient", #"["\#(patientID)",{"cascade":\#(quoted)}]"#)
    try expectError("subscribeToUpdates", #"{"entityTypes":[\#(quoted)]}"#)
    try expectError(name, #"[\#(quoted)]"#)

    // Patient values where keys go: a field name, a nested key, a filter field and operator, a
    // sort field, a parameter name, an operation's member. Every one is an error, and no error
    // may repeat the key.
    for secret in secrets.sorted() {
      let key = JSONValue.string(secret).description
      try expectError("syncPatientData", #"["\#(patientID)",{\#(key):1,"insurance":{\#(key):1}}]"#)
      try expectError("getPatients", #"[{"filter":{\#(key):1,"name":{\#(key):1}}}]"#)
      try expectError("getAppointments", #"[{"sort":[{"field":\#(key)}],\#(key):1}]"#)
      try expectError("getPatient", #"{"patientId":"\#(patientID)",\#(key):1}"#)
      try expectError(
        "transaction", #"[[{"method":"getPatient","params":["\#(patientID)"],\#(key):1}]]"#)
    }

    // Lines that are not requests, holding patient values.
    for line in [
      #"{"jsonrpc":"2.0","id":900001,"method":"addPatient","params":[{"name":\#(quoted),"email":"\#(email)""#,
      #"{"jsonrpc":"2.0","id":900002,"method":\#(quoted),"params":[]}"#,
      #"{"jsonrpc":"1.0","id":900003,"method":"getPatient","params":[\#(quoted)]}"#,
      #"{"jsonrpc":"2.0","id":900004,"method":"addPatient","params":[{"name":\#(quoted),"name":\#(quoted)}]}"#,
      #"[{"jsonrpc":"2.0","id":900005,"method":"getPatient","params":[\#(quoted)]},\#(quoted)]"#,
      "{\"jsonrpc\":\"2.0\",\"id\":900006,\"method\":\"addPatient\",\"params\":[{\"name\":\"\(name)\u{1}\"}]}",
    ] {
      try server.send(line)
    }
    try server.send(#"{"jsonrpc":"2.0","id":"end","method":"ping"}"#)
    _ = try server.waitForLine { $0.contains(#""id":"end""#) }
    try server.closeInput()
    let output = try server.finish()
    #expect(output.status == 0)
    errors += output.lines.filter { $0.contains(#""error""#) }
    #expect(errors.count > 100, "the error paths were not reached")

    let stderr = server.stderrText
    #expect(stderr.contains("debug"), "debug logging was not on")
    for secret in secrets.sorted() {
      let escaped = String(JSONValue.string(secret).description.dropFirst().dropLast())
      #expect(!stderr.contains(secret), "stderr holds a patient value (\(secret.count) characters)")
      for line in errors {
        let exposed = Self.errorWithoutCurrent(line)
        #expect(
          !exposed.contains(secret) && !exposed.contains(escaped),
          "an error holds a patient value: \(String(line.prefix(300)))")
      }
    }
  }

  @Test("backup, restore and export print no patient value, when they succeed or fail")
  func maintenanceCommandsKeepQuiet() throws {
    let data = try temporaryDirectory("privacy-data")
    _ = try PortalProcess.run(arguments: ["--data-dir", data.path, "--demo"], input: Data())
    let export = try PortalProcess.run(
      arguments: ["export", "--format", "jsonl", "--data-dir", data.path], input: Data())
    #expect(export.status == 0)
    var secrets = Set<String>()
    for line in export.lines { Self.collectStrings(try JSONParser.parse(line), into: &secrets) }
    let vocabulary = try Self.schemaVocabulary()
    secrets = secrets.filter { $0.count >= 4 && !vocabulary.contains($0) && !Self.isIdentifier($0) }
    #expect(secrets.count > 50, "the demo practice should hold plenty of patient values")

    let backup = try temporaryDirectory("privacy-backup")
    let restored = try temporaryDirectory("privacy-restored")
    let file = backup.appendingPathComponent("clinic.jsonl").path
    var printed = [export.stderr]
    func run(_ arguments: [String]) throws {
      let result = try PortalProcess.run(arguments: arguments, input: Data())
      printed += [result.stderr] + result.lines
    }
    let exportToFile = ["export", "--format", "jsonl", "--data-dir", data.path, "--output", file]
    for arguments in [
      ["backup", backup.path, "--data-dir", data.path],
      ["backup", backup.path, "--data-dir", data.path],  // exists
      exportToFile, exportToFile,  // exists
      ["restore", backup.path, "--data-dir", restored.path],
      ["restore", backup.path, "--data-dir", restored.path],  // replaces, keeps the old one
    ] {
      try run(arguments)
    }
    try breakInvariant(in: backup)
    try breakInvariant(in: data)
    try run(["restore", backup.path, "--data-dir", restored.path])  // fails the checks
    try run(["backup", backup.path + "/again.db", "--data-dir", data.path])  // fails the checks
    #expect(printed.filter { $0.contains("failed the store checks") }.count == 2)
    #expect(printed.contains { $0.contains("already exists") })
    for secret in secrets.sorted() {
      #expect(
        !printed.contains { $0.contains(secret) },
        "a command printed a patient value (\(secret.count) characters)")
    }
  }

  /// The error member of a response line, without a conflict's `data.current`.
  static func errorWithoutCurrent(_ line: String) -> String {
    guard let response = try? JSONParser.parse(line) else { return line }
    let errors: [JSONValue] =
      if case .array(let batch) = response { batch.compactMap { $0["error"] } } else {
        [response["error"] ?? .null]
      }
    return errors.map { error -> String in
      guard case .object(var object) = error, case .object(var data)? = object["data"] else {
        return error.description
      }
      _ = data.removeValue(forKey: "current")
      object["data"] = .object(data)
      return JSONValue.object(object).description
    }.joined(separator: "\n")
  }

  static func collectStrings(_ value: JSONValue, into strings: inout Set<String>) {
    switch value {
    case .string(let text): strings.insert(text)
    case .array(let items): for item in items { collectStrings(item, into: &strings) }
    case .object(let object): for member in object { collectStrings(member.value, into: &strings) }
    default: break
    }
  }

  /// Record ids, server timestamps and times of day ("10:00 AM", which error messages give as
  /// an example of the format): not patient values.
  static func isIdentifier(_ text: String) -> Bool {
    text.wholeMatch(of: /[A-Z]{1,3}\d{3,}/) != nil
      || text.wholeMatch(of: /\d{4}-\d\d-\d\dT.*Z/) != nil
      || text.wholeMatch(of: /\d{1,2}:\d\d( [AP]M)?/) != nil
  }

  /// Every enumerated value and property name in the entity schemas ("active", "scheduled", …):
  /// error messages list them, and they say nothing about a patient.
  static func schemaVocabulary() throws -> Set<String> {
    var words = Set<String>()
    let folder = PortalProcess.packageRoot.appendingPathComponent("schema")
    for file in try FileManager.default.contentsOfDirectory(atPath: folder.path)
    where file.hasSuffix(".json") {
      let schema = try JSONParser.parse(
        Array(try Data(contentsOf: folder.appendingPathComponent(file))))
      collectVocabulary(schema, into: &words)
    }
    return words
  }

  private static func collectVocabulary(_ value: JSONValue, into words: inout Set<String>) {
    switch value {
    case .array(let items): for item in items { collectVocabulary(item, into: &words) }
    case .object(let object):
      for member in object {
        words.insert(member.key)
        if member.key == "enum" || member.key == "const" {
          collectStrings(member.value, into: &words)
        }
        collectVocabulary(member.value, into: &words)
      }
    default: break
    }
  }
}
