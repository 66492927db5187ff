/// A named set of values just above the built-in defaults (`--profile`, `PORTAL_PROFILE` or the
/// config file's `profile`): the seed's two environments, mapped onto this server's settings.
///
/// - SeeAlso: `docs/configuration.md`, "Profiles".
public enum Profile: String, Sendable, CaseIterable {
  /// A clinic's workstation: every commit on disk, sign-in required, a replica that hears changes
  /// at once and keeps working offline. Refuses to start without the store's key or with auth off.
  case production
  /// A developer's machine: debug logs, auth `off` allowed, a replica that neither listens nor
  /// queues, so a dead upstream shows at once.
  case development

  /// The values it sets, each as text through its setting's own entry (`Setting.all`).
  var values: [(key: String, text: String)] {
    switch self {
    case .production:
      [
        ("durability", "full"), ("auth", "required"), ("realtime", "on"), ("offline", "on"),
        ("retryAttempts", "3"),
      ]
    case .development:
      [("logLevel", "debug"), ("realtime", "off"), ("offline", "off"), ("retryAttempts", "1")]
    }
  }

  /// The profile `text` names, or why it names none.
  static func named(_ text: String) throws(Setting.Problem) -> Profile {
    guard let profile = Profile(rawValue: text) else {
      throw Setting.Problem("must be production or development")
    }
    return profile
  }

  /// Refuses, in one line, a configuration this profile cannot run with. `source` says where a
  /// setting's value came from; `named` where the profile itself did.
  func check(
    _ options: CommandLineOptions, named: SettingSource,
    source: (String) -> SettingSource
  ) throws(CommandLineOptions.UsageError) {
    guard self == .production else { return }
    let profile = "the production profile (from \(named.origin))"
    if options.inMemory {
      throw .init(
        message: "\(profile) keeps the clinic's data on disk; --in-memory is for development")
    }
    if options.demo {
      throw .init(
        message: "\(profile) does not take --demo, which fills the store with fictional patients")
    }
    if options.key == nil {
      throw .init(
        message:
          "\(profile) needs the store's key: give --key-fd N or --key-file PATH (or keyFile in the config file, or PORTAL_KEY_FILE)"
      )
    }
    if options.authMode == .off {
      throw .init(
        message:
          "\(profile) refuses auth off (from \(source("auth").origin)): a clinic's records need sign-in; use required or auto"
      )
    }
  }
}
