import Domain
import Testing
import Upstream

@Suite("Sync agent: start, connect, back off, reconnect")
struct LifecycleTests {
  @Test("idle until started; start connects once")
  func startConnects() {
    var state = makeState()
    #expect(state.phase == .idle)
    #expect(!state.isOnline)
    #expect(state.tick(now: at(0)) == [])
    #expect(state.notified(now: at(0)) == [])
    #expect(state.start() == [.connect])
    #expect(state.phase == .connecting)
    #expect(state.start() == [])
  }

  @Test("every connect starts with a pull from the cursor, then pushes the queue")
  func connectPullsThenPushes() {
    var state = makeState(cursor: 41)
    _ = state.start()
    #expect(state.connectSucceeded(now: at(5)) == [.pull(after: 41)])
    #expect(state.phase == .pulling)
    #expect(state.isOnline)
    #expect(state.pullSucceeded(now: at(6), cursor: 45, hasMore: false) == [.push])
    #expect(state.phase == .pushing)
    #expect(state.cursor == 45)
  }

  @Test("the server dies while we are starting: back off within the first ceiling, then retry")
  func serverDiesWhileStarting() throws {
    var state = makeState()
    _ = state.start()
    let actions = state.connectFailed(now: at(1_000))
    let until = try #require(state.backoffUntil)
    #expect(actions == [.waitUntil(until)])
    #expect((at(1_000)...at(2_000)).contains(until))
    #expect(state.connectionFailures == 1)
    #expect(state.lastError == .connectFailed)
    #expect(!state.isOnline)
    #expect(state.nextRetryAt == until)
  }

  @Test("the connection is lost while it is being made: dropped, then backed off")
  func lostWhileConnecting() throws {
    var state = makeState()
    _ = state.start()
    let actions = state.deadlineExceeded(now: at(0))
    let until = try #require(state.backoffUntil)
    #expect(actions == [.dropConnection, .waitUntil(until)])
    #expect(state.lastError == .timedOut)
  }

  @Test("tick leaves a backoff only when it has ended")
  func tickEndsBackoff() throws {
    var state = makeState()
    _ = state.start()
    _ = state.connectFailed(now: at(0))
    let until = try #require(state.backoffUntil)
    #expect(
      state.tick(now: Timestamp(millisecondsSinceEpoch: until.millisecondsSinceEpoch - 1)) == [])
    #expect(state.backoffUntil == until)
    #expect(state.tick(now: until) == [.connect])
    #expect(state.phase == .connecting)
  }

  @Test("reconnect waits grow and are capped, each within its full-jitter bounds")
  func reconnectBackoffGrows() throws {
    let backoff = Backoff(baseMilliseconds: 100, capMilliseconds: 1_600)
    for seed in UInt64(1)...50 {
      var state = makeState(backoff: backoff, seed: seed)
      var now = at(0)
      _ = state.start()
      for failure in 1...9 {
        _ = state.connectFailed(now: now)
        let until = try #require(state.backoffUntil)
        let wait = until.millisecondsSinceEpoch - now.millisecondsSinceEpoch
        #expect(
          (0...backoff.ceiling(afterFailures: failure)).contains(wait), "seed \(seed)")
        #expect(state.connectionFailures == failure)
        #expect(state.status.attempts == failure)
        now = until
        #expect(state.tick(now: now) == [.connect])
      }
    }
    #expect(backoff.ceiling(afterFailures: 9) == 1_600)
  }

  @Test("a server that accepts and then dies still backs off longer each time")
  func flappingServerBacksOff() {
    var state = makeState()
    _ = state.start()
    for failure in 1...4 {
      _ = state.connectSucceeded(now: at(0))
      _ = state.connectionLost(now: at(0))
      #expect(state.connectionFailures == failure)
      _ = state.tick(now: state.backoffUntil!)
    }
  }

  @Test("the first call that works on a new connection resets the failures and the error")
  func successResets() {
    var state = makeState()
    _ = state.start()
    _ = state.connectFailed(now: at(0))
    _ = state.tick(now: state.backoffUntil!)
    _ = state.connectSucceeded(now: at(2_000))
    _ = state.pullSucceeded(now: at(2_001), cursor: 3, hasMore: false)
    #expect(state.connectionFailures == 0)
    #expect(state.lastError == nil)
  }

  @Test("completions that arrive in the wrong phase change nothing")
  func staleEventsAreIgnored() {
    var state = makeState()
    _ = state.start()
    _ = state.connectFailed(now: at(0))
    let before = state.phase
    #expect(state.pullSucceeded(now: at(1), cursor: 99, hasMore: false) == [])
    #expect(state.pushSucceeded(now: at(1), remaining: 0) == [])
    #expect(state.heartbeatSucceeded(now: at(1)) == [])
    #expect(state.connectSucceeded(now: at(1)) == [])
    #expect(state.heartbeatMissed(now: at(1)) == [])
    #expect(state.phase == before)
    #expect(state.cursor == 0)
  }

  @Test("stop drops a live connection, and a connect that completes after it is closed")
  func stop() {
    var ready = makeReadyState()
    #expect(ready.stop() == [.dropConnection])
    #expect(ready.phase == .stopped)
    #expect(ready.start() == [])

    var connecting = makeState()
    _ = connecting.start()
    #expect(connecting.stop() == [.dropConnection])
    #expect(connecting.connectSucceeded(now: at(0)) == [.dropConnection])

    var backingOff = makeState()
    _ = backingOff.start()
    _ = backingOff.connectFailed(now: at(0))
    #expect(backingOff.stop() == [])
    #expect(backingOff.tick(now: at(1_000_000)) == [])
  }
}
