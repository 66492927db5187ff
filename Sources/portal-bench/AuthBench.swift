import Foundation

/// Issue 13's figures: what staff sign-in, field masks and the audit log cost. Each figure runs
/// the same requests against two copies of one store, one with a staff account (auth on, every
/// read and write audited) and one without (auth off), in the same round; the login's own time
/// is the password hash's cost (Argon2id, 64 MiB, 2 passes).
struct AuthBench {
  let kit: BenchKit
  let binary: String
  let rounds: Int
  let quick: Bool

  private var patients: Int { quick ? 20_000 : 100_000 }
  private var reads: Int { quick ? 40_000 : 200_000 }
  private var durableAdds: Int { quick ? 500 : 2000 }
  private static let password = "bench-password-1"

  func run() throws -> [Figure] {
    let fixture = try Data(contentsOf: kit.patientFixture)
    let plain = kit.workDirectory.appendingPathComponent("auth-off-\(patients)")
    let signed = kit.workDirectory.appendingPathComponent("auth-on-\(patients)")
    progress("building two \(patients)-patient stores, one with staff accounts")
    try StorageBench.buildStore(at: plain, patients: patients, fixture: fixture)
    try StorageBench.buildStore(at: signed, patients: patients, fixture: fixture)
    for (username, role) in [("doctor", "doctor"), ("desk", "frontDesk")] {
      try addStaff(username, role: role, directory: signed)
    }
    // The adds start from copies made now, before the reads grow the signed store's audit log
    // and write-ahead log: both sides begin from the same state.
    let plainTemplate = kit.workDirectory.appendingPathComponent("auth-off-template")
    let signedTemplate = kit.workDirectory.appendingPathComponent("auth-on-template")
    for (source, copy) in [(plain, plainTemplate), (signed, signedTemplate)] {
      try? FileManager.default.removeItem(at: copy)
      try FileManager.default.copyItem(at: source, to: copy)
    }
    let addParams = try StorageBench.clientPatient(from: fixture)
    var samples = Samples()
    for round in 0..<rounds {
      progress("auth round \(round + 1)/\(rounds)")
      let steps: [() throws -> Void] = [
        { samples.add("readOff", try pipelinedReads(plain, login: nil)) },
        { samples.add("readOn", try pipelinedReads(signed, login: "doctor")) },
        { samples.add("readMasked", try pipelinedReads(signed, login: "desk")) },
        {
          samples.add(
            "addOff",
            try durableAddRate(plainTemplate, login: nil, params: addParams, round: round))
        },
        {
          samples.add(
            "addOn",
            try durableAddRate(signedTemplate, login: "doctor", params: addParams, round: round))
        },
        { samples.add("login", try loginMilliseconds(signed)) },
      ]
      for index in steps.indices { try steps[(index + round) % steps.count]() }
    }
    let label = "\(patients / 1000)k"
    return [
      Figure(
        name: "login with a password (Argon2id 64 MiB, 2 passes)", unit: "ms",
        ours: samples["login"], reference: [], referenceName: "", target: .none),
      Figure(
        name: "getPatient pipelined, \(label) patients, doctor, audited", unit: "req/s",
        ours: samples["readOn"], reference: samples["readOff"], referenceName: "auth off",
        target: .ratioAtLeast(0.85)),
      Figure(
        name: "getPatient pipelined, \(label) patients, frontDesk (masked), audited",
        unit: "req/s", ours: samples["readMasked"], reference: samples["readOff"],
        referenceName: "auth off", target: .none),
      Figure(
        name: "addPatient, one in flight, durable, doctor, audited", unit: "req/s",
        ours: samples["addOn"], reference: samples["addOff"], referenceName: "auth off",
        target: .ratioAtLeast(0.95)),
    ]
  }

  private func addStaff(_ username: String, role: String, directory: URL) throws {
    let file = kit.workDirectory.appendingPathComponent("password")
    try Data(Self.password.utf8).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    try Shell.run([
      "sh", "-c", "exec \"$0\" \"$@\" 3<\"\(file.path)\"", binary, "users", "add", username,
      "--role", role, "--password-fd", "3", "--data-dir", directory.path,
    ])
  }

  /// A server on `directory`, initialized and, when `login` names an account, signed in.
  private func session(_ directory: URL, login: String?) throws -> ServerSession {
    let server = try ServerSession([binary, "--data-dir", directory.path])
    server.readTimeout = 120
    try server.call(0, "initialize", #"{"clientInfo":{"name":"portal-bench"}}"#)
    if let login {
      try server.call(
        1, "login",
        #"{"credentials":{"username":"\#(login)","password":"\#(Self.password)"}}"#)
    }
    return server
  }

  /// Pipelined getPatient requests per second (`pipelinedGetPatientRate`).
  private func pipelinedReads(_ directory: URL, login: String?) throws -> Double {
    let server = try session(directory, login: login)
    defer { server.finish() }
    return try pipelinedGetPatientRate(server, reads: reads, patients: patients)
  }

  /// `durableAdds` addPatient requests, each sent when the last was answered (--durability
  /// full: each answer waits for its fsync). Client and server share one core, as the load
  /// driver's ping-pong figures do (`bench/signed_pingpong.py` signs in first).
  private func durableAddRate(_ directory: URL, login: String?, params: String, round: Int) throws
    -> Double
  {
    let copy = kit.workDirectory.appendingPathComponent("adds-\(login ?? "off")-\(round)")
    try? FileManager.default.removeItem(at: copy)
    try FileManager.default.copyItem(at: directory, to: copy)
    defer { try? FileManager.default.removeItem(at: copy) }
    let passwordFile = kit.workDirectory.appendingPathComponent("login-password")
    try Data(Self.password.utf8).write(to: passwordFile)
    defer { try? FileManager.default.removeItem(at: passwordFile) }
    var command = [
      "taskset", "-c", "0", "python3",
      packageRoot.appendingPathComponent("bench/signed_pingpong.py").path, "--n",
      String(durableAdds), "--method", "addPatient", "--params", "[\(params)]",
    ]
    if let login { command += ["--login", login, "--password-file", passwordFile.path] }
    command += ["--", binary, "--data-dir", copy.path]
    let text = try Shell.output(command)
    guard let line = text.split(separator: "\n").last,
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
      let rate = object["msgs_per_sec"] as? Double
    else { throw BenchError.failed("unreadable ping-pong output: \(text.suffix(300))") }
    return rate
  }

  /// The median of a few password sign-ins, in milliseconds.
  private func loginMilliseconds(_ directory: URL) throws -> Double {
    let server = try session(directory, login: nil)
    defer { server.finish() }
    var times: [Double] = []
    for attempt in 0..<5 {
      let (_, seconds) = try server.call(
        10 + attempt, "login",
        #"{"credentials":{"username":"doctor","password":"\#(Self.password)"}}"#)
      times.append(seconds * 1000)
    }
    return median(times)
  }
}
