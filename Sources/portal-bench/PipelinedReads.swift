import Foundation

/// `reads` getPatient requests written at once, by a second thread, to `server` (initialized and,
/// where it matters, signed in), after 1000 answered ones to warm it up: requests per second
/// until the last answer. Patients are read in turn, `patients` of them.
func pipelinedGetPatientRate(_ server: ServerSession, reads: Int, patients: Int) throws -> Double {
  for warm in 0..<1000 {
    try server.send(
      #"{"jsonrpc":"2.0","id":\#(10 + warm),"method":"getPatient","params":[\#(warm % patients + 1)]}"#
    )
  }
  _ = try server.response(1009, "getPatient")
  var text = ""
  text.reserveCapacity(reads * 72)
  for index in 0..<reads {
    text +=
      #"{"jsonrpc":"2.0","id":\#(100_000 + index),"method":"getPatient","params":[\#(index % patients + 1)]}"#
      + "\n"
  }
  let data = Data(text.utf8)
  let input = server.inputHandle
  let start = DispatchTime.now().uptimeNanoseconds
  let writer = Thread { try? input.write(contentsOf: data) }
  writer.start()
  _ = try server.response(100_000 + reads - 1, "getPatient")
  return Double(reads) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}
