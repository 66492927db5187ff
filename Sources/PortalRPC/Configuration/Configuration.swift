/// The effective configuration: `CommandLineOptions` laid from (lowest first) the built-in
/// defaults, a profile, the config file, `PORTAL_*` variables and flags, each through the
/// setting's one entry in `Setting.all`, with where every value came from.
///
/// - SeeAlso: `docs/configuration.md`.
public struct Configuration: Sendable {
  public typealias UsageError = CommandLineOptions.UsageError

  public private(set) var options: CommandLineOptions
  /// The profile, if one was named, and where.
  public private(set) var profile: Profile?
  public private(set) var profileSource = SettingSource.builtIn
  /// The config file looked for (nil when no path could be made: no `HOME`), whether it was
  /// there, and where its path came from.
  public private(set) var configFile: String?
  public private(set) var configFileFound = false
  public private(set) var configFileSource = SettingSource.builtIn
  /// Where each setting not at its built-in default got its value, by key.
  private var sources: [String: SettingSource] = [:]

  /// Where the setting `key` got its effective value.
  public func source(of key: String) -> SettingSource { sources[key] ?? .builtIn }

  /// Resolves the configuration for the command line `arguments` (without the program name).
  /// `environmentNames` are the names of every variable set, so that a misspelt `PORTAL_*` one
  /// is refused too. Every mistake is one line naming the setting and its source (exit 2).
  public static func resolve(
    arguments: [String], environment: (String) -> String?, environmentNames: [String] = []
  ) throws(UsageError) -> Configuration {
    try resolve(
      arguments: arguments, environment: environment, environmentNames: environmentNames,
      checksProfile: true)
  }

  /// `resolve`, optionally without the profile's refusals (for `users`, which takes only the
  /// data directory from here).
  static func resolve(
    arguments: [String], environment: (String) -> String?, environmentNames: [String],
    checksProfile: Bool
  ) throws(UsageError) -> Configuration {
    let scanned = try CommandLineOptions.scan(arguments)
    var configuration = Configuration(options: scanned.options)
    if scanned.readsConfiguration {
      try ConfigEnvironment.refuseUnknown(environmentNames)
      let file = try configuration.readFile(scanned, environment: environment)
      try configuration.chooseProfile(scanned, file: file, environment: environment)
      if let profile = configuration.profile {
        try configuration.apply(
          profile.values.map { key, text in
            Setting.Assignment(setting: Setting.byKey[key]!, text: text, source: .profile(profile))
          })
      }
      try configuration.apply(try file?.assignments() ?? [])
      try configuration.apply(ConfigEnvironment.assignments(environment))
    }
    try configuration.apply(scanned.assignments)
    try configuration.options.settle(scanned, source: configuration.source(of:))
    try configuration.settleUpstream(scanned)
    if scanned.readsConfiguration, checksProfile, let profile = configuration.profile {
      try profile.check(
        configuration.options, named: configuration.profileSource,
        source: configuration.source(of:))
    }
    return configuration
  }

  private init(options: CommandLineOptions) {
    self.options = options
  }

  /// Finds and reads the config file: `--config`, else `PORTAL_CONFIG` (both must exist), else
  /// the default path (which may be missing).
  private mutating func readFile(
    _ scanned: CommandLineOptions.Scanned, environment: (String) -> String?
  ) throws(UsageError) -> ConfigFile? {
    if let path = scanned.configFile {
      (configFile, configFileSource) = (path, .flag("--config"))
    } else if let path = ConfigEnvironment.value(
      ConfigEnvironment.configVariable, in: environment)
    {
      (configFile, configFileSource) = (path, .environment(ConfigEnvironment.configVariable))
    } else {
      configFile = ConfigFile.defaultPath(environment: environment)
    }
    guard let configFile else { return nil }
    let file = try ConfigFile.read(configFile, required: configFileSource != .builtIn)
    configFileFound = file != nil
    return file
  }

  /// The profile: `--profile`, else `PORTAL_PROFILE`, else the config file's `profile`. Each is
  /// checked even when a higher one wins, as a setting's value is.
  private mutating func chooseProfile(
    _ scanned: CommandLineOptions.Scanned, file: ConfigFile?,
    environment: (String) -> String?
  ) throws(UsageError) {
    let variable = ConfigEnvironment.profileVariable
    var fromEnvironment: Profile?
    if let text = ConfigEnvironment.value(variable, in: environment) {
      do {
        fromEnvironment = try Profile.named(text)
      } catch {
        throw UsageError(message: "profile from \(variable) \(error.predicate)")
      }
    }
    let fromFile = try file?.profile()
    if let profile = scanned.profile {
      (self.profile, profileSource) = (profile, .flag("--profile"))
    } else if let fromEnvironment {
      (profile, profileSource) = (fromEnvironment, .environment(variable))
    } else if let fromFile, let file {
      (profile, profileSource) = (fromFile, .file(file.path))
    }
  }

  /// Lays one layer's values over what is there. One layer cannot give two settings that share
  /// a value (`--key-fd` and `--key-file`); a higher layer's replaces a lower one's.
  private mutating func apply(_ layer: [Setting.Assignment]) throws(UsageError) {
    var given: [String: Setting.Assignment] = [:]
    for assignment in layer {
      let setting = assignment.setting
      if let other = setting.excludes.lazy.compactMap({ given[$0] }).first {
        let pair = [other, assignment].sorted { first, second in
          Setting.all.firstIndex { $0.key == first.setting.key }!
            < Setting.all.firstIndex { $0.key == second.setting.key }!
        }
        throw UsageError(
          message:
            "\(pair[0].setting.subject(from: pair[0].source)) and \(pair[1].setting.subject(from: pair[1].source)) cannot be used together"
        )
      }
      do {
        try setting.apply(assignment.text, &options)
      } catch {
        throw UsageError(message: setting.message(error, from: assignment.source))
      }
      for key in setting.excludes { sources[key] = nil }
      sources[setting.key] = assignment.source
      given[setting.key] = assignment
    }
  }

  /// Only the server (and `config`, which shows the server's configuration) takes an upstream
  /// from the file or the environment; `--check` and the commands take `--upstream` alone. A
  /// replica's tuning flags need an upstream from somewhere.
  private mutating func settleUpstream(_ scanned: CommandLineOptions.Scanned) throws(UsageError) {
    let serves = options.action == .serve || options.action == .showConfiguration
    let source = source(of: "upstream")
    if options.replica.upstream != nil, source != .flag("--upstream") {
      guard serves else {
        options.replica.upstream = nil
        sources["upstream"] = nil
        return
      }
      if options.inMemory {
        throw UsageError(
          message:
            "upstream from \(source.origin) cannot be used with --in-memory: a replica keeps its data in a data directory; unset it or give --data-dir"
        )
      }
    }
    if serves, options.replica.upstream == nil,
      let flag = scanned.given.first(where: { Setting.replicaFlags.contains($0) })
    {
      throw UsageError(
        message:
          "\(flag) needs --upstream URL (or PORTAL_UPSTREAM, or upstream in the config file)")
    }
  }
}
