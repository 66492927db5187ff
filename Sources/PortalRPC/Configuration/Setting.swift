internal import PortalJSON

/// One setting of the server: its key in the config file, its flag, its `PORTAL_*` variable, how
/// its text is checked and where it goes in `CommandLineOptions`. Every layer (profile, file,
/// environment, flags) sets it through this one entry; the entries are in `Setting+Table.swift`.
///
/// - SeeAlso: `docs/configuration.md`.
struct Setting: Sendable {
  /// How a value is written in the config file (JSON) and on the command line or in a variable.
  enum Kind: Sendable {
    /// A string in the file; the text itself elsewhere.
    case text
    /// An absolute path in the file; any path on the command line and in the environment.
    case path
    /// A whole number in the file; its digits elsewhere.
    case number
    /// `true` or `false` in the file; `on` or `off` elsewhere.
    case toggle
    /// A string such as `"15m"`, or a number of seconds, in the file.
    case duration
    /// A flag without a value (`--demo`).
    case presence
  }

  /// Why a value cannot be used, as the end of a sentence whose subject names the setting and
  /// where the value came from: "must be full or normal".
  struct Problem: Error {
    let predicate: String
    init(_ predicate: String) { self.predicate = predicate }
  }

  /// One value for one setting, from one layer, as text (a file's JSON is turned into text first).
  struct Assignment: Sendable {
    let setting: Setting
    let text: String
    let source: SettingSource
  }

  /// The camelCase name: the config file's key, and the name `portal-rpc config` and errors use.
  let key: String
  let flag: String
  /// The environment variable; nil when the setting is not read from the environment.
  let variable: String?
  /// Whether the config file may hold it.
  let inFile: Bool
  /// Shown as `<redacted>` by `portal-rpc config`.
  let isSecret: Bool
  let kind: Kind
  /// A setting of the replica (`--upstream` and the flags that tune it).
  let isReplica: Bool
  /// Settings that share this one's value (the key's two sources): a higher layer's value replaces
  /// theirs, and one layer cannot give both.
  let excludes: [String]
  /// What `portal-rpc config` shows when the setting has no value ("none", "the system's").
  let unsetText: String
  /// Checks `text` and writes the value into the options.
  let apply: @Sendable (String, inout CommandLineOptions) throws(Problem) -> Void
  /// The effective value in `options`, as the file would write it; null when unset.
  let show: @Sendable (CommandLineOptions) -> JSONValue

  init(
    _ key: String, flag: String, variable: String?, inFile: Bool = true, isSecret: Bool = false,
    kind: Kind, isReplica: Bool = false, excludes: [String] = [], unsetText: String = "none",
    apply: @escaping @Sendable (String, inout CommandLineOptions) throws(Problem) -> Void,
    show: @escaping @Sendable (CommandLineOptions) -> JSONValue
  ) {
    self.key = key
    self.flag = flag
    self.variable = variable
    self.inFile = inFile
    self.isSecret = isSecret
    self.kind = kind
    self.isReplica = isReplica
    self.excludes = excludes
    self.unsetText = unsetText
    self.apply = apply
    self.show = show
  }

  /// The sentence for a value from `source` that `problem` refuses: the flag alone for a flag
  /// (as always), else the key and where the value came from.
  func message(_ problem: Problem, from source: SettingSource) -> String {
    "\(subject(from: source)) \(problem.predicate)"
  }

  /// How a message names this setting's value from `source`: `--durability`, or
  /// `durability from PORTAL_DURABILITY`.
  func subject(from source: SettingSource) -> String {
    if case .flag = source { return flag }
    return "\(key) from \(source.origin)"
  }

  /// The text a config file's `value` stands for, or why it has the wrong JSON type.
  func text(fromFile value: JSONValue) throws(Problem) -> String {
    switch (kind, value) {
    case (.text, .string(let text)): return text
    case (.path, .string(let text)):
      guard text.hasPrefix("/") else { throw Problem("must be an absolute path") }
      return text
    case (.number, .number(let number)): return number.literal
    case (.toggle, .bool(let on)): return on ? "on" : "off"
    case (.duration, .string(let text)): return text
    case (.duration, .number(let number)): return number.literal
    case (.text, _): throw Problem("must be a string")
    case (.path, _): throw Problem("must be a string holding an absolute path")
    case (.number, _): throw Problem("must be a number")
    case (.toggle, _): throw Problem("must be true or false")
    case (.duration, _): throw Problem("must be a duration such as \"15m\" or a number of seconds")
    case (.presence, _): throw Problem("is a flag only")
    }
  }
}
