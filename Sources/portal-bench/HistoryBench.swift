import Foundation

/// Issue 11's figure: what an add costs for a patient with a long history, against the same add
/// for a patient with none, in the same rounds. A payment is the hardest case: it moves the
/// balance, the payment history and the activity log of the patient it belongs to.
struct HistoryBench {
  let kit: BenchKit
  let binary: String
  let rounds: Int
  let quick: Bool

  private var history: Int { quick ? 10_000 : 50_000 }
  private var adds: Int { quick ? 300 : 1_000 }

  func run() throws -> [Figure] {
    let directory = kit.workDirectory.appendingPathComponent("history-store")
    try? FileManager.default.removeItem(at: directory)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let patient = try StorageBench.clientPatient(from: Data(contentsOf: kit.patientFixture))
    let server = try ServerSession([binary, "--data-dir", directory.path, "--durability", "normal"])
    defer { server.finish() }
    try server.call(0, "initialize", "{}")
    try server.call(1, "addPatient", "[\(patient)]")
    progress("giving P001 a history of \(history) transactions")
    var id = 10
    // In batches of 100 pipelined requests, read back before the next: neither pipe fills up.
    for _ in 0..<(history / 100) {
      for _ in 0..<100 {
        id += 1
        try server.send(Self.request(id, patient: "P001"))
      }
      let last = Array(#"{"jsonrpc":"2.0","id":\#(id),"#.utf8)
      _ = try server.readUntil { $0.starts(with: last) }
    }

    var samples = Samples()
    for round in 0..<rounds {
      progress("history round \(round + 1)/\(rounds)")
      let (fresh, _) = try server.call(id + 1, "addPatient", "[\(patient)]")
      id += 1
      guard let newcomer = Self.patientID(in: fresh) else {
        throw BenchError.setup("addPatient did not answer an id")
      }
      // The two sides in turn, one request in flight, so neither gets a warmer cache.
      let sides =
        round % 2 == 0
        ? [("P001", "long"), (newcomer, "none")] : [(newcomer, "none"), ("P001", "long")]
      for (owner, label) in sides {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<adds {
          id += 1
          _ = try server.call(id, "addTransaction", Self.params(owner))
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        samples.add(label, Double(adds) / seconds)
      }
    }
    return [
      Figure(
        name: "addTransaction (a payment) for a patient with \(history) earlier ones",
        unit: "req/s", ours: samples["long"], reference: samples["none"],
        referenceName: "the same for a patient with none", target: .ratioAtLeast(0.8))
    ]
  }

  private static func params(_ patient: String) -> String {
    #"[{"patientId":"\#(patient)","type":"payment","amount":12.5,"method":"cash","date":"2026-01-05","description":"Co-pay","status":"completed"}]"#
  }

  private static func request(_ id: Int, patient: String) -> String {
    #"{"jsonrpc":"2.0","id":\#(id),"method":"addTransaction","params":\#(params(patient))}"#
  }

  private static func patientID(in line: [UInt8]) -> String? {
    let text = String(decoding: line, as: UTF8.self)
    guard let range = text.range(of: #""result":{"id":""#) else { return nil }
    return String(text[range.upperBound...].prefix { $0 != "\"" })
  }
}
