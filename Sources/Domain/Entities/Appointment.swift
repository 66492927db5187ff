/// - SeeAlso: `docs/domain.md`, "Appointment".
extension EntityKind {
  public static let appointment = EntityKind(
    name: .appointment, typeName: "Appointment", pluralName: "appointments",
    syncMethod: "syncAppointmentData", idParameter: "appointmentId", addParameter: "appointment",
    perPatientMethod: "getPatientAppointments",
    fields: [
      .integerID("appointment"),
      .patientID,
      .patientName,
      // Optional: the seed's own test adds an appointment without a doctor, and unassigned
      // appointments are real.
      Field("doctorId", .positiveInteger, .optional, "The doctor's id, once one is assigned."),
      Field(
        "doctorName", .line(nonEmpty: true), .optional, "The doctor's name, once one is assigned."),
      Field("date", .date(notInFuture: false), "Day of the appointment."),
      Field("time", .timeOfDay, "Start time: 10:00 AM or 14:30."),
      Field("durationMinutes", .integer(5...480), .defaulted(30), "Length in minutes, 5 to 480."),
      .text("type", "Kind of visit (Follow-up, Consultation, Annual Physical, … free text)."),
      .status(
        ["scheduled", "confirmed", "checked-in", "completed", "cancelled", "no-show"],
        "Where the appointment stands."),
      .optionalText("location", "Where it takes place."),
      .notes,
      .meta,
    ],
    rules: { _ in [] })
}
