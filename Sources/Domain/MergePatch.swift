public import PortalJSON

/// JSON Merge Patch (RFC 7396): objects merge recursively, arrays and scalars replace, and `null`
/// removes a member. Pure: returns the patched value.
public enum MergePatch {
  public static func apply(_ patch: JSONValue, to target: JSONValue) -> JSONValue {
    guard case .object(let patchObject) = patch else { return patch }
    return .object(apply(patchObject, to: target.objectValue ?? JSONObject()))
  }

  public static func apply(_ patch: JSONObject, to target: JSONObject) -> JSONObject {
    var result = target
    for member in patch {
      if member.value.isNull {
        result.removeValue(forKey: member.key)
      } else {
        result[member.key] = apply(member.value, to: result[member.key] ?? .null)
      }
    }
    return result
  }
}
