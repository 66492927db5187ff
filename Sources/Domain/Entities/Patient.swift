/// The seed's `Patient`, plus `meta`.
///
/// - SeeAlso: `docs/domain.md`, "Patient".
extension EntityKind {
  public static let patient = EntityKind(
    name: .patient, typeName: "Patient", pluralName: "patients", syncMethod: "syncPatientData",
    idParameter: "patientId", addParameter: "patient", perPatientMethod: nil,
    fields: [
      Field(
        "id", .patientID, .optional, owner: .assigned,
        "Assigned by the server: P followed by at least three digits (P001), never reused."),
      .text("name", "Full name."),
      Field("email", .email, "Email address."),
      Field("phone", .phone, "Phone number, as typed (7 to 15 digits, an extension allowed)."),
      Field("dob", .birthDate, "Date of birth; not before 1900-01-01 and not in the future."),
      .prose("address", "Postal address (may span several lines)."),
      .status(
        ["active", "inactive", "pending", "archived"], "Where the patient stands with the practice."
      ),
      .text("assignedDoctor", "The patient's doctor."),
      Field(
        "outstandingBalance", .money(.anySign), .defaulted(0),
        owner: .openingValue(movedBy: "completed transactions"),
        "What the patient owes. The opening balance may be given on add (default 0); afterwards only completed transactions move it."
      ),
      Field(
        "lastVisit", .date(notInFuture: false), .whenAny,
        owner: .derived(from: "the latest completed appointment up to today"),
        "Date of the latest completed appointment on or before today (the clinic's date); kept by the server."
      ),
      Field(
        "nextAppointment", .date(notInFuture: false), .whenAny,
        owner: .derived(from: "the earliest scheduled or confirmed appointment from today on"),
        "Date of the earliest scheduled or confirmed appointment on or after today (the clinic's date); kept by the server, and moved when the day turns."
      ),
      Field(
        "insurance",
        .object([
          .text("provider", "Insurance company."),
          .text("memberId", "Member id on the card."),
          .text("group", "Group number."),
          .status(["active", "inactive", "pending", "expired"], "Coverage status."),
        ]), "The patient's insurance."),
      Field(
        "emergencyContact",
        .object([
          .text("name", "Contact's name."),
          .text("relationship", "How they are related."),
          Field("phone", .phone, "Contact's phone, as typed."),
        ]), "Who to call in an emergency."),
      Field(
        "medicalHistory",
        .object([
          Field("conditions", .lines(maxItems: 200), "Known conditions."),
          Field("allergies", .lines(maxItems: 200), "Known allergies."),
          Field("medications", .lines(maxItems: 200), "Current medications."),
        ]), "Medical history; the lists may be empty."),
      Field(
        "quickStats",
        .object([
          Field("totalAppointments", .count, "All the patient's appointments."),
          Field("pendingDocuments", .count, "Documents in status pending."),
          Field("unreadMessages", .count, "Message threads in status unread."),
          Field("activePrescriptions", .count, "Prescriptions in status active."),
        ]), .optional,
        owner: .derived(
          from: "the patient's appointments, documents, message threads and prescriptions"),
        "Counts over the patient's records, kept by the server."),
      Field(
        "recentActivity",
        .array(
          of: .object([
            Field("id", .positiveInteger, "The activity's id."),
            .text("type", "The entity type of the record that changed."),
            .text("title", "A short summary."),
            Field("date", .date(notInFuture: false), "When it happened."),
            Field("status", .line(nonEmpty: false), "The record's status after the change."),
            Field("description", .text(nonEmpty: false), "What changed."),
          ]), minItems: 0, maxItems: PatientSummary.activityLimit), .optional,
        owner: .derived(from: "changes to the patient's related records"),
        "The 20 newest changes to the patient's related records, newest first."),
      Field(
        "billing",
        .object([
          Field(
            "lastPayment",
            .object([
              Field("amount", .money(.positive), "Amount paid."),
              Field("date", .date(notInFuture: false), "Date paid."),
              .text("method", "How it was paid."),
            ]), .optional, "The newest completed payment, when there is one."),
          Field(
            "paymentHistory",
            .array(
              of: .object([
                Field("id", .positiveInteger, "The payment transaction's id."),
                Field("amount", .money(.positive), "Amount paid."),
                Field("date", .date(notInFuture: false), "Date paid."),
                .text("method", "How it was paid."),
                Field("description", .text(nonEmpty: false), "The transaction's description."),
              ]), minItems: 0, maxItems: PatientSummary.paymentHistoryLimit),
            "Completed payments, newest first."),
        ]), .optional, owner: .derived(from: "the patient's completed payment transactions"),
        "Payments, kept by the server from the patient's transactions."),
      .meta,
    ],
    rules: { _ in [] })
}
