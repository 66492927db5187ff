import Domain
import PortalJSON
import Testing

@Suite("Domain values")
struct ValuesTests {
  private func money(_ text: String) -> Money? { Money(.number(JSONNumber(text)!)) }

  @Test("money is exact and prints in its shortest form")
  func moneyExact() {
    #expect(money("0.30")! - money("0.10")! - money("0.20")! == .zero)
    #expect(money("250.75")?.description == "250.75")
    #expect(money("40.00")?.description == "40")
    #expect(money("0.3")?.description == "0.3")
    #expect(money("0.05")?.description == "0.05")
    #expect(money("-10.50")?.description == "-10.5")
    #expect(money("1e2")?.cents == 10000)
    #expect(money("0.001") == nil)
    #expect(money("1e300") == nil)
    #expect(Money.parse(JSONNumber("1.005")!) == .failure(.tooManyDecimals))
  }

  @Test(
    "calendar dates are real dates",
    arguments: [
      ("2024-02-29", true), ("2025-02-29", false), ("2026-13-01", false), ("2026-04-31", false),
      ("2026-1-01", false), ("2026-01-01", true), ("0000-01-01", false), ("2000-02-29", true),
      ("1900-02-29", false), ("2026-01-01T00:00", false),
    ])
  func dates(text: String, valid: Bool) {
    #expect((CalendarDate(text) != nil) == valid)
  }

  @Test("day numbers round-trip")
  func dayNumbers() {
    for days in stride(from: -719_000, to: 2_900_000, by: 997) {
      let date = CalendarDate(daysSinceEpoch: days)
      #expect(date.daysSinceEpoch == days)
      #expect(CalendarDate(date.description) == date)
    }
    #expect(CalendarDate("1970-01-01")?.daysSinceEpoch == 0)
  }

  @Test("timestamps need a zone and are written in UTC with milliseconds")
  func timestamps() {
    #expect(Timestamp("2026-01-31T09:15:00Z")?.description == "2026-01-31T09:15:00.000Z")
    #expect(Timestamp("2026-01-31T10:15:00.5+01:00")?.description == "2026-01-31T09:15:00.500Z")
    #expect(Timestamp("2026-01-31T09:15:00.123456Z")?.description == "2026-01-31T09:15:00.123Z")
    #expect(Timestamp("2026-01-01T00:30:00-01:00")?.description == "2026-01-01T01:30:00.000Z")
    #expect(Timestamp("1969-12-31T23:59:59.999Z")?.millisecondsSinceEpoch == -1)
    #expect(Timestamp("2026-01-31T09:15:00") == nil)
    #expect(Timestamp("2026-01-31 09:15:00Z") == nil)
    #expect(Timestamp("2026-02-30T09:15:00Z") == nil)
    #expect(Timestamp("2026-01-31T24:00:00Z") == nil)
  }

  @Test(
    "appointment times: h:mm AM/PM or HH:mm",
    arguments: [
      ("10:00 AM", 600), ("9:30 PM", 1290), ("12:00 AM", 0), ("12:15 PM", 735), ("14:30", 870),
      ("00:05", 5),
    ])
  func times(text: String, minutes: Int) {
    #expect(TimeOfDay(text)?.minutes == minutes)
  }

  @Test(
    "bad times", arguments: ["13:00 PM", "0:30 AM", "9:5 AM", "24:00", "9:30", "10:00AM", "ten"])
  func badTimes(text: String) {
    #expect(TimeOfDay(text) == nil)
  }

  @Test(
    "email addresses",
    arguments: [
      ("sarah.johnson@example.com", true), ("a@b.co", true), ("no-at.example.com", false),
      ("two@@example.com", false), ("space @example.com", false), ("a@localhost", false),
      ("a@example.c", false), ("@example.com", false),
    ])
  func emails(text: String, valid: Bool) {
    #expect(EmailAddress.isValid(text) == valid)
  }

  @Test("patient ids match by their text")
  func patientIDs() {
    #expect(PatientID.canonical(1) == "1")
    #expect(PatientID.canonical("1") == "1")
    #expect(PatientID.canonical(.number(JSONNumber("1.0")!)) == "1")
    #expect(PatientID.canonical("P001") == "P001")
    #expect(PatientID.canonical("") == nil)
    #expect(PatientID.canonical(true) == nil)
    #expect(PatientID.generated(ordinal: 1) == "P001")
    #expect(PatientID.generated(ordinal: 999) == "P999")
    #expect(PatientID.generated(ordinal: 1000) == "P1000")
    #expect(PatientID.ordinal(of: "P1000") == 1000)
  }
}
