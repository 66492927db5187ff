import Foundation

/// A new, empty directory under the system's temporary directory, named `prefix-UUID`.
func temporaryDirectory(_ prefix: String) throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent(
    "\(prefix)-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// The permission bits of the file at `url`.
func permissions(_ url: URL) throws -> Int? {
  try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int
}

/// Request lines for `PortalProcess.run`: `initialize` first, then each `(method, params)` with
/// ids 1, 2, …
func requestLines(_ calls: [(String, String)]) -> Data {
  var text = #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}"# + "\n"
  for (index, call) in calls.enumerated() {
    text += #"{"jsonrpc":"2.0","id":\#(index + 1),"method":"\#(call.0)","params":\#(call.1)}"#
    text += "\n"
  }
  return Data(text.utf8)
}
