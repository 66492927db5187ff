/// A staff account as the methods show it: never its password hash.
public struct StaffMember: Sendable, Equatable {
  public let id: Int64
  /// Unique, compared without regard to case.
  public let username: String
  public let name: String
  public let role: String
  public let disabled: Bool

  public init(id: Int64, username: String, name: String, role: String, disabled: Bool) {
    self.id = id
    self.username = username
    self.name = name
    self.role = role
    self.disabled = disabled
  }

  /// Why `username` cannot name an account, or nil: 1 to 64 letters, digits, `.`, `_`, `-`, `@`.
  public static func problem(withUsername username: String) -> String? {
    guard (1...64).contains(username.count) else { return "must be 1 to 64 characters" }
    let allowed = username.unicodeScalars.allSatisfy { scalar in
      scalar.isASCII
        && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
          || ("0"..."9").contains(scalar) || ".-_@".unicodeScalars.contains(scalar))
    }
    return allowed ? nil : "may hold only letters, digits and . _ - @"
  }
}
