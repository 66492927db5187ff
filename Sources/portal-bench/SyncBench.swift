import Domain
import Foundation
import PortalJSON
import Storage

/// Issue 5's figures: a 10,000-record rename beside SQLite's own cascade (`sqlite_floor.c`, same
/// round, same disk), the same streamed to a subscriber, peer latency and idle cost.
struct SyncBench {
  let kit: BenchKit
  let binary: String
  let rounds: Int
  let quick: Bool

  private var related: Int { 10_000 }
  private var others: Int { quick ? 40_000 : 190_000 }
  private var peerChanges: Int { quick ? 100 : 300 }

  func run() throws -> [Figure] {
    let floorBinary = try kit.compile(
      "sqlite_floor.c", output: "sqlite_floor", libraries: ["-lsqlite3"])
    let store = kit.workDirectory.appendingPathComponent("cascade-store")
    progress(
      "building a store with one patient of \(related) appointments among \(related + others)")
    try Self.buildStore(
      at: store, related: related, others: others, fixture: Data(contentsOf: kit.patientFixture))
    var ours = Samples()
    var floor = Samples()
    /// A name other than the patient's current one, so every rename changes something.
    func newName(_ server: ServerSession) throws -> String {
      let (line, _) = try server.call(9, "getPatient", "[1]")
      return String(decoding: line, as: UTF8.self).contains("Sarah Miller")
        ? "Sarah Johnson" : "Sarah Miller"
    }
    for round in 0..<rounds {
      progress("sync round \(round + 1)/\(rounds)")
      let steps: [() throws -> Void] = [
        {
          let directory = kit.workDirectory.appendingPathComponent("floor-\(round)")
          try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
          let text = try Shell.output([floorBinary, directory.path, "20000"])
          let result =
            try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
          floor.add("cascade", (result["cascade_10k_of_200k_ms"] as? Double) ?? .nan)
          try? FileManager.default.removeItem(at: directory)
        },
        {
          let server = try ServerSession([binary, "--data-dir", store.path])
          defer { server.finish() }
          try server.call(0, "initialize", "{}")
          let name = try newName(server)
          let before = server.memory().resident
          let (_, seconds) = try server.call(
            1, "updatePatientRelatedData", #"[1,{"name":"\#(name)"}]"#)
          ours.add("cascade", seconds * 1000)
          ours.add("cascadeMemory", server.memory().peak - before)
        },
        {
          let server = try ServerSession([binary, "--data-dir", store.path])
          defer { server.finish() }
          try server.call(0, "initialize", "{}")
          try server.call(1, "subscribeToUpdates", #"["*"]"#)
          let name = try newName(server)
          let before = server.memory().resident
          let (_, seconds) = try server.call(
            2, "updatePatientRelatedData", #"[1,{"name":"\#(name)"}]"#)
          let peak = server.memory().peak
          ours.add("streamed", seconds * 1000)
          ours.add("notifications", Double(server.notificationsSeen))
          ours.add("streamMemory", peak - before)
        },
        { try peerLatency(into: &ours, round: round) },
      ]
      for index in steps.indices { try steps[(index + round) % steps.count]() }
    }
    return [
      Figure(
        name: "rename, 10,000 related records, durable", unit: "ms", ours: ours["cascade"],
        reference: floor["cascade"], referenceName: "SQLite cascade (sqlite_floor)",
        target: .ratioAtMost(2)),
      Figure(
        name: "the same, streamed to a subscriber", unit: "ms", ours: ours["streamed"],
        reference: floor["cascade"], referenceName: "SQLite cascade (sqlite_floor)", target: .none),
      Figure(
        name: "notifications received for it", unit: "lines", ours: ours["notifications"],
        reference: [], referenceName: "", target: .none),
      Figure(
        name: "peak memory growth, with the subscriber", unit: "MiB", ours: ours["streamMemory"],
        reference: ours["cascadeMemory"], referenceName: "without", target: .none),
      Figure(
        name: "peer latency p50 (commit in A → line out of B)", unit: "ms", ours: ours["peerP50"],
        reference: [], referenceName: "", target: .none),
      Figure(
        name: "peer latency p99", unit: "ms", ours: ours["peerP99"], reference: [],
        referenceName: "", target: .atMost(100)),
      Figure(
        name: "idle CPU of a subscribed process, per 10 s", unit: "ms", ours: ours["idleCPU"],
        reference: [], referenceName: "", target: .none),
    ]
  }

  /// A commits a change every 5–20 ms; B (subscribed) prints each as a peer notification. The
  /// latency is from A's response (written after its commit) to B's notification line.
  private func peerLatency(into samples: inout Samples, round: Int) throws {
    let directory = kit.workDirectory.appendingPathComponent("peers-\(round)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let a = try ServerSession([binary, "--data-dir", directory.path])
    let b = try ServerSession([binary, "--data-dir", directory.path])
    defer {
      a.finish()
      b.finish()
    }
    try a.call(0, "initialize", "{}")
    try b.call(0, "initialize", "{}")
    try a.call(
      1, "addPatient",
      "[\(try StorageBench.clientPatient(from: Data(contentsOf: kit.patientFixture)))]")
    try b.call(1, "subscribeToUpdates", #"["patient"]"#)
    let idleStart = b.cpuMilliseconds()
    let idleSeconds = quick ? 2.0 : 10.0
    Thread.sleep(forTimeInterval: idleSeconds)  // measuring idle cost: nothing to wait for
    samples.add("idleCPU", (b.cpuMilliseconds() - idleStart) * 10 / idleSeconds)
    var latencies: [Double] = []
    let reader = Thread {}
    _ = reader
    for index in 0..<peerChanges {
      Thread.sleep(forTimeInterval: Double.random(in: 0.005...0.020))  // spacing between commits
      let committed = DispatchTime.now().uptimeNanoseconds
      try a.send(
        #"{"jsonrpc":"2.0","id":\#(100 + index),"method":"syncPatientData","params":["P001",{"phone":"(555) 000-\#(1000 + index)"}]}"#
      )
      let prefix = Array(#"{"jsonrpc":"2.0","id":\#(100 + index),"#.utf8)
      _ = try a.readUntil { $0.starts(with: prefix) }
      let answered = DispatchTime.now().uptimeNanoseconds
      _ = try b.readUntil {
        $0.starts(with: Array(#"{"jsonrpc":"2.0","method":"dataSync/changed""#.utf8))
      }
      let heard = DispatchTime.now().uptimeNanoseconds
      _ = committed
      latencies.append(Double(heard > answered ? heard - answered : 0) / 1e6)
    }
    latencies.sort()
    samples.add("peerP50", latencies[latencies.count / 2])
    samples.add("peerP99", latencies[min(latencies.count - 1, latencies.count * 99 / 100)])
  }

  /// Patient 1 with `related` appointments and `others` appointments spread over other patients,
  /// written straight through the storage layer (the shape sqlite_floor.c uses).
  static func buildStore(at directory: URL, related: Int, others: Int, fixture: Data) throws {
    if FileManager.default.fileExists(atPath: directory.path) { return }
    // Built beside, then moved into place: an interrupted build never looks finished.
    let building = directory.deletingLastPathComponent().appendingPathComponent(
      "building-\(getpid())")
    defer { try? FileManager.default.moveItem(at: building, to: directory) }
    try FileManager.default.createDirectory(at: building, withIntermediateDirectories: true)
    guard case .object(var patient) = try JSONParser.parse(Array(fixture).filter { $0 != 0x0A })
    else {
      throw BenchError.setup("the Patient fixture is not an object")
    }
    let now = Timestamp("2026-01-31T09:15:00.000Z")!
    let store = try Store(
      directory: building.path, options: Store.Options(synchronousFull: false), now: now)
    try store.beginWrite()
    let patients = 20_000
    for ordinal in 1...patients {
      patient["id"] = JSONValue(ordinal)
      try store.insertPatient(
        id: String(ordinal), ordinal: Int64(ordinal), version: 1, openingBalance: .zero,
        document: EncodedJSON(patient).bytes)
    }
    var appointment: JSONObject = try JSONParser.parse(
      #"{"id":0,"patientId":1,"patientName":"Sarah Johnson","doctorId":1,"doctorName":"Dr. Michael Chen","date":"2026-02-20","time":"10:00 AM","durationMinutes":30,"type":"Follow-up","status":"scheduled","location":"Main Clinic, Room 4","notes":"Review blood pressure log and adjust Lisinopril dose if needed; bring glucose meter","meta":{"version":1,"createdAt":"2026-01-15T16:45:09.402Z","updatedAt":"2026-01-15T16:45:09.402Z"}}"#
    ).objectValue!
    for index in 1...(related + others) {
      let owner = index <= related ? 1 : 2 + (index % (patients - 1))
      appointment["id"] = JSONValue(index)
      appointment["patientId"] = JSONValue(owner)
      try store.insert(
        .appointment, id: Int64(index), patientOrdinal: Int64(owner), version: 1,
        document: EncodedJSON(appointment).bytes)
    }
    try store.commit()
  }
}
