import Foundation
import Glibc
import PortalJSON
import TestSupport
import Testing

/// Encryption at rest, through the real executable: an encrypted store's files (the database,
/// its write-ahead log and index, everything beside them) hold no patient value at any moment;
/// a wrong, missing or misplaced key is one line and exit 3, with the file untouched; `encrypt`
/// and `rekey` keep every record and survive a kill at any instant; the key never shows in
/// argv, the environment or a log line.
@Suite("Encryption at rest")
struct EncryptionTests {
  /// A new random key, as the 64 hex digits a key file holds.
  static func newKeyHex() -> String {
    var generator = SystemRandomNumberGenerator()
    return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator))
    }
    .joined()
  }

  /// A key file (mode 0600) in `directory` holding a new key; returns its URL and the key.
  static func keyFile(in directory: URL, name: String = "store.key") throws -> (URL, String) {
    let key = newKeyHex()
    let url = directory.appendingPathComponent(name)
    try Data((key + "\n").utf8).write(to: url)
    chmod(url.path, 0o600)
    return (url, key)
  }

  /// Every file in `directory` (the store, `-wal`, `-shm`, the audit head, the bell…) as bytes.
  static func filesIn(_ directory: URL) throws -> [String: Data] {
    var files: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
      files[name] = try Data(contentsOf: directory.appendingPathComponent(name))
    }
    return files
  }

  /// The names of the files in `files` that hold any of `values` (as UTF-8 bytes).
  static func filesHolding(_ values: [String], in files: [String: Data]) -> [String] {
    files.filter { _, bytes in values.contains { bytes.range(of: Data($0.utf8)) != nil } }
      .keys.sorted()
  }

  /// Serves `data` (with `--demo`) and returns the server, still running, and the patient values
  /// it holds (names, emails, phone numbers) that must never be found in the clear.
  static func servedDemo(_ data: URL, extra: [String]) throws -> (PortalProcess, [String]) {
    let server = try PortalProcess(arguments: ["--data-dir", data.path, "--demo"] + extra)
    try server.call("initialize", id: 0, params: "{}")
    let page = try JSONParser.parse(
      try server.call("getPatients", id: 1, params: #"[{"limit":100}]"#))
    var values: [String] = []
    for patient in page["result"]?["items"]?.arrayValue ?? [] {
      for field in ["name", "email", "phone"] {
        if let value = patient[field]?.stringValue { values.append(value) }
      }
    }
    // A rename that cascades into every copy of the name, so the log holds fresh pages.
    let renamed = "Quentin Marchbanks-Oyelaran"
    _ = try server.call(
      "updatePatientRelatedData", id: 2, params: #"["P001",{"name":"\#(renamed)"}]"#)
    values.append(renamed)
    return (server, values)
  }

  @Test("no patient value in the store, its log or anything beside it, during and after serving")
  func noPlaintextOnDisk() throws {
    let root = try temporaryDirectory("encrypted-disk")
    let (keyURL, key) = try Self.keyFile(in: root)
    let data = root.appendingPathComponent("data")
    let (server, values) = try Self.servedDemo(data, extra: ["--key-file", keyURL.path])
    #expect(values.count > 20)
    let live = try Self.filesIn(data)
    #expect(live.keys.contains("portal.db-wal"), "the write-ahead log should exist while serving")
    #expect((live["portal.db-wal"]?.count ?? 0) > 0)
    #expect(Self.filesHolding(values, in: live) == [])
    #expect(Self.filesHolding(["SQLite format 3", key], in: live) == [])
    try server.closeInput()
    #expect(try server.finish().status == 0)
    // Closing checkpoints the log into the store file.
    let closed = try Self.filesIn(data)
    #expect(Self.filesHolding(values, in: closed) == [])
    #expect(Self.filesHolding(["SQLite format 3", key], in: closed) == [])
    #expect(!server.stderrText.contains(key))

    // The same steps on a plain store do leave the values in the clear: the scan can fail.
    let plain = root.appendingPathComponent("plain")
    let (control, plainValues) = try Self.servedDemo(plain, extra: [])
    #expect(!Self.filesHolding(plainValues, in: try Self.filesIn(plain)).isEmpty)
    try control.closeInput()
    _ = try control.finish()
  }

  @Test("a wrong key, no key, a key for a plain store, a truncated file: one line, exit 3")
  func wrongKeys() throws {
    let root = try temporaryDirectory("encrypted-keys")
    let (keyURL, _) = try Self.keyFile(in: root)
    let (otherURL, _) = try Self.keyFile(in: root, name: "other.key")
    let data = root.appendingPathComponent("data")
    let filled = try PortalProcess.run(
      arguments: ["--data-dir", data.path, "--demo", "--key-file", keyURL.path], input: Data())
    #expect(filled.status == 0)
    let file = data.appendingPathComponent("portal.db")
    let before = try Data(contentsOf: file)

    func refused(_ arguments: [String], saying sentence: String) throws {
      for command in [arguments, ["--check"] + arguments] {
        let run = try PortalProcess.run(arguments: command, input: Data())
        #expect(run.status == 3, "\(command)")
        #expect(run.stderr == "portal-rpc: \(sentence)\n", "\(command)")
        #expect(run.lines.isEmpty)
      }
      #expect(try Data(contentsOf: file) == before, "a refused open changed the file")
    }
    try refused(
      ["--data-dir", data.path, "--key-file", otherURL.path],
      saying:
        "the key given does not open \(file.path): it is encrypted with another key, or it is not a PortalRPC store"
    )
    // Without a key the file is indistinguishable from damage: serving refuses it (3); --check
    // counts it as a problem found (1), as it does a damaged file.
    let keyless = try PortalProcess.run(arguments: ["--data-dir", data.path], input: Data())
    #expect(keyless.status == 3)
    #expect(keyless.stderr.contains("is encrypted or damaged"))
    #expect(keyless.stderr.split(separator: "\n").count == 1)
    #expect(try PortalProcess.check(data).status == 1)

    // A plain store given a key.
    let plain = root.appendingPathComponent("plain")
    #expect(
      try PortalProcess.run(arguments: ["--data-dir", plain.path, "--demo"], input: Data()).status
        == 0)
    let plainRun = try PortalProcess.run(
      arguments: ["--data-dir", plain.path, "--key-file", keyURL.path], input: Data())
    #expect(plainRun.status == 3)
    #expect(
      plainRun.stderr
        == "portal-rpc: \(plain.path)/portal.db is not encrypted, but a key was given; encrypt it first with portal-rpc encrypt, or start without a key\n"
    )

    // An encrypted store cut short, with its right key.
    let handle = try FileHandle(forWritingTo: file)
    try handle.truncate(atOffset: UInt64(before.count / 2))
    try handle.close()
    let cut = try Data(contentsOf: file)
    let truncated = try PortalProcess.run(
      arguments: ["--data-dir", data.path, "--key-file", keyURL.path], input: Data())
    #expect(truncated.status == 3)
    #expect(truncated.stderr.hasPrefix("portal-rpc: \(file.path) is damaged"))
    #expect(truncated.stderr.split(separator: "\n").count == 1)
    #expect(try Data(contentsOf: file) == cut)
  }

  @Test("a key file others may read, or that holds no key, is refused without echoing it")
  func badKeyFiles() throws {
    let root = try temporaryDirectory("encrypted-keyfile")
    let (keyURL, key) = try Self.keyFile(in: root)
    chmod(keyURL.path, 0o644)
    let data = root.appendingPathComponent("data")
    let open = try PortalProcess.run(
      arguments: ["--data-dir", data.path, "--key-file", keyURL.path], input: Data())
    #expect(open.status == 3)
    #expect(open.stderr.contains("may be read by other users (mode 644)"))
    #expect(!open.stderr.contains(key))
    let junk = root.appendingPathComponent("junk.key")
    try Data("correct horse battery staple\n".utf8).write(to: junk)
    chmod(junk.path, 0o600)
    let notKey = try PortalProcess.run(
      arguments: ["--data-dir", data.path, "--key-file", junk.path], input: Data())
    #expect(notKey.status == 3)
    #expect(notKey.stderr.contains("does not hold a key"))
    #expect(!notKey.stderr.contains("horse"))
    #expect(!FileManager.default.fileExists(atPath: data.path), "nothing was created")
  }

  @Test("--key-fd: the key comes down a pipe, and never shows in argv, the environment or a log")
  func keyOnDescriptor() throws {
    let root = try temporaryDirectory("encrypted-fd")
    let (keyURL, key) = try Self.keyFile(in: root)
    let data = root.appendingPathComponent("data")
    let server = try PortalProcess(
      arguments: ["--data-dir", data.path, "--demo", "--log-level", "debug", "--key-fd", "3"],
      environment: ["KEY_PATH": keyURL.path],
      launcher: ["/bin/sh", "-c", "exec \"$0\" \"$@\" 3<\"$KEY_PATH\""])
    try server.call("initialize", id: 0, params: "{}")
    let pid = server.process.processIdentifier
    let argv = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))
    #expect(argv.range(of: Data(key.utf8)) == nil)
    // The process keeps same-user peers out of its memory and environment.
    #expect(
      (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))) == nil
        || getuid() == 0)
    _ = try server.call("getPatients", id: 1, params: #"[{"limit":5}]"#)
    try server.closeInput()
    #expect(try server.finish().status == 0)
    #expect(!server.stderrText.contains(key))
    let check = try PortalProcess.run(
      arguments: ["--check", "--data-dir", data.path, "--key-file", keyURL.path], input: Data())
    #expect(check.status == 0)
  }

  @Test("encrypt, then rekey: every record stays, the old key and the plain file are gone")
  func encryptAndRekey() throws {
    let root = try temporaryDirectory("encrypted-rekey")
    let (firstURL, _) = try Self.keyFile(in: root, name: "first.key")
    let (secondURL, _) = try Self.keyFile(in: root, name: "second.key")
    let data = root.appendingPathComponent("data")
    let (server, values) = try Self.servedDemo(data, extra: [])
    try server.closeInput()
    _ = try server.finish()
    let countBefore = try Self.records(data, key: nil)

    let encrypt = try PortalProcess.run(
      arguments: ["encrypt", "--data-dir", data.path, "--key-file", firstURL.path], input: Data())
    #expect(encrypt.status == 0, "\(encrypt.stderr)")
    #expect(Self.filesHolding(values, in: try Self.filesIn(data)) == [])
    #expect(try Self.records(data, key: firstURL) == countBefore)
    let again = try PortalProcess.run(
      arguments: ["encrypt", "--data-dir", data.path, "--key-file", firstURL.path], input: Data())
    #expect(again.status == 2)
    #expect(again.stderr.contains("already encrypted"))

    let rekey = try PortalProcess.run(
      arguments: [
        "rekey", "--data-dir", data.path, "--key-file", firstURL.path, "--new-key-file",
        secondURL.path,
      ], input: Data())
    #expect(rekey.status == 0, "\(rekey.stderr)")
    #expect(try Self.records(data, key: secondURL) == countBefore)
    let old = try PortalProcess.run(
      arguments: ["--check", "--data-dir", data.path, "--key-file", firstURL.path], input: Data())
    #expect(old.status == 3)

    // While a server has the store open, neither runs.
    let serving = try PortalProcess(arguments: [
      "--data-dir", data.path, "--key-file", secondURL.path,
    ])
    try serving.call("initialize", id: 0, params: "{}")
    let busy = try PortalProcess.run(
      arguments: [
        "rekey", "--data-dir", data.path, "--key-file", secondURL.path, "--new-key-file",
        firstURL.path, "--busy-timeout-ms", "100",
      ], input: Data())
    #expect(busy.status == 3)
    #expect(busy.stderr.contains("in use by another process"))
    try serving.closeInput()
    _ = try serving.finish()
  }

  @Test("rekey killed at random instants: the store opens with the old key or the new one")
  func rekeyKilledMidway() throws {
    let root = try temporaryDirectory("encrypted-kill")
    let keys = [
      try Self.keyFile(in: root, name: "a.key").0, try Self.keyFile(in: root, name: "b.key").0,
    ]
    let data = root.appendingPathComponent("data")
    // Enough records that a rekey takes a while: the demo, and more patients in one batch.
    var lines = #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}"# + "\n"
    for index in 0..<3000 {
      lines +=
        #"{"jsonrpc":"2.0","id":\#(index + 1),"method":"addPatient","params":[\#(patientJSON(named: "Kill Test \(index)"))]}"#
        + "\n"
    }
    let filled = try PortalProcess.run(
      arguments: [
        "--data-dir", data.path, "--demo", "--durability", "normal", "--key-file", keys[0].path,
      ],
      input: Data(lines.utf8))
    #expect(filled.status == 0)
    let count = try Self.records(data, key: keys[0])
    #expect(count > 3000)

    // How long one whole rekey takes here, to spread the kills over it.
    var current = 0
    let started = Date()
    #expect(try Self.rekey(data, from: keys[0], to: keys[1]).status == 0)
    let duration = Date().timeIntervalSince(started)
    current = 1
    var generator = SystemRandomNumberGenerator()
    var killed = 0
    for _ in 0..<8 {
      let next = 1 - current
      let process = try PortalProcess(arguments: [
        "rekey", "--data-dir", data.path, "--key-file", keys[current].path, "--new-key-file",
        keys[next].path,
      ])
      try process.closeInput()
      usleep(useconds_t(Double.random(in: 0...(duration * 1.2), using: &generator) * 1_000_000))
      if kill(process.process.processIdentifier, SIGKILL) == 0 { killed += 1 }
      _ = try process.finish()
      let opensOld = try Self.check(data, key: keys[current])
      let opensNew = try Self.check(data, key: keys[next])
      #expect(opensOld != opensNew, "exactly one key must open the store")
      if opensNew { current = next }
      #expect(try Self.records(data, key: keys[current]) == count)
    }
    #expect(killed > 0)
  }

  @Test("backup of an encrypted store is encrypted; users, restore take the key the same way")
  func maintenanceTakesTheKey() throws {
    let root = try temporaryDirectory("encrypted-backup")
    let (keyURL, _) = try Self.keyFile(in: root)
    let data = root.appendingPathComponent("data")
    let (server, values) = try Self.servedDemo(data, extra: ["--key-file", keyURL.path])
    try server.closeInput()
    _ = try server.finish()
    let backup = root.appendingPathComponent("backup.db")
    let made = try PortalProcess.run(
      arguments: ["backup", backup.path, "--data-dir", data.path, "--key-file", keyURL.path],
      input: Data())
    #expect(made.status == 0, "\(made.stderr)")
    let backupBytes = try Data(contentsOf: backup)
    #expect(Self.filesHolding(values + ["SQLite format 3"], in: ["backup": backupBytes]) == [])
    let users = try PortalProcess.run(
      arguments: ["users", "list", "--data-dir", data.path, "--key-file", keyURL.path],
      input: Data())
    #expect(users.status == 0, "\(users.stderr)")
    let restored = try PortalProcess.run(
      arguments: ["restore", backup.path, "--data-dir", data.path, "--key-file", keyURL.path],
      input: Data())
    #expect(restored.status == 0, "\(restored.stderr)")
    #expect(try Self.check(data, key: keyURL))
    let exported = try PortalProcess.run(
      arguments: [
        "export", "--format", "jsonl", "--data-dir", data.path, "--key-file", keyURL.path,
      ],
      input: Data())
    #expect(exported.status == 0)
    #expect(exported.lines.count > 50)
  }

  @Test("encryptObject and encrypt seal with the store's key; a change or another context fails")
  func sealedValues() throws {
    let root = try temporaryDirectory("encrypted-values")
    let (keyURL, _) = try Self.keyFile(in: root)
    let data = root.appendingPathComponent("data")
    let server = try PortalProcess(arguments: ["--data-dir", data.path, "--key-file", keyURL.path])
    try server.call("initialize", id: 0, params: "{}")
    func result(_ line: String) throws -> JSONValue? { try JSONParser.parse(line)["result"] }
    func errorCode(_ line: String) throws -> Int64? {
      try JSONParser.parse(line)["error"]?["code"]?.int64Value
    }
    let value = #"{"theme":"dark","pin":"4711-secret","recent":[1,2,3]}"#
    let sealed = try #require(
      try result(server.call("encryptObject", id: 1, params: "[\(value),\"shell:settings\"]"))?
        .stringValue)
    #expect(sealed.hasPrefix("pv1."))
    #expect(!sealed.contains("4711"))
    let opened = try result(
      server.call("decryptObject", id: 2, params: #"["\#(sealed)","shell:settings"]"#))
    #expect(opened == (try JSONParser.parse(value)))
    // Another context, a changed character, and the string form of the call all refuse it.
    #expect(
      try errorCode(server.call("decryptObject", id: 3, params: #"["\#(sealed)","other"]"#))
        == -32602)
    var changed = Array(sealed)
    changed[10] = changed[10] == "A" ? "B" : "A"
    #expect(
      try errorCode(
        server.call(
          "decryptObject", id: 4, params: #"["\#(String(changed))","shell:settings"]"#))
        == -32602)
    #expect(
      try errorCode(server.call("decrypt", id: 5, params: #"["\#(sealed)","shell:settings"]"#))
        == -32602)
    let text = try #require(
      try result(server.call("encrypt", id: 6, params: #"["a note"]"#))?.stringValue)
    #expect(try result(server.call("decrypt", id: 7, params: #"["\#(text)"]"#)) == "a note")
    try server.closeInput()
    _ = try server.finish()

    // A plain store has no key to seal with.
    let plain = try PortalProcess.run(
      arguments: ["--in-memory"],
      input: requestLines([("encrypt", #"["a note"]"#)]))
    let answer = try #require(plain.lines.last)
    #expect(try errorCode(answer) == -32005)
  }

  @Test(
    "an encrypted replica: its agent, pushes and pulls use the key; nothing in the clear on disk",
    .enabled(if: PostgresCluster.testsRun, PostgresCluster.missing))
  func encryptedReplica() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let root = try temporaryDirectory("encrypted-replica")
    let (keyURL, _) = try Self.keyFile(in: root)
    let a = try ClinicTests.Workstation(
      "enc-a", upstream: cluster.connectionString, root: root,
      extra: ["--key-file", keyURL.path])
    let b = try ClinicTests.Workstation("plain-b", upstream: cluster.connectionString, root: root)
    try a.awaitReady()
    try b.awaitReady()
    let name = "Wilhelmina Encrypted-Replica"
    let added = try a.call("addPatient", "[\(patientJSON(named: name))]")
    let id = try #require(added["id"]?.stringValue)
    // PostgreSQL has it, B pulled it, and A's own copy came back synced.
    try awaitCondition(seconds: 30) {
      (try? b.call("getPatient", "[\"\(id)\"]"))?["name"] == .string(name)
    }
    try awaitCondition(seconds: 30) {
      try a.call("getPatient", "[\"\(id)\"]")["meta"]?["syncState"] == "synced"
    }
    // A write on B arrives on A, through A's keyed agent.
    _ = try b.call("syncPatientData", #"["\#(id)",{"phone":"(555) 010-9999"}]"#)
    try awaitCondition(seconds: 30) {
      try a.call("getPatient", "[\"\(id)\"]")["phone"] == "(555) 010-9999"
    }
    let encryptedFiles = try Self.filesIn(a.directory)
    #expect(Self.filesHolding([name, "(555) 010-9999"], in: encryptedFiles) == [])
    #expect(!Self.filesHolding([name], in: try Self.filesIn(b.directory)).isEmpty)
  }

  // MARK: Helpers

  static func rekey(_ data: URL, from old: URL, to new: URL) throws -> (
    lines: [String], status: Int32, stderr: String
  ) {
    try PortalProcess.run(
      arguments: [
        "rekey", "--data-dir", data.path, "--key-file", old.path, "--new-key-file", new.path,
      ], input: Data())
  }

  /// Whether `--check` with `key` finds the store sound.
  static func check(_ data: URL, key: URL) throws -> Bool {
    try PortalProcess.run(
      arguments: ["--check", "--data-dir", data.path, "--key-file", key.path], input: Data()
    ).status == 0
  }

  /// The number of records `--check` counts (every table but the change log).
  static func records(_ data: URL, key: URL?) throws -> Int {
    let run = try PortalProcess.run(
      arguments: ["--check", "--data-dir", data.path]
        + (key.map { ["--key-file", $0.path] } ?? []),
      input: Data())
    guard run.status == 0, let counts = run.lines.first(where: { $0.hasPrefix("patients ") })
    else { return -1 }
    return counts.split(separator: ",").compactMap { entry -> Int? in
      let parts = entry.split(separator: " ")
      guard parts.count == 2, parts[0] != "changes" else { return nil }
      return Int(parts[1])
    }.reduce(0, +)
  }
}
