public import PortalJSON

/// An entry of a patient's `recentActivity`: a short human summary of one change to one of the
/// patient's records. Copying the patient's own name or email into a record is bookkeeping, not
/// activity, and makes no entry.
///
/// - SeeAlso: `docs/domain.md`, Patient `recentActivity`.
public enum Activity {
  /// The entry for a change (without its `id`, which is the change's sequence number), or nil
  /// when the change is not activity.
  public static func entry(
    _ kind: EntityKind, change: ChangeEvent.Kind, fields: [String]?, record: JSONObject,
    date: CalendarDate
  ) -> JSONObject? {
    guard kind.belongsToPatient else { return nil }
    if let fields, fields.allSatisfy({ copiedFields.contains($0) }) { return nil }
    let noun = nouns[kind.name] ?? kind.typeName
    let status = record["status"]?.stringValue ?? ""
    let title: String
    switch change {
    case .created: title = noun + " added"
    case .deleted: title = noun + " removed"
    case .updated:
      title =
        fields?.contains("status") == true && !status.isEmpty
        ? noun + " " + status : noun + " updated"
    }
    return [
      "type": .string(kind.name.rawValue),
      "title": .string(title),
      "date": .string(date.description),
      "status": .string(change == .deleted ? "deleted" : status),
      "description": .string(description(kind, record)),
    ]
  }

  /// Fields that only copy the patient's values (and the thread's derived time).
  static let copiedFields: Set<String> = ["patientName", "patientEmail", "meta"]

  static let nouns: [EntityKind.Name: String] = [
    .appointment: "Appointment", .messageThread: "Message thread", .prescription: "Prescription",
    .document: "Document", .carePlan: "Care plan", .transaction: "Transaction",
    .insuranceClaim: "Insurance claim",
  ]

  /// What the record is, in a few words.
  static func description(_ kind: EntityKind, _ record: JSONObject) -> String {
    func text(_ name: String) -> String { record[name]?.stringValue ?? "" }
    func number(_ name: String) -> String { record[name]?.numberValue?.literal ?? "" }
    switch kind.name {
    case .appointment:
      let doctor = text("doctorName").isEmpty ? "" : " with " + text("doctorName")
      return "\(text("type"))\(doctor) on \(text("date")) at \(text("time"))"
    case .messageThread:
      return text("subject")
    case .prescription:
      return "\(text("medication")) \(text("dosage")), \(text("frequency"))"
    case .document, .carePlan:
      return text("title")
    case .transaction:
      return "\(text("type").capitalized) of \(number("amount")): \(text("description"))"
    case .insuranceClaim:
      return "\(text("claimNumber")) for \(number("amount"))"
    case .patient:
      return ""
    }
  }
}

extension String {
  fileprivate var capitalized: String { prefix(1).uppercased() + dropFirst() }
}
