import Domain
import Foundation
import PortalJSON
import Testing

/// The sync methods as a standalone server answers them (`docs/upstream.md`): an empty replica
/// that is never online, whose sync operations and WithAPI updates apply as the direct methods do.
@Suite("Sync methods, standalone")
struct SyncMethodsTests {
  static let arguments = ["--in-memory", "--demo", "--clock", "fixed:2026-01-31T09:15:00.000Z"]

  /// Each call's answer (by id), after `initialize`; notifications are left out.
  static func answers(_ calls: [(String, String)]) throws -> [JSONValue] {
    let result = try PortalProcess.run(arguments: arguments, input: requestLines(calls))
    #expect(result.status == 0)
    let responses = try result.lines.map { try JSONParser.parse($0) }.filter { $0["id"] != nil }
    #expect(responses.count == calls.count + 1)
    return Array(responses.dropFirst())
  }

  /// Every output line after `initialize`, with `from` renamed `to`.
  static func output(_ calls: [(String, String)], renaming from: String = "", to: String = "")
    throws -> [String]
  {
    let result = try PortalProcess.run(arguments: arguments, input: requestLines(calls))
    #expect(result.status == 0)
    let lines = result.lines.dropFirst()
    return from.isEmpty ? Array(lines) : lines.map { $0.replacingOccurrences(of: from, with: to) }
  }

  @Test("isOnline, getSyncStatus, getSyncQueue and processSyncQueue answer as an empty replica")
  func emptyReplica() throws {
    let answers = try Self.answers([
      ("isOnline", "[]"), ("getSyncStatus", "[]"), ("getSyncQueue", "[]"),
      ("getSyncQueue", #"[{"state":"rejected","limit":5,"cursor":"m-9"}]"#),
      ("processSyncQueue", "{}"),
    ])
    #expect(answers[0]["result"] == false)
    #expect(
      answers[1]["result"]
        == [
          "mode": "standalone", "online": false, "agent": false, "queueDepth": 0, "rejected": 0,
          "lastPushAt": .null, "lastPullAt": .null, "cursor": .null, "upstreamSequence": .null,
          "nextRetryAt": .null, "lastError": .null,
        ])
    #expect(answers[2]["result"] == ["items": [], "total": 0])
    #expect(answers[3]["result"] == ["items": [], "total": 0])
    #expect(answers[4]["result"] == ["pushed": 0, "rejected": 0, "remaining": 0])
  }

  @Test("retrySyncOperation and discardSyncOperation find no entry: -32001 for a syncOperation")
  func noEntries() throws {
    let answers = try Self.answers([
      ("retrySyncOperation", #"["m-1"]"#), ("retrySyncOperation", #"["m-1",true]"#),
      ("discardSyncOperation", #"{"mutationId":"m-2"}"#),
    ])
    for (answer, id) in zip(answers, ["m-1", "m-1", "m-2"]) {
      #expect(answer["error"]?["code"] == -32001)
      #expect(answer["error"]?["data"] == ["entityType": "syncOperation", "id": .string(id)])
    }
  }

  @Test("bad params are -32602 at the parameter's path")
  func badParams() throws {
    let cases: [(String, String, [String])] = [
      ("getSyncQueue", #"[{"state":"done"}]"#, ["/query/state"]),
      ("getSyncQueue", #"[{"limit":0,"cursor":7}]"#, ["/query/limit", "/query/cursor"]),
      ("getSyncQueue", #"[{"sort":[]}]"#, ["/query/sort"]),
      ("getSyncQueue", "[5]", ["/query"]),
      ("isOnline", "[1]", ["/0"]),
      ("retrySyncOperation", "[]", ["/mutationId"]),
      ("retrySyncOperation", #"["m-1","yes"]"#, ["/force"]),
      ("discardSyncOperation", "[7]", ["/mutationId"]),
      ("queueSyncOperation", "[]", ["/operation"]),
      ("queueSyncOperation", #"[{"type":"PATCH_PATIENT","data":{}}]"#, ["/operation/type"]),
      (
        "queueSyncOperation", #"[{"type":"UPDATE_PATIENT","entityId":"P001"}]"#, ["/operation/data"]
      ),
      ("queueSyncOperation", #"[{"type":"UPDATE_PATIENT","data":{}}]"#, ["/operation/entityId"]),
      (
        "queueSyncOperation",
        #"[{"type":"CREATE_PATIENT","entityId":"P001","data":{},"sentAt":1}]"#,
        ["/operation/sentAt", "/operation/entityId"]
      ),
      (
        "queueSyncOperation",
        #"[{"type":"DELETE_PATIENT","entityId":"P001","data":{"cascade":1}}]"#,
        ["/operation/data/cascade"]
      ),
      (
        "queueSyncOperation", #"[{"type":"UPDATE_PATIENT","entityId":[],"data":{}}]"#,
        ["/operation/entityId"]
      ),
      ("syncPatientDataWithAPI", #"["P001","name"]"#, ["/updates"]),
      ("syncAppointmentDataWithAPI", #"["x",{}]"#, ["/appointmentId"]),
    ]
    let answers = try Self.answers(cases.map { ($0.0, $0.1) })
    for (answer, expected) in zip(answers, cases) {
      #expect(answer["error"]?["code"] == -32602, "\(expected.0) \(expected.1)")
      let paths = answer["error"]?["data"]?["errors"]?.arrayValue?.compactMap {
        $0["path"]?.stringValue
      }
      #expect(paths == expected.2, "\(expected.0) \(expected.1)")
    }
    let unknownType =
      answers[9]["error"]?["data"]?["errors"]?.arrayValue?.first?["message"]?.stringValue ?? ""
    #expect(SyncTypes.names.allSatisfy(unknownType.contains), "lists every known type")
  }

  @Test("queueSyncOperation changes the record as the direct method does, with its notifications")
  func queueSyncOperationIsTheMethod() throws {
    let subscribe = ("subscribeToUpdates", #"["*"]"#)
    let operations:
      [(type: String, entityId: String?, data: String, method: String, params: String)] = [
        (
          "UPDATE_PATIENT", #""P001""#, #"{"name":"Sarah Miller"}"#, "syncPatientData",
          #"["P001",{"name":"Sarah Miller"}]"#
        ),
        (
          "CREATE_APPOINTMENT", nil,
          #"{"patientId":"P002","doctorName":"Dr. Michael Chen","date":"2026-02-03","time":"10:00","type":"Follow-up"}"#,
          "addAppointment",
          #"[{"patientId":"P002","doctorName":"Dr. Michael Chen","date":"2026-02-03","time":"10:00","type":"Follow-up"}]"#
        ),
        (
          "UPDATE_MESSAGE_THREAD", "1", #"{"status":"read"}"#, "syncMessageData",
          #"[1,{"status":"read"}]"#
        ),
        ("DELETE_DOCUMENT", "1", "{}", "deleteDocument", "[1]"),
        ("UPDATE_PATIENT", #""P404""#, "{}", "syncPatientData", #"["P404",{}]"#),
      ]
    let queued = try Self.output(
      [subscribe]
        + operations.map { operation in
          let id = operation.entityId.map { #","entityId":\#($0)"# } ?? ""
          return (
            "queueSyncOperation",
            #"[{"type":"\#(operation.type)"\#(id),"data":\#(operation.data),"timestamp":"2026-01-31T09:00:00Z"}]"#
          )
        } + [("getPatient", #"["P001"]"#)])
    let direct = try Self.output(
      [subscribe] + operations.map { ($0.method, $0.params) } + [("getPatient", #"["P001"]"#)])
    #expect(queued.count == direct.count)
    #expect(queued.count > operations.count + 4, "the writes should notify the subscription")
    for (queuedLine, directLine) in zip(queued, direct) {
      let queuedValue = try JSONParser.parse(queuedLine)
      let directValue = try JSONParser.parse(directLine)
      if queuedValue["id"] == nil || queuedValue["error"] != nil {
        #expect(queuedValue == directValue)  // notifications, cause.method included; errors
      } else if let result = queuedValue["result"]?["result"] {
        #expect(queuedValue["result"]?["mutationId"] == .null)
        #expect(result == directValue["result"])
      } else {
        #expect(queuedValue == directValue)
      }
    }
    let patient = try JSONParser.parse(try #require(queued.last))
    #expect(patient["result"]?["name"] == "Sarah Miller")
  }

  @Test("each sync<E>DataWithAPI answers exactly as its sync<E>Data")
  func withAPIIsSyncData() throws {
    var calls: [(String, String)] = [("subscribeToUpdates", #"["*"]"#)]
    for kind in EntityKind.all {
      let id = kind.name == .patient ? #""P001""# : "1"
      calls += [
        (kind.syncMethod, "[\(id),{}]"), (kind.syncMethod, "[\(id),{},99]"),
        (kind.syncMethod, "[999999,{}]"), (kind.syncMethod, "[\(id),{\"meta\":7}]"),
      ]
    }
    calls.append(("syncPatientData", #"["P001",{"name":"Sarah Miller"}]"#))
    let direct = try Self.output(calls)
    let viaAPI = try Self.output(
      calls.map { call in call.0.hasPrefix("sync") ? (call.0 + "WithAPI", call.1) : call },
      renaming: "DataWithAPI\"", to: "Data\"")
    #expect(direct.count > calls.count)
    #expect(viaAPI == direct)
  }

  @Test("queueSyncOperation runs inside a transaction; processSyncQueue may not")
  func inTransactions() throws {
    let answers = try Self.answers([
      (
        "transaction",
        #"[[{"method":"queueSyncOperation","params":[{"type":"UPDATE_PATIENT","entityId":"P001","data":{"phone":"555-0100"}}]},{"method":"getPatient","params":["P001"]}]]"#
      ),
      ("transaction", #"[[{"method":"processSyncQueue"}]]"#),
    ])
    #expect(answers[0]["result"]?.arrayValue?.last?["phone"] == "555-0100")
    #expect(answers[0]["result"]?.arrayValue?.first?["result"]?["phone"] == "555-0100")
    #expect(answers[1]["error"]?["code"] == -32602)
  }
}

/// The seed's operation types, as the interface document lists them.
enum SyncTypes {
  static let names: [String] = ["CREATE", "UPDATE", "DELETE"].flatMap { verb in
    [
      "PATIENT", "APPOINTMENT", "MESSAGE_THREAD", "PRESCRIPTION", "DOCUMENT", "CARE_PLAN",
      "TRANSACTION", "INSURANCE_CLAIM",
    ].map { verb + "_" + $0 }
  }
}
