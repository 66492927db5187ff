import Domain
import Testing
import Upstream

@Suite("Sync agent: pulling the change log")
struct PullTests {
  @Test("a notification pulls from the cursor, page after page while there is more")
  func notifiedPullsPages() {
    var state = makeReadyState(cursor: 10)
    #expect(state.notified(now: at(100)) == [.pull(after: 10)])
    #expect(state.pullSucceeded(now: at(101), cursor: 510, hasMore: true) == [.pull(after: 510)])
    #expect(state.pullSucceeded(now: at(102), cursor: 700, hasMore: false) == [])
    #expect(state.phase == .ready)
    #expect(state.cursor == 700)
    #expect(state.lastPullAt == at(102))
  }

  @Test("the safety poll pulls like a notification")
  func safetyPoll() {
    var state = makeReadyState(cursor: 3)
    #expect(state.safetyPollDue(now: at(60_000)) == [.pull(after: 3)])
  }

  @Test("a notification during a push is not lost: a pull follows the push")
  func notificationDuringPush() {
    var state = makeReadyState(cursor: 10)
    _ = state.pushNeeded(now: at(0))
    #expect(state.notified(now: at(1)) == [])
    #expect(state.pushSucceeded(now: at(2), remaining: 1) == [.pull(after: 10)])
    #expect(state.pullSucceeded(now: at(3), cursor: 11, hasMore: false) == [.push])
  }

  @Test("a notification during a pull is not lost: another pull follows")
  func notificationDuringPull() {
    var state = makeReadyState(cursor: 10)
    _ = state.notified(now: at(0))
    #expect(state.notified(now: at(1)) == [])
    #expect(state.pullSucceeded(now: at(2), cursor: 12, hasMore: false) == [.pull(after: 12)])
    #expect(state.pullSucceeded(now: at(3), cursor: 12, hasMore: false) == [])
  }

  @Test("notifications while offline are not needed: the reconnect pulls anyway")
  func notificationWhileOffline() {
    var state = makeReadyState(cursor: 10)
    _ = state.connectionLost(now: at(0))
    #expect(state.notified(now: at(1)) == [])
    _ = state.tick(now: state.backoffUntil!)
    #expect(state.connectSucceeded(now: at(9_000)) == [.pull(after: 10)])
  }

  @Test("the cursor never goes back")
  func cursorMonotonic() {
    var state = makeReadyState(cursor: 10)
    _ = state.notified(now: at(0))
    _ = state.pullSucceeded(now: at(1), cursor: 4, hasMore: false)
    #expect(state.cursor == 10)
  }

  @Test("a failed pull replaces the connection, and the new one pulls from the same cursor")
  func pullFails() throws {
    var state = makeReadyState(cursor: 10)
    _ = state.notified(now: at(0))
    let actions = state.pullFailed(now: at(1), failure: .server(sqlState: "57P01"))
    let until = try #require(state.backoffUntil)
    #expect(actions == [.dropConnection, .waitUntil(until)])
    _ = state.tick(now: until)
    #expect(state.connectSucceeded(now: until) == [.pull(after: 10)])
  }
}
