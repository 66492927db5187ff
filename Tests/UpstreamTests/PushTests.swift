import Domain
import Testing
import Upstream

@Suite("Sync agent: pushing the outbox")
struct PushTests {
  @Test("a due entry is pushed at once, and pushing goes on while entries remain")
  func pushesUntilEmpty() {
    var state = makeReadyState()
    #expect(state.pushNeeded(now: at(10)) == [.push])
    #expect(state.phase == .pushing)
    #expect(state.pushNeeded(now: at(11)) == [])
    #expect(state.pushSucceeded(now: at(12), remaining: 2) == [.push])
    #expect(state.pushSucceeded(now: at(13), remaining: 1) == [.push])
    #expect(state.pushSucceeded(now: at(14), remaining: 0) == [])
    #expect(state.phase == .ready)
    #expect(state.lastPushAt == at(14))
  }

  @Test("a rejected entry does not stop the ones behind it")
  func rejectionDoesNotWedge() {
    var state = makeReadyState()
    _ = state.pushNeeded(now: at(10))
    #expect(state.pushRejected(now: at(11), remaining: 2) == [.push])
    #expect(state.pushRejected(now: at(12), remaining: 1) == [.push])
    #expect(state.pushSucceeded(now: at(13), remaining: 0) == [])
    #expect(state.phase == .ready)
    #expect(state.lastError == nil)
    #expect(state.isOnline)
  }

  @Test("a temporary failure waits with backoff, keeps the order, and lets pulls go on")
  func temporaryFailureBacksOff() throws {
    var state = makeReadyState(cursor: 10)
    _ = state.pushNeeded(now: at(100))
    let actions = state.pushFailedTemporarily(now: at(100), failure: .server(sqlState: "40001"))
    let retryAt = try #require(state.pushRetryAt)
    #expect(actions == [.waitUntil(retryAt)])
    #expect((at(100)...at(1_100)).contains(retryAt))
    #expect(state.phase == .ready)
    #expect(state.isOnline)
    #expect(state.nextRetryAt == retryAt)
    #expect(state.status.attempts == 1)
    #expect(state.lastError == .server(sqlState: "40001"))
    // New local writes do not jump the queue while it waits.
    #expect(state.pushNeeded(now: at(101)) == [])
    // Pulls go on meanwhile.
    #expect(state.notified(now: at(102)) == [.pull(after: 10)])
    #expect(state.pullSucceeded(now: at(103), cursor: 12, hasMore: false) == [])
    // When the wait ends, the same head entry is pushed again.
    #expect(state.tick(now: retryAt) == [.push])
    #expect(state.pushSucceeded(now: retryAt, remaining: 0) == [])
    #expect(state.pushFailures == 0)
    #expect(state.lastError == nil)
  }

  @Test("repeated temporary failures wait longer, within the jitter's bounds")
  func temporaryFailuresGrow() throws {
    let backoff = Backoff()
    var state = makeReadyState()
    _ = state.pushNeeded(now: at(0))
    var now = at(0)
    for failure in 1...10 {
      _ = state.pushFailedTemporarily(now: now, failure: .server(sqlState: "55P03"))
      let retryAt = try #require(state.pushRetryAt)
      let wait = retryAt.millisecondsSinceEpoch - now.millisecondsSinceEpoch
      #expect((0...backoff.ceiling(afterFailures: failure)).contains(wait))
      #expect(state.pushFailures == failure)
      now = retryAt
      #expect(state.tick(now: now) == [.push])
    }
  }

  @Test("the connection is lost mid-push: after the reconnect a pull runs first, then the push")
  func lostMidPush() throws {
    var state = makeReadyState(cursor: 10)
    _ = state.pushNeeded(now: at(100))
    let actions = state.connectionLost(now: at(101))
    let until = try #require(state.backoffUntil)
    #expect(actions == [.dropConnection, .waitUntil(until)])
    #expect(!state.isOnline)
    #expect(state.pushWanted)
    #expect(state.pushSucceeded(now: at(102), remaining: 0) == [])
    #expect(state.tick(now: until) == [.connect])
    #expect(state.connectSucceeded(now: until) == [.pull(after: 10)])
    #expect(state.pullSucceeded(now: until, cursor: 11, hasMore: false) == [.push])
  }

  @Test("a write while offline is pushed after the reconnect's pull")
  func writeWhileOffline() {
    var state = makeReadyState()
    _ = state.connectionLost(now: at(0))
    #expect(state.pushNeeded(now: at(1)) == [])
    #expect(state.admitsLocalWrites)
    _ = state.tick(now: state.backoffUntil!)
    #expect(state.connectSucceeded(now: at(5_000)) == [.pull(after: 10)])
    #expect(state.pullSucceeded(now: at(5_001), cursor: 10, hasMore: false) == [.push])
  }

  @Test("with --offline off, no local write is admitted while offline")
  func offlineOffRefusesWrites() {
    var state = makeReadyState(queuesWhileOffline: false)
    #expect(state.admitsLocalWrites)
    _ = state.connectionLost(now: at(0))
    #expect(!state.admitsLocalWrites)
  }

  @Test("a reconnect pushes at once, even if the push was waiting")
  func reconnectEndsPushWait() {
    var state = makeReadyState()
    _ = state.pushNeeded(now: at(0))
    _ = state.pushFailedTemporarily(now: at(0), failure: .server(sqlState: "40P01"))
    _ = state.heartbeatDue(now: at(1))
    _ = state.heartbeatMissed(now: at(2))
    _ = state.tick(now: state.backoffUntil!)
    _ = state.connectSucceeded(now: at(10_000))
    #expect(state.pushRetryAt == nil)
    #expect(state.pullSucceeded(now: at(10_001), cursor: 10, hasMore: false) == [.push])
  }
}
