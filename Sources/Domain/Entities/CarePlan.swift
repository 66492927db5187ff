/// - SeeAlso: `docs/domain.md`, "CarePlan".
extension EntityKind {
  public static let carePlan = EntityKind(
    name: .carePlan, typeName: "CarePlan", pluralName: "carePlans", syncMethod: "syncCarePlanData",
    idParameter: "carePlanId", addParameter: "carePlan", perPatientMethod: "getPatientCarePlans",
    fields: [
      .integerID("care plan"),
      .patientID,
      .patientName,
      .text("title", "The plan's name."),
      .optionalProse("description", "What the plan is for."),
      .optionalText("condition", "The condition it treats."),
      .status(["draft", "active", "on-hold", "completed", "cancelled"], "Where it stands."),
      Field("startDate", .date(notInFuture: false), "First day."),
      Field("endDate", .date(notInFuture: false), .optional, "Last day; not before startDate."),
      .text("createdBy", "Who wrote the plan."),
      Field(
        "goals",
        .array(
          of: .object([
            Field("id", .positiveInteger, "Unique within the plan."),
            .prose("description", "The goal."),
            Field("targetDate", .date(notInFuture: false), .optional, "When it should be met."),
            Field(
              "status", .oneOf(["not-started", "in-progress", "achieved", "cancelled"]), "Progress."
            ),
          ]), minItems: 0, maxItems: 200), .defaulted([]), "Goals of the plan."),
      Field(
        "activities",
        .array(
          of: .object([
            Field("id", .positiveInteger, "Unique within the plan."),
            .prose("description", "The activity."),
            .optionalText("frequency", "How often."),
            Field("dueDate", .date(notInFuture: false), .optional, "When it is due."),
            Field(
              "status", .oneOf(["scheduled", "in-progress", "completed", "cancelled"]), "Progress."),
          ]), minItems: 0, maxItems: 500), .defaulted([]), "Activities of the plan."),
      .notes,
      .meta,
    ],
    rules: { context in
      context.endNotBeforeStart() + context.uniqueItemIDs("goals")
        + context.uniqueItemIDs("activities")
    })
}
