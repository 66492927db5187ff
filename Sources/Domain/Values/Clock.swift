/// Where "now" comes from. A parameter, not a global, so tests and transcripts pin it
/// (`--clock fixed:…`) and every timestamp the server writes is reproducible.
public struct Clock: Sendable {
  private let read: @Sendable () -> Timestamp

  public init(_ read: @escaping @Sendable () -> Timestamp) { self.read = read }

  public func now() -> Timestamp { read() }

  public static func fixed(_ instant: Timestamp) -> Clock { Clock { instant } }
}
