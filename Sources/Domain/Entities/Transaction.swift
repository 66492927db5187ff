/// A billing transaction. Completed ones move the patient's `outstandingBalance`.
///
/// - SeeAlso: `docs/domain.md`, "Transaction".
extension EntityKind {
  public static let transaction = EntityKind(
    name: .transaction, typeName: "Transaction", pluralName: "transactions",
    syncMethod: "syncTransactionData", idParameter: "transactionId", addParameter: "transaction",
    perPatientMethod: "getPatientTransactions",
    fields: [
      .integerID("transaction"),
      .patientID,
      .patientName,
      Field(
        "type", .oneOf(["charge", "payment", "refund", "adjustment"]),
        "What kind of money movement."),
      Field(
        "amount", .money(.anySign),
        "Amount, at most two decimals; greater than 0 except for an adjustment, which may have any sign."
      ),
      Field(
        "method", .oneOf(["cash", "credit-card", "check", "insurance", "bank-transfer"]), .optional,
        "How the money moved; required for payments and refunds."),
      Field("date", .date(notInFuture: false), "When it happened."),
      .prose("description", "What it was for."),
      .status(
        ["pending", "completed", "failed", "voided"],
        "Only completed transactions move the balance."),
      .appointmentReference("transaction"),
      Field(
        "claimId", .reference(.insuranceClaim), .optional,
        "The insurance claim it relates to; it must belong to the same patient."),
      .meta,
    ],
    requirements: [
      ConditionalRequirement(when: "type", isOneOf: ["payment", "refund"], then: "method")
    ],
    rules: { context in
      let type = context.string("type")
      if let amount = context.money("amount"), type != "adjustment", type != nil, amount.cents <= 0
      {
        return [
          FieldError(
            field: "amount", "must be greater than 0 (only an adjustment may be 0 or negative)")
        ]
      }
      return []
    })
}
