import Foundation
import PortalJSON

/// The staff of a test clinic: accounts made with the real `portal-rpc users add`, passwords
/// handed over on descriptor 3 (never on the command line), and windows that sign in.
enum Staff {
  /// One password per role, each at least 10 characters.
  static func password(_ username: String) -> String { "pw-\(username)-Secret!" }

  /// Runs `portal-rpc users ARGS --data-dir DATA`, with `password` on descriptor 3 when given.
  @discardableResult
  static func users(_ arguments: [String], data: URL, password: String? = nil) throws -> (
    lines: [String], status: Int32, stderr: String
  ) {
    var launcher: [String] = []
    if let password {
      let file = data.deletingLastPathComponent().appendingPathComponent(
        "pw-\(UUID().uuidString)")
      try Data(password.utf8).write(to: file)
      defer { try? FileManager.default.removeItem(at: file) }
      launcher = ["/bin/sh", "-c", "exec \"$0\" \"$@\" 3<\"\(file.path)\""]
      return try PortalProcess.run(
        arguments: ["users"] + arguments + ["--password-fd", "3", "--data-dir", data.path],
        input: Data(), launcher: launcher)
    }
    return try PortalProcess.run(
      arguments: ["users"] + arguments + ["--data-dir", data.path], input: Data())
  }

  /// Adds `username` with `role` and its test password.
  static func add(_ username: String, role: String, data: URL) throws {
    let result = try users(
      ["add", username, "--role", role], data: data, password: password(username))
    guard result.status == 0 else {
      throw StaffError.failed("users add \(username): \(result.stderr)")
    }
  }

  /// A data directory with the demo practice and one account per role, named after the role.
  static func clinic(_ prefix: String, roles: [String] = Roles.all) throws -> URL {
    let data = try temporaryDirectory(prefix)
    let filled = try PortalProcess.run(
      arguments: ["--data-dir", data.path, "--demo"], input: Data())
    guard filled.status == 0 else { throw StaffError.failed("demo: \(filled.stderr)") }
    for role in roles { try add(role, role: role, data: data) }
    return data
  }

  enum StaffError: Error {
    case failed(String)
  }
}

enum Roles {
  static let all = ["admin", "doctor", "nurse", "frontDesk", "billing"]
}

extension PortalProcess {
  /// Initializes and signs in as `username` with its test password; returns the login result.
  @discardableResult
  func signIn(_ username: String, id: Int = 900_000) throws -> JSONValue {
    try call("initialize", id: id, params: #"{"clientInfo":{"name":"tests"}}"#)
    return try login(username, id: id + 1)
  }

  /// `login` with `username`'s test password; the result (or throws with the error line).
  @discardableResult
  func login(_ username: String, password: String? = nil, id: Int) throws -> JSONValue {
    let credentials: JSONValue = [
      "username": .string(username), "password": .string(password ?? Staff.password(username)),
    ]
    let line = try call(
      "login", id: id, params: JSONValue.object(["credentials": credentials]).description)
    let response = try JSONParser.parse(line)
    guard let result = response["result"] else { throw LoginError.refused(line) }
    return result
  }

  enum LoginError: Error {
    case refused(String)
  }
}
