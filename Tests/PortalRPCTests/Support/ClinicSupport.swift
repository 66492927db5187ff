import Foundation
import Glibc
import PortalJSON
import Postgres
import TestSupport
import Testing

/// What the clinic's fault and convergence tests share: a workstation's process handled from
/// outside (killed, closed, timed), and PostgreSQL's side of what the workstations wrote.
typealias Workstation = ClinicTests.Workstation

/// Reconnects tried within half a second, so a test never waits out the default backoff.
let quickRetry = ["--retry-base-ms", "50", "--retry-cap-ms", "500"]

/// The per-kind list methods a workstation's data is compared with.
let listMethods = [
  "getPatients", "getAppointments", "getMessageThreads", "getTransactions", "getPrescriptions",
  "getCarePlans", "getDocuments", "getInsuranceClaims",
]

extension ClinicTests.Workstation {
  var pid: Int32 { process.process.processIdentifier }

  /// SIGKILL, then waits for the process to be gone.
  func killHard() {
    kill(pid, SIGKILL)
    process.process.waitUntilExit()
  }

  /// Closes the window (end of input): its exit status.
  func close() throws -> Int32 {
    try process.closeInput()
    return try process.finish(timeout: 20).status
  }

  /// Calls `method` and measures how long the answer took.
  func timedCall(_ method: String, _ params: String? = nil) throws -> (JSONValue, Duration) {
    let start = ContinuousClock.now
    let result = try call(method, params)
    return (result, ContinuousClock.now - start)
  }

  /// Adds a patient named `name` once the agent has leased ids (before that an add answers
  /// -32006, and writes nothing): its id.
  func addPatientWhenLeased(_ name: String) throws -> String {
    var id: String?
    try awaitCondition(seconds: 30) {
      id = try call("addPatient", "[\(patientJSON(named: name))]")["id"]?.stringValue
      return id != nil
    }
    return id ?? ""
  }

  /// Calls `method`, again while it answers -32006 (no id of its kind leased yet).
  @discardableResult
  func callWhenLeased(_ method: String, _ params: String) throws -> JSONValue {
    var result = JSONValue.null
    try awaitCondition(seconds: 30) {
      do {
        result = try call(method, params)
        return true
      } catch let failure as ClinicTests.CallFailed where failure.error["code"] == -32006 {
        return false
      }
    }
    return result
  }

  /// Every list method's answer (up to 1000 records each), by method.
  func lists() throws -> [String: JSONValue] {
    var all: [String: JSONValue] = [:]
    for method in listMethods { all[method] = try call(method, #"[{"limit":1000}]"#) }
    return all
  }

  /// Waits until nothing waits in the outbox and the workstation pulled everything PostgreSQL
  /// has (its cursor reached `sequence`).
  func awaitCaughtUp(to sequence: Int64, seconds: Double = 30) throws {
    var last = JSONValue.null
    do {
      try awaitCondition(seconds: seconds) {
        last = try status()
        return last["queueDepth"] == 0 && (last["cursor"]?.int64Value ?? -1) >= sequence
      }
    } catch {
      print("\(directory.lastPathComponent) not caught up to \(sequence): \(last)")
      print(process.stderrSnapshot.suffix(3000))
      throw error
    }
  }
}

extension JSONValue {
  /// The records of a list method's answer (`{items}` or a bare array).
  var listItems: [JSONValue] {
    self["items"]?.arrayValue ?? arrayValue ?? []
  }
}

/// PostgreSQL's side: a short-lived connection per question (a restart ends connections).
struct UpstreamView {
  let cluster: PostgresCluster

  func rows(_ sql: String, _ parameters: [String?] = []) throws -> [[String?]] {
    let connection = try cluster.connect()
    defer { connection.close() }
    return try connection.query(sql, parameters, deadline: .in(seconds: 10)).rows
  }

  func integer(_ sql: String, _ parameters: [String?] = []) throws -> Int {
    Int(try rows(sql, parameters).first?.first.flatMap { $0 } ?? "") ?? -1
  }

  /// The change log's last sequence.
  func lastSequence() throws -> Int64 {
    Int64(try integer("SELECT coalesce(max(seq), 0) FROM portal.changes"))
  }

  /// The client id PostgreSQL knows a workstation by: the one whose change created `id`.
  func client(creating id: String, kind: String = "patient") throws -> String? {
    try rows(
      "SELECT client_id FROM portal.changes WHERE entity_type = $1 AND entity_id = $2 AND change = 'created'",
      [kind, id]
    ).first?.first ?? nil
  }

  /// Records that exactly `writes` answered writes of `client` reached PostgreSQL, each once:
  /// mutations 1 through `writes` in applied_mutations, and at most one change row per
  /// mutation, record and version (a batch may change one record twice, each a new version).
  func expectExactlyOnce(
    client: String, writes: Int, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let summary =
      try rows(
        "SELECT count(*), coalesce(min(mutation_id), 0), coalesce(max(mutation_id), 0) FROM portal.applied_mutations WHERE client_id = $1",
        [client]
      ).first ?? []
    #expect(
      summary == ["\(writes)", writes == 0 ? "0" : "1", "\(writes)"],
      "applied_mutations of \(client)", sourceLocation: sourceLocation)
    let repeated = try rows(
      """
      SELECT mutation_id, entity_type, entity_id, version, count(*) FROM portal.changes
        WHERE client_id = $1 GROUP BY 1, 2, 3, 4 HAVING count(*) > 1
      """, [client])
    #expect(
      repeated.isEmpty, "change rows written twice: \(repeated)", sourceLocation: sourceLocation)
    let unknown = try integer(
      """
      SELECT count(*) FROM portal.changes c WHERE client_id = $1 AND NOT EXISTS
        (SELECT 1 FROM portal.applied_mutations m WHERE m.client_id = c.client_id
          AND m.mutation_id = c.mutation_id)
      """, [client])
    #expect(unknown == 0, "change rows of no applied mutation", sourceLocation: sourceLocation)
  }

  /// Fails for a record created twice in the change log.
  func expectNoRecordCreatedTwice(sourceLocation: SourceLocation = #_sourceLocation) throws {
    let twice = try rows(
      """
      SELECT entity_type, entity_id FROM portal.changes WHERE change = 'created'
        GROUP BY 1, 2 HAVING count(*) > 1
      """)
    #expect(twice.isEmpty, "created twice: \(twice)", sourceLocation: sourceLocation)
  }

  /// Every current record's `kind:id` and version.
  func versions() throws -> [String: String] {
    var all: [String: String] = [:]
    for row in try rows("SELECT kind, doc ->> 'id', version FROM portal.records") {
      all["\(row[0] ?? ""):\(row[1] ?? "")"] = row[2] ?? ""
    }
    return all
  }
}

/// A patient with the given name, for bulk writes.
func patientJSON(named name: String) -> String {
  ClinicTests.patient.replacingOccurrences(of: "John Doe", with: name)
}
