import Glibc
import PortalJSON
import PortalRPC

func now() -> Double {
  var t = timespec(); clock_gettime(CLOCK_MONOTONIC, &t);
  return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}
let interface = PortalInterface()
let session = Session(configuration: ServerConfiguration())
let server = Server(session: session, table: interface.table)
let initLine = Array(#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}"#.utf8)
initLine.withUnsafeBufferPointer { server.receive(line: $0) }
server.runQueued(); server.output.reset()
let lines = (0..<1000).map {
  Array("{\"jsonrpc\":\"2.0\",\"id\":\($0 + 1000),\"method\":\"ping\",\"params\":{}}".utf8)
}
for _ in 0..<3 {
  let iters = 1_000_000
  let t = now()
  for i in 0..<iters {
    lines[i % 1000].withUnsafeBufferPointer { server.receive(line: $0) }
    server.runQueued()
    server.output.reset()
  }
  print((now() - t) / Double(iters) * 1e9, "ns per ping")
}
for _ in 0..<3 {
  let iters = 1_000_000
  let t = now()
  var n = 0
  for i in 0..<iters {
    lines[i % 1000].withUnsafeBufferPointer { n &+= IncomingLine(line: $0).isSingle ? 1 : 0 }
  }
  print((now() - t) / Double(iters) * 1e9, "ns per decode", n)
}
extension IncomingLine {
  var isSingle: Bool { if case .single = self { return true }; return false }
}
