import Foundation
import Glibc
import PortalJSON
import PortalRPC
import Postgres
import TestSupport
import Testing

/// The replica's plumbing, through the real executable: its flags, the password descriptor, the
/// agent's election among the windows of one data directory, and the status every window answers.
@Suite("Replica processes")
struct ReplicaProcessTests {
  // MARK: The command line

  @Test("a URL holding a password is refused (exit 2) without echoing the URL")
  func passwordInURLIsRefused() throws {
    let data = try temporaryDirectory("replica-flags")
    let urls = [
      "postgresql://alice:s3cretpw@db.example/portal",
      "host=db.example user=alice password=s3cretpw dbname=portal",
      "postgresql://alice@db.example/portal?password=s3cretpw",
    ]
    for url in urls {
      let result = try PortalProcess.run(
        arguments: ["--data-dir", data.path, "--upstream", url], input: Data())
      #expect(result.status == 2)
      #expect(
        result.stderr.contains("PGPASSFILE") && result.stderr.contains("--upstream-password-fd"))
      #expect(!result.stderr.contains("s3cretpw") && !result.stderr.contains("alice"))
      #expect(result.stderr.split(separator: "\n").count == 1)
    }
    let fromEnvironment = try PortalProcess.run(
      arguments: ["--data-dir", data.path], input: Data(),
      environment: ["PORTAL_UPSTREAM": urls[0]])
    #expect(fromEnvironment.status == 2)
    #expect(fromEnvironment.stderr.contains("PORTAL_UPSTREAM holds a password"))
    #expect(!fromEnvironment.stderr.contains("s3cretpw"))
  }

  @Test(
    "the replica's flags are checked, and refused with --in-memory",
    arguments: [
      (["--in-memory", "--upstream", "dbname=portal"], "cannot be used with --in-memory"),
      (["--upstream", "not a conninfo"], "is not a libpq connection URI"),
      (["--retry-attempts", "3"], "--retry-attempts needs --upstream URL"),
      (["--upstream", "dbname=portal", "--realtime", "maybe"], "--realtime must be on or off"),
      (["--upstream", "dbname=portal", "--offline", "1"], "--offline must be on or off"),
      (
        ["--upstream", "dbname=portal", "--retry-base-ms", "5000", "--retry-cap-ms", "1000"],
        "--retry-cap-ms must be at least --retry-base-ms"
      ),
      (["--upstream", "dbname=portal", "--upstream-password-fd", "1"], "descriptor number of 3"),
      (["--upstream", "dbname=portal", "--client-name", ""], "--client-name must be 1 to 63"),
      (["--upstream", "dbname=portal", "--upstream-password-fd", "977"], "cannot be read"),
      (
        ["--check", "--upstream", "dbname=portal", "--realtime", "off"],
        "--check does not take --realtime"
      ),
    ])
  func flagsAreChecked(arguments: [String], message: String) throws {
    let data = try temporaryDirectory("replica-flags")
    let inMemory = arguments.contains("--in-memory")
    let result = try PortalProcess.run(
      arguments: (inMemory ? [] : ["--data-dir", data.path]) + arguments, input: Data())
    #expect(result.status == 2, "\(result.stderr)")
    #expect(result.stderr.contains(message), "\(result.stderr)")
  }

  @Test("the flags reach the configuration, with their defaults")
  func flagsParse() throws {
    let options = try CommandLineOptions.parse([
      "--upstream", "dbname=portal", "--retry-attempts", "5", "--retry-base-ms", "10",
      "--retry-cap-ms", "20", "--realtime", "off", "--offline=off", "--client-name", "desk 1",
    ])
    #expect(options.replica.upstream == "dbname=portal")
    #expect(options.replica.retryAttempts == 5)
    #expect(
      options.replica.retryBaseMilliseconds == 10 && options.replica.retryCapMilliseconds == 20)
    #expect(!options.replica.realtime && !options.replica.offline)
    #expect(options.replica.clientName == "desk 1")
    let defaults = try CommandLineOptions.parse([]).replica
    #expect(defaults.upstream == nil && defaults.retryAttempts == 3)
    #expect(defaults.retryBaseMilliseconds == 1_000 && defaults.retryCapMilliseconds == 300_000)
    #expect(defaults.realtime && defaults.offline && defaults.clientName == nil)
    #expect(CommandLineOptions.helpText.contains("--upstream-password-fd N"))
  }

  // MARK: The agent's election (needs no PostgreSQL: an agent that cannot connect is still one)

  @Test(
    "of two windows exactly one is the agent, and the other takes over within a second of a SIGKILL"
  )
  func oneAgentAndTakeover() throws {
    let data = try temporaryDirectory("replica-election")
    let upstream = "host=\(data.path)/no-server dbname=portal connect_timeout=2"
    let first = try window(data, upstream: upstream)
    let second = try window(data, upstream: upstream)
    defer {
      first.process.terminate()
      second.process.terminate()
    }
    var id = 10
    func isAgent(_ process: PortalProcess) throws -> Bool {
      id += 1
      return try syncStatus(process, id: id)["agent"]?.boolValue ?? false
    }
    // The first window took the lock before the second started.
    #expect(try isAgent(first))
    #expect(try !isAgent(second))
    let status = try syncStatus(second, id: 1)
    #expect(status["mode"] == "replica" && status["online"] == false)
    #expect(try permissions(data.appendingPathComponent("portal.db-agent")) == 0o600)

    kill(first.process.processIdentifier, SIGKILL)
    let killed = ContinuousClock.now
    try awaitCondition(seconds: 5) { try isAgent(second) }
    let takeover = ContinuousClock.now - killed
    #expect(takeover < .seconds(1), "took \(takeover)")

    // A third window is not the agent while the second lives; closing the second's input hands
    // the role on again.
    let third = try window(data, upstream: upstream)
    defer { third.process.terminate() }
    #expect(try !isAgent(third))
    try second.closeInput()
    #expect(try second.finish().status == 0)
    try awaitCondition(seconds: 5) { try isAgent(third) }
    try third.closeInput()
    #expect(try third.finish().status == 0)
  }

  @Test("SIGTERM stops the agent cleanly: exit 0, its last status published")
  func sigtermStopsCleanly() throws {
    let data = try temporaryDirectory("replica-term")
    let process = try window(data, upstream: "host=\(data.path)/no-server dbname=portal")
    defer { process.process.terminate() }
    #expect(try syncStatus(process, id: 1)["agent"] == true)
    let status = data.appendingPathComponent("portal.db-sync")
    try awaitCondition(seconds: 5) { FileManager.default.fileExists(atPath: status.path) }
    #expect(try permissions(status) == 0o600)
    kill(process.process.processIdentifier, SIGTERM)
    #expect(try process.finish(timeout: 10).status == 0)
    let published = try JSONParser.parse(String(contentsOf: status, encoding: .utf8))
    #expect(published["phase"] == "stopped" && published["online"] == false)
  }

  // MARK: Against a real PostgreSQL

  @Test(
    "isOnline follows the cluster; local reads and writes answer all along; sync/status tells",
    .enabled(if: PostgresCluster.testsRun, PostgresCluster.missing))
  func onlineFollowsTheCluster() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let data = try temporaryDirectory("replica-online")
    let process = try window(data, upstream: cluster.connectionString)
    defer { process.process.terminate() }
    var id = 100
    func online() throws -> Bool {
      id += 1
      let line = try process.call("isOnline", id: id)
      return try JSONParser.parse(line)["result"] == true
    }
    try awaitCondition(seconds: 20) { try online() }
    try process.waitUntil { $0.contains { Self.isStatus($0, online: true) } }
    let status = try syncStatus(process, id: 2)
    #expect(status["agent"] == true && status["lastPullAt"]?.stringValue != nil)
    #expect(status["queueDepth"] == 0 && status["rejected"] == 0)

    let added = try process.call("addPatient", id: 3, params: "[\(ManyWindowsTests.patient)]")
    #expect(added.contains("\"result\""))

    // Another window of the directory is not the agent, and answers from the agent's status.
    let other = try window(data, upstream: cluster.connectionString)
    defer { other.process.terminate() }
    let seen = try syncStatus(other, id: 1)
    #expect(seen["agent"] == false && seen["online"] == true && seen["mode"] == "replica")
    #expect(try JSONParser.parse(other.call("isOnline", id: 2))["result"] == true)

    cluster.stop()
    try awaitCondition(seconds: 20) { try !online() }
    try process.waitUntil { $0.contains { Self.isStatus($0, online: false) } }
    let offline = try syncStatus(process, id: 4)
    #expect(offline["lastError"]?.stringValue != nil)
    try other.waitUntil { $0.contains { Self.isStatus($0, online: false) } }
    #expect(try syncStatus(other, id: 3)["lastError"]?.stringValue != nil)
    try other.closeInput()
    #expect(try other.finish().status == 0)
    let read = try process.call("getPatient", id: 5, params: #"["P001"]"#)
    #expect(read.contains("\"John Doe\""))
    let written = try process.call("syncPatientData", id: 6, params: #"["P001",{"name":"Jo Doe"}]"#)
    #expect(written.contains("\"result\""))
    try process.closeInput()
    #expect(try process.finish().status == 0)
  }

  @Test(
    "--upstream-password-fd reaches libpq and never shows, not even at --log-level debug",
    .enabled(if: PostgresCluster.testsRun, PostgresCluster.missing))
  func passwordFromDescriptor() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let password = "fd-only-\(UUID().uuidString.prefix(8))"
    let admin = try cluster.connect()
    try admin.query(
      "CREATE ROLE clerk LOGIN SUPERUSER PASSWORD '\(password)'", deadline: .in(seconds: 10))
    // Only this rule lets clerk in, and it asks for the password.
    let hba = cluster.directory + "/data/pg_hba.conf"
    let rules = try String(contentsOfFile: hba, encoding: .utf8)
    try ("local all clerk scram-sha-256\n" + rules).write(
      toFile: hba, atomically: false, encoding: .utf8)
    try admin.query("SELECT pg_reload_conf()", deadline: .in(seconds: 10))

    let data = try temporaryDirectory("replica-password")
    let passwordFile = data.appendingPathComponent("password").path
    try (password + "\n").write(toFile: passwordFile, atomically: false, encoding: .utf8)
    let upstream = "host=\(cluster.directory) port=\(cluster.port) user=clerk dbname=postgres"
    // The shell opens the file as descriptor 3 of the server it becomes.
    let launcher = ["/bin/sh", "-c", #"exec "$0" "$@" 3<"$PORTAL_TEST_PASSWORD_FILE""#]
    let process = try PortalProcess(
      arguments: [
        "--data-dir", data.appendingPathComponent("ws").path, "--upstream", upstream,
        "--upstream-password-fd", "3", "--client-name", "front-desk", "--log-level", "debug",
      ],
      environment: ["PORTAL_TEST_PASSWORD_FILE": passwordFile], launcher: launcher)
    defer { process.process.terminate() }
    try process.call("initialize", id: 0, params: "{}")
    var id = 0
    try awaitCondition(seconds: 20) {
      id += 1
      return try syncStatus(process, id: id)["online"] == true
    }
    let names = try admin.query(
      "SELECT application_name FROM pg_stat_activity WHERE usename = 'clerk'",
      deadline: .in(seconds: 10))
    #expect(names.rows.map { $0.first ?? nil } == ["front-desk"])

    // Without the password, the same server turns the same user away.
    let refused = try PortalProcess(
      arguments: [
        "--data-dir", data.appendingPathComponent("ws2").path, "--upstream", upstream,
        "--log-level", "debug",
      ])
    defer { refused.process.terminate() }
    try refused.call("initialize", id: 0, params: "{}")
    try awaitCondition(seconds: 20) {
      id += 1
      return try syncStatus(refused, id: id)["lastError"] == "could not connect to the upstream"
    }
    try refused.closeInput()
    _ = try refused.finish()
    try process.closeInput()
    #expect(try process.finish().status == 0)
    #expect(!process.stderrText.contains(password))
    #expect(!process.stderrText.contains("clerk"))
  }

  // MARK: Helpers

  /// A window's process serving `data` as a replica of `upstream`, initialized.
  private func window(_ data: URL, upstream: String) throws -> PortalProcess {
    let process = try PortalProcess(arguments: ["--data-dir", data.path, "--upstream", upstream])
    try process.call("initialize", id: 0, params: "{}")
    return process
  }

  private func syncStatus(_ process: PortalProcess, id: Int) throws -> JSONValue {
    let line = try process.call("getSyncStatus", id: id)
    return try JSONParser.parse(line)["result"] ?? .null
  }

  /// Whether `line` is a `sync/status` notification saying `online`.
  private static func isStatus(_ line: String, online: Bool) -> Bool {
    guard line.contains("\"method\":\"sync/status\""),
      let params = (try? JSONParser.parse(line))?["params"]
    else { return false }
    return params["online"] == .bool(online)
  }

  /// Polls `condition` every 20 ms until it holds; fails the test at the deadline.
  private func awaitCondition(
    seconds: Double, sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () throws -> Bool
  ) throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
      if try condition() { return }
      usleep(20_000)
    }
    Issue.record("not true within \(seconds) s", sourceLocation: sourceLocation)
    throw ReplicaTestTimeout()
  }
}

private struct ReplicaTestTimeout: Error {}
