import Domain
import Foundation
import PortalJSON
import Testing

/// `exportPatient`: a patient's whole chart in one answer.
@Suite("exportPatient")
struct ExportPatientTests {
  @Test("every record of every type that belongs to the patient, as the per-patient lists give it")
  func wholeChart() throws {
    let children = EntityKind.all.filter(\.belongsToPatient)
    var calls: [(String, String)] = []
    for patient in ["P001", "P003"] {
      calls.append(("exportPatient", "[\"\(patient)\"]"))
      calls.append(("getPatient", "[\"\(patient)\"]"))
      calls += children.map { ($0.perPatientMethod!, "{\"patientId\":\"\(patient)\"}") }
    }
    calls.append(("exportPatient", #"{"patientId":"P999"}"#))
    calls.append(("exportPatient", #"[42]"#))
    let result = try PortalProcess.run(
      arguments: ["--in-memory", "--demo"], input: requestLines(calls))
    #expect(result.status == 0)
    let answers = try result.lines.dropFirst().map { try JSONParser.parse($0) }
    #expect(answers.count == calls.count)

    var records = 0
    for offset in [0, children.count + 2] {
      let chart = try #require(answers[offset]["result"]?.objectValue, "\(answers[offset])")
      #expect(chart.keys.sorted() == (["patient"] + children.map(\.pluralName)).sorted())
      #expect(chart["patient"] == answers[offset + 1]["result"])
      for (index, kind) in children.enumerated() {
        #expect(chart[kind.pluralName] == answers[offset + 2 + index]["result"], "\(kind.name)")
        records += chart[kind.pluralName]?.arrayValue?.count ?? 0
      }
    }
    #expect(records > 10, "the demo patients should have records of their own")
    for unknown in answers.suffix(2) {
      #expect(unknown["error"]?["code"] == -32001)
      #expect(unknown["error"]?["data"]?["entityType"] == "patient")
    }
  }
}
