/// - SeeAlso: `docs/domain.md`, "MessageThread".
extension EntityKind {
  public static let messageThread = EntityKind(
    name: .messageThread, typeName: "MessageThread", pluralName: "messageThreads",
    syncMethod: "syncMessageData", idParameter: "threadId", addParameter: "thread",
    perPatientMethod: "getPatientMessages",
    fields: [
      .integerID("thread"),
      .patientID,
      .patientName,
      .patientEmail,
      .text("subject", "What the thread is about."),
      Field(
        "category",
        .oneOf(["general", "appointment", "prescription", "billing", "lab-results", "other"]),
        "Which desk the thread belongs to."),
      Field("priority", .oneOf(["low", "normal", "high", "urgent"]), "How urgent it is."),
      .status(["unread", "read", "replied", "archived"], "Where the thread stands."),
      .text("assignedTo", "Who on staff handles it."),
      Field(
        "messages",
        .array(
          of: .object([
            Field("id", .positiveInteger, "Unique within the thread."),
            Field("from", .oneOf(["admin", "patient", "doctor", "system"]), "Who wrote it."),
            Field(
              "sender", .line(nonEmpty: true), .optional,
              "The writer's name; in a message from the patient, the patient's name (filled in when absent, and following a rename)."
            ),
            .prose("text", "The message."),
            Field("timestamp", .timestamp, "When it was sent (ISO 8601 with a zone)."),
          ]), minItems: 1, maxItems: 5000),
        "The messages, at least one and at most 5,000; appendMessage adds one atomically."),
      Field(
        "lastMessageTime", .timestamp, .optional,
        owner: .copied(from: "the newest message's timestamp"),
        "The newest message's timestamp, kept by the server (a value sent by a client is replaced)."
      ),
      .meta,
    ],
    rules: { context in context.uniqueItemIDs("messages") })
}
