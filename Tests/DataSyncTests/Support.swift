import DataSync
import Domain
import Foundation
import PortalJSON
import Storage

/// A DataSync over a real SQLite file in a fresh temporary directory.
func makeDataSync(
  directory: URL? = nil, demo: Bool = false,
  clock: Clock = .fixed(Timestamp("2026-01-31T09:15:00.000Z")!)
) throws -> (DataSync<Store>, URL) {
  let folder =
    directory
    ?? FileManager.default.temporaryDirectory.appendingPathComponent(
      "datasync-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  let store = try Store(directory: folder.path, now: clock.now())
  let dataSync = DataSync(store: store, clock: clock, origin: "test")
  if demo {
    try DemoPractice.fill(dataSync)
    try dataSync.commit()
  }
  return (dataSync, folder)
}

func json(_ text: String) -> JSONValue { try! JSONParser.parse(text) }
func object(_ text: String) -> JSONObject { json(text).objectValue! }
func decode(_ encoded: EncodedJSON) -> JSONValue { try! encoded.decoded() }

let samplePatient = object(
  #"{"name":"Ada Park","email":"ada.park@example.com","phone":"(555) 000-1111","dob":"1980-06-01","address":"1 Test St","status":"active","assignedDoctor":"Dr. Chen","insurance":{"provider":"Aetna","memberId":"A1","group":"G1","status":"active"},"emergencyContact":{"name":"Bo Park","relationship":"Spouse","phone":"(555) 000-2222"},"medicalHistory":{"conditions":[],"allergies":[],"medications":[]}}"#
)
