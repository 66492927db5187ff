/// The rest of a call that must wait until its group is committed (`sync<E>DataWithAPI`,
/// `processSyncQueue` on a replica): the server commits, runs `finish`, and answers `id` with
/// what it returns. Only a call on its own (not in a batch or a transaction) can wait.
struct AfterCommit {
  let id: RequestID
  let finish: () -> Result<Reply, ResponseError>
}
