/// One NOTIFY that reached a connection which LISTENs on its channel.
public struct PostgresNotification: Sendable, Equatable {
  public var channel: String
  public var payload: String
  /// The process id of the server backend that sent it.
  public var senderPID: Int32

  public init(channel: String, payload: String, senderPID: Int32) {
    self.channel = channel
    self.payload = payload
    self.senderPID = senderPID
  }
}
