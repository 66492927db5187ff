import Domain
import Testing
import Upstream

@Suite("Sync agent: what getSyncStatus shows")
struct StatusTests {
  @Test("online, phase, cursor and the last push and pull")
  func online() {
    var state = makeReadyState(cursor: 10)
    _ = state.pushNeeded(now: at(20))
    _ = state.pushSucceeded(now: at(21), remaining: 0)
    let status = state.status
    #expect(status.online)
    #expect(status.phase == "ready")
    #expect(status.attempts == 0)
    #expect(status.nextRetryAt == nil)
    #expect(status.lastError == nil)
    #expect(status.lastPushAt == at(21))
    #expect(status.lastPullAt == at(1))
    #expect(status.cursor == 10)
  }

  @Test("offline: the attempts, the next retry and a sentence without patient data")
  func offline() {
    var state = makeReadyState(cursor: 10)
    _ = state.connectionLost(now: at(30))
    let status = state.status
    #expect(!status.online)
    #expect(status.phase == "backoff")
    #expect(status.attempts == 1)
    #expect(status.nextRetryAt == state.backoffUntil)
    #expect(status.lastError == "the connection to the upstream was lost")
  }

  @Test("a server error shows its SQLSTATE only")
  func serverError() {
    #expect(
      SyncFailure.server(sqlState: "57P03").description
        == "the upstream answered with SQLSTATE 57P03")
  }

  @Test("every phase has its name")
  func phaseNames() {
    let phases: [SyncAgentState.Phase] = [
      .idle, .connecting, .backoff(until: at(0)), .ready, .pulling, .pushing, .heartbeating,
      .stopped,
    ]
    #expect(
      phases.map(\.name) == [
        "idle", "connecting", "backoff", "ready", "pulling", "pushing", "heartbeating", "stopped",
      ])
  }
}
