/// Where the store's encryption key is read from: an inherited descriptor (`--key-fd N`) or a
/// file only its owner may read (`--key-file PATH`). Never the command line or the environment,
/// which other users, `ps` and crash reports can see.
public enum StoreKeySource: Sendable, Equatable {
  case descriptor(Int32)
  case file(String)

  /// The flag that names this source (`--key-fd`, or `--new-key-file` for a rekey's new key).
  func flag(new: Bool) -> String {
    let kind =
      switch self {
      case .descriptor: "fd"
      case .file: "file"
      }
    return new ? "--new-key-\(kind)" : "--key-\(kind)"
  }

  /// The source a flag names, checked for shape only (the key is read later, once).
  static func parse(flag: String, value: String) throws(CommandLineOptions.UsageError) -> Self {
    if flag.hasSuffix("-fd") {
      guard let descriptor = Int32(value), descriptor >= 3 else {
        throw .init(
          message:
            "\(flag) must be a descriptor number of 3 or more (0, 1 and 2 carry the protocol and the log)"
        )
      }
      return .descriptor(descriptor)
    }
    guard !value.isEmpty else { throw .init(message: "\(flag) needs a file path") }
    return .file(value)
  }
}
