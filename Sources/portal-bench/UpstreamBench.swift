import Foundation

/// Workstations as replicas of a clinic's PostgreSQL, against a throwaway local cluster the bench
/// starts and stops itself: how fast a write reaches another workstation, how fast a queue
/// drains after the server comes back, how fast a new workstation downloads the clinic, what
/// the replica costs a local write, and what an idle replica costs.
struct UpstreamBench {
  let kit: BenchKit
  let binary: String
  let rounds: Int
  let quick: Bool
  let cluster: BenchCluster

  var propagationWrites: Int { quick ? 50 : 200 }
  var drainWrites: Int { 10_000 }
  /// Every this many queued writes, one is an add (the rest update existing patients): the adds
  /// stay within the ids a replica holds leased while offline.
  var drainAddEvery: Int { 25 }
  var downloadPatients: Int { 20_000 }
  var downloadAppointments: Int { 80_000 }
  var idleSeconds: Double { quick ? 2 : 5 }
  var writeRequests: Int { quick ? 300 : 1000 }
  var leasedAdds: Int { quick ? 300 : 500 }

  /// Starts the cluster, measures, and stops it (also when a step fails).
  static func run(kit: BenchKit, binary: String, rounds: Int, quick: Bool) throws -> [Figure]? {
    guard let binaries = BenchCluster.binaries else {
      print(
        "\n(upstream: skipped, PostgreSQL is not installed: no initdb, pg_ctl, postgres and psql under /usr/lib/postgresql/*/bin, $PORTAL_POSTGRES_BIN or the PATH)"
      )
      return nil
    }
    progress("starting a throwaway PostgreSQL (\(binaries))")
    let cluster = try BenchCluster(binaries: binaries)
    defer { cluster.stop() }
    return try UpstreamBench(
      kit: kit, binary: binary, rounds: rounds, quick: quick, cluster: cluster
    ).run()
  }

  func run() throws -> [Figure] {
    var ours = Samples()
    var standalone = Samples()
    let upload = try prepareDownload()
    for round in 0..<rounds {
      progress("upstream round \(round + 1)/\(rounds)")
      let steps: [() throws -> Void] = [
        { try propagation(into: &ours, round: round) },
        { try drain(into: &ours, round: round) },
        { ours.add("download", try download(round: round)) },
        { try replicaWrites(into: &ours, round: round) },
        { try standaloneWrites(into: &standalone, round: round) },
      ]
      for index in steps.indices { try steps[(index + round) % steps.count]() }
    }
    let records = "\((downloadPatients + downloadAppointments) / 1000)k"
    return [
      Figure(
        name: "write in A → B's dataSync/changed (upstream), p50", unit: "ms",
        ours: ours["propagationP50"], reference: [], referenceName: "", target: .atMost(5)),
      Figure(
        name: "the same, p99 (\(propagationWrites) writes a round)", unit: "ms",
        ours: ours["propagationP99"], reference: [], referenceName: "", target: .atMost(25)),
      Figure(
        name: "\(drainWrites) writes queued on a frozen server, answered in", unit: "s",
        ours: ours["queued"], reference: [], referenceName: "", target: .none),
      Figure(
        name: "drain after resume: queueDepth 0, all in PostgreSQL", unit: "s", ours: ours["drain"],
        reference: [], referenceName: "", target: .atMost(5)),
      Figure(
        name: "  the drain's rate", unit: "writes/s", ours: ours["drainRate"], reference: [],
        referenceName: "", target: .none),
      Figure(
        name: "upload of a \(records)-record store to an empty upstream (setup, once)", unit: "s",
        ours: [upload], reference: [], referenceName: "", target: .none),
      Figure(
        name: "new workstation: start, download \(records) records, first getPatients", unit: "s",
        ours: ours["download"], reference: [], referenceName: "", target: .atMost(3)),
      Figure(
        name: "addPatient, one in flight, durable (pinned), replica", unit: "req/s",
        ours: ours["addOne"], reference: standalone["addOne"], referenceName: "standalone",
        target: .ratioAtLeast(0.9)),
      Figure(
        name: "syncPatientData, one in flight, durable (pinned), replica", unit: "req/s",
        ours: ours["syncOne"], reference: standalone["syncOne"], referenceName: "standalone",
        target: .ratioAtLeast(0.9)),
      Figure(
        name: "  the same, the upstream frozen: the local write path alone", unit: "req/s",
        ours: ours["syncOneOffline"], reference: standalone["syncOne"],
        referenceName: "standalone", target: .ratioAtLeast(0.9)),
      Figure(
        name: "syncPatientData pipelined (group commit), replica", unit: "req/s",
        ours: ours["syncPipelined"], reference: standalone["syncPipelined"],
        referenceName: "standalone", target: .ratioAtLeast(0.9)),
      Figure(
        name: "idle replica, connected and subscribed: CPU over \(Int(idleSeconds)) s",
        unit: "ms/s",
        ours: ours["idleCPU"], reference: [], referenceName: "", target: .atMost(0)),
    ]
  }

  // MARK: Replicas

  /// A fresh data directory for one workstation.
  func workstation(_ name: String) throws -> String {
    let directory = kit.workDirectory.appendingPathComponent("upstream-\(name)")
    try? FileManager.default.removeItem(at: directory)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.path
  }

  func replicaCommand(_ directory: String, database: String) -> [String] {
    [binary, "--data-dir", directory, "--upstream", cluster.upstream(database)]
  }

  /// Starts a replica whose log goes to the work directory's `servers.log`.
  func startReplica(_ directory: String, database: String) throws -> ServerSession {
    let logPath = kit.workDirectory.appendingPathComponent("servers.log").path
    if !FileManager.default.fileExists(atPath: logPath) {
      _ = FileManager.default.createFile(atPath: logPath, contents: nil)
    }
    let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
    try log.seekToEnd()
    let session = try ServerSession(replicaCommand(directory, database: database), log: log)
    try log.close()
    session.readTimeout = 60
    return session
  }

  /// Polls `getSyncStatus` until nothing is queued and the agent is online; the seconds it took.
  @discardableResult
  func waitDrained(_ session: ServerSession, limit: Double = 600) throws -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    var id = 800_000
    while true {
      id += 1
      let (line, _) = try session.call(id, "getSyncStatus", "[]")
      let result = try Self.result(line) as? [String: Any] ?? [:]
      let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      if (result["queueDepth"] as? Int) == 0, (result["online"] as? Bool) == true {
        if (result["rejected"] as? Int ?? 0) > 0 {
          throw BenchError.failed("writes were rejected: \(result)")
        }
        return elapsed
      }
      if elapsed > limit {
        throw BenchError.failed("the queue did not drain within \(Int(limit)) s: \(result)")
      }
      usleep(2000)  // polling the status: nothing else to wait on
    }
  }

  /// Adds a patient; the id it got. A replica that just came online may not have leased its
  /// ids yet (its first push leases them): -32006 is tried again for up to 10 s.
  func addPatient(_ session: ServerSession, id: Int) throws -> String {
    let start = DispatchTime.now().uptimeNanoseconds
    while true {
      do {
        let (line, _) = try session.call(id, "addPatient", "[\(try patientParams)]")
        return Self.literal((try Self.result(line) as? [String: Any])?["id"])
      } catch BenchError.failed(let message)
        where message.contains("-32006")
        && DispatchTime.now().uptimeNanoseconds - start < 10_000_000_000
      {
        usleep(10_000)  // waiting for the agent's first lease: no event to wait on
      }
    }
  }

  /// A response line's `result`.
  static func result(_ line: [UInt8]) throws -> Any? {
    (try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])?["result"]
  }

  /// A JSON literal for a value read back with JSONSerialization (an id: string or number).
  static func literal(_ value: Any?) -> String {
    if let text = value as? String { return "\"\(text)\"" }
    return value.map { "\($0)" } ?? "null"
  }

  var patientParams: String {
    get throws { try StorageBench.clientPatient(from: Data(contentsOf: kit.patientFixture)) }
  }
}
