import Domain
import Testing
import Upstream

@Suite("Sync agent: heartbeat and deadlines")
struct HeartbeatTests {
  @Test("an idle connection sends a heartbeat; an answered one lets owed work run")
  func heartbeat() {
    var state = makeReadyState(cursor: 10)
    #expect(state.heartbeatDue(now: at(0)) == [.sendHeartbeat])
    #expect(state.phase == .heartbeating)
    #expect(state.notified(now: at(1)) == [])
    #expect(state.heartbeatSucceeded(now: at(2)) == [.pull(after: 10)])
  }

  @Test("no heartbeat while a call is in flight or while offline")
  func noHeartbeatWhenBusy() {
    var state = makeReadyState()
    _ = state.pushNeeded(now: at(0))
    #expect(state.heartbeatDue(now: at(1)) == [])
    #expect(state.phase == .pushing)
    _ = state.connectionLost(now: at(2))
    #expect(state.heartbeatDue(now: at(3)) == [])
  }

  @Test("a missed heartbeat drops the connection and backs off, then reconnects with a pull")
  func heartbeatMissed() throws {
    var state = makeReadyState(cursor: 10)
    _ = state.heartbeatDue(now: at(0))
    let actions = state.heartbeatMissed(now: at(5_000))
    let until = try #require(state.backoffUntil)
    #expect(actions == [.dropConnection, .waitUntil(until)])
    #expect(!state.isOnline)
    #expect(state.lastError == .heartbeatMissed)
    #expect(state.status.lastError == "the upstream did not answer the heartbeat")
    _ = state.tick(now: until)
    #expect(state.connectSucceeded(now: until) == [.pull(after: 10)])
  }

  @Test("a call past its deadline is a dead connection, whatever the call")
  func deadlineExceeded() {
    var state = makeReadyState()
    _ = state.notified(now: at(0))
    let actions = state.deadlineExceeded(now: at(30_000))
    #expect(actions == [.dropConnection, .waitUntil(state.backoffUntil!)])
    #expect(state.lastError == .timedOut)
  }
}
