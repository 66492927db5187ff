import Foundation
import PortalJSON

/// Issue 3's figures: ping pipelined and pinned ping-pong against the Node and Python peers and
/// the C floor; Patient parse + encode against Node; start-up to first response; idle RSS.
struct ProtocolBench {
  let kit: BenchKit
  /// The `portal-rpc` binary.
  let binary: String
  let rounds: Int
  let quick: Bool

  private var pipelinedN: Int { quick ? 50_000 : 200_000 }
  private var pingPongN: Int { quick ? 10_000 : 50_000 }
  private var codecN: Int { quick ? 20_000 : 100_000 }

  private var server: [String] { [binary, "--in-memory"] }

  func run() throws -> [Figure] {
    var ours = Samples()
    var node = Samples()
    var python = Samples()
    var floor = Samples()
    let floorCommand = try kit.cFloor
    let nodeCodec = try writeNodeCodecScript()
    let fixture = try Data(contentsOf: kit.patientFixture)
    for round in 0..<rounds {
      progress("protocol round \(round + 1)/\(rounds)")
      let steps: [() throws -> Void] = [
        {
          ours.add(
            "pipelined",
            try rate(kit.load(mode: "pipelined", n: pipelinedN, initialize: true, server: server)))
          ours.add(
            "pingpong",
            try kit.load(
              mode: "pingpong", n: pingPongN, initialize: true, pinned: true, server: server))
        },
        {
          node.add(
            "pipelined",
            try rate(
              kit.load(mode: "pipelined", n: pipelinedN, initialize: false, server: kit.nodePeer)))
          node.add(
            "pingpong",
            try kit.load(
              mode: "pingpong", n: pingPongN, initialize: false, pinned: true, server: kit.nodePeer)
          )
        },
        {
          python.add(
            "pipelined",
            try rate(
              kit.load(
                mode: "pipelined", n: pipelinedN / 2, initialize: false, server: kit.pythonPeer)))
        },
        {
          floor.add(
            "pipelined",
            try rate(
              kit.load(mode: "pipelined", n: pipelinedN, initialize: false, server: floorCommand)))
          floor.add(
            "pingpong",
            try kit.load(
              mode: "pingpong", n: pingPongN, initialize: false, pinned: true, server: floorCommand)
          )
        },
        {
          ours.values["codec", default: []].append(codecMicroseconds(fixture))
          node.values["codec", default: []].append(try nodeCodecMicroseconds(nodeCodec))
        },
        {
          let startup = try startupAndMemory()
          ours.values["startup", default: []].append(startup.milliseconds)
          ours.values["rss", default: []].append(startup.rssMiB)
        },
      ]
      for index in steps.indices { try steps[(index + round) % steps.count]() }
    }
    return [
      Figure(
        name: "ping pipelined", unit: "msg/s", ours: ours["pipelined"],
        reference: node["pipelined"], referenceName: "Node peer", target: .ratioAtLeast(1.5)),
      Figure(
        name: "ping pipelined", unit: "msg/s", ours: ours["pipelined"],
        reference: python["pipelined"], referenceName: "Python peer", target: .none),
      Figure(
        name: "ping pipelined", unit: "msg/s", ours: ours["pipelined"],
        reference: floor["pipelined"], referenceName: "C floor", target: .none),
      Figure(
        name: "ping-pong pinned", unit: "msg/s", ours: ours["pingpong"],
        reference: node["pingpong"], referenceName: "Node peer", target: .ratioAtLeast(1.8)),
      Figure(
        name: "ping-pong pinned", unit: "msg/s", ours: ours["pingpong"],
        reference: floor["pingpong"], referenceName: "C floor", target: .none),
      Figure(
        name: "ping-pong p50", unit: "µs", ours: ours["pingpong_p50"],
        reference: node["pingpong_p50"], referenceName: "Node peer", target: .none),
      Figure(
        name: "ping-pong p99", unit: "µs", ours: ours["pingpong_p99"],
        reference: node["pingpong_p99"], referenceName: "Node peer", target: .atMost(40)),
      Figure(
        name: "Patient parse + encode", unit: "µs", ours: ours["codec"], reference: node["codec"],
        referenceName: "Node JSON.parse+stringify", target: .ratioAtMost(1.0)),
      Figure(
        name: "start-up to first response", unit: "ms", ours: ours["startup"], reference: [],
        referenceName: "", target: .atMost(25)),
      Figure(
        name: "idle RSS", unit: "MiB", ours: ours["rss"], reference: [], referenceName: "",
        target: .atMost(25)),
    ]
  }

  private func rate(_ summary: [String: Any]) -> Double {
    (summary["msgs_per_sec"] as? Double) ?? .nan
  }

  /// Parse + encode of the Patient fixture in this process, µs per round trip.
  private func codecMicroseconds(_ fixture: Data) -> Double {
    let bytes = Array(fixture).filter { $0 != 0x0A }
    var total = 0
    for _ in 0..<(codecN / 10) { total &+= (try? JSONParser.parse(bytes))?.encoded.count ?? 0 }
    let start = DispatchTime.now().uptimeNanoseconds
    let writer = JSONWriter(capacity: 4096)
    for _ in 0..<codecN {
      guard let value = try? JSONParser.parse(bytes) else { continue }
      writer.reset()
      writer.write(value)
      total &+= writer.count
    }
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1000
    precondition(total > 0)
    return elapsed / Double(codecN)
  }

  private func writeNodeCodecScript() throws -> URL {
    let url = kit.workDirectory.appendingPathComponent("codec.js")
    let script = """
      const fs = require('fs');
      const text = fs.readFileSync(process.argv[2], 'utf8').trim();
      const n = Number(process.argv[3]);
      let total = 0;
      for (let i = 0; i < n / 10; i++) total += JSON.stringify(JSON.parse(text)).length;
      const start = process.hrtime.bigint();
      for (let i = 0; i < n; i++) total += JSON.stringify(JSON.parse(text)).length;
      const micros = Number(process.hrtime.bigint() - start) / 1000 / n;
      console.log(total > 0 ? micros : -1);
      """
    try script.write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  private func nodeCodecMicroseconds(_ script: URL) throws -> Double {
    let text = try Shell.output(["node", script.path, kit.patientFixture.path, String(codecN)])
    return Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? .nan
  }

  /// Spawns the server, sends `initialize`, and times the first response; then reads its RSS.
  private func startupAndMemory() throws -> (milliseconds: Double, rssMiB: Double) {
    var times: [Double] = []
    var rss: [Double] = []
    let directory = kit.workDirectory.appendingPathComponent("startup")
    for _ in 0..<(quick ? 5 : 15) {
      let result = try StartupProbe.measure([binary, "--data-dir", directory.path])
      times.append(result.milliseconds)
      rss.append(result.rssMiB)
    }
    return (median(times), median(rss))
  }
}

/// Values collected per figure across rounds.
struct Samples {
  var values: [String: [Double]] = [:]

  subscript(name: String) -> [Double] { values[name] ?? [] }

  mutating func add(_ name: String, _ value: Double) { values[name, default: []].append(value) }

  /// A ping-pong summary: rate, p50 and p99.
  mutating func add(_ name: String, _ summary: [String: Any]) {
    add(name, (summary["msgs_per_sec"] as? Double) ?? .nan)
    add(name + "_p50", (summary["p50_us"] as? Double) ?? .nan)
    add(name + "_p99", (summary["p99_us"] as? Double) ?? .nan)
  }
}

func progress(_ text: String) {
  FileHandle.standardError.write(Data("portal-bench: \(text)\n".utf8))
}
