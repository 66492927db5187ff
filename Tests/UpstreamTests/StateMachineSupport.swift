import Domain
import TestSupport
import Upstream

/// An instant `milliseconds` after a fixed origin.
func at(_ milliseconds: Int64) -> Timestamp {
  Timestamp(millisecondsSinceEpoch: 1_800_000_000_000 + milliseconds)
}

/// A state with a seeded jitter source.
func makeState(
  cursor: Int64 = 0, backoff: Backoff = Backoff(), queuesWhileOffline: Bool = true,
  seed: UInt64 = 7
) -> SyncAgentState {
  SyncAgentState(
    cursor: cursor, backoff: backoff, queuesWhileOffline: queuesWhileOffline,
    random: SeededGenerator(seed: seed))
}

/// A state that is connected, has pulled up to `cursor`, and has nothing in flight.
func makeReadyState(cursor: Int64 = 10, queuesWhileOffline: Bool = true) -> SyncAgentState {
  var state = makeState(cursor: 0, queuesWhileOffline: queuesWhileOffline)
  _ = state.start()
  _ = state.connectSucceeded(now: at(0))
  _ = state.pullSucceeded(now: at(1), cursor: cursor, hasMore: false)
  _ = state.nothingToPush(now: at(2))
  return state
}

extension SyncAgentState {
  /// The end of the backoff the state is in, nil in any other phase.
  var backoffUntil: Timestamp? {
    if case .backoff(let until) = phase { return until }
    return nil
  }
}
