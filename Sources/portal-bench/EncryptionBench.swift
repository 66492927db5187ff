import Foundation

/// Issue 14's figures: what encryption at rest (SQLCipher) costs. Each figure runs the same
/// requests against two copies of one store, one plain and one encrypted with `portal-rpc
/// encrypt`, in the same round: pipelined reads, durable adds one in flight, and a rename that
/// rewrites 10,000 related records.
struct EncryptionBench {
  let kit: BenchKit
  let binary: String
  let rounds: Int
  let quick: Bool

  private var patients: Int { quick ? 20_000 : 100_000 }
  private var reads: Int { quick ? 40_000 : 200_000 }
  private var durableAdds: Int { quick ? 500 : 1500 }
  private var others: Int { quick ? 40_000 : 190_000 }

  func run() throws -> [Figure] {
    let fixture = try Data(contentsOf: kit.patientFixture)
    let keyFile = kit.workDirectory.appendingPathComponent("store.key")
    var generator = SystemRandomNumberGenerator()
    let key = (0..<32).map { _ in
      String(format: "%02x", UInt8.random(in: 0...255, using: &generator))
    }
    .joined()
    try Data((key + "\n").utf8).write(to: keyFile)
    chmod(keyFile.path, 0o600)

    let plain = kit.workDirectory.appendingPathComponent("plain-\(patients)")
    let encrypted = kit.workDirectory.appendingPathComponent("encrypted-\(patients)")
    progress("building a \(patients)-patient store and an encrypted copy")
    try StorageBench.buildStore(at: plain, patients: patients, fixture: fixture)
    try copyEncrypted(plain, to: encrypted, keyFile: keyFile)
    let cascadePlain = kit.workDirectory.appendingPathComponent("cascade-plain")
    let cascadeEncrypted = kit.workDirectory.appendingPathComponent("cascade-encrypted")
    progress("building a store with one patient of 10,000 appointments, and an encrypted copy")
    try SyncBench.buildStore(at: cascadePlain, related: 10_000, others: others, fixture: fixture)
    try copyEncrypted(cascadePlain, to: cascadeEncrypted, keyFile: keyFile)

    let keyArguments = ["--key-file", keyFile.path]
    let addParams = try StorageBench.clientPatient(from: fixture)
    var samples = Samples()
    for round in 0..<rounds {
      progress("encryption round \(round + 1)/\(rounds)")
      let steps: [() throws -> Void] = [
        {
          let (cold, warm) = try pipelinedReads(plain, extra: [])
          samples.add("coldPlain", cold)
          samples.add("readPlain", warm)
        },
        {
          let (cold, warm) = try pipelinedReads(encrypted, extra: keyArguments)
          samples.add("coldEncrypted", cold)
          samples.add("readEncrypted", warm)
        },
        {
          samples.add(
            "addPlain", try durableAddRate(plain, extra: [], params: addParams, round: round))
        },
        {
          samples.add(
            "addEncrypted",
            try durableAddRate(encrypted, extra: keyArguments, params: addParams, round: round))
        },
        {
          let (cold, warm) = try rename(cascadePlain, extra: [], round: round)
          samples.add("renamePlain", cold)
          samples.add("renameWarmPlain", warm)
        },
        {
          let (cold, warm) = try rename(cascadeEncrypted, extra: keyArguments, round: round)
          samples.add("renameEncrypted", cold)
          samples.add("renameWarmEncrypted", warm)
        },
      ]
      for index in steps.indices { try steps[(index + round) % steps.count]() }
    }
    let label = "\(patients / 1000)k"
    return [
      Figure(
        name: "getPatient pipelined, \(label) patients, encrypted, first pass after start",
        unit: "req/s", ours: samples["coldEncrypted"], reference: samples["coldPlain"],
        referenceName: "plain", target: .none),
      Figure(
        name: "getPatient pipelined, \(label) patients, encrypted, second pass", unit: "req/s",
        ours: samples["readEncrypted"], reference: samples["readPlain"], referenceName: "plain",
        target: .ratioAtLeast(0.8)),
      Figure(
        name: "addPatient, one in flight, durable, encrypted", unit: "req/s",
        ours: samples["addEncrypted"], reference: samples["addPlain"], referenceName: "plain",
        target: .ratioAtLeast(0.8)),
      Figure(
        name: "rename, 10,000 related records, durable, encrypted", unit: "ms",
        ours: samples["renameEncrypted"], reference: samples["renamePlain"],
        referenceName: "plain", target: .ratioAtMost(1.3)),
      Figure(
        name: "the same renamed back, its pages now in the cache", unit: "ms",
        ours: samples["renameWarmEncrypted"], reference: samples["renameWarmPlain"],
        referenceName: "plain", target: .none),
    ]
  }

  /// A copy of the store in `source`, encrypted by `portal-rpc encrypt` with the key in `keyFile`.
  private func copyEncrypted(_ source: URL, to copy: URL, keyFile: URL) throws {
    try? FileManager.default.removeItem(at: copy)
    try FileManager.default.copyItem(at: source, to: copy)
    try Shell.run([binary, "encrypt", "--data-dir", copy.path, "--key-file", keyFile.path])
  }

  /// Two passes of pipelined reads over every patient, in one server: the first right after
  /// start (every page read from the file: an encrypted one decrypts each), the second once the
  /// page cache holds what a working day's server holds.
  private func pipelinedReads(_ directory: URL, extra: [String]) throws -> (Double, Double) {
    let server = try ServerSession([binary, "--data-dir", directory.path] + extra)
    server.readTimeout = 120
    defer { server.finish() }
    try server.call(0, "initialize", #"{"clientInfo":{"name":"portal-bench"}}"#)
    let cold = try pipelinedGetPatientRate(server, reads: patients, patients: patients)
    let warm = try pipelinedGetPatientRate(server, reads: reads, patients: patients)
    return (cold, warm)
  }

  /// `durableAdds` addPatient requests, each sent when the last was answered (`--durability
  /// full`), on a copy of `directory`; client and server share one core.
  private func durableAddRate(_ directory: URL, extra: [String], params: String, round: Int)
    throws -> Double
  {
    let copy = kit.workDirectory.appendingPathComponent("adds-\(extra.isEmpty ? "plain" : "enc")")
    try? FileManager.default.removeItem(at: copy)
    try FileManager.default.copyItem(at: directory, to: copy)
    defer { try? FileManager.default.removeItem(at: copy) }
    let command =
      [
        "taskset", "-c", "0", "python3",
        packageRoot.appendingPathComponent("bench/signed_pingpong.py").path, "--n",
        String(durableAdds), "--method", "addPatient", "--params", "[\(params)]", "--", binary,
        "--data-dir", copy.path,
      ] + extra
    let text = try Shell.output(command)
    guard let line = text.split(separator: "\n").last,
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
      let rate = object["msgs_per_sec"] as? Double
    else { throw BenchError.failed("unreadable ping-pong output: \(text.suffix(300))") }
    return rate
  }

  /// The times of two durable renames of the patient with 10,000 related records, in ms: the
  /// first right after start (every page read from the file), the second renaming it back.
  private func rename(_ directory: URL, extra: [String], round: Int) throws -> (Double, Double) {
    let server = try ServerSession([binary, "--data-dir", directory.path] + extra)
    server.readTimeout = 120
    defer { server.finish() }
    try server.call(0, "initialize", "{}")
    let (current, _) = try server.call(1, "getPatient", "[1]")
    let names =
      String(decoding: current, as: UTF8.self).contains("Sarah Miller")
      ? ["Sarah Johnson", "Sarah Miller"] : ["Sarah Miller", "Sarah Johnson"]
    let (_, cold) = try server.call(
      2, "updatePatientRelatedData", #"[1,{"name":"\#(names[0])"}]"#)
    let (_, warm) = try server.call(
      3, "updatePatientRelatedData", #"[1,{"name":"\#(names[1])"}]"#)
    return (cold * 1000, warm * 1000)
  }
}
