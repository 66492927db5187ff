internal import Domain
internal import PortalJSON
public import Storage

/// A small, realistic (and entirely fictional) practice for `--demo`: eight patients, each with
/// appointments, message threads, prescriptions, documents, a care plan, billing transactions and
/// insurance claims. Dates are relative to the clock, so a fixed clock gives the same practice.
public enum DemoPractice {
  /// Fills the store when it holds no patient; returns false (and changes nothing) otherwise.
  @discardableResult
  public static func fill(_ dataSync: DataSync<Store>) throws -> Bool {
    guard try dataSync.store.isEmpty() else { return false }
    try add(to: dataSync)
    return true
  }

  /// Adds the practice's patients and their records to whatever the store holds, over either
  /// store (the same requests give the same records).
  public static func add<Records: RecordStore>(to dataSync: DataSync<Records>) throws {
    let today = dataSync.clock.now().date
    func day(_ offset: Int) -> JSONValue {
      .string(CalendarDate(daysSinceEpoch: today.daysSinceEpoch + offset).description)
    }
    func time(_ offset: Int, _ hour: Int) -> JSONValue {
      let date = CalendarDate(daysSinceEpoch: today.daysSinceEpoch + offset)
      let stamp = Timestamp(
        millisecondsSinceEpoch: Int64(date.daysSinceEpoch) * 86_400_000 + Int64(hour) * 3_600_000)
      return .string(stamp.description)
    }
    for (index, person) in people.enumerated() {
      let patient = try dataSync.add(.patient, person.record)
      let id = (try? patient.decoded())?["id"] ?? .null
      let offset = index * 3
      _ = try dataSync.add(
        .appointment,
        [
          "patientId": id, "doctorId": JSONValue(person.doctorID),
          "doctorName": .string(person.doctor),
          "date": day(-40 + offset), "time": "9:30 AM", "durationMinutes": 30,
          "type": "Annual Physical",
          "status": "completed", "location": "Main Clinic, Room 2",
        ])
      _ = try dataSync.add(
        .appointment,
        [
          "patientId": id, "doctorId": JSONValue(person.doctorID),
          "doctorName": .string(person.doctor),
          "date": day(7 + offset), "time": index % 2 == 0 ? "10:00 AM" : "14:15",
          "type": "Follow-up",
          "status": index % 3 == 0 ? "confirmed" : "scheduled", "location": "Main Clinic, Room 4",
          "notes": .string(person.followUp),
        ])
      _ = try dataSync.add(
        .messageThread,
        [
          "patientId": id, "subject": .string(person.question), "category": "general",
          "priority": index % 4 == 0 ? "high" : "normal",
          "status": index % 2 == 0 ? "unread" : "replied",
          "assignedTo": "Front Desk",
          "messages": [
            [
              "id": 1, "from": "patient",
              "sender": .string(person.record["name"]?.stringValue ?? ""),
              "text": .string(person.question + "?"), "timestamp": time(-3, 14),
            ],
            [
              "id": 2, "from": "admin", "sender": "Front Desk",
              "text": "Thanks for reaching out; the care team will reply within one business day.",
              "timestamp": time(-3, 16),
            ],
          ],
        ])
      _ = try dataSync.add(
        .prescription,
        [
          "patientId": id, "medication": .string(person.medication.0),
          "dosage": .string(person.medication.1),
          "frequency": "once daily", "route": "oral", "quantity": 90, "refills": 3,
          "prescribedBy": .string(person.doctor), "prescribedDate": day(-40 + offset),
          "startDate": day(-40 + offset), "status": "active", "pharmacy": "CVS Pharmacy #4521",
        ])
      _ = try dataSync.add(
        .document,
        [
          "patientId": id, "title": "Comprehensive metabolic panel", "type": "lab-result",
          "status": index % 2 == 0 ? "pending" : "reviewed", "uploadDate": day(-38 + offset),
          "uploadedBy": "Lab Interface", "fileName": "cmp.pdf", "mimeType": "application/pdf",
          "sizeBytes": 182_044,
        ])
      _ = try dataSync.add(
        .carePlan,
        [
          "patientId": id, "title": .string(person.plan), "condition": .string(person.condition),
          "status": "active", "startDate": day(-40 + offset), "createdBy": .string(person.doctor),
          "goals": [
            [
              "id": 1, "description": .string(person.goal), "targetDate": day(90),
              "status": "in-progress",
            ]
          ],
          "activities": [
            [
              "id": 1, "description": "Review progress at follow-up visit", "frequency": "monthly",
              "status": "scheduled",
            ]
          ],
        ])
      _ = try dataSync.add(
        .transaction,
        [
          "patientId": id, "type": "charge", "amount": .number(JSONNumber("185.00")!),
          "date": day(-40 + offset),
          "description": "Annual physical", "status": "completed",
        ])
      _ = try dataSync.add(
        .transaction,
        [
          "patientId": id, "type": "payment", "amount": .number(JSONNumber("40.00")!),
          "method": "credit-card",
          "date": day(-40 + offset), "description": "Office visit copay", "status": "completed",
        ])
      _ = try dataSync.add(
        .insuranceClaim,
        [
          "patientId": id, "serviceDate": day(-40 + offset), "submittedDate": day(-39 + offset),
          "amount": .number(JSONNumber("145.00")!), "status": index % 3 == 1 ? "paid" : "submitted",
          "diagnosisCodes": .array([.string(person.icd)]), "procedureCodes": ["99396"],
        ])
    }
  }

  private struct Person {
    let record: JSONObject
    let doctor: String
    let doctorID: Int
    let followUp: String
    let question: String
    let medication: (String, String)
    let plan: String
    let condition: String
    let goal: String
    let icd: String
  }

  private static func patient(
    _ name: String, _ email: String, _ phone: String, _ dob: String, _ address: String,
    _ doctor: String, _ insurer: (String, String, String), conditions: [String],
    allergies: [String], medications: [String], contact: (String, String, String),
    status: String = "active"
  ) -> JSONObject {
    [
      "name": .string(name), "email": .string(email), "phone": .string(phone), "dob": .string(dob),
      "address": .string(address), "status": .string(status), "assignedDoctor": .string(doctor),
      "insurance": [
        "provider": .string(insurer.0), "memberId": .string(insurer.1), "group": .string(insurer.2),
        "status": "active",
      ],
      "emergencyContact": [
        "name": .string(contact.0), "relationship": .string(contact.1), "phone": .string(contact.2),
      ],
      "medicalHistory": [
        "conditions": .array(conditions.map(JSONValue.string)),
        "allergies": .array(allergies.map(JSONValue.string)),
        "medications": .array(medications.map(JSONValue.string)),
      ],
    ]
  }

  private static let chen = "Dr. Michael Chen"
  private static let rodriguez = "Dr. Emily Rodriguez"
  private static let patel = "Dr. Sarah Patel"

  private static let people: [Person] = [
    Person(
      record: patient(
        "Sarah Johnson", "sarah.johnson@example.com", "(555) 123-4567", "1985-03-15",
        "123 Main St, Springfield, IL 62701", chen,
        ("Blue Cross Blue Shield", "BCB123456789", "GRP-001"),
        conditions: ["Hypertension", "Type 2 Diabetes"], allergies: ["Penicillin"],
        medications: ["Lisinopril 10mg", "Metformin 500mg"],
        contact: ("John Johnson", "Spouse", "(555) 987-6543")),
      doctor: chen, doctorID: 1, followUp: "Review blood pressure log",
      question: "Can I get my A1C results",
      medication: ("Lisinopril", "10 mg"), plan: "Diabetes management",
      condition: "Type 2 Diabetes",
      goal: "HbA1c below 7%", icd: "E11.9"),
    Person(
      record: patient(
        "Robert Martinez", "robert.martinez@example.com", "(555) 234-5678", "1972-11-02",
        "48 Oak Ave, Springfield, IL 62702", rodriguez, ("Aetna", "AET987654321", "GRP-114"),
        conditions: ["Asthma"], allergies: [], medications: ["Albuterol inhaler"],
        contact: ("Ana Martinez", "Daughter", "(555) 876-5432")),
      doctor: rodriguez, doctorID: 2, followUp: "Spirometry recheck",
      question: "Do I need a new inhaler prescription",
      medication: ("Fluticasone", "110 mcg"), plan: "Asthma control", condition: "Asthma",
      goal: "No night-time symptoms", icd: "J45.909"),
    Person(
      record: patient(
        "Emily Chen", "emily.chen@example.com", "(555) 345-6789", "1990-07-21",
        "9 Birch Ln, Springfield, IL 62703", chen, ("UnitedHealthcare", "UHC555123987", "GRP-207"),
        conditions: [], allergies: ["Latex"], medications: [],
        contact: ("Wei Chen", "Parent", "(555) 765-4321")),
      doctor: chen, doctorID: 1, followUp: "Discuss lab results",
      question: "Is fasting needed before my blood test",
      medication: ("Vitamin D3", "2000 IU"), plan: "Preventive care",
      condition: "Vitamin D deficiency",
      goal: "Vitamin D in normal range", icd: "E55.9"),
    Person(
      record: patient(
        "James Wilson", "james.wilson@example.com", "(555) 456-7890", "1958-01-30",
        "702 Elm St, Springfield, IL 62704", patel, ("Medicare", "MED1EG4TE5MK72", "PART-B"),
        conditions: ["COPD", "Atrial fibrillation"], allergies: ["Sulfa drugs"],
        medications: ["Apixaban 5mg", "Tiotropium"],
        contact: ("Linda Wilson", "Spouse", "(555) 654-3210")),
      doctor: patel, doctorID: 3, followUp: "INR and oxygen check",
      question: "Can my wife pick up my prescription",
      medication: ("Apixaban", "5 mg"), plan: "COPD and AF management", condition: "COPD",
      goal: "Walk 20 minutes daily", icd: "J44.9"),
    Person(
      record: patient(
        "Maria Garcia", "maria.garcia@example.com", "(555) 567-8901", "1988-05-09",
        "15 Cedar Ct, Springfield, IL 62705", rodriguez, ("Cigna", "CIG246813579", "GRP-330"),
        conditions: ["Migraine"], allergies: [], medications: ["Sumatriptan 50mg"],
        contact: ("Luis Garcia", "Brother", "(555) 543-2109")),
      doctor: rodriguez, doctorID: 2, followUp: "Headache diary review",
      question: "My migraines are more frequent",
      medication: ("Sumatriptan", "50 mg"), plan: "Migraine prevention", condition: "Migraine",
      goal: "Fewer than 4 migraine days a month", icd: "G43.909"),
    Person(
      record: patient(
        "David Thompson", "david.thompson@example.com", "(555) 678-9012", "1965-09-14",
        "88 Pine Rd, Springfield, IL 62706", patel, ("Humana", "HUM135792468", "GRP-442"),
        conditions: ["Hyperlipidemia"], allergies: ["Codeine"], medications: ["Atorvastatin 20mg"],
        contact: ("Karen Thompson", "Spouse", "(555) 432-1098")),
      doctor: patel, doctorID: 3, followUp: "Lipid panel follow-up",
      question: "Should I keep taking my statin",
      medication: ("Atorvastatin", "20 mg"), plan: "Cardiovascular risk reduction",
      condition: "Hyperlipidemia",
      goal: "LDL below 100 mg/dL", icd: "E78.5"),
    Person(
      record: patient(
        "Aisha Patel", "aisha.patel@example.com", "(555) 789-0123", "2001-12-03",
        "301 Maple Dr, Springfield, IL 62707", chen,
        ("Kaiser Permanente", "KP864209753", "GRP-518"),
        conditions: ["Generalized anxiety disorder"], allergies: [],
        medications: ["Sertraline 50mg"],
        contact: ("Ravi Patel", "Parent", "(555) 321-0987")),
      doctor: chen, doctorID: 1, followUp: "Medication check-in",
      question: "Can we move my appointment to the afternoon",
      medication: ("Sertraline", "50 mg"), plan: "Anxiety management",
      condition: "Generalized anxiety disorder",
      goal: "GAD-7 score under 5", icd: "F41.1"),
    Person(
      record: patient(
        "Thomas Brown", "thomas.brown@example.com", "(555) 890-1234", "1979-04-27",
        "64 Willow Way, Springfield, IL 62708", rodriguez,
        ("Blue Cross Blue Shield", "BCB975318642", "GRP-001"),
        conditions: ["Lower back pain"], allergies: ["Ibuprofen"], medications: [],
        contact: ("Megan Brown", "Spouse", "(555) 210-9876"), status: "pending"),
      doctor: rodriguez, doctorID: 2, followUp: "Physical therapy referral",
      question: "Is physical therapy covered",
      medication: ("Cyclobenzaprine", "5 mg"), plan: "Back pain rehabilitation",
      condition: "Lower back pain",
      goal: "Return to daily walks without pain", icd: "M54.50"),
  ]
}
