import Domain
import Foundation
import PortalJSON
import PortalRPC
import Storage

/// Issue 4's figures: reads and writes of PortalRPC over a real store, beside SQLite's own floor
/// (`sqlite_floor.c`) measured in the same round on the same disk.
struct StorageBench {
  let kit: BenchKit
  let binary: String
  let rounds: Int
  let quick: Bool

  private var patients: Int { quick ? 20_000 : 100_000 }
  private var reads: Int { quick ? 40_000 : 200_000 }
  private var durableAdds: Int { quick ? 500 : 2000 }
  private var pipelinedAdds: Int { quick ? 5000 : 20_000 }

  func run() throws -> [Figure] {
    let floorBinary = try kit.compile(
      "sqlite_floor.c", output: "sqlite_floor", libraries: ["-lsqlite3"])
    let pipeFloorBinary = try kit.compile(
      packageRoot.appendingPathComponent("bench/durable_add_floor.c"), output: "durable_add_floor",
      libraries: ["-lsqlite3"])
    let fixture = try Data(contentsOf: kit.patientFixture)
    let storeDirectory = kit.workDirectory.appendingPathComponent("store-\(patients)")
    progress("building a \(patients)-patient store")
    try Self.buildStore(at: storeDirectory, patients: patients, fixture: fixture)
    let addParams = try Self.clientPatient(from: fixture)
    var ours = Samples()
    var floor = Samples()
    for round in 0..<rounds {
      progress("storage round \(round + 1)/\(rounds)")
      let steps: [() throws -> Void] = [
        {
          let directory = kit.workDirectory.appendingPathComponent("floor-\(round)")
          try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
          let text = try Shell.output([floorBinary, directory.path, String(patients)])
          let result =
            try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
          floor.add("read", (result["point_read_per_s"] as? Double) ?? .nan)
          floor.add("insertFull", (result["insert_full_per_s"] as? Double) ?? .nan)
          try? FileManager.default.removeItem(at: directory)
        },
        {
          let summary = try kit.load(
            mode: "pipelined", n: reads, method: "getPatient", params: "[$i]", initialize: true,
            cycle: patients, server: [binary, "--data-dir", storeDirectory.path])
          ours.add("read", (summary["msgs_per_sec"] as? Double) ?? .nan)
        },
        {
          let directory = kit.workDirectory.appendingPathComponent("adds-\(round)")
          // One in flight: client and server pinned to one core, as for the ping-pong figures (a
          // wake-up across cores costs ~40 µs on these VMs, which is the VM, not the server).
          let single = try kit.load(
            mode: "pingpong", n: durableAdds, method: "addPatient", params: "[\(addParams)]",
            initialize: true, pinned: true, server: [binary, "--data-dir", directory.path])
          ours.add("addDurable", (single["msgs_per_sec"] as? Double) ?? .nan)
          let grouped = try kit.load(
            mode: "pipelined", n: pipelinedAdds, method: "addPatient", params: "[\(addParams)]",
            initialize: true, server: [binary, "--data-dir", directory.path])
          ours.add("addPipelined", (grouped["msgs_per_sec"] as? Double) ?? .nan)
          try? FileManager.default.removeItem(at: directory)
        },
        {
          // The same requests to a C server that only makes the two writes (record and change
          // row) and answers: what the pipe and the change log leave of the floor.
          let directory = kit.workDirectory.appendingPathComponent("pipe-floor-\(round)")
          try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
          let single = try kit.load(
            mode: "pingpong", n: durableAdds, method: "addPatient", params: "[\(addParams)]",
            initialize: true, pinned: true, server: [pipeFloorBinary, directory.path])
          floor.add("addOverPipe", (single["msgs_per_sec"] as? Double) ?? .nan)
          try? FileManager.default.removeItem(at: directory)
        },
        {
          ours.add(
            "addInProcess",
            try Self.durableAddsInProcess(
              directory: kit.workDirectory.appendingPathComponent("in-process-\(round)"),
              params: addParams, count: durableAdds))
        },
        {
          var times: [Double] = []
          for _ in 0..<(quick ? 3 : 7) {
            times.append(
              try StartupProbe.measure([binary, "--data-dir", storeDirectory.path]).milliseconds)
          }
          ours.add("open", median(times))
        },
      ]
      for index in steps.indices { try steps[(index + round) % steps.count]() }
    }
    let label = "\(patients / 1000)k"
    return [
      Figure(
        name: "getPatient pipelined, \(label) patients", unit: "req/s", ours: ours["read"],
        reference: floor["read"], referenceName: "SQLite point reads", target: .ratioAtLeast(0.4)),
      Figure(
        name: "addPatient, one in flight, durable (pinned)", unit: "req/s",
        ours: ours["addDurable"], reference: floor["insertFull"],
        referenceName: "SQLite FULL inserts", target: .ratioAtLeast(0.8)),
      Figure(
        name: "addPatient, one in flight, durable (pinned)", unit: "req/s",
        ours: ours["addDurable"], reference: floor["addOverPipe"],
        referenceName: "C server: pipe, record + change row", target: .none),
      Figure(
        name: "(not ours) that C server, one in flight (pinned)", unit: "req/s",
        ours: floor["addOverPipe"], reference: floor["insertFull"],
        referenceName: "SQLite FULL inserts", target: .none),
      Figure(
        name: "addPatient, durable, in process (no pipe)", unit: "req/s",
        ours: ours["addInProcess"], reference: floor["insertFull"],
        referenceName: "SQLite FULL inserts", target: .none),
      Figure(
        name: "addPatient pipelined (group commit)", unit: "req/s", ours: ours["addPipelined"],
        reference: floor["insertFull"], referenceName: "SQLite FULL inserts",
        target: .ratioAtLeast(1.5)),
      Figure(
        name: "open a \(label)-patient store to first response", unit: "ms", ours: ours["open"],
        reference: [], referenceName: "", target: .atMost(100)),
    ]
  }

  /// Durable `addPatient` requests, one at a time, through the server's own request path in this
  /// process: the server's cost without the pipe and the client.
  static func durableAddsInProcess(directory: URL, params: String, count: Int) throws -> Double {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let session = try Session.open(
      configuration: ServerConfiguration(dataDirectory: directory.path))
    let server = Server(session: session, table: PortalInterface().table)
    func send(_ text: String) {
      Array(text.utf8).withUnsafeBufferPointer { server.receive(line: $0) }
      server.runQueued()
      server.session.drainOutput { _ in true }
    }
    send(#"{"jsonrpc":"2.0","id":0,"method":"initialize"}"#)
    let line = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"addPatient\",\"params\":[\(params)]}"
    for _ in 0..<50 { send(line) }
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<count { send(line) }
    return Double(count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
  }

  /// The fixture without the fields the server keeps: what a client sends to addPatient.
  static func clientPatient(from fixture: Data) throws -> String {
    guard case .object(var patient) = try JSONParser.parse(Array(fixture).filter { $0 != 0x0A })
    else {
      throw BenchError.setup("the Patient fixture is not an object")
    }
    for field in EntityKind.patient.fields where !field.isClientWrittenOnAdd {
      patient.removeValue(forKey: field.name)
    }
    return String(decoding: EncodedJSON(patient).bytes, as: UTF8.self)
  }

  /// A store of `patients` copies of the fixture with integer ids 1…n (a valid shape: patient
  /// ids may be integers), written straight through the storage layer in one transaction.
  static func buildStore(at directory: URL, patients: Int, fixture: Data) throws {
    if FileManager.default.fileExists(atPath: directory.appendingPathComponent(Store.fileName).path)
    {
      return
    }
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    guard case .object(var patient) = try JSONParser.parse(Array(fixture).filter { $0 != 0x0A })
    else {
      throw BenchError.setup("the Patient fixture is not an object")
    }
    let store = try Store(
      directory: directory.path, options: Store.Options(synchronousFull: false),
      now: Timestamp("2026-01-31T09:15:00.000Z")!)
    try store.beginWrite()
    for ordinal in 1...patients {
      patient["id"] = JSONValue(ordinal)
      try store.insertPatient(
        id: String(ordinal), ordinal: Int64(ordinal), version: 1, openingBalance: .zero,
        document: EncodedJSON(patient).bytes)
    }
    try store.commit()
  }
}
