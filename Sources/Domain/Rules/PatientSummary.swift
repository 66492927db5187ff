public import PortalJSON

/// The patient's derived fields, computed from facts about the patient's records: counts by
/// status, completed payments, appointment dates and the activity log. Pure: the store gathers
/// the facts, this decides the values.
///
/// - SeeAlso: `docs/domain.md`, "Patient" and "Cross-section rules".
public struct PatientSummary: Sendable {
  public var totalAppointments = 0
  public var pendingDocuments = 0
  public var unreadMessages = 0
  public var activePrescriptions = 0
  /// Completed payments, newest first (at most `paymentHistoryLimit`).
  public var payments: [JSONObject] = []
  /// Activity entries with their ids, newest first (at most `activityLimit`).
  public var activity: [JSONObject] = []
  /// `opening balance + Σ effects` of completed transactions, exactly.
  public var balance: Money = .zero
  /// Date of the latest completed appointment, when appointments are what changed.
  public var lastVisit: String?
  /// Date of the earliest scheduled or confirmed appointment, when appointments changed.
  public var nextAppointment: String?

  public static let activityLimit = 20
  public static let paymentHistoryLimit = 50

  public init() {}

  /// The derived fields as the patient record stores them.
  public var quickStats: JSONValue {
    [
      "totalAppointments": JSONValue(totalAppointments),
      "pendingDocuments": JSONValue(pendingDocuments),
      "unreadMessages": JSONValue(unreadMessages),
      "activePrescriptions": JSONValue(activePrescriptions),
    ]
  }

  public var billing: JSONValue {
    var billing = JSONObject()
    if let last = payments.first {
      billing["lastPayment"] = [
        "amount": last["amount"] ?? 0, "date": last["date"] ?? "", "method": last["method"] ?? "",
      ]
    }
    billing["paymentHistory"] = .array(payments.map(JSONValue.object))
    return .object(billing)
  }

  /// A payment history entry from a completed payment transaction.
  public static func payment(from transaction: JSONObject) -> JSONObject {
    [
      "id": transaction["id"] ?? 0, "amount": transaction["amount"] ?? 0,
      "date": transaction["date"] ?? "", "method": transaction["method"] ?? "",
      "description": transaction["description"] ?? "",
    ]
  }

  /// How a transaction moves the balance: only completed ones do; a charge and a refund add, a
  /// payment subtracts, an adjustment adds its signed amount.
  public static func balanceEffect(of transaction: JSONObject) -> Money {
    guard transaction["status"]?.stringValue == "completed",
      let amount = transaction["amount"].flatMap(Money.init)
    else { return .zero }
    switch transaction["type"]?.stringValue {
    case "payment": return -amount
    case "charge", "refund", "adjustment": return amount
    default: return .zero
    }
  }
}
