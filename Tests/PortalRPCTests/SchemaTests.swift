import Domain
import Foundation
import PortalJSON
import PortalRPC
import Testing

@Suite("schema/ agrees with the code")
struct SchemaTests {
  private let interface = PortalInterface()

  private static var schemaFolder: URL {
    PortalProcess.packageRoot.appendingPathComponent("schema")
  }

  /// Every generated file of schema/, by name.
  private var generated: [(name: String, value: JSONValue)] {
    [("openrpc.json", interface.openRPCDocument)]
      + EntityKind.all.map { ("\($0.name.rawValue).schema.json", $0.jsonSchema) }
  }

  private func committed(_ name: String) throws -> JSONValue {
    try JSONParser.parse(
      Array(try Data(contentsOf: Self.schemaFolder.appendingPathComponent(name))))
  }

  @Test("every file in schema/ is exactly what the code generates")
  func filesAreCurrent() throws {
    if ProcessInfo.processInfo.environment["PORTAL_RECORD"] == "1" {
      for (name, value) in generated {
        try JSONWriter.prettyPrinted(value).write(
          to: Self.schemaFolder.appendingPathComponent(name), atomically: true, encoding: .utf8)
      }
      Issue.record("regenerated schema/; review the diff and run again without PORTAL_RECORD")
      return
    }
    for (name, value) in generated {
      let current = try committed(name).encoded == value.encoded
      #expect(
        current,
        "schema/\(name) is stale: regenerate with PORTAL_RECORD=1 swift test --filter SchemaTests")
    }
  }

  @Test("every method in the table is in the document, and nothing else is")
  func methodsMatch() throws {
    let document = try committed("openrpc.json")
    let documented = document["methods"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
    #expect(documented == interface.table.names)
    for spec in interface.table.specs {
      let entry = document["methods"]?.arrayValue?.first { $0["name"]?.stringValue == spec.name }
      let params = entry?["params"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
      #expect(params == spec.params.map(\.name), "params of \(spec.name)")
    }
  }

  @Test("the protocol's method names, one to one with the seed's DataSyncContextType")
  func seedNames() {
    let expected = [
      "addPatient", "syncPatientData", "deletePatient", "getPatient", "getPatients",
      "addAppointment", "syncAppointmentData", "deleteAppointment", "getAppointment",
      "getAppointments", "getPatientAppointments", "addMessageThread", "syncMessageData",
      "deleteMessageThread", "getMessageThread", "getMessageThreads", "getPatientMessages",
      "addPrescription", "syncPrescriptionData", "deletePrescription", "getPrescription",
      "getPrescriptions", "getPatientPrescriptions", "addDocument", "syncDocumentData",
      "deleteDocument", "getDocument", "getDocuments", "getPatientDocuments", "addCarePlan",
      "syncCarePlanData", "deleteCarePlan", "getCarePlan", "getCarePlans", "getPatientCarePlans",
      "addTransaction", "syncTransactionData", "deleteTransaction", "getTransaction",
      "getTransactions", "getPatientTransactions", "addInsuranceClaim", "syncInsuranceClaimData",
      "deleteInsuranceClaim", "getInsuranceClaim", "getInsuranceClaims",
      "getPatientInsuranceClaims",
    ]
    for name in expected { #expect(interface.table[name] != nil, "\(name) is missing") }
    #expect(
      interface.table["syncMessageData"]?.params.map(\.name) == [
        "threadId", "updates", "expectedVersion",
      ])
    #expect(interface.table["addMessageThread"]?.params.map(\.name) == ["thread"])
    #expect(interface.table["deletePatient"]?.params.map(\.name) == ["patientId", "cascade"])
    #expect(interface.table["syncInsuranceClaimData"]?.params.first?.name == "claimId")
  }

  @Test("rpc.discover over the wire returns the document")
  func discoverOverTheWire() throws {
    let input = Data(#"{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}"#.utf8 + [0x0A])
    let result = try PortalProcess.run(arguments: ["--in-memory"], input: input)
    let response = try JSONParser.parse(Array(result.lines.first?.utf8 ?? "".utf8))
    #expect(response["result"] == interface.openRPCDocument)
  }

  @Test("the document is OpenRPC 1.3.2 and every $ref resolves")
  func structure() throws {
    let document = try committed("openrpc.json")
    #expect(document["openrpc"] == "1.3.2")
    let codes = document["components"]?["errors"]?.objectValue?.members.compactMap {
      $0.value["code"]?.int64Value
    }
    #expect(codes == ErrorCode.all.map { Int64($0.rawValue) })
    var references: [String] = []
    func collect(_ value: JSONValue) {
      switch value {
      case .object(let object):
        if let reference = object["$ref"]?.stringValue { references.append(reference) }
        for member in object { collect(member.value) }
      case .array(let items): items.forEach(collect)
      default: break
      }
    }
    collect(document)
    #expect(!references.isEmpty)
    for reference in references where reference.hasPrefix("#/") {
      var node: JSONValue? = document
      for part in reference.dropFirst(2).split(separator: "/") { node = node?[String(part)] }
      #expect(node != nil, "\(reference) does not resolve")
    }
  }
}
