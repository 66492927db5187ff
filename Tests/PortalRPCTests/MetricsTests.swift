import Foundation
import PortalJSON
import PortalRPC
import TestSupport
import Testing

/// `getMetrics` and the `track*` methods, against the real executable: what is counted, what is
/// refused, what the slow-request line says (and never says), and the flags.
@Suite("Performance monitoring")
struct MetricsTests {
  private func getPatient(_ id: Int, _ patient: String) -> String {
    #"{"jsonrpc":"2.0","id":\#(id),"method":"getPatient","params":["\#(patient)"]}"#
  }

  /// `getMetrics`' result.
  private func metrics(_ process: PortalProcess, id: Int) throws -> JSONValue {
    let line = try process.call("getMetrics", id: id)
    return try #require(try JSONParser.parse(line)["result"], "\(line.prefix(200))")
  }

  /// The result of a call, or the error it answered.
  private func answer(_ process: PortalProcess, _ method: String, id: Int, params: String) throws
    -> JSONValue
  {
    try JSONParser.parse(try process.call(method, id: id, params: params))
  }

  @Test("a method's count is the requests sent, its errors those answered with an error")
  func countsEqualRequestsSent() throws {
    let process = try PortalProcess(arguments: ["--in-memory", "--demo"])
    try process.call("initialize", id: 0, params: "{}")
    // 30 single getPatient lines, 7 of them for a patient that does not exist.
    var id = 0
    for index in 0..<30 {
      id += 1
      let unknown = index % 4 == 0 && index < 28
      try process.send(getPatient(id, unknown ? "P9\(100 + index)" : "P00\(index % 8 + 1)"))
    }
    // A batch of 5, 2 of them unknown; a getPatient notification (run, never answered).
    let batch = [
      getPatient(101, "P001"), getPatient(102, "P998"), getPatient(103, "P002"),
      getPatient(104, "P997"), getPatient(105, "P003"),
      #"{"jsonrpc":"2.0","method":"getPatient","params":["P004"]}"#,
    ]
    try process.send("[" + batch.joined(separator: ",") + "]")
    // Neither a line that is not JSON nor a method that does not exist is a method's request.
    try process.send("{not json")
    try process.send(#"{"jsonrpc":"2.0","id":200,"method":"getPatientt","params":["P001"]}"#)
    for ping in 300..<304 { try process.call("ping", id: ping) }
    try process.call(
      "addPatient", id: 400, params: "[\(ManyWindowsTests.patient)]")

    let first = try metrics(process, id: 500)
    let getPatients = try #require(first["methods"]?["getPatient"])
    #expect(getPatients["count"] == 36)
    #expect(getPatients["errors"] == 9)
    #expect(first["methods"]?["ping"]?["count"] == 4 && first["methods"]?["ping"]?["errors"] == 0)
    #expect(first["methods"]?["initialize"]?["count"] == 1)
    #expect(first["methods"]?["addPatient"]?["count"] == 1)
    #expect(first["methods"]?["getPatientt"] == nil)
    // A request is counted once answered: getMetrics is not in its own answer.
    #expect(first["methods"]?["getMetrics"] == nil)
    #expect(first["methods"]?.objectValue?.count == 4)
    #expect((first["commits"]?["count"]?.int64Value ?? 0) >= 1)
    let p50 = try #require(getPatients["p50"]?.numberValue?.doubleValue)
    let p95 = try #require(getPatients["p95"]?.numberValue?.doubleValue)
    let p99 = try #require(getPatients["p99"]?.numberValue?.doubleValue)
    #expect(0 < p50 && p50 <= p95 && p95 <= p99)
    #expect(first["recording"] == true)

    let second = try metrics(process, id: 501)
    #expect(second["methods"]?["getMetrics"]?["count"] == 1)
    #expect(second["methods"]?["getPatient"]?["count"] == 36)
    try process.closeInput()
    #expect(try process.finish().status == 0)
  }

  @Test("--metrics off records nothing")
  func off() throws {
    let process = try PortalProcess(arguments: ["--in-memory", "--demo", "--metrics", "off"])
    try process.call("initialize", id: 0, params: "{}")
    try process.send(getPatient(1, "P001"))
    try process.call("trackUserAction", id: 2, params: #"["open chart", 12]"#)
    let result = try metrics(process, id: 3)
    #expect(result["recording"] == false)
    #expect(result["methods"] == [:])
    #expect(result["userActions"] == [:])
    #expect(result["commits"]?["count"] == 0)
    try process.closeInput()
    _ = try process.finish()
  }

  @Test("a shell's timings are kept in their own sections, with their errors")
  func trackedTimings() throws {
    let process = try PortalProcess(arguments: ["--in-memory"])
    try process.call("initialize", id: 0, params: "{}")
    var id = 0
    for duration in ["12.5", "20", "40"] {
      id += 1
      #expect(
        try answer(process, "trackUserAction", id: id, params: #"["open chart", \#(duration)]"#)[
          "result"] == .null)
    }
    id += 1
    try process.call("trackApiCall", id: id, params: #"["/api/patients", 30, true]"#)
    id += 1
    try process.call("trackApiCall", id: id, params: #"["/api/patients", 50, false]"#)
    id += 1
    try process.call(
      "trackDataSync", id: id, params: #"{"operation":"syncPatient","duration":0,"success":true}"#)
    // The longest name and the longest duration pass.
    let longest = String(repeating: "é", count: 100)
    id += 1
    #expect(
      try answer(process, "trackUserAction", id: id, params: #"["\#(longest)", 86400000]"#)[
        "result"] == .null)

    let result = try metrics(process, id: 100)
    let actions = try #require(result["userActions"]?["open chart"])
    #expect(actions["count"] == 3 && actions["errors"] == 0)
    let p50 = try #require(actions["p50"]?.numberValue?.doubleValue)
    let p99 = try #require(actions["p99"]?.numberValue?.doubleValue)
    #expect(abs(p50 - 20) <= 0.2 && abs(p99 - 40) <= 0.4, "\(actions)")
    #expect(result["userActions"]?[longest]?["count"] == 1)
    #expect(result["apiCalls"]?["/api/patients"]?["count"] == 2)
    #expect(result["apiCalls"]?["/api/patients"]?["errors"] == 1)
    #expect(result["dataSync"]?["syncPatient"]?["p50"] == 0)
    // The shell's names stay in their sections; the server counted the calls themselves.
    #expect(result["methods"]?["open chart"] == nil)
    #expect(result["methods"]?["trackUserAction"]?["count"] == 4)
    try process.closeInput()
    _ = try process.finish()
  }

  @Test("past 256 names a section folds new names into (other)")
  func boundedNames() throws {
    let process = try PortalProcess(arguments: ["--in-memory"])
    try process.call("initialize", id: 0, params: "{}")
    let calls = (0..<260).map {
      #"{"jsonrpc":"2.0","id":\#($0 + 1),"method":"trackUserAction","params":["action \#($0)",1]}"#
    }
    try process.send("[" + calls.joined(separator: ",") + "]")
    try process.call("trackUserAction", id: 1000, params: #"["action 0", 2]"#)
    let actions = try #require(try metrics(process, id: 1001)["userActions"]?.objectValue)
    #expect(actions.count == 257)
    #expect(actions["(other)"]?["count"] == 4)
    #expect(actions["action 0"]?["count"] == 2)
    #expect(actions["action 255"]?["count"] == 1)
    #expect(actions["action 256"] == nil)
    try process.closeInput()
    _ = try process.finish()
  }

  /// Bad reports: the method, its params, and the parameter the error must name.
  static let refused: [(String, String, String)] = [
    ("trackUserAction", #"["", 1]"#, "/action"),
    ("trackUserAction", #"["\#(String(repeating: "x", count: 101))", 1]"#, "/action"),
    ("trackUserAction", #"["line\nbreak", 1]"#, "/action"),
    ("trackUserAction", #"["right\u202eleft", 1]"#, "/action"),
    ("trackUserAction", #"["ok", -1]"#, "/duration"),
    ("trackUserAction", #"["ok", 86400001]"#, "/duration"),
    ("trackUserAction", #"["ok", 1e400]"#, "/duration"),
    ("trackUserAction", #"["ok", "12"]"#, "/duration"),
    ("trackUserAction", #"["ok"]"#, "/duration"),
    ("trackApiCall", #"["/x", 1, "yes"]"#, "/success"),
    ("trackApiCall", #"[12, 1, true]"#, "/endpoint"),
    (
      "trackDataSync", #"{"operation":"sync\u0000Patient","duration":1,"success":true}"#,
      "/operation"
    ),
  ]

  @Test("bad names and durations are refused with -32602 at the parameter, and nothing is kept")
  func refusedReports() throws {
    let process = try PortalProcess(arguments: ["--in-memory"])
    try process.call("initialize", id: 0, params: "{}")
    for (index, (method, params, path)) in Self.refused.enumerated() {
      let line = try process.call(method, id: index + 1, params: params)
      let error = try JSONParser.parse(line)["error"]
      #expect(error?["code"] == -32602, "\(method) \(params): \(line)")
      #expect(
        error?["data"]?["errors"]?.arrayValue?.map { $0["path"] } == [.string(path)],
        "\(method) \(params): \(line)")
      // The name a shell sent is never repeated in the error.
      for word in ["line", "break", "right", "xxxxxxxx", "Patient"] {
        #expect(!line.contains(word), "\(line)")
      }
    }
    let result = try metrics(process, id: 100)
    for section in ["userActions", "apiCalls", "dataSync"] {
      #expect(result[section] == [:], "\(section): \(result[section] ?? .null)")
    }
    #expect(result["methods"]?["trackUserAction"]?["errors"] == 9)
    try process.closeInput()
    _ = try process.finish()
  }

  @Test("at debug, a slow request's line names its method and duration, never its params or id")
  func slowRequestLine() throws {
    let process = try PortalProcess(arguments: [
      "--in-memory", "--demo", "--log-level", "debug", "--slow-request-ms", "0",
    ])
    try process.call("initialize", id: 0, params: "{}")
    let patient = try JSONParser.parse(
      try process.call("getPatient", id: 424_242, params: #"["P001"]"#))
    let name = try #require(patient["result"]?["name"]?.stringValue)
    try process.call("trackUserAction", id: 7_654_321, params: #"["opened-chart-of-P002", 3]"#)
    try process.closeInput()
    #expect(try process.finish().status == 0)
    let lines = process.stderrText.split(separator: "\n").filter { $0.contains("slow request") }
    let getPatientLine = try #require(lines.first { $0.contains("getPatient") })
    #expect(
      getPatientLine.wholeMatch(of: /portal-rpc debug: slow request: getPatient took \d+\.\d+ ms/)
        != nil, "\(getPatientLine)")
    #expect(lines.contains { $0.contains("slow request: trackUserAction took ") })
    #expect(lines.contains { $0.contains("slow request: initialize took ") })
    for secret in ["P001", "P002", "424242", "7654321", name, "opened-chart"] {
      #expect(!process.stderrText.contains(secret), "stderr holds \(secret)")
    }
  }

  @Test(
    "no slow-request line below the threshold, nor at a level under debug",
    arguments: [
      ["--log-level", "debug", "--slow-request-ms", "60000"],
      ["--log-level", "info", "--slow-request-ms", "0"],
    ])
  func noSlowRequestLine(flags: [String]) throws {
    let process = try PortalProcess(arguments: ["--in-memory", "--demo"] + flags)
    try process.call("initialize", id: 0, params: "{}")
    try process.call("getPatient", id: 1, params: #"["P001"]"#)
    try process.closeInput()
    #expect(try process.finish().status == 0)
    #expect(!process.stderrText.contains("slow request"), "\(process.stderrText)")
  }

  @Test("standalone: no upstream, lags null, the store's size is portal.db and its log")
  func standaloneFigures() throws {
    let data = try temporaryDirectory("metrics-store")
    defer { try? FileManager.default.removeItem(at: data) }
    let process = try PortalProcess(arguments: ["--data-dir", data.path, "--demo"])
    try process.call("initialize", id: 0, params: "{}")
    let result = try metrics(process, id: 1)
    #expect(result["upstream"] == [:])
    #expect(result["queueDepth"] == 0)
    #expect(result["pushLagMs"] == .null && result["pullLagMs"] == .null)
    var expected: Int64 = 0
    for file in ["portal.db", "portal.db-wal"] {
      let path = data.appendingPathComponent(file).path
      let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int
      expected += Int64(size ?? 0)
    }
    #expect(expected > 0)
    #expect(result["storeBytes"]?.int64Value == expected)
    #expect((result["uptimeSeconds"]?.numberValue?.doubleValue ?? -1) >= 0)
    try process.closeInput()
    _ = try process.finish()

    let memory = try PortalProcess(arguments: ["--in-memory"])
    try memory.call("initialize", id: 0, params: "{}")
    #expect(try metrics(memory, id: 1)["storeBytes"] == .null)
    try memory.closeInput()
    _ = try memory.finish()
  }

  @Test("a fixed clock stops the monitor's clock too: every duration and the uptime are 0")
  func fixedClock() throws {
    let process = try PortalProcess(arguments: [
      "--in-memory", "--demo", "--clock", "fixed:2026-01-31T09:15:00.000Z",
    ])
    try process.call("initialize", id: 0, params: "{}")
    try process.call("getPatient", id: 1, params: #"["P001"]"#)
    let result = try metrics(process, id: 2)
    #expect(result["uptimeSeconds"] == 0)
    #expect(
      result["methods"]?["getPatient"] == ["count": 1, "errors": 0, "p50": 0, "p95": 0, "p99": 0])
    try process.closeInput()
    _ = try process.finish()
  }

  @Test("signed in is enough, without a permission, and nothing of it is audited")
  func signedInNotAudited() throws {
    let data = try Staff.clinic("metrics-access", roles: ["billing", "admin"])
    defer { try? FileManager.default.removeItem(at: data) }
    let anonymous = try PortalProcess(arguments: ["--data-dir", data.path])
    try anonymous.call("initialize", id: 0, params: "{}")
    #expect(try answer(anonymous, "getMetrics", id: 1, params: "[]")["error"]?["code"] == -32010)
    try anonymous.closeInput()
    _ = try anonymous.finish()

    let billing = try PortalProcess(arguments: ["--data-dir", data.path])
    try billing.signIn("billing")
    #expect(try answer(billing, "getMetrics", id: 1, params: "[]")["result"] != nil)
    #expect(
      try answer(billing, "trackUserAction", id: 2, params: #"["open", 1]"#)["result"] == .null)
    try billing.call("getPatient", id: 3, params: #"["P001"]"#)

    // The read after them is in the audit log; they, before it, are not.
    let admin = try PortalProcess(arguments: ["--data-dir", data.path])
    try admin.signIn("admin")
    var id = 10
    func events(_ method: String) throws -> [JSONValue] {
      id += 1
      let line = try admin.call("getAuditLog", id: id, params: #"[{"method":"\#(method)"}]"#)
      return try JSONParser.parse(line)["result"]?["events"]?.arrayValue ?? []
    }
    try awaitCondition(seconds: 20) { try !events("getPatient").isEmpty }
    #expect(try events("getMetrics").isEmpty)
    #expect(try events("trackUserAction").isEmpty)
    for window in [billing, admin] {
      try window.closeInput()
      _ = try window.finish()
    }
  }

  @Test("--metrics and --slow-request-ms parse, and bad values are refused")
  func flags() throws {
    let defaults = try CommandLineOptions.parse([])
    #expect(defaults.metrics && defaults.slowRequestMilliseconds == 500)
    let set = try CommandLineOptions.parse(["--metrics", "off", "--slow-request-ms=0"])
    #expect(!set.metrics && set.slowRequestMilliseconds == 0)
    for arguments in [
      ["--metrics", "maybe"], ["--slow-request-ms", "-1"], ["--slow-request-ms", "86400001"],
      ["--slow-request-ms", "ten"], ["backup", "/a", "--metrics", "off"],
    ] {
      #expect(throws: CommandLineOptions.UsageError.self, "\(arguments)") {
        try CommandLineOptions.parse(arguments)
      }
    }
  }

  @Test(
    "a replica times its agent's calls to PostgreSQL, and knows its lags",
    .enabled(if: PostgresCluster.testsRun, PostgresCluster.missing))
  func replicaFigures() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let root = try temporaryDirectory("metrics-replica")
    defer { try? FileManager.default.removeItem(at: root) }
    let desk = try ClinicTests.Workstation("desk", upstream: cluster.connectionString, root: root)
    try desk.awaitReady()
    _ = try desk.addPatientWhenLeased("Metrics Patient")
    // Answered once PostgreSQL applied the write and it was pulled back.
    #expect(try desk.call("processSyncQueue")["remaining"] == 0)
    let result = try desk.call("getMetrics")
    let upstream = try #require(result["upstream"]?.objectValue)
    for call in ["connect", "migrate", "listen", "join", "lease", "register", "push", "pull"] {
      #expect((upstream[call]?["count"]?.int64Value ?? 0) >= 1, "\(call): \(upstream)")
    }
    #expect(upstream["connect"]?["errors"] == 0)
    #expect(result["queueDepth"] == 0)
    #expect(result["pushLagMs"] == 0)
    #expect((result["pullLagMs"]?.int64Value ?? -1) >= 0)
    #expect(try desk.close() == 0)
  }
}
