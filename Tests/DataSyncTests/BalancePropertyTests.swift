import DataSync
import Domain
import Foundation
import PortalJSON
import Storage
import TestSupport
import Testing

/// Random sequences of transaction writes (adds, status and amount changes, moves between
/// patients, deletes, and requests that must be refused) against a model kept in the test: after
/// every step each patient's balance equals the model's, and the store passes its own check.
@Suite("Balance properties")
struct BalancePropertyTests {
  struct Entry {
    var patient: String
    var type: String
    var cents: Int64
    var completed: Bool

    /// What this transaction adds to its patient's balance (the rule in docs/domain.md).
    var effect: Int64 {
      guard completed else { return 0 }
      return type == "payment" ? -cents : cents
    }
  }

  @Test("every balance equals its completed transactions, whatever the sequence")
  func balancesFollowTransactions() throws {
    let steps = environmentCount("PORTAL_PROPERTY_CASES", fallback: 2000) / 4
    var random = SeededGenerator(environment: "PORTAL_PROPERTY_SEED", fallback: 150)
    let (sync, folder) = try makeDataSync()
    var openings: [String: Int64] = [:]
    for cents in [0, 12_345, -500] as [Int64] {
      var patient = samplePatient
      patient["outstandingBalance"] = Money(cents: cents).json
      let id = try #require(decode(try sync.add(.patient, patient))["id"]?.stringValue)
      openings[id] = cents
    }
    let patients = openings.keys.sorted()
    var model: [Int64: Entry] = [:]

    for step in 0..<steps {
      let context = "seed \(random.seed), step \(step)"
      let existing = model.keys.sorted()
      switch Int.random(in: 0..<10, using: &random) {
      case 0...3:
        let type = ["charge", "payment", "refund", "adjustment"].randomElement(using: &random)!
        var cents = Int64.random(in: 1...500_000, using: &random)
        if type == "adjustment" && Bool.random(using: &random) { cents = -cents }
        let completed = Int.random(in: 0..<3, using: &random) != 0
        let patient = patients.randomElement(using: &random)!
        var input: JSONObject = [
          "patientId": .string(patient), "type": .string(type), "amount": Money(cents: cents).json,
          "date": "2026-02-01", "description": "Visit",
          "status": .string(completed ? "completed" : "pending"),
        ]
        if type == "payment" || type == "refund" { input["method"] = "cash" }
        let added = decode(try sync.add(.transaction, input))
        let id = try #require(added["id"]?.int64Value)
        model[id] = Entry(patient: patient, type: type, cents: cents, completed: completed)
      case 4...5 where !existing.isEmpty:
        let id = existing.randomElement(using: &random)!
        let completed = Bool.random(using: &random)
        _ = try sync.sync(
          .transaction, id: .number(JSONNumber(id)),
          updates: ["status": .string(completed ? "completed" : "pending")], expectedVersion: nil)
        model[id]?.completed = completed
      case 6 where !existing.isEmpty:
        let id = existing.randomElement(using: &random)!
        let cents = Int64.random(in: 1...500_000, using: &random)
        _ = try sync.sync(
          .transaction, id: .number(JSONNumber(id)), updates: ["amount": Money(cents: cents).json],
          expectedVersion: nil)
        model[id]?.cents = cents
      case 7 where !existing.isEmpty:
        let id = existing.randomElement(using: &random)!
        let patient = patients.randomElement(using: &random)!
        if (try? sync.sync(
          .transaction, id: .number(JSONNumber(id)), updates: ["patientId": .string(patient)],
          expectedVersion: nil)) != nil
        {
          model[id]?.patient = patient
        }
      case 8 where !existing.isEmpty:
        let id = existing.randomElement(using: &random)!
        _ = try sync.delete(.transaction, id: .number(JSONNumber(id)))
        model[id] = nil
      default:
        // Refused: a third decimal, a zero charge, a payment without a method, an unknown patient.
        let refused: [JSONObject] = [
          [
            "patientId": .string(patients[0]), "type": "charge", "amount": json("1.005"),
            "date": "2026-02-01", "description": "x", "status": "completed",
          ],
          [
            "patientId": .string(patients[1]), "type": "charge", "amount": 0, "date": "2026-02-01",
            "description": "x", "status": "completed",
          ],
          [
            "patientId": .string(patients[2]), "type": "payment", "amount": 5, "date": "2026-02-01",
            "description": "x", "status": "completed",
          ],
          [
            "patientId": "P999", "type": "charge", "amount": 5, "date": "2026-02-01",
            "description": "x", "status": "completed",
          ],
        ]
        #expect(throws: DomainError.self, "\(context)") {
          try sync.add(.transaction, refused.randomElement(using: &random)!)
        }
      }
      try sync.commit()
      for patient in patients {
        let expected =
          openings[patient]!
          + model.values.filter { $0.patient == patient }.map(\.effect).reduce(0, +)
        let stored = Money(
          decode(try sync.get(.patient, id: .string(patient)))["outstandingBalance"] ?? .null)
        #expect(
          stored?.cents == expected,
          "\(context): \(patient)'s balance is \(stored?.cents ?? -1), expected \(expected)")
      }
    }
    let store = try Store(inspecting: folder.path)
    let check = try StoreCheck.run(store, today: CalendarDate("2026-01-31")!)
    #expect(check.isSound, "\(check.problems)")
  }
}
