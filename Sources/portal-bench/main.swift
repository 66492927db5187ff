import Foundation

// portal-bench: measures PortalRPC side by side with the peers and floors of the bench kit.
//
//   swift run -c release portal-bench [protocol] [--rounds N] [--kit DIR] [--quick]
//
// `upstream` (replicas of a throwaway local PostgreSQL) takes minutes, so it runs only when named;
// so does `metrics` (the performance monitor on and off).
//
// Every figure is a median over interleaved rounds, held against a peer or floor measured in the
// same round; the output is a Markdown table.

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent()

var arguments = Array(CommandLine.arguments.dropFirst())
var rounds = 3
var kitPath =
  ProcessInfo.processInfo.environment["PORTAL_BENCH_KIT"]
  ?? packageRoot.deletingLastPathComponent().appendingPathComponent("shared/bench").path
var quick = false
var suites: [String] = []
while let argument = arguments.first {
  arguments.removeFirst()
  switch argument {
  case "--rounds": rounds = Int(arguments.removeFirst()) ?? 3
  case "--kit": kitPath = arguments.removeFirst()
  case "--quick": quick = true
  case "-h", "--help":
    print(
      """
      usage: portal-bench [protocol|storage|sync|history|auth|metrics|encryption|upstream|all] [--rounds N] [--kit DIR] [--quick]
        sections: protocol, storage, sync, history, auth (the default run, also `all`); metrics:
        getPatient with the performance monitor on and off, and encryption: an encrypted store
        against a plain copy (each only when named); and upstream:
        replicas of a throwaway PostgreSQL the bench starts and stops (minutes; only when named)
      """)
    exit(0)
  default: suites.append(argument)
  }
}
if suites.isEmpty || suites == ["all"] {
  suites = ["protocol", "storage", "sync", "history", "auth"]
}

do {
  let kit = try BenchKit(root: URL(fileURLWithPath: kitPath))
  progress("building portal-rpc (release)")
  try Shell.run([
    "swift", "build", "-c", "release", "--product", "portal-rpc", "--package-path",
    packageRoot.path,
  ])
  let binary = packageRoot.appendingPathComponent(".build/release/portal-rpc").path
  print(
    "# portal-bench (\(ProcessInfo.processInfo.processorCount) cores, \(rounds) rounds\(quick ? ", quick" : ""))"
  )
  for suite in suites {
    switch suite {
    case "protocol":
      let figures = try ProtocolBench(kit: kit, binary: binary, rounds: rounds, quick: quick).run()
      printTable("Protocol core", figures, rounds: rounds)
    case "storage":
      let figures = try StorageBench(kit: kit, binary: binary, rounds: rounds, quick: quick).run()
      printTable("Durable store (--durability full)", figures, rounds: rounds)
    case "sync":
      let figures = try SyncBench(kit: kit, binary: binary, rounds: rounds, quick: quick).run()
      printTable("DataSync: cascades, notifications, peers", figures, rounds: rounds)
    case "history":
      let figures = try HistoryBench(kit: kit, binary: binary, rounds: rounds, quick: quick).run()
      printTable("A patient's history (--durability normal)", figures, rounds: rounds)
    case "auth":
      let figures = try AuthBench(kit: kit, binary: binary, rounds: rounds, quick: quick).run()
      printTable("Staff sign-in and audit (auth on vs off)", figures, rounds: rounds)
    case "encryption":
      let figures = try EncryptionBench(kit: kit, binary: binary, rounds: rounds, quick: quick)
        .run()
      printTable("Encryption at rest (SQLCipher vs plain)", figures, rounds: rounds)
    case "metrics":
      let figures = try MetricsBench(kit: kit, binary: binary, rounds: rounds, quick: quick).run()
      printTable("Performance monitoring (--metrics on vs off)", figures, rounds: rounds)
    case "upstream":
      if let figures = try UpstreamBench.run(
        kit: kit, binary: binary, rounds: rounds, quick: quick)
      {
        printTable("Upstream: replicas of a local PostgreSQL (fsync on)", figures, rounds: rounds)
      }
    default:
      throw BenchError.setup(
        "unknown suite \(suite); known: protocol, storage, sync, history, auth, metrics, upstream")
    }
  }
  try? FileManager.default.removeItem(at: kit.workDirectory)
} catch {
  FileHandle.standardError.write(Data("portal-bench: \(error)\n".utf8))
  exit(1)
}
