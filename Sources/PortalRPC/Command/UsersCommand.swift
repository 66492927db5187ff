internal import Domain
internal import PortalJSON
internal import Sodium
internal import Storage

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// `portal-rpc users add|list|disable|enable|reset-password|set-role`: the clinic's staff
/// accounts, administered from the command line of the machine that holds the data directory.
/// A password is read from the terminal (asked twice, not echoed) or from `--password-fd N`,
/// never from the arguments. Every change is audited (as `users.<verb>`) in its own transaction
/// and revokes the account's tokens where it must (password, role, disable).
///
/// - SeeAlso: `docs/security.md`, "Creating the first administrator".
enum UsersCommand {
  enum Verb: String, CaseIterable {
    case add, list, disable, enable
    case resetPassword = "reset-password"
    case setRole = "set-role"
  }

  struct Options: Equatable {
    var verb: Verb = .list
    var username: String?
    var role: String?
    var name: String?
    var passwordDescriptor: Int32?
    var dataDirectory: String?
    var busyTimeoutMilliseconds: Int32 = 5000
    /// The store's key, for an encrypted store (`--key-fd`, `--key-file`).
    var key: StoreKeySource?
  }

  /// Passwords shorter than this are refused.
  static let minimumPasswordLength = 10

  static let usage = """
    Usage: portal-rpc users add USERNAME --role ROLE [--name NAME] [--password-fd N] [--data-dir DIR]
           portal-rpc users list [--data-dir DIR]
           portal-rpc users disable|enable USERNAME [--data-dir DIR]
           portal-rpc users reset-password USERNAME [--password-fd N] [--data-dir DIR]
           portal-rpc users set-role USERNAME ROLE [--data-dir DIR]

    Roles: admin, doctor, nurse, frontDesk, billing. A password (at least 10 characters) is
    asked on the terminal, twice, or read from descriptor N (3 or more) to its end.
    An encrypted store also needs its key: --key-fd N or --key-file PATH, as for the server.
    """

  static func parse(_ arguments: [String]) throws(CommandLineOptions.UsageError) -> Options {
    var options = Options()
    var remaining = arguments[...]
    guard let verbText = remaining.popFirst() else {
      throw .init(
        message: "users needs a command: add, list, disable, enable, reset-password or set-role")
    }
    guard let verb = Verb(rawValue: verbText) else {
      throw .init(
        message:
          "users has no command \(verbText); the commands are add, list, disable, enable, reset-password and set-role"
      )
    }
    options.verb = verb
    var operands: [String] = []
    var seen: Set<String> = []
    while let argument = remaining.popFirst() {
      guard argument.hasPrefix("--") else {
        operands.append(argument)
        continue
      }
      var name = argument
      var inline: String?
      if let equals = argument.firstIndex(of: "=") {
        name = String(argument[..<equals])
        inline = String(argument[argument.index(after: equals)...])
      }
      guard seen.insert(name).inserted else {
        throw .init(message: "\(name) is given more than once")
      }
      func value() throws(CommandLineOptions.UsageError) -> String {
        if let inline { return inline }
        guard let next = remaining.popFirst() else { throw .init(message: "\(name) needs a value") }
        return next
      }
      switch name {
      case "--data-dir": options.dataDirectory = try value()
      case "--role" where verb == .add: options.role = try value()
      case "--name" where verb == .add: options.name = try value()
      case "--password-fd" where verb == .add || verb == .resetPassword:
        guard let descriptor = Int32(try value()), descriptor >= 3 else {
          throw .init(message: "--password-fd must be a descriptor number of 3 or more")
        }
        options.passwordDescriptor = descriptor
      case "--key-fd", "--key-file":
        guard options.key == nil else {
          throw .init(message: "--key-fd and --key-file cannot be used together")
        }
        options.key = try StoreKeySource.parse(flag: name, value: try value())
      case "--busy-timeout-ms":
        guard let milliseconds = Int32(try value()), (0...600_000).contains(milliseconds) else {
          throw .init(
            message: "--busy-timeout-ms must be a whole number of milliseconds up to 600000")
        }
        options.busyTimeoutMilliseconds = milliseconds
      default:
        throw .init(message: "users \(verb.rawValue) does not take \(name)")
      }
    }
    let wanted: Int
    switch verb {
    case .list: wanted = 0
    case .setRole: wanted = 2
    default: wanted = 1
    }
    guard operands.count == wanted else {
      throw .init(
        message: verb == .setRole
          ? "users set-role takes a username and a role"
          : wanted == 0
            ? "users list takes no username"
            : "users \(verb.rawValue) takes one username (a password is never given as an argument)"
      )
    }
    options.username = operands.first
    if verb == .setRole { options.role = operands[1] }
    if verb == .add, options.role == nil {
      throw .init(message: "users add needs --role (\(Role.defaultNames.joined(separator: ", ")))")
    }
    if let role = options.role, Role.defaults[role] == nil {
      throw .init(
        message:
          "there is no role \(role); the roles are \(Role.defaultNames.joined(separator: ", "))")
    }
    if let username = options.username, let problem = StaffMember.problem(withUsername: username) {
      throw .init(message: "the username \(problem)")
    }
    return options
  }

  /// Runs the command; returns the exit status (0 done, 1 refused, 2 usage, 3 store unusable).
  static func run(_ options: Options, environment: (String) -> String?, clock: Clock) -> Int32 {
    let directory: String
    do {
      directory = try DataDirectory.prepare(
        try DataDirectory.resolve(explicit: options.dataDirectory, environment: environment))
    } catch {
      fail(error.message)
      return PortalCommand.unusableDataStatus
    }
    var key: StoreKey?
    if let source = options.key {
      do {
        key = try StoreKeyReader.read(source)
      } catch {
        fail(error.message)
        return PortalCommand.unusableDataStatus
      }
    }
    let store: Store
    do {
      store = try Store(
        directory: directory,
        options: Store.Options(busyTimeoutMilliseconds: options.busyTimeoutMilliseconds, key: key),
        now: clock.now())
    } catch  where error.isKeyProblem {
      fail(error.description(naming: directory + "/" + Store.fileName))
      return PortalCommand.unusableDataStatus
    } catch {
      fail("cannot use the store in \(directory): \(error)")
      return PortalCommand.unusableDataStatus
    }
    do {
      let line = try perform(options, store: store, clock: clock)
      if let head = try store.auditHead() { AuditHeadFile.advance(directory, to: head) }
      // Windows look again (a revoked session ends now); a replica's agent pushes the change.
      PeerWatcher.ring(directory + "/portal.db-bell")
      writeLine(1, line)
      return 0
    } catch let refusal as Refusal {
      store.rollback()
      fail(refusal.message)
      return refusal.status
    } catch {
      store.rollback()
      fail("the store refused the change: \(error)")
      return PortalCommand.unusableDataStatus
    }
  }

  struct Refusal: Error {
    let message: String
    var status: Int32 = 1
  }

  private static func perform(_ options: Options, store: Store, clock: Clock) throws -> String {
    let now = clock.now()
    let time = now.description
    if options.verb == .list {
      let members = try store.allStaff()
      if members.isEmpty { return "no staff accounts yet: auth is off until the first is added" }
      return members.map { member in
        "\(member.id)\t\(member.username)\t\(member.role)\t\(member.disabled ? "disabled" : "active")\t\(member.name)"
      }.joined(separator: "\n")
    }
    let username = options.username!
    var password: String?
    if options.verb == .add || options.verb == .resetPassword {
      password = try readNewPassword(options.passwordDescriptor)
    }
    try store.beginWrite()
    let member: StaffMember
    switch options.verb {
    case .add:
      guard let hash = PasswordHash.make(Array(password!.utf8)) else {
        throw Refusal(message: "the password could not be hashed (not enough memory)", status: 3)
      }
      guard
        let added = try store.addStaff(
          username: username, name: options.name ?? username, role: options.role!,
          passwordHash: hash, at: time)
      else { throw Refusal(message: "the username \(username) is taken") }
      member = added
    default:
      guard let existing = try store.staff(username: username)?.member else {
        throw Refusal(message: "there is no account \(username)")
      }
      member = existing
      switch options.verb {
      case .disable: try store.updateStaff(id: member.id, disabled: true, at: time)
      case .enable: try store.updateStaff(id: member.id, disabled: false, at: time)
      case .setRole: try store.updateStaff(id: member.id, role: options.role!, at: time)
      case .resetPassword:
        guard let hash = PasswordHash.make(Array(password!.utf8)) else {
          throw Refusal(message: "the password could not be hashed (not enough memory)", status: 3)
        }
        try store.updateStaff(id: member.id, passwordHash: hash, at: time)
        try store.setLoginFailures(username: username, failures: 0, lockedUntil: 0)
      default: break
      }
    }
    try store.appendAudit([
      AuditEvent(
        time: now,
        actor: AuditEvent.Actor(
          staffID: nil, username: nil, role: nil, client: "portal-rpc users"),
        method: "users." + options.verb.rawValue, outcome: .ok, entityType: "staff",
        ids: [JSONValue(member.id)])
    ])
    try store.commit()
    switch options.verb {
    case .add: return "added \(member.username) (id \(member.id), role \(options.role!))"
    case .disable: return "disabled \(member.username); its sessions are signed out"
    case .enable: return "enabled \(member.username)"
    case .setRole: return "\(member.username) is now \(options.role!); its sessions are signed out"
    default: return "reset the password of \(member.username); its sessions are signed out"
    }
  }

  /// The new password, from `--password-fd` or asked twice on the terminal.
  private static func readNewPassword(_ descriptor: Int32?) throws -> String {
    let password: String
    do {
      if let descriptor {
        password = try SecretInput.read(descriptor, flag: "--password-fd", timeout: .seconds(10))
      } else {
        guard let first = try SecretInput.fromTerminal(prompt: "New password: ") else {
          throw Refusal(
            message: "no terminal to ask for the password on; give it with --password-fd N",
            status: PortalCommand.usageErrorStatus)
        }
        guard try SecretInput.fromTerminal(prompt: "Again: ") == first else {
          throw Refusal(message: "the two passwords differ; nothing was changed")
        }
        password = first
      }
    } catch let failure as SecretInput.Failure {
      throw Refusal(message: failure.message, status: PortalCommand.usageErrorStatus)
    }
    guard password.count >= minimumPasswordLength else {
      throw Refusal(
        message:
          "the password must be at least \(minimumPasswordLength) characters; nothing was changed")
    }
    return password
  }

  private static func fail(_ message: String) { writeLine(2, "portal-rpc: " + message) }

  private static func writeLine(_ descriptor: Int32, _ text: String) {
    let bytes = Array((text + "\n").utf8)
    var offset = 0
    while offset < bytes.count {
      let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
      if written < 0 && errno == EINTR { continue }
      if written <= 0 { return }
      offset += written
    }
  }
}
