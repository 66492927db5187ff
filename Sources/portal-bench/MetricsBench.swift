import Foundation
import PortalJSON

/// Issue 14's figure: what the performance monitor costs. Pipelined getPatient against one store,
/// served in each round once with `--metrics on` (the default: every request timed) and once with
/// `--metrics off`, in alternating order; the target is 0.99 of the rate without it. The run with
/// metrics on also says what `getMetrics` reported, after checking it counted every request.
struct MetricsBench {
  let kit: BenchKit
  let binary: String
  let rounds: Int
  let quick: Bool

  private var patients: Int { quick ? 20_000 : 100_000 }
  private var reads: Int { quick ? 40_000 : 200_000 }

  func run() throws -> [Figure] {
    let fixture = try Data(contentsOf: kit.patientFixture)
    let store = kit.workDirectory.appendingPathComponent("metrics-\(patients)")
    progress("building a \(patients)-patient store")
    try StorageBench.buildStore(at: store, patients: patients, fixture: fixture)
    var samples = Samples()
    for round in 0..<rounds {
      progress("metrics round \(round + 1)/\(rounds)")
      let order = round % 2 == 0 ? ["on", "off"] : ["off", "on"]
      for setting in order { try pipelinedReads(store, metrics: setting, into: &samples) }
    }
    let label = "\(patients / 1000)k"
    return [
      Figure(
        name: "getPatient pipelined, \(label) patients, metrics on", unit: "req/s",
        ours: samples["on"], reference: samples["off"], referenceName: "--metrics off",
        target: .ratioAtLeast(0.99)),
      Figure(
        name: "getPatient p50, as getMetrics reports it", unit: "µs", ours: samples["p50"],
        reference: [], referenceName: "", target: .none),
      Figure(
        name: "getPatient p99, as getMetrics reports it", unit: "µs", ours: samples["p99"],
        reference: [], referenceName: "", target: .none),
    ]
  }

  /// One server on `store` with `--metrics setting`: its pipelined getPatient rate; with metrics
  /// on, also getMetrics' p50 and p99 of getPatient, once it is seen to have counted them all.
  private func pipelinedReads(_ store: URL, metrics setting: String, into samples: inout Samples)
    throws
  {
    let server = try ServerSession([binary, "--data-dir", store.path, "--metrics", setting])
    defer { server.finish() }
    server.readTimeout = 120
    try server.call(0, "initialize", #"{"clientInfo":{"name":"portal-bench"}}"#)
    samples.add(setting, try pipelinedGetPatientRate(server, reads: reads, patients: patients))
    guard setting == "on" else { return }
    let (line, _) = try server.call(1, "getMetrics", "[]")
    let answer = try JSONParser.parse(line)
    let getPatient = answer["result"]?["methods"]?["getPatient"]
    guard getPatient?["count"]?.int64Value == Int64(reads + 1000) else {
      throw BenchError.failed(
        "getMetrics counted \(getPatient?["count"] ?? .null) getPatient, not \(reads + 1000)")
    }
    for percentile in ["p50", "p99"] {
      let milliseconds = getPatient?[percentile]?.numberValue?.doubleValue ?? .nan
      samples.add(percentile, milliseconds * 1000)
    }
  }
}
