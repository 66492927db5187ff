import Foundation

extension UpstreamBench {
  /// Two workstations of one clinic: B subscribed, idle first (its CPU), then A updates a patient
  /// every 5–20 ms. The latency is from A's response to B's `dataSync/changed` with
  /// `origin: "upstream"` carrying that write's value.
  func propagation(into samples: inout Samples, round: Int) throws {
    let database = "propagation_\(round)"
    try cluster.createDatabase(database)
    let a = try startReplica(try workstation("a-\(round)"), database: database)
    defer { a.finish() }
    try a.call(0, "initialize", "{}")
    let patient = try addPatient(a, id: 1)
    try waitDrained(a)
    let b = try startReplica(try workstation("b-\(round)"), database: database)
    defer { b.finish() }
    try b.call(0, "initialize", "{}")
    try awaitPatients(b, atLeast: 1)  // the agent downloads the clinic when it joins
    try b.call(2, "subscribeToUpdates", #"["*"]"#)
    try waitDrained(b)
    let idleStart = b.cpuMilliseconds()
    Thread.sleep(forTimeInterval: idleSeconds)  // measuring idle cost: nothing to wait for
    samples.add("idleCPU", (b.cpuMilliseconds() - idleStart) / idleSeconds)
    let notification = Array(#"{"jsonrpc":"2.0","method":"dataSync/changed""#.utf8)
    let upstream = Array(#""origin":"upstream""#.utf8)
    var latencies: [Double] = []
    for index in 0..<propagationWrites {
      Thread.sleep(forTimeInterval: Double.random(in: 0.005...0.020))  // spacing between writes
      let phone = "(555) 200-\(1000 + index)"
      try a.send(
        #"{"jsonrpc":"2.0","id":\#(100 + index),"method":"syncPatientData","params":[\#(patient),{"phone":"\#(phone)"}]}"#
      )
      _ = try a.response(100 + index, "syncPatientData")
      let answered = DispatchTime.now().uptimeNanoseconds
      let value = Array(phone.utf8)
      _ = try b.readUntil { line in
        line.starts(with: notification) && Self.contains(line, upstream)
          && Self.contains(line, value)
      }
      let heard = DispatchTime.now().uptimeNanoseconds
      latencies.append(Double(heard > answered ? heard - answered : 0) / 1e6)
    }
    latencies.sort()
    samples.add("propagationP50", latencies[latencies.count / 2])
    samples.add(
      "propagationP99", latencies[min(latencies.count - 1, latencies.count * 99 / 100)])
  }

  static func contains(_ line: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
    guard needle.count <= line.count, let first = needle.first else { return needle.isEmpty }
    var index = line.startIndex
    while index <= line.endIndex - needle.count {
      if line[index] == first, line[index..<(index + needle.count)].elementsEqual(needle) {
        return true
      }
      index += 1
    }
    return false
  }

  /// With the server frozen (SIGSTOP), A queues `drainWrites` pipelined writes (one add in
  /// `drainAddEvery`, the rest updates of 20 patients); then the server resumes, and the time is
  /// until A's queue is empty, checked against PostgreSQL's own count of applied mutations.
  func drain(into samples: inout Samples, round: Int) throws {
    let database = "drain_\(round)"
    try cluster.createDatabase(database)
    let a = try startReplica(try workstation("drain-\(round)"), database: database)
    defer { a.finish() }
    try a.call(0, "initialize", "{}")
    let params = try patientParams
    var patients: [String] = []
    for index in 0..<20 { patients.append(try addPatient(a, id: 1 + index)) }
    try waitDrained(a)  // the pushes also leased the ids the offline adds use
    var lines = ""
    for index in 0..<drainWrites {
      let id = 1000 + index
      if index % drainAddEvery == 0 {
        lines += #"{"jsonrpc":"2.0","id":\#(id),"method":"addPatient","params":[\#(params)]}"#
      } else {
        lines +=
          #"{"jsonrpc":"2.0","id":\#(id),"method":"syncPatientData","params":[\#(patients[index % patients.count]),{"phone":"(555) 300-\#(index)"}]}"#
      }
      lines += "\n"
    }
    try cluster.pause()
    var resumed = false
    defer { if !resumed { try? cluster.resume() } }
    let start = DispatchTime.now().uptimeNanoseconds
    let input = a.inputHandle
    let data = Data(lines.utf8)
    let writer = Thread { try? input.write(contentsOf: data) }
    writer.start()
    let last = Array(#"{"jsonrpc":"2.0","id":\#(1000 + drainWrites - 1),"#.utf8)
    let error = Array(#""error":"#.utf8)
    var errors = 0
    var firstError = ""
    _ = try a.readUntil { line in
      if line.starts(with: Array(#"{"jsonrpc":"2.0","id":"#.utf8)), Self.contains(line, error) {
        errors += 1
        if firstError.isEmpty { firstError = String(decoding: line.prefix(300), as: UTF8.self) }
      }
      return line.starts(with: last)
    }
    guard errors == 0 else {
      throw BenchError.failed("\(errors) queued writes failed, first: \(firstError)")
    }
    samples.add("queued", Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    try cluster.resume()
    resumed = true
    let seconds = try waitDrained(a)
    let applied =
      Int(try cluster.query("SELECT count(*) FROM portal.applied_mutations", database: database))
      ?? 0
    guard applied == 20 + drainWrites else {
      throw BenchError.failed(
        "queue empty but PostgreSQL applied \(applied) of \(20 + drainWrites) writes")
    }
    samples.add("drain", seconds)
    samples.add("drainRate", Double(drainWrites) / seconds)
  }

  /// Once: a store of patients and appointments built straight through the storage layer, then
  /// uploaded by a replica to the empty `download` database (the joining rule for a clinic's
  /// first workstation). Returns the upload's seconds.
  func prepareDownload() throws -> Double {
    let store = kit.workDirectory.appendingPathComponent("upstream-prefilled")
    progress(
      "building a store of \(downloadPatients) patients and \(downloadAppointments) appointments")
    try SyncBench.buildStore(
      at: store, related: 1, others: downloadAppointments - 1,
      fixture: Data(contentsOf: kit.patientFixture))
    try cluster.createDatabase("download")
    progress("uploading it to the empty upstream")
    let start = DispatchTime.now().uptimeNanoseconds
    let first = try startReplica(store.path, database: "download")
    defer { first.finish() }
    first.readTimeout = 600
    try first.call(0, "initialize", "{}")  // answered after the join, the upload
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let count = try cluster.query("SELECT count(*) FROM portal.records", database: "download")
    guard Int(count) == downloadPatients + downloadAppointments else {
      throw BenchError.failed("the upstream holds \(count) records after the upload")
    }
    return seconds
  }

  /// A new, empty workstation: from its start to its first getPatients answer holding every
  /// patient (the download done).
  func download(round: Int) throws -> Double {
    let directory = try workstation("download-\(round)")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let start = DispatchTime.now().uptimeNanoseconds
    let session = try startReplica(directory, database: "download")
    defer { session.finish() }
    try session.call(0, "initialize", "{}")
    try awaitPatients(session, atLeast: downloadPatients)
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
  }

  /// Asks getPatients every 10 ms until the replica holds `count` patients (its agent's
  /// download is one transaction: none, then all); fails after a minute.
  func awaitPatients(_ session: ServerSession, atLeast count: Int) throws {
    let deadline = DispatchTime.now().uptimeNanoseconds + 60_000_000_000
    var id = 1_000_000
    while true {
      id += 1
      let (line, _) = try session.call(id, "getPatients", #"[{"limit":1}]"#)
      let total = (try Self.result(line) as? [String: Any])?["total"] as? Int ?? 0
      if total >= count { return }
      guard DispatchTime.now().uptimeNanoseconds < deadline else {
        throw BenchError.failed("the replica holds \(total) of \(count) patients after a minute")
      }
      usleep(10_000)
    }
  }

  /// Durable writes, one in flight (client and server pinned to one core) and pipelined, on a
  /// replica with its upstream up; `standaloneWrites` runs the same on a standalone store.
  func replicaWrites(into samples: inout Samples, round: Int) throws {
    let database = "writes_\(round)"
    try cluster.createDatabase(database)
    let directory = try workstation("writes-\(round)")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    // Joined, with ids leased and patient P001 (the updates' target), before the loads.
    let first = try startReplica(directory, database: database)
    try first.call(0, "initialize", "{}")
    let patient = try addPatient(first, id: 1)
    try waitDrained(first)
    first.finish()
    guard patient == #""P001""# else {
      throw BenchError.failed("the replica's first patient is \(patient), not P001")
    }
    try writes(into: &samples, directory: directory) { replicaCommand($0, database: database) }
    // The same writes with the upstream frozen: the local write path alone (outbox row, the
    // capture of confirmed state), without the agent's pushes sharing the pinned core.
    try cluster.pause()
    defer { try? cluster.resume() }
    let offline = try kit.load(
      mode: "pingpong", n: writeRequests, method: "syncPatientData",
      params: #"["P001",{"phone":"(555) 600-$i"}]"#, initialize: true, pinned: true,
      server: replicaCommand(directory, database: database))
    samples.add("syncOneOffline", (offline["msgs_per_sec"] as? Double) ?? .nan)
  }

  func standaloneWrites(into samples: inout Samples, round: Int) throws {
    let directory = try workstation("writes-\(round)")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try writes(into: &samples, directory: directory) { [binary, "--data-dir", $0] }
  }

  /// addPatient and syncPatientData one in flight, then syncPatientData pipelined (pipelined
  /// adds would outrun the ids a replica holds leased, by design).
  private func writes(
    into samples: inout Samples, directory: String, server: (String) -> [String]
  ) throws {
    let params = try patientParams
    // Adds stay within one lease of ids (1,000): a replica's agent tops its lease up between
    // pushes, which a sustained burst of adds outruns (-32006), so both sides add 100 + 500.
    let one = try kit.load(
      mode: "pingpong", n: leasedAdds, method: "addPatient", params: "[\(params)]",
      initialize: true, pinned: true, warmup: 100, server: server(directory))
    samples.add("addOne", (one["msgs_per_sec"] as? Double) ?? .nan)
    let sync = try kit.load(
      mode: "pingpong", n: writeRequests, method: "syncPatientData",
      params: #"["P001",{"phone":"(555) 400-$i"}]"#, initialize: true, pinned: true,
      server: server(directory))
    samples.add("syncOne", (sync["msgs_per_sec"] as? Double) ?? .nan)
    let pipelined = try kit.load(
      mode: "pipelined", n: writeRequests * 5, method: "syncPatientData",
      params: #"["P001",{"phone":"(555) 500-$i"}]"#, initialize: true, server: server(directory))
    samples.add("syncPipelined", (pipelined["msgs_per_sec"] as? Double) ?? .nan)
  }
}
