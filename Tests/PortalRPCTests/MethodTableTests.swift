import PortalJSON
import Testing

@testable import PortalRPC

@Suite("Method table and parameter decoding")
struct MethodTableTests {
  private let params: [Param] = [
    .required("patientId", .stringOrInteger, "a patient"),
    .required("updates", .object, "changes"),
    .optional("expectedVersion", .integer, "version"),
  ]

  private func problems(_ raw: JSONValue?) -> [ParamProblem] {
    do {
      _ = try Arguments.decode(raw, for: params)
      return []
    } catch {
      guard case .array(let errors)? = error.data?["errors"] else { return [] }
      return errors.map {
        ParamProblem(path: $0["path"]?.stringValue ?? "", message: $0["message"]?.stringValue ?? "")
      }
    }
  }

  @Test("positional and named params decode alike")
  func bothForms() throws {
    let byPosition = try Arguments.decode(["P001", ["name": "x"], 3], for: params)
    let byName = try Arguments.decode(
      ["expectedVersion": 3, "updates": ["name": "x"], "patientId": "P001"], for: params)
    for arguments in [byPosition, byName] {
      #expect(arguments.string("patientId") == "P001")
      #expect(arguments.object("updates") == ["name": "x"])
      #expect(arguments.int64("expectedVersion") == 3)
    }
  }

  @Test("null and omitted optional params read alike")
  func nullIsAbsent() throws {
    let arguments = try Arguments.decode(["P001", [:], .null], for: params)
    #expect(arguments["expectedVersion"] == nil)
  }

  @Test("every problem is listed at once, by parameter name")
  func allProblems() {
    #expect(
      problems(["updates": "x", "expectedVersion": .number(JSONNumber("1.5")!), "bogusParam": 1])
        .map(
          \.path)
        == ["/bogusParam", "/patientId", "/updates", "/expectedVersion"])
    #expect(problems(["P001", [:], 1, 4]).map(\.path) == ["/3"])
    #expect(problems([true, [:]]).first?.message == "must be a string or an integer, not boolean")
    #expect(problems(nil).map(\.path) == ["/patientId", "/updates"])
  }

  @Test("near-miss names are suggested")
  func suggestions() {
    let table = PortalInterface().table
    #expect(table.suggestions(for: "PING") == ["ping"])
    #expect(table.suggestions(for: "shutdwon") == ["shutdown"])
    #expect(table.suggestions(for: "initialise") == ["initialize"])
    #expect(table.suggestions(for: "zzzzzzzz").isEmpty)
  }

  @Test("a method's id parameter is one of its own parameters, an id-shaped one")
  func idParameters() {
    let specs = PortalInterface().table.specs
    for spec in specs {
      guard let name = spec.idParameter else { continue }
      #expect(spec.params.contains { $0.name == name }, "\(spec.name): no parameter \(name)")
      #expect(name.hasSuffix("Id"), "\(spec.name): \(name)")
    }
    #expect(specs.first { $0.name == "subscribeToUpdates" }?.idParameter == "entityId")
  }

  @Test("edit distance")
  func distance() {
    #expect(editDistance("ping", "ping", limit: 3) == 0)
    #expect(editDistance("pnig", "ping", limit: 3) == 1)
    #expect(editDistance("kitten", "sitting", limit: 5) == 3)
    #expect(editDistance("a", "abcdefgh", limit: 2) == 3)
  }
}
