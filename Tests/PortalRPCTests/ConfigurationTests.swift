import Foundation
import PortalJSON
import Testing

/// The configuration's layers through the real executable: which layer wins, what the server
/// then runs with, what `portal-rpc config` shows and hides, the profiles, and the one line that
/// names a refused setting and where it came from.
@Suite("Configuration")
struct ConfigurationTests {
  /// A config file holding `json`, with `mode`, in a new directory.
  private func configFile(_ json: String, mode: Int = 0o600) throws -> URL {
    let file = try temporaryDirectory("config").appendingPathComponent("config.json")
    try Data(json.utf8).write(to: file)
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file.path)
    return file
  }

  /// `portal-rpc config --json` and `arguments`, parsed; fails the test unless it exits 0.
  private func effective(_ arguments: [String], environment: [String: String] = [:]) throws
    -> JSONValue
  {
    let result = try PortalProcess.run(
      arguments: ["config", "--json"] + arguments, input: Data(), environment: environment)
    #expect(result.status == 0, "\(result.stderr)")
    return try JSONParser.parse(result.lines.joined(separator: "\n"))
  }

  /// The value and source `config --json` shows for `key`.
  private func setting(_ key: String, in configuration: JSONValue) -> (JSONValue?, String?) {
    let entry = configuration["settings"]?[key]
    return (entry?["value"], entry?["source"]?.stringValue)
  }

  /// Runs the server with `arguments` and no input; returns its status and stderr.
  private func start(_ arguments: [String], environment: [String: String] = [:]) throws
    -> (status: Int32, stderr: String, lines: [String])
  {
    let result = try PortalProcess.run(
      arguments: arguments, input: Data(), environment: environment)
    return (result.status, result.stderr, result.lines)
  }

  // MARK: Layers

  @Test("one setting from each layer: default < profile < file < environment < flag")
  func precedence() throws {
    let file = try configFile(#"{"logLevel": "warn"}"#).path
    let development = ["--profile", "development"]
    let layers: [([String], [String: String], JSONValue, String)] = [
      ([], [:], "info", "default"),
      (development, [:], "debug", "profile development"),
      (development + ["--config", file], [:], "warn", "file \(file)"),
      (
        development + ["--config", file], ["PORTAL_LOG_LEVEL": "error"], "error",
        "env PORTAL_LOG_LEVEL"
      ),
      (
        development + ["--config", file, "--log-level", "info"], ["PORTAL_LOG_LEVEL": "error"],
        "info", "flag --log-level"
      ),
    ]
    for (arguments, environment, value, source) in layers {
      let shown = setting("logLevel", in: try effective(arguments, environment: environment))
      #expect(shown.0 == value && shown.1 == source, "\(arguments) \(environment)")
    }
  }

  @Test("what the layers give is what the server runs with")
  func reachesTheServer() throws {
    let input = requestLines([])
    let development = try PortalProcess.run(
      arguments: ["--profile", "development", "--in-memory"], input: input)
    #expect(development.status == 0)
    #expect(development.stderr.contains("portal-rpc debug: serving"))
    let quieter = try PortalProcess.run(
      arguments: ["--in-memory"], input: input,
      environment: ["PORTAL_PROFILE": "development", "PORTAL_LOG_LEVEL": "info"])
    #expect(quieter.status == 0)
    #expect(!quieter.stderr.contains("debug"))
    let data = try temporaryDirectory("config-data").appendingPathComponent("from-file")
    let file = try configFile(#"{"dataDir": "\#(data.path)"}"#)
    let served = try PortalProcess.run(
      arguments: ["--config", file.path], input: requestLines([]))
    #expect(served.lines.first?.contains("\"dataDir\":\"\(data.path)\"") == true)
  }

  @Test("the key's source replaces a lower layer's; one layer cannot give both")
  func keySources() throws {
    let file = try configFile(#"{"keyFile": "/etc/portal/store.key"}"#)
    let replaced = try effective(["--config", file.path, "--key-fd", "4"])
    #expect(setting("keyFd", in: replaced).0 == 4)
    #expect(setting("keyFile", in: replaced).0 == .null)
    #expect(setting("keyFile", in: replaced).1 == "default")
    let both = try start(["config", "--key-fd", "4", "--key-file", "/k"])
    #expect(both.status == 2)
    #expect(both.stderr.contains("--key-fd and --key-file cannot be used together"))
  }

  // MARK: portal-rpc config

  @Test("config --json parses and shows every setting once, with its value and source")
  func json() throws {
    let shown = try effective([])
    let settings = try #require(shown["settings"]?.objectValue)
    #expect(settings.count >= 20)
    for member in settings {
      #expect(member.value["source"]?.stringValue != nil, "\(member.key)")
      #expect(member.value.objectValue?.contains("value") == true, "\(member.key)")
    }
    #expect(setting("durability", in: shown).0 == "full")
    #expect(setting("realtime", in: shown).0 == true)
    #expect(shown["profile"]?["value"] == .null)
    #expect(shown["configFile"]?["found"] == false)
  }

  @Test("the text form is one aligned line per setting: key, value, source")
  func text() throws {
    let result = try PortalProcess.run(
      arguments: ["config", "--durability", "normal"], input: Data(),
      environment: ["PORTAL_AUTH": "required"])
    #expect(result.status == 0)
    let durability = try #require(result.lines.first { $0.hasPrefix("durability ") })
    #expect(
      durability.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        == ["durability", "normal", "flag", "--durability"])
    #expect(result.lines.contains { $0.hasPrefix("auth ") && $0.hasSuffix("env PORTAL_AUTH") })
    // The values start in one column, whatever the length of the key before them.
    let valueColumns = Set(
      result.lines.map { line in
        line.count - line.drop { $0 != " " }.drop { $0 == " " }.count
      })
    #expect(valueColumns.count == 1)
  }

  @Test("the key file's path and the upstream are shown as <redacted>, in both forms")
  func redaction() throws {
    let file = try configFile(
      #"{"keyFile": "/secret/key-7f3a", "upstream": "postgresql://alice@db.example/portal"}"#)
    let text = try PortalProcess.run(
      arguments: ["config", "--config", file.path], input: Data())
    #expect(text.status == 0)
    let output = text.lines.joined(separator: "\n")
    for hidden in ["key-7f3a", "alice", "db.example"] { #expect(!output.contains(hidden)) }
    #expect(text.lines.contains { $0.hasPrefix("keyFile ") && $0.contains("<redacted>") })
    #expect(text.lines.contains { $0.hasPrefix("upstream ") && $0.contains("<redacted>") })
    let json = try effective(["--config", file.path])
    #expect(setting("keyFile", in: json).0 == "<redacted>")
    #expect(setting("keyFile", in: json).1 == "file \(file.path)")
    #expect(setting("upstream", in: json).0 == "<redacted>")
    let fromEnvironment = try effective([], environment: ["PORTAL_KEY_FILE": "/secret/key-7f3a"])
    #expect(setting("keyFile", in: fromEnvironment).0 == "<redacted>")
    #expect(setting("keyFile", in: fromEnvironment).1 == "env PORTAL_KEY_FILE")
  }

  // MARK: Refusals

  @Test(
    "a bad value or unknown key is refused at start (exit 2), naming the setting and its source",
    arguments: [
      (
        #"{"durability": "sometimes"}"#, [:], [],
        "durability from config file {file} must be full or normal"
      ),
      (
        nil, ["PORTAL_DURABILITY": "sometimes"], [],
        "durability from PORTAL_DURABILITY must be full or normal"
      ),
      (nil, [:], ["--durability", "sometimes"], "--durability must be full or normal"),
      (
        #"{"durabilty": "full"}"#, [:], [],
        #"config file {file}: unknown key "durabilty" (did you mean durability?)"#
      ),
      (
        #"{"apiUrl": "x"}"#, [:], [],
        #"config file {file}: unknown key "apiUrl" (did you mean upstream?)"#
      ),
      (#"{"realtime": "on"}"#, [:], [], "realtime from config file {file} must be true or false"),
      (nil, ["PORTAL_REALTIME": "true"], [], "realtime from PORTAL_REALTIME must be on or off"),
      (
        #"{"retryAttempts": "3"}"#, [:], [],
        "retryAttempts from config file {file} must be a number"
      ),
      (
        #"{"retryAttempts": 0}"#, [:], [],
        "retryAttempts from config file {file} must be a whole number from 1 to 100"
      ),
      (
        #"{"dataDir": "relative/dir"}"#, [:], [],
        "dataDir from config file {file} must be an absolute path"
      ),
      (
        #"{"keyFd": 3}"#, [:], [],
        "config file {file}: keyFd cannot be set in a config file; it is given only as the flag --key-fd"
      ),
      (
        #"{"profile": "staging"}"#, [:], [],
        #"profile from config file {file} must be "production" or "development""#
      ),
      (
        nil, ["PORTAL_PROFILE": "staging"], [],
        "profile from PORTAL_PROFILE must be production or development"
      ),
      (nil, [:], ["--profile", "staging"], "--profile must be production or development"),
      // A lower layer's mistake is refused even when a higher layer gives the value.
      (
        #"{"profile": "staging"}"#, [:], ["--profile", "development"],
        #"profile from config file {file} must be "production" or "development""#
      ),
      (
        nil, ["PORTAL_DURABILITY": "sometimes"], ["--durability", "full"],
        "durability from PORTAL_DURABILITY must be full or normal"
      ),
      (
        nil, ["PORTAL_IDLE_TIMEOUT": "forever"], [],
        "idleTimeout from PORTAL_IDLE_TIMEOUT must be a duration from 1s to 24h, e.g. 900s, 15m or 1h"
      ),
      (
        nil, ["PORTAL_CLIENT_NAME": "desk\u{7}"], [],
        "clientName from PORTAL_CLIENT_NAME must be 1 to 63 printable ASCII characters"
      ),
      (
        nil, ["PORTAL_RETRY_BASE_MS": "5000", "PORTAL_UPSTREAM": "dbname=portal"],
        ["--retry-cap-ms", "1000"],
        "--retry-cap-ms must be at least retryBaseMs from PORTAL_RETRY_BASE_MS"
      ),
      (
        nil, ["PORTAL_UPSTREAM": "dbname=portal"], ["--in-memory"],
        "upstream from PORTAL_UPSTREAM cannot be used with --in-memory"
      ),
      (
        #"{"upstream": "nonsense"}"#, [:], [],
        "upstream from config file {file} is not a libpq connection URI"
      ),
    ] as [(String?, [String: String], [String], String)])
  func refused(file: String?, environment: [String: String], arguments: [String], message: String)
    throws
  {
    let config = try file.map { try configFile($0) }
    let data = try temporaryDirectory("config-refused").appendingPathComponent("data")
    let where_ = arguments.contains("--in-memory") ? [] : ["--data-dir", data.path]
    let result = try start(
      where_ + arguments + (config.map { ["--config", $0.path] } ?? []),
      environment: environment)
    let expected = message.replacingOccurrences(of: "{file}", with: config?.path ?? "")
    #expect(result.status == 2, "\(result.stderr)")
    #expect(result.lines.isEmpty)
    #expect(result.stderr.hasPrefix("portal-rpc: \(expected)"), "\(result.stderr)")
    #expect(result.stderr.split(separator: "\n").count == 1)
    #expect(!FileManager.default.fileExists(atPath: data.path), "nothing is created")
  }

  @Test("a PORTAL_ variable that looks like a setting's is refused; the test suite's are not")
  func unknownVariables() throws {
    let cases = [
      (
        "PORTAL_DURABILTY",
        "unknown environment variable PORTAL_DURABILTY (did you mean PORTAL_DURABILITY?)"
      ),
      ("PORTAL_AUTO", "unknown environment variable PORTAL_AUTO (did you mean PORTAL_AUTH?)"),
      ("PORTAL_KEY_FD", "PORTAL_KEY_FD is not read: keyFd is given only as the flag --key-fd"),
      (
        "PORTAL_IN_MEMORY",
        "PORTAL_IN_MEMORY is not read: inMemory is given only as the flag --in-memory"
      ),
      (
        "PORTAL_ENCRYPTION_KEY",
        "PORTAL_ENCRYPTION_KEY is refused: a key or password is never read from the environment"
      ),
    ]
    for (name, message) in cases {
      let result = try start(["config"], environment: [name: "k3y-value"])
      #expect(result.status == 2, "\(name)")
      #expect(result.stderr.hasPrefix("portal-rpc: \(message)"), "\(result.stderr)")
      #expect(!result.stderr.contains("k3y-value"))
    }
    // The variables the test suite, the benchmark and the example clients use are not settings.
    let others = [
      "PORTAL_RECORD", "PORTAL_RPC", "PORTAL_RPC_EXECUTABLE", "PORTAL_CRASH_KILLS",
      "PORTAL_CRASH_SEED", "PORTAL_FUZZ_ITERATIONS", "PORTAL_FUZZ_SEED", "PORTAL_PROPERTY_CASES",
      "PORTAL_PROPERTY_SEED", "PORTAL_TWO_WRITERS_WRITES", "PORTAL_CHANGE_LOG_ROWS",
      "PORTAL_CLINIC_SEED", "PORTAL_CLINIC_OPERATIONS", "PORTAL_BACKOFF_SEED",
      "PORTAL_POSTGRES_BIN", "PORTAL_TEST_PASSWORD_FILE", "PORTAL_BENCH_KIT",
    ]
    let result = try start(
      ["config"], environment: Dictionary(uniqueKeysWithValues: others.map { ($0, "1") }))
    #expect(result.status == 0, "\(result.stderr)")
  }

  // MARK: Profiles

  @Test("production refuses to start without a key, with auth off, or in memory")
  func productionRefusals() throws {
    let data = try temporaryDirectory("config-production").appendingPathComponent("data").path
    let noKey = try start(["--profile", "production", "--data-dir", data])
    #expect(noKey.status == 2)
    #expect(
      noKey.stderr
        == "portal-rpc: the production profile (from --profile) needs the store's key: give --key-fd N or --key-file PATH (or keyFile in the config file, or PORTAL_KEY_FILE). Run 'portal-rpc --help' for usage.\n"
    )
    let authOff = try start(
      ["--key-file", "/k", "--auth", "off", "--data-dir", data],
      environment: ["PORTAL_PROFILE": "production"])
    #expect(authOff.status == 2)
    #expect(
      authOff.stderr.hasPrefix(
        "portal-rpc: the production profile (from PORTAL_PROFILE) refuses auth off (from --auth)"))
    let file = try configFile(#"{"profile": "production", "keyFile": "/k"}"#)
    let authOffFromEnvironment = try start(
      ["--config", file.path, "--data-dir", data], environment: ["PORTAL_AUTH": "off"])
    #expect(authOffFromEnvironment.status == 2)
    #expect(
      authOffFromEnvironment.stderr.contains(
        "(from config file \(file.path)) refuses auth off (from PORTAL_AUTH)"))
    let inMemory = try start(["--profile", "production", "--key-fd", "3", "--in-memory"])
    #expect(inMemory.status == 2)
    #expect(inMemory.stderr.contains("--in-memory is for development"))
    #expect(!FileManager.default.fileExists(atPath: data))
  }

  @Test("production sets durability, auth, realtime, offline and retries; development its own")
  func profileValues() throws {
    let production = try effective(
      ["--key-file", "/k", "--durability", "normal"],
      environment: ["PORTAL_PROFILE": "production"])
    #expect(production["profile"]?["source"] == "env PORTAL_PROFILE")
    #expect(setting("auth", in: production) == ("required", "profile production"))
    #expect(setting("realtime", in: production) == (true, "profile production"))
    #expect(setting("offline", in: production) == (true, "profile production"))
    #expect(setting("retryAttempts", in: production) == (3, "profile production"))
    // A profile is a layer: a flag above it still wins.
    #expect(setting("durability", in: production) == ("normal", "flag --durability"))
    let development = try effective(["--profile", "development", "--auth", "off"])
    #expect(setting("logLevel", in: development) == ("debug", "profile development"))
    #expect(setting("auth", in: development) == ("off", "flag --auth"))
    #expect(setting("realtime", in: development) == (false, "profile development"))
    #expect(setting("offline", in: development) == (false, "profile development"))
    #expect(setting("retryAttempts", in: development) == (1, "profile development"))
    #expect(setting("durability", in: development) == ("full", "default"))
  }

  // MARK: The config file

  @Test(
    "the file is found under XDG_CONFIG_HOME, else ~/.config, else by --config or PORTAL_CONFIG")
  func location() throws {
    let home = try temporaryDirectory("config-home")
    let xdg = home.appendingPathComponent("xdg/portal-rpc")
    let dotConfig = home.appendingPathComponent(".config/portal-rpc")
    for directory in [xdg, dotConfig] {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }
    let xdgFile = xdg.appendingPathComponent("config.json")
    let homeFile = dotConfig.appendingPathComponent("config.json")
    try Data(#"{"busyTimeoutMs": 100}"#.utf8).write(to: xdgFile)
    try Data(#"{"busyTimeoutMs": 200}"#.utf8).write(to: homeFile)
    let fromXDG = try effective(
      [], environment: ["XDG_CONFIG_HOME": home.path + "/xdg", "HOME": home.path])
    #expect(setting("busyTimeoutMs", in: fromXDG) == (100, "file \(xdgFile.path)"))
    #expect(fromXDG["configFile"]?["found"] == true)
    let fromHome = try effective([], environment: ["XDG_CONFIG_HOME": "", "HOME": home.path])
    #expect(setting("busyTimeoutMs", in: fromHome) == (200, "file \(homeFile.path)"))
    let named = try configFile(#"{"busyTimeoutMs": 300}"#)
    let fromVariable = try effective(
      [], environment: ["PORTAL_CONFIG": named.path, "HOME": home.path])
    #expect(setting("busyTimeoutMs", in: fromVariable) == (300, "file \(named.path)"))
    #expect(fromVariable["configFile"]?["source"] == "env PORTAL_CONFIG")
    let missingDefault = try effective([], environment: ["HOME": home.path + "/none"])
    #expect(missingDefault["configFile"]?["found"] == false)
    let missingNamed = try start(["config", "--config", home.path + "/none.json"])
    #expect(missingNamed.status == 2)
    #expect(missingNamed.stderr.contains("config file \(home.path)/none.json does not exist"))
  }

  @Test("a file others could write is refused; a file's contents are never echoed")
  func fileSafety() throws {
    let writable = try configFile(#"{"durability": "full"}"#, mode: 0o664)
    let refused = try start(["config", "--config", writable.path])
    #expect(refused.status == 2)
    #expect(
      refused.stderr.contains(
        "config file \(writable.path) may be written by other users (mode 0664)"))
    // Values are never shown (a key is, as the name of what is wrong).
    for contents in [
      #"{"upstream": "postgresql://alice:s3cretpw@db.example/portal"}"#,
      #"{"clientName": "alice s3cretpw \u0007"}"#,
      "password=s3cretpw alice",
      #"["alice", "s3cretpw"]"#,
      #"{"timezone": "alice/s3cretpw"}"#,
    ] {
      let file = try configFile(contents)
      let result = try start(["config", "--config", file.path])
      #expect(result.status == 2, "\(contents)")
      #expect(result.stderr.split(separator: "\n").count == 1)
      #expect(!result.stderr.contains("s3cretpw") && !result.stderr.contains("alice"))
    }
  }

  @Test("users works on the data directory the config file names")
  func usersDataDirectory() throws {
    let data = try temporaryDirectory("config-users").appendingPathComponent("clinic")
    let file = try configFile(#"{"dataDir": "\#(data.path)"}"#)
    let result = try PortalProcess.run(
      arguments: ["users", "list"], input: Data(), environment: ["PORTAL_CONFIG": file.path])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(FileManager.default.fileExists(atPath: data.appendingPathComponent("portal.db").path))
  }

  @Test("every setting is in docs/configuration.md, with its flag")
  func documented() throws {
    let docs = try String(
      contentsOf: PortalProcess.packageRoot.appendingPathComponent("docs/configuration.md"),
      encoding: .utf8)
    let settings = try #require(try effective([])["settings"]?.objectValue)
    for member in settings {
      #expect(docs.contains("`\(member.key)`"), "docs/configuration.md lacks \(member.key)")
    }
  }
}
