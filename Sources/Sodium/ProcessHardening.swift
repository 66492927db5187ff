internal import CSodium

/// What a process holding a store key does first: no core files, and no reading of its memory
/// by other processes of the same user (Linux: `PR_SET_DUMPABLE` 0).
public enum ProcessHardening {
  /// True when both settings took.
  @discardableResult
  public static func apply() -> Bool { portal_harden_process() == 0 }
}
