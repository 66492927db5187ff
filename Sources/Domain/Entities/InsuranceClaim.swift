/// - SeeAlso: `docs/domain.md`, "InsuranceClaim".
extension EntityKind {
  public static let insuranceClaim = EntityKind(
    name: .insuranceClaim, typeName: "InsuranceClaim", pluralName: "insuranceClaims",
    syncMethod: "syncInsuranceClaimData", idParameter: "claimId", addParameter: "claim",
    perPatientMethod: "getPatientInsuranceClaims",
    fields: [
      .integerID("claim"),
      .patientID,
      .patientName,
      Field(
        "claimNumber", .line(nonEmpty: true), .optional, owner: .assigned,
        "Assigned by the server, unique (CLM-000001)."),
      Field(
        "provider", .line(nonEmpty: true), .defaultedFromPatient("insurance.provider"),
        "Insurer; from the patient's insurance when omitted."),
      Field(
        "memberId", .line(nonEmpty: true), .defaultedFromPatient("insurance.memberId"),
        "Member id; from the patient's insurance when omitted."),
      Field(
        "group", .line(nonEmpty: true), .defaultedFromPatient("insurance.group"),
        "Group number; from the patient's insurance when omitted."),
      Field("serviceDate", .date(notInFuture: false), "Date of the service billed."),
      Field("submittedDate", .date(notInFuture: false), .optional, "When it was submitted."),
      Field("amount", .money(.positive), "Amount billed, greater than 0."),
      Field("approvedAmount", .money(.nonNegative), .optional, "Amount approved; at most amount."),
      Field("paidAmount", .money(.nonNegative), .optional, "Amount paid; at most amount."),
      .status(
        [
          "draft", "submitted", "pending", "approved", "partially-approved", "denied", "paid",
          "appealed",
        ],
        "Where the claim stands."),
      Field(
        "diagnosisCodes", .lines(maxItems: 50), .optional, "ICD-10 codes."
      ),
      Field(
        "procedureCodes", .lines(maxItems: 50), .optional, "CPT codes."),
      .appointmentReference("claim"),
      Field(
        "denialReason", .text(nonEmpty: true), .optional,
        "Why it was denied; required when status is denied."),
      .notes,
      .meta,
    ],
    requirements: [
      ConditionalRequirement(when: "status", isOneOf: ["denied"], then: "denialReason")
    ],
    rules: { context in
      guard let amount = context.money("amount") else { return [] }
      return ["approvedAmount", "paidAmount"].compactMap { name in
        guard let part = context.money(name), part > amount else { return nil }
        return FieldError(field: name, "must not exceed amount")
      }
    })
}
