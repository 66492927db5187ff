import Foundation
import PortalJSON
import Testing

/// Masked fields and unreadable types never leave the server for a role that may not see them:
/// every line the server writes to a window (answers, `dataSync/changed`, the change feed) is
/// scanned while another process changes exactly those fields.
@Suite("Field masks")
struct MaskTests {
  /// What each role must never be shown: strings that may not appear on any line it is sent.
  static let forbidden: [String: [String]] = [
    "frontDesk": [
      "MARKERCOND", "MARKERMED", #""medicalHistory""#, #""entityType":"prescription""#,
      #""entityType":"document""#, #""entityType":"carePlan""#, #""entityType":"transaction""#,
      #""type":"prescription""#, #""type":"document""#, #""type":"carePlan""#,
      #""type":"transaction""#,
    ],
    "billing": [
      "MARKERCOND", "MARKERMED", "MARKERNOTE", #""medicalHistory""#,
      #""entityType":"messageThread""#, #""entityType":"prescription""#,
      #""entityType":"document""#, #""entityType":"carePlan""#, #""type":"prescription""#,
      #""type":"messageThread""#,
    ],
    "nurse": [
      #""outstandingBalance""#, #""billing""#, #""amount""#, #""approvedAmount""#,
      #""paidAmount""#, "777.77", "333.33", #""entityType":"transaction""#,
      #""type":"transaction""#, #""type":"insuranceClaim""#,
    ],
  ]

  /// What each role must be shown, so the scan above cannot pass by seeing nothing.
  static let expected: [String: [String]] = [
    "frontDesk": [#""outstandingBalance""#, #""method":"dataSync/changed""#, "777.77"],
    "billing": [#""outstandingBalance""#, "333.33", #""entityType":"transaction""#],
    "nurse": ["MARKERCOND", "MARKERMED", #""entityType":"prescription""#],
  ]

  @Test("no masked field or unreadable type in any answer or notification of three roles")
  func masksHoldEverywhere() throws {
    let data = try Staff.clinic("masks", roles: ["admin", "frontDesk", "billing", "nurse"])
    var windows: [String: PortalProcess] = [:]
    for role in ["frontDesk", "billing", "nurse"] {
      let window = try PortalProcess(arguments: ["--data-dir", data.path])
      try window.signIn(role)
      try window.call("subscribeToUpdates", id: 1, params: #"["*"]"#)
      windows[role] = window
    }
    let admin = try PortalProcess(arguments: ["--data-dir", data.path])
    try admin.signIn("admin")
    let changes: [(String, String)] = [
      (
        "syncPatientData",
        #"["P001",{"medicalHistory":{"conditions":["MARKERCOND"],"allergies":[],"medications":[]}}]"#
      ),
      ("syncPrescriptionData", #"[1,{"medication":"MARKERMED"}]"#),
      ("syncInsuranceClaimData", #"[1,{"amount":777.77}]"#),
      (
        "addTransaction",
        #"[{"patientId":"P001","type":"payment","amount":333.33,"date":"2026-01-05","method":"credit-card","description":"copay","status":"completed"}]"#
      ),
      ("appendMessage", #"[1,{"from":"doctor","sender":"Dr. Chen","text":"MARKERNOTE"}]"#),
      // Last, a change every role sees: once it is delivered, all before it were considered.
      ("syncPatientData", #"["P002",{"phone":"555-010-3000"}]"#),
    ]
    for (index, change) in changes.enumerated() {
      let line = try admin.call(change.0, id: 10 + index, params: change.1)
      #expect(line.contains(#""result""#), "\(change.0): \(line.prefix(200))")
    }
    let last = try admin.lastSequence(id: 99)
    try admin.closeInput()
    _ = try admin.finish()

    for (role, window) in windows {
      var id = 100
      // Everything of the change feed, every list the role may read, the patient, its lists.
      try window.call("getChangesSince", id: id, params: "[0,1000]")
      for list in [
        "getPatients", "getAppointments", "getMessageThreads", "getPrescriptions",
        "getDocuments", "getCarePlans", "getTransactions", "getInsuranceClaims",
      ] {
        id += 1
        try window.call(list, id: id, params: #"[{"limit":1000}]"#)
      }
      for method in [
        "getPatient", "getPatientAppointments", "getPatientMessages", "getPatientPrescriptions",
        "getPatientTransactions", "getPatientInsuranceClaims", "exportPatient",
      ] {
        id += 1
        try window.call(method, id: id, params: #"["P001"]"#)
      }
      id += 1
      try window.call(
        "transaction", id: id,
        params:
          #"[[{"method":"getPatient","params":["P001"]},{"method":"getInsuranceClaim","params":[1]}]]"#
      )
      if role == "frontDesk" {
        id += 1
        let renamed = try window.call(
          "updatePatientRelatedData", id: id, params: #"["P001",{"name":"Sarah J. Johnson"}]"#)
        #expect(renamed.contains(#""result""#))
        // A patient added without the history the role cannot see gets empty lists.
        var newPatient = try #require(
          try JSONParser.parse(patientJSON(named: "Desk Added")).objectValue)
        newPatient.removeValue(forKey: "medicalHistory")
        id += 1
        let added = try window.call(
          "addPatient", id: id, params: "[\(JSONValue.object(newPatient).description)]")
        #expect(added.contains(#""result""#), "\(added.prefix(200))")
        // A stale write's conflict answers the record as it is now: masked too.
        id += 1
        let stale = try window.call(
          "syncPatientData", id: id, params: #"["P001",{"phone":"555-010-4000"},1]"#)
        #expect(stale.contains("-32003") && stale.contains(#""current""#), "\(stale.prefix(200))")
      }
      // Wait until the window has been told of every change the admin made.
      try window.waitUntil { lines in
        lines.contains {
          $0.contains(#""method":"dataSync/changed""#) && $0.contains(#""sequence":\#(last),"#)
        }
      }
    }
    for (role, window) in windows {
      try window.closeInput()
      let (lines, status) = try window.finish()
      #expect(status == 0)
      for line in lines {
        for secret in Self.forbidden[role]! {
          #expect(!line.contains(secret), "\(role) was sent \(secret): \(line.prefix(300))")
        }
      }
      let text = lines.joined(separator: "\n")
      for shown in Self.expected[role]! {
        #expect(text.contains(shown), "\(role) should have been sent \(shown)")
      }
    }
  }
}
