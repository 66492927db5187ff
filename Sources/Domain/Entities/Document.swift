/// - SeeAlso: `docs/domain.md`, "Document".
extension EntityKind {
  public static let document = EntityKind(
    name: .document, typeName: "Document", pluralName: "documents", syncMethod: "syncDocumentData",
    idParameter: "documentId", addParameter: "document", perPatientMethod: "getPatientDocuments",
    fields: [
      .integerID("document"),
      .patientID,
      .patientName,
      .text("title", "What the document is."),
      Field(
        "type",
        .oneOf([
          "lab-result", "imaging", "consent-form", "insurance-card", "referral", "visit-summary",
          "other",
        ]), "Kind of document."),
      .status(["pending", "reviewed", "signed", "rejected", "archived"], "Where it stands."),
      Field("uploadDate", .date(notInFuture: false), "When it was uploaded."),
      .text("uploadedBy", "Who uploaded it."),
      .optionalText("fileName", "The file's name."),
      .optionalText("mimeType", "The file's media type."),
      Field("sizeBytes", .count, .optional, "The file's size."),
      .appointmentReference("document"),
      .notes,
      .meta,
    ],
    rules: { _ in [] })
}
