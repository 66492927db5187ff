/// - SeeAlso: `docs/domain.md`, "Prescription".
extension EntityKind {
  public static let prescription = EntityKind(
    name: .prescription, typeName: "Prescription", pluralName: "prescriptions",
    syncMethod: "syncPrescriptionData", idParameter: "prescriptionId", addParameter: "prescription",
    perPatientMethod: "getPatientPrescriptions",
    fields: [
      .integerID("prescription"),
      .patientID,
      .patientName,
      .text("medication", "The drug."),
      .text("dosage", "How much per dose (10 mg)."),
      .text("frequency", "How often (twice daily)."),
      .optionalText("route", "How it is taken (oral, topical, …)."),
      Field("quantity", .count, .optional, "Units dispensed."),
      Field("refills", .count, .defaulted(0), "Refills allowed."),
      .text("prescribedBy", "The prescriber."),
      Field("prescribedDate", .date(notInFuture: false), "When it was prescribed."),
      Field("startDate", .date(notInFuture: false), .optional, "First day."),
      Field("endDate", .date(notInFuture: false), .optional, "Last day; not before startDate."),
      .optionalText("pharmacy", "Where it is filled."),
      .status(["active", "pending", "on-hold", "completed", "discontinued"], "Where it stands."),
      .notes,
      .meta,
    ],
    rules: { context in context.endNotBeforeStart() })
}
