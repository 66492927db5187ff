internal import PortalJSON

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// The config file: one JSON object of settings by key (`Setting.all`, plus `profile`), read
/// from `--config PATH` (or `PORTAL_CONFIG`), else `$XDG_CONFIG_HOME/portal-rpc/config.json`
/// (`~/.config/…`). Its contents are never echoed: errors name the file, a key and a byte offset.
///
/// - SeeAlso: `docs/configuration.md`, "The config file".
struct ConfigFile {
  typealias UsageError = CommandLineOptions.UsageError

  /// A file of settings is small; anything larger is not one.
  static let largestSize = 1 << 20
  /// The seed's names for settings we have under another key, for the "did you mean" of an
  /// unknown key.
  static let seedNames = [
    "apiUrl": "upstream", "enableRealTime": "realtime", "enableOffline": "offline",
  ]

  let path: String
  /// Its members, in the file's order.
  let members: [JSONObject.Member]

  /// Where the file is when neither `--config` nor `PORTAL_CONFIG` says: under
  /// `$XDG_CONFIG_HOME` (an absolute path), else `$HOME/.config`; nil when neither is set.
  static func defaultPath(environment: (String) -> String?) -> String? {
    if let xdg = environment("XDG_CONFIG_HOME"), xdg.hasPrefix("/") {
      return xdg + "/portal-rpc/config.json"
    }
    if let home = environment("HOME"), !home.isEmpty {
      return home + "/.config/portal-rpc/config.json"
    }
    return nil
  }

  /// Reads and parses the file at `path`: nil when it does not exist and was not asked for by
  /// name (`required`). Refuses a file another user could have written: its settings choose the
  /// data directory, the key file and the upstream.
  static func read(_ path: String, required: Bool) throws(UsageError) -> ConfigFile? {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      let code = errno
      if code == ENOENT || code == ENOTDIR {
        guard required else { return nil }
        throw UsageError(message: "config file \(path) does not exist")
      }
      throw UsageError(message: "config file \(path) cannot be read: \(reason(code))")
    }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else {
      throw UsageError(message: "config file \(path) cannot be read: \(reason(errno))")
    }
    guard info.st_mode & S_IFMT == S_IFREG else {
      throw UsageError(message: "config file \(path) is not a regular file")
    }
    if info.st_mode & 0o022 != 0 {
      throw UsageError(
        message:
          "config file \(path) may be written by other users (mode 0\(String(info.st_mode & 0o777, radix: 8))), who could then choose this server's data, key and upstream; run chmod go-w on it"
      )
    }
    if info.st_uid != geteuid() && info.st_uid != 0 {
      throw UsageError(
        message:
          "config file \(path) belongs to another user (uid \(info.st_uid)); it must be yours or root's"
      )
    }
    guard Int(info.st_size) <= largestSize else {
      throw UsageError(message: "config file \(path) is larger than 1 MiB; it holds settings only")
    }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16_384)
    while bytes.count <= largestSize {
      let count = Glibc.read(descriptor, &chunk, chunk.count)
      if count < 0 && errno == EINTR { continue }
      guard count >= 0 else {
        throw UsageError(message: "config file \(path) cannot be read: \(reason(errno))")
      }
      if count == 0 { break }
      bytes += chunk[..<count]
    }
    let value: JSONValue
    do {
      value = try JSONParser.parse(bytes)
    } catch {
      throw UsageError(message: "config file \(path) is not valid JSON: \(error.message)")
    }
    guard case .object(let object) = value else {
      throw UsageError(
        message: "config file \(path) must hold one JSON object of settings, not \(value.typeName)")
    }
    return ConfigFile(path: path, members: object.members)
  }

  /// The profile the file names (its `profile` member), if any.
  func profile() throws(UsageError) -> Profile? {
    guard let member = members.first(where: { $0.key == "profile" }) else { return nil }
    guard case .string(let text) = member.value, let profile = Profile(rawValue: text) else {
      throw UsageError(
        message: "profile from config file \(path) must be \"production\" or \"development\"")
    }
    return profile
  }

  /// Its settings in the file's order, each turned into the text its entry checks. Refuses an
  /// unknown key, a key that is not read from files, and a value of the wrong JSON type.
  func assignments() throws(UsageError) -> [Setting.Assignment] {
    var assignments: [Setting.Assignment] = []
    for member in members where member.key != "profile" {
      guard let setting = Setting.byKey[member.key], setting.inFile else {
        throw UsageError(message: "config file \(path): \(refusal(ofKey: member.key))")
      }
      let source = SettingSource.file(path)
      do {
        assignments.append(
          .init(setting: setting, text: try setting.text(fromFile: member.value), source: source))
      } catch {
        throw UsageError(message: setting.message(error, from: source))
      }
    }
    return assignments
  }

  /// Why `key` is not a setting of the file, with what to use instead.
  private func refusal(ofKey key: String) -> String {
    if let setting = Setting.byKey[key] {
      return "\(key) cannot be set in a config file; it is given only as the flag \(setting.flag)"
    }
    if key.lowercased().hasSuffix("key") || key.lowercased().hasSuffix("password") {
      return
        "\(Self.shown(key)) is refused: a key or password is never read from a config file; name the key's file with keyFile, or give --key-fd N"
    }
    let keys = Setting.all.filter(\.inFile).map(\.key) + ["profile"]
    let near =
      Self.seedNames[key]
      ?? Setting.nearest(to: key, among: keys + Array(Self.seedNames.keys))
      .map { Self.seedNames[$0] ?? $0 }
    return "unknown key \"\(Self.shown(key))\"" + (near.map { " (did you mean \($0)?)" } ?? "")
  }

  /// A key as an error may show it: printable ASCII, at most 64 characters (a file may hold
  /// anything, a key too).
  static func shown(_ key: String) -> String {
    let scalars = key.unicodeScalars
    let printable = scalars.prefix(64).map { scalar in
      (0x20..<0x7F).contains(scalar.value) && scalar != "\"" && scalar != "\\"
        ? String(scalar) : "?"
    }
    return printable.joined() + (scalars.count > 64 ? "..." : "")
  }

  /// A file-system error code in words.
  private static func reason(_ code: Int32) -> String {
    switch code {
    case EACCES, EPERM: "permission denied"
    case EISDIR: "it is a directory"
    default: String(cString: strerror(code))
    }
  }
}
