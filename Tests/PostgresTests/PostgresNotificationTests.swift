import Postgres
import TestSupport
import Testing

/// LISTEN/NOTIFY, the upstream's wake-up: a commit elsewhere reaches a waiting listener.
@Suite(.enabled(if: PostgresCluster.testsRun, PostgresCluster.missing))
struct PostgresNotificationTests {
  @Test func notificationFromAnotherConnectionWakesTheListener() throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    let listener = try cluster.connect()
    let sender = try cluster.connect()
    try listener.listen("portal_changes", deadline: .in(seconds: 10))

    // Nothing sent yet: the wait ends at its deadline, and the listener stays usable.
    #expect(try listener.waitForNotification(deadline: .in(seconds: 0.05)) == nil)
    #expect(listener.isOpen)

    try sender.notify("portal_changes", payload: "42", deadline: .in(seconds: 10))
    let notification = try listener.waitForNotification(deadline: .in(seconds: 10))
    #expect(notification?.channel == "portal_changes")
    #expect(notification?.payload == "42")
    #expect(notification?.senderPID == sender.backendPID)

    // A rolled-back NOTIFY is never delivered; a committed one after it is.
    try sender.execute(
      "BEGIN; SELECT pg_notify('portal_changes', '43'); ROLLBACK;", deadline: .in(seconds: 10))
    try sender.execute(
      "BEGIN; SELECT pg_notify('portal_changes', '44'); COMMIT;", deadline: .in(seconds: 10))
    #expect(try listener.waitForNotification(deadline: .in(seconds: 10))?.payload == "44")
  }
}
