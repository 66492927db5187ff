import Foundation
import PortalJSON
import PortalRPC
import Testing

@Suite("schema/ agrees with the code")
struct SchemaTests {
  private let interface = PortalInterface()

  private func committed(_ name: String) throws -> JSONValue {
    let url = PortalProcess.packageRoot.appendingPathComponent("schema").appendingPathComponent(
      name)
    return try JSONParser.parse(Array(try Data(contentsOf: url)))
  }

  @Test("schema/openrpc.json is exactly what rpc.discover serves")
  func openRPCIsCurrent() throws {
    let file = try committed("openrpc.json")
    #expect(
      file.encoded == interface.openRPCDocument.encoded,
      "regenerate with: swift run portal-rpc --openrpc > schema/openrpc.json")
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

  @Test("rpc.discover over the wire returns the document")
  func discoverOverTheWire() throws {
    let input = Data(#"{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}"#.utf8 + [0x0A])
    let result = try PortalProcess.run(arguments: ["--in-memory"], input: input)
    let response = try JSONParser.parse(Array(result.lines.first?.utf8 ?? "".utf8))
    #expect(response["result"] == interface.openRPCDocument)
  }

  @Test("the document is OpenRPC 1.3.2 with the protocol's error codes")
  func structure() throws {
    let document = try committed("openrpc.json")
    #expect(document["openrpc"] == "1.3.2")
    let codes = document["components"]?["errors"]?.objectValue?.members.compactMap {
      $0.value["code"]?.int64Value
    }
    #expect(codes == ErrorCode.all.map { Int64($0.rawValue) })
  }
}
