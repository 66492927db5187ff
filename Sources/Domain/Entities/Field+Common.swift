/// Fields several entities share, declared once.
extension Field {
  static func integerID(_ what: String) -> Field {
    Field(
      "id", .positiveInteger, .optional, owner: .assigned,
      "The \(what)'s id, assigned by the server and never reused.")
  }

  static let meta = Field(
    "meta", .meta, .optional, owner: .kept,
    "Kept by the server: version (1, then +1 on every change), createdAt and updatedAt (UTC).")

  static let patientID = Field(
    "patientId", .patientID,
    "The patient this record belongs to; a string or an integer, matched by its text (1 and \"1\" are the same patient)."
  )

  static let patientName = Field(
    "patientName", .line(nonEmpty: false), .optional, owner: .copied(from: "the patient's name"),
    "A copy of the patient's name, kept equal to it by the server.")

  static let patientEmail = Field(
    "patientEmail", .line(nonEmpty: false), .optional, owner: .copied(from: "the patient's email"),
    "A copy of the patient's email, kept equal to it by the server.")

  /// A required line of text (a name, a title).
  static func text(_ name: String, _ summary: String) -> Field {
    Field(name, .line(nonEmpty: true), .required, summary)
  }

  /// An optional line of text.
  static func optionalText(_ name: String, _ summary: String) -> Field {
    Field(name, .line(nonEmpty: false), .optional, summary)
  }

  /// Required text that may run over several lines (an address).
  static func prose(_ name: String, _ summary: String) -> Field {
    Field(name, .text(nonEmpty: true), .required, summary)
  }

  /// Optional text that may run over several lines (notes, a description).
  static func optionalProse(_ name: String, _ summary: String) -> Field {
    Field(name, .text(nonEmpty: false), .optional, summary)
  }

  static func status(_ values: [String], _ summary: String) -> Field {
    Field("status", .oneOf(values), .required, summary)
  }

  static let notes = Field.optionalProse("notes", "Free-text notes.")

  static func appointmentReference(_ what: String) -> Field {
    Field(
      "appointmentId", .reference(.appointment), .optional,
      "The appointment this \(what) is for; it must belong to the same patient.")
  }
}
