/// The configuration's environment layer: each setting's `PORTAL_*` variable, looked up by name,
/// and the check that refuses a `PORTAL_*` name that looks like a setting but is none.
///
/// Other `PORTAL_*` names are left alone: the test suite and a shell that spawns the server may
/// have variables of their own under that prefix.
enum ConfigEnvironment {
  /// Names the profile (`--profile` wins over it).
  static let profileVariable = "PORTAL_PROFILE"
  /// Names the config file (`--config` wins over it).
  static let configVariable = "PORTAL_CONFIG"

  /// The value of `name`; nil when unset or empty (an empty variable counts as unset).
  static func value(_ name: String, in environment: (String) -> String?) -> String? {
    guard let text = environment(name), !text.isEmpty else { return nil }
    return text
  }

  /// One assignment per setting whose variable is set, in the table's order.
  static func assignments(_ environment: (String) -> String?) -> [Setting.Assignment] {
    Setting.all.compactMap { setting in
      guard let variable = setting.variable, let text = value(variable, in: environment) else {
        return nil
      }
      return Setting.Assignment(setting: setting, text: text, source: .environment(variable))
    }
  }

  /// Refuses a variable among `names` that would carry a key or a password, that names a setting
  /// given only as a flag, or that is a few edits from a setting's variable (a misspelling such
  /// as `PORTAL_DURABILTY`, which would otherwise be silently ignored).
  static func refuseUnknown(_ names: [String]) throws(CommandLineOptions.UsageError) {
    let known = Set(Setting.all.compactMap(\.variable) + [profileVariable, configVariable])
    let flagOnly = Dictionary(
      uniqueKeysWithValues: Setting.all.filter { $0.variable == nil }.map {
        (Setting.variableName(forKey: $0.key), $0)
      })
    let prefix = "PORTAL_"
    for name in names.sorted() where name.hasPrefix(prefix) && !known.contains(name) {
      if name.hasSuffix("KEY") || name.hasSuffix("PASSWORD") {
        throw .init(
          message:
            "\(name) is refused: a key or password is never read from the environment, which other processes and crash reports can see; give the store's key with --key-fd N or a key file (--key-file PATH or PORTAL_KEY_FILE), the upstream's password with --upstream-password-fd N or PGPASSFILE"
        )
      }
      if let setting = flagOnly[name] {
        throw .init(
          message: "\(name) is not read: \(setting.key) is given only as the flag \(setting.flag)")
      }
      // Compared without the prefix, so that a short name allows one edit only.
      let suffixes = (known.union(flagOnly.keys)).map { String($0.dropFirst(prefix.count)) }
      if let near = Setting.nearest(to: String(name.dropFirst(prefix.count)), among: suffixes) {
        throw .init(
          message: "unknown environment variable \(name) (did you mean \(prefix + near)?)")
      }
    }
  }
}
