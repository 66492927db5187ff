import Foundation
import PortalJSON
import Testing

/// Sign-in, tokens, logoff and guessing, through the real executable. Time is moved with
/// `--clock file:PATH` (the server reads the time from the file), so idle logoff and token expiry
/// are tested in milliseconds, not minutes.
@Suite("Staff sessions")
struct SessionTests {
  /// A clock file at `time`, and a function that moves it.
  final class TestClock: @unchecked Sendable {
    let url: URL
    private(set) var now: Date

    init(in directory: URL, at start: Date = Date(timeIntervalSince1970: 1_796_000_000)) throws {
      url = directory.appendingPathComponent("clock")
      now = start
      try write()
    }

    func advance(seconds: TimeInterval) throws {
      now = now.addingTimeInterval(seconds)
      try write()
    }

    private func write() throws {
      let formatter = ISO8601DateFormatter()
      formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
      try Data((formatter.string(from: now) + "\n").utf8).write(to: url, options: .atomic)
    }
  }

  static func code(_ line: String) throws -> Int64? {
    try JSONParser.parse(line)["error"]?["code"]?.int64Value
  }

  static func expired(_ reason: String) -> (String) -> Bool {
    { $0.contains(#""method":"auth/expired""#) && $0.contains(#""reason":"\#(reason)""#) }
  }

  @Test("a second window joins with the token; a logout in either signs both out")
  func tokenJoinAndLogoutEverywhere() throws {
    let data = try Staff.clinic("session-token", roles: ["doctor"])
    let first = try PortalProcess(arguments: ["--data-dir", data.path])
    let login = try first.signIn("doctor")
    let token = try #require(login["token"]?.stringValue)
    #expect(login["user"]?["role"]?.stringValue == "doctor")
    #expect(login["refreshToken"]?.stringValue?.isEmpty == false)

    let second = try PortalProcess(arguments: ["--data-dir", data.path])
    try second.call("initialize", id: 0, params: "{}")
    #expect(try Self.code(second.call("getPatient", id: 1, params: #"["P001"]"#)) == -32010)
    let joined = try JSONParser.parse(
      try second.call("login", id: 2, params: #"{"credentials":{"token":"\#(token)"}}"#))
    #expect(joined["result"]?["user"]?["username"]?.stringValue == "doctor")
    #expect(try Self.code(second.call("getPatient", id: 3, params: #"["P001"]"#)) == nil)

    #expect(try Self.code(first.call("logout", id: 10)) == nil)
    #expect(try Self.code(first.call("getPatient", id: 11, params: #"["P001"]"#)) == -32010)
    // The other window hears it by itself, and is refused from then on.
    _ = try second.waitForLine(where: Self.expired("revoked"))
    #expect(try Self.code(second.call("getPatient", id: 4, params: #"["P001"]"#)) == -32010)
    // The token is dead for a third window too.
    let third = try PortalProcess(arguments: ["--data-dir", data.path])
    try third.call("initialize", id: 0, params: "{}")
    #expect(
      try Self.code(third.call("login", id: 1, params: #"{"credentials":{"token":"\#(token)"}}"#))
        == -32010)
    for window in [first, second, third] {
      try window.closeInput()
      #expect(try window.finish().status == 0)
    }
  }

  @Test("a refresh token is spent once; the new pair works")
  func refreshTokenIsSpent() throws {
    let data = try Staff.clinic("session-refresh", roles: ["nurse"])
    let window = try PortalProcess(arguments: ["--data-dir", data.path])
    let login = try window.signIn("nurse")
    let refresh = try #require(login["refreshToken"]?.stringValue)
    let renewed = try JSONParser.parse(
      try window.call("refreshToken", id: 1, params: #"["\#(refresh)"]"#))
    let newToken = try #require(renewed["result"]?["token"]?.stringValue)
    #expect(newToken != login["token"]?.stringValue)
    #expect(
      try Self.code(window.call("refreshToken", id: 2, params: #"["\#(refresh)"]"#)) == -32010)
    let other = try PortalProcess(arguments: ["--data-dir", data.path])
    try other.call("initialize", id: 0, params: "{}")
    #expect(
      try Self.code(
        other.call("login", id: 1, params: #"{"credentials":{"token":"\#(newToken)"}}"#))
        == nil)
    for process in [window, other] {
      try process.closeInput()
      _ = try process.finish()
    }
  }

  @Test("idle past --idle-timeout: auth/expired, then -32010 until the next login")
  func idleLogoff() throws {
    let data = try Staff.clinic("session-idle", roles: ["doctor"])
    let clock = try TestClock(in: data)
    let window = try PortalProcess(arguments: [
      "--data-dir", data.path, "--clock", "file:" + clock.url.path, "--idle-timeout", "5m",
    ])
    let token = try #require(try window.signIn("doctor")["token"]?.stringValue)
    try clock.advance(seconds: 4 * 60)
    #expect(try Self.code(window.call("getPatient", id: 1, params: #"["P001"]"#)) == nil)
    try clock.advance(seconds: 4 * 60)  // 4 minutes after the last request: still signed in
    #expect(try Self.code(window.call("getPatient", id: 2, params: #"["P001"]"#)) == nil)
    try clock.advance(seconds: 5 * 60 + 1)
    _ = try window.waitForLine(where: Self.expired("idle"))
    #expect(try Self.code(window.call("getPatient", id: 3, params: #"["P001"]"#)) == -32010)
    // The window's token died with the session: only the password brings it back.
    #expect(
      try Self.code(window.call("login", id: 30, params: #"{"credentials":{"token":"\#(token)"}}"#))
        == -32010)
    try window.login("doctor", id: 4)
    #expect(try Self.code(window.call("getPatient", id: 5, params: #"["P001"]"#)) == nil)
    try window.closeInput()
    #expect(try window.finish().status == 0)
  }

  @Test("a token expires after 15 minutes even while the window is busy")
  func tokenExpiry() throws {
    let data = try Staff.clinic("session-expiry", roles: ["billing"])
    let clock = try TestClock(in: data)
    let window = try PortalProcess(arguments: [
      "--data-dir", data.path, "--clock", "file:" + clock.url.path, "--idle-timeout", "24h",
    ])
    let login = try window.signIn("billing")
    let token = try #require(login["token"]?.stringValue)
    for minute in 1...14 {
      try clock.advance(seconds: 60)
      #expect(try Self.code(window.call("getPatient", id: minute, params: #"["P001"]"#)) == nil)
    }
    try clock.advance(seconds: 61)
    _ = try window.waitForLine(where: Self.expired("expired"))
    #expect(try Self.code(window.call("getPatient", id: 100, params: #"["P001"]"#)) == -32010)
    #expect(
      try Self.code(
        window.call("login", id: 101, params: #"{"credentials":{"token":"\#(token)"}}"#))
        == -32010)
    try window.closeInput()
    _ = try window.finish()
  }

  @Test(
    "unknown user and wrong password answer alike; after 5 failures the username waits, doubling")
  func guessing() throws {
    let data = try Staff.clinic("session-guess", roles: ["frontDesk"])
    let clock = try TestClock(in: data)
    let window = try PortalProcess(arguments: [
      "--data-dir", data.path, "--clock", "file:" + clock.url.path,
    ])
    try window.call("initialize", id: 0, params: "{}")
    func attempt(_ username: String, _ password: String, id: Int) throws -> JSONValue {
      let line = try window.call(
        "login", id: id,
        params: #"{"credentials":{"username":"\#(username)","password":"\#(password)"}}"#)
      return try JSONParser.parse(line)
    }
    let unknown = try attempt("nobody", "whatever-it-is", id: 1)["error"]
    let wrong = try attempt("frontDesk", "wrong-password", id: 2)["error"]
    #expect(unknown == wrong)
    #expect(unknown?["code"]?.int64Value == -32010)
    for id in 3...6 { _ = try attempt("frontdesk", "wrong-password", id: id) }  // any case
    // Five failures: even the right password waits now.
    let locked = try attempt("frontDesk", Staff.password("frontDesk"), id: 7)["error"]
    #expect(locked?["code"]?.int64Value == -32010)
    #expect(locked?["data"]?["retryAfterMs"]?.int64Value == 1000)
    try clock.advance(seconds: 1.5)
    _ = try attempt("frontDesk", "wrong-password", id: 8)  // the sixth failure: 2 s now
    let longer = try attempt("frontDesk", Staff.password("frontDesk"), id: 9)["error"]
    #expect(longer?["data"]?["retryAfterMs"]?.int64Value == 2000)
    // The same holds for a username with no account: a guesser learns nothing from the wait.
    for id in 10...14 { _ = try attempt("ghost", "x-x-x-x-x-x", id: id) }
    #expect(try attempt("ghost", "x-x-x-x-x-x", id: 15)["error"]?["data"]?["retryAfterMs"] != nil)
    try clock.advance(seconds: 2.5)
    #expect(try attempt("frontDesk", Staff.password("frontDesk"), id: 20)["result"] != nil)
    // A sign-in inside a transaction could roll its failure count back: refused.
    let nested = try JSONParser.parse(
      try window.call(
        "transaction", id: 99,
        params:
          #"[[{"method":"login","params":{"credentials":{"username":"frontDesk","password":"x"}}}]]"#
      ))
    #expect(nested["error"]?["code"]?.int64Value == -32602)
    try window.closeInput()
    _ = try window.finish()
    let log = try auditEvents(data)
    #expect(log.filter { $0["outcome"]?.stringValue == "failed" }.count >= 11)
    #expect(log.contains { $0["outcome"]?.stringValue == "locked" })
  }

  @Test("disable, role change and password reset sign the person out everywhere")
  func revocationByAdministration() throws {
    let data = try Staff.clinic("session-revoke", roles: ["nurse"])
    for change in [
      ["set-role", "nurse", "doctor"], ["reset-password", "nurse"], ["disable", "nurse"],
    ] {
      let window = try PortalProcess(arguments: ["--data-dir", data.path])
      try window.signIn("nurse")
      let result = try Staff.users(
        change, data: data, password: change[0] == "reset-password" ? Staff.password("nurse") : nil)
      #expect(result.status == 0, "\(change): \(result.stderr)")
      _ = try window.waitForLine(where: Self.expired("revoked"))
      #expect(try Self.code(window.call("getPatient", id: 1, params: #"["P001"]"#)) == -32010)
      if change[0] == "disable" {
        #expect(
          try Self.code(
            window.call(
              "login", id: 2,
              params:
                #"{"credentials":{"username":"nurse","password":"\#(Staff.password("nurse"))"}}"#
            )) == -32010)
      }
      try window.closeInput()
      _ = try window.finish()
    }
  }

  @Test("auth turns on for a running server when the first account is made")
  func firstAccountTurnsAuthOn() throws {
    let data = try temporaryDirectory("session-first")
    let window = try PortalProcess(arguments: ["--data-dir", data.path, "--demo"])
    try window.call("initialize", id: 0, params: "{}")
    #expect(try Self.code(window.call("getPatient", id: 1, params: #"["P001"]"#)) == nil)
    try Staff.add("admin", role: "admin", data: data)
    #expect(try Self.code(window.call("getPatient", id: 2, params: #"["P001"]"#)) == -32010)
    try window.login("admin", id: 3)
    #expect(try Self.code(window.call("getPatient", id: 4, params: #"["P001"]"#)) == nil)
    try window.closeInput()
    _ = try window.finish()
  }

  @Test("--auth off on a store with accounts warns at start and still audits")
  func authOffWarns() throws {
    let data = try Staff.clinic("session-off", roles: ["admin"])
    let result = try PortalProcess.run(
      arguments: ["--data-dir", data.path, "--auth", "off"],
      input: requestLines([("getPatient", #"["P001"]"#)]))
    #expect(result.status == 0)
    #expect(result.stderr.contains("--auth off"))
    #expect(result.lines.last?.contains(#""id":"P001""#) == true)
    #expect(try auditEvents(data).contains { $0["method"]?.stringValue == "getPatient" })
  }

  @Test("no password or token in any log line or error, at debug level")
  func noSecretsInLogs() throws {
    let data = try Staff.clinic("session-secrets", roles: ["admin"])
    let window = try PortalProcess(arguments: ["--data-dir", data.path, "--log-level", "debug"])
    let login = try window.signIn("admin")
    let token = try #require(login["token"]?.stringValue)
    let refresh = try #require(login["refreshToken"]?.stringValue)
    var lines: [String] = []
    lines.append(
      try window.call(
        "login", id: 1,
        params: #"{"credentials":{"username":"admin","password":"a-wrong-Secret!"}}"#))
    lines.append(
      try window.call(
        "login", id: 2,
        params:
          #"{"credentials":{"username":"a-wrong-Secret!","password":"\#(Staff.password("admin"))"}}"#
      ))
    lines.append(
      try window.call("login", id: 3, params: #"{"credentials":{"token":"\#(token)x"}}"#))
    lines.append(
      try window.call(
        "login", id: 4,
        params: #"{"credentials":{"token":"\#(token)","password":"a-wrong-Secret!"}}"#))
    lines.append(try window.call("refreshToken", id: 5, params: #"["\#(refresh)x"]"#))
    try window.closeInput()
    let all = try window.finish().lines
    let stderr = window.stderrText
    for secret in [
      Staff.password("admin"), "a-wrong-Secret!", token, refresh, String(token.dropFirst(3)),
    ] {
      #expect(!stderr.contains(secret))
      for line in lines { #expect(!line.contains(secret), "an error repeats a secret: \(line)") }
    }
    // The only lines holding a token are the sign-in's own answer.
    #expect(all.filter { $0.contains(token) }.count == 1)
    let users = try Staff.users(
      ["add", "someone", "--role", "nurse"], data: data, password: "short")
    #expect(users.status == 1)
    #expect(!users.stderr.contains("short"))
  }
}

/// Every event in the audit log of `data`, as an admin's `getAuditLog` reads it.
func auditEvents(_ data: URL) throws -> [JSONValue] {
  var events: [JSONValue] = []
  var after: Int64 = 0
  while true {
    let window = try PortalProcess(arguments: ["--data-dir", data.path, "--auth", "off"])
    let line = try window.call("initialize", id: 0, params: "{}")
    _ = line
    let page = try JSONParser.parse(
      try window.call("getAuditLog", id: 1, params: #"[{"after":\#(after),"limit":1000}]"#))
    try window.closeInput()
    _ = try window.finish()
    let batch = page["result"]?["events"]?.arrayValue ?? []
    events += batch
    guard batch.count == 1000, let last = batch.last?["seq"]?.int64Value else { return events }
    after = last
  }
}
