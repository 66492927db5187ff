extension Setting {
  /// The candidate closest to a misspelt `name` (same letters in another case, or a few edits
  /// away), or nil when none is close: a short name allows one edit, a longer one two.
  static func nearest(to name: String, among candidates: [String]) -> String? {
    let lowered = name.lowercased()
    let limit = lowered.count <= 5 ? 1 : 2
    return
      candidates
      .map { ($0, editDistance(lowered, $0.lowercased(), limit: limit)) }
      .filter { $0.1 <= limit }
      .min { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }?.0
  }

  /// `key` as a `PORTAL_*` name: `retryBaseMs` is `PORTAL_RETRY_BASE_MS`.
  static func variableName(forKey key: String) -> String {
    var name = "PORTAL_"
    for character in key {
      if character.isUppercase { name += "_" }
      name += character.uppercased()
    }
    return name
  }
}
