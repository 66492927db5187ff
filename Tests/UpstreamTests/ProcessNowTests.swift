import Domain
import Testing
import Upstream

@Suite("Sync agent: processSyncQueue")
struct ProcessNowTests {
  @Test("connected and idle: push now, answered when the queue is drained")
  func pushesNow() {
    var state = makeReadyState()
    #expect(state.processNow(now: at(0)) == [.push])
    #expect(state.pushRejected(now: at(1), remaining: 1) == [.push])
    #expect(state.pushSucceeded(now: at(2), remaining: 0) == [.answerQueueRequests(.drained)])
    #expect(state.phase == .ready)
  }

  @Test("an empty queue is answered at once")
  func emptyQueue() {
    var state = makeReadyState()
    #expect(state.processNow(now: at(0)) == [.push])
    #expect(state.nothingToPush(now: at(1)) == [.answerQueueRequests(.drained)])
    #expect(state.lastPushAt == nil)
  }

  @Test("during a pull, the push follows it")
  func duringPull() {
    var state = makeReadyState(cursor: 10)
    _ = state.notified(now: at(0))
    #expect(state.processNow(now: at(1)) == [])
    #expect(state.pullSucceeded(now: at(2), cursor: 10, hasMore: false) == [.push])
  }

  @Test("during a backoff: the wait is reset and the connection retried at once")
  func duringBackoff() {
    var state = makeReadyState(cursor: 10)
    _ = state.connectionLost(now: at(0))
    #expect(state.processNow(now: at(1)) == [.connect])
    #expect(state.phase == .connecting)
    #expect(state.connectSucceeded(now: at(2)) == [.pull(after: 10)])
    #expect(state.pullSucceeded(now: at(3), cursor: 10, hasMore: false) == [.push])
    #expect(state.pushSucceeded(now: at(4), remaining: 0) == [.answerQueueRequests(.drained)])
  }

  @Test("during a backoff, a retry that fails answers -32006 and backs off further")
  func retryFails() {
    var state = makeReadyState()
    _ = state.connectionLost(now: at(0))
    _ = state.processNow(now: at(1))
    let actions = state.connectFailed(now: at(2))
    #expect(actions == [.answerQueueRequests(.unavailable), .waitUntil(state.backoffUntil!)])
    #expect(state.connectionFailures == 2)
  }

  @Test("offline with --offline off: answered -32006 at once, and the connection retried")
  func offlineOff() {
    var state = makeReadyState(queuesWhileOffline: false)
    _ = state.connectionLost(now: at(0))
    #expect(state.processNow(now: at(1)) == [.answerQueueRequests(.unavailable), .connect])
    #expect(!state.queueRequestsWaiting)
    #expect(state.processNow(now: at(2)) == [.answerQueueRequests(.unavailable)])
    #expect(state.connectSucceeded(now: at(3)) == [.pull(after: 10)])
    #expect(state.processNow(now: at(4)) == [])
    #expect(state.queueRequestsWaiting)
  }

  @Test("while a push waits after a temporary failure: the wait is cut short")
  func duringPushWait() {
    var state = makeReadyState()
    _ = state.pushNeeded(now: at(0))
    _ = state.pushFailedTemporarily(now: at(0), failure: .server(sqlState: "40001"))
    #expect(state.processNow(now: at(1)) == [.push])
    #expect(state.pushRetryAt == nil)
  }

  @Test("a push that fails temporarily, or a lost connection, answers the waiting requests")
  func failuresAnswerWaiters() {
    var state = makeReadyState()
    _ = state.processNow(now: at(0))
    let actions = state.pushFailedTemporarily(now: at(1), failure: .server(sqlState: "53300"))
    #expect(actions == [.answerQueueRequests(.unavailable), .waitUntil(state.pushRetryAt!)])

    var lost = makeReadyState()
    _ = lost.processNow(now: at(0))
    let lostActions = lost.connectionLost(now: at(1))
    #expect(
      lostActions == [
        .dropConnection, .answerQueueRequests(.unavailable), .waitUntil(lost.backoffUntil!),
      ])
  }

  @Test("not started or stopped: -32006")
  func notStarted() {
    var idle = makeState()
    #expect(idle.processNow(now: at(0)) == [.answerQueueRequests(.unavailable)])
    var waiting = makeReadyState()
    _ = waiting.notified(now: at(0))
    _ = waiting.processNow(now: at(1))
    #expect(waiting.stop() == [.dropConnection, .answerQueueRequests(.unavailable)])
  }
}
