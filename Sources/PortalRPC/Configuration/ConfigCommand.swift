internal import PortalJSON

/// `portal-rpc config [--json]`: the effective configuration, one line per setting with its value
/// and where the value came from (`default`, `profile P`, `file PATH`, `env PORTAL_X`,
/// `flag --x`), every secret shown as `<redacted>`.
///
/// - SeeAlso: `docs/configuration.md`, "Seeing the configuration".
enum ConfigCommand {
  /// What a secret's value is shown as.
  static let redacted = "<redacted>"

  /// The configuration as aligned text, or as JSON with `config --json`.
  static func render(_ configuration: Configuration, environment: (String) -> String?) -> String {
    let rows = self.rows(configuration, environment: environment)
    if configuration.options.json {
      var settings = JSONObject()
      for row in rows.dropFirst(2) {
        settings.appendUnchecked(row.key, .object(["value": row.value, "source": row.source]))
      }
      var file: JSONObject = ["value": rows[1].value, "source": rows[1].source]
      file.appendUnchecked("found", .bool(configuration.configFileFound))
      return JSONWriter.prettyPrinted(
        .object([
          "profile": .object(["value": rows[0].value, "source": rows[0].source]),
          "configFile": .object(file),
          "settings": .object(settings),
        ]))
    }
    let keyWidth = rows.map(\.key.count).max() ?? 0
    let valueWidth = rows.map(\.text.count).max() ?? 0
    return rows.map { row in
      row.key.padding(toLength: keyWidth + 2) + row.text.padding(toLength: valueWidth + 2)
        + (row.source.stringValue ?? "")
    }.joined(separator: "\n") + "\n"
  }

  /// One line of the output: the value as JSON (null when unset) and as text.
  private struct Row {
    let key: String
    let value: JSONValue
    let text: String
    let source: JSONValue
  }

  /// The profile, the config file, then every setting in the table's order.
  private static func rows(_ configuration: Configuration, environment: (String) -> String?)
    -> [Row]
  {
    let options = configuration.options
    var rows = [
      Row(
        key: "profile", value: configuration.profile.map { .string($0.rawValue) } ?? .null,
        text: configuration.profile?.rawValue ?? "(none)",
        source: .string(configuration.profileSource.description)),
      Row(
        key: "configFile", value: configuration.configFile.map(JSONValue.string) ?? .null,
        text: configuration.configFile.map {
          configuration.configFileFound ? $0 : "\($0) (absent)"
        } ?? "(none: no HOME)",
        source: .string(configuration.configFileSource.description)),
    ]
    for setting in Setting.all {
      var value = setting.show(options)
      var unset = "(\(setting.unsetText))"
      if setting.key == "dataDir", value == .null {
        // The default depends on the environment: show the directory it names.
        if options.inMemory {
          unset = "(none: in memory)"
        } else if let path = try? DataDirectory.resolve(explicit: nil, environment: environment) {
          value = .string(path)
        }
      }
      if setting.isSecret, value != .null { value = .string(redacted) }
      let text: String
      switch (value, setting.kind) {
      case (.null, _): text = unset
      case (.bool(let on), .toggle): text = on ? "on" : "off"
      case (.bool(let on), _): text = on ? "true" : "false"
      case (.number(let number), _): text = number.literal
      case (.string(let string), _): text = string
      default: text = "\(value)"
      }
      rows.append(
        Row(
          key: setting.key, value: value, text: text,
          source: .string(configuration.source(of: setting.key).description)))
    }
    return rows
  }
}

extension String {
  /// The string, followed by spaces up to `length` characters.
  fileprivate func padding(toLength length: Int) -> String {
    self + String(repeating: " ", count: max(0, length - count))
  }
}
