/// Where a setting's effective value came from, lowest layer first: the built-in default, a
/// profile, the config file, a `PORTAL_*` variable, a flag.
public enum SettingSource: Sendable, Equatable, CustomStringConvertible {
  case builtIn
  case profile(Profile)
  /// The config file at this path.
  case file(String)
  /// This environment variable.
  case environment(String)
  /// This flag.
  case flag(String)

  /// How `portal-rpc config` shows it: `default`, `profile production`, `file PATH`,
  /// `env PORTAL_X`, `flag --x`.
  public var description: String {
    switch self {
    case .builtIn: "default"
    case .profile(let profile): "profile \(profile.rawValue)"
    case .file(let path): "file \(path)"
    case .environment(let name): "env \(name)"
    case .flag(let flag): "flag \(flag)"
    }
  }

  /// How an error names it, after "from": `PORTAL_X`, `config file PATH`, `profile production`.
  var origin: String {
    switch self {
    case .builtIn: "the default"
    case .profile(let profile): "profile \(profile.rawValue)"
    case .file(let path): "config file \(path)"
    case .environment(let name): name
    case .flag(let flag): flag
    }
  }
}
