internal import Domain
internal import PortalJSON
internal import Storage

/// When the clinic's date last moved the derived dates, and the instant it may move them next.
struct DayTurn {
  var day: CalendarDate?
  var dueAt = Timestamp(millisecondsSinceEpoch: .min)
}

extension DataSync {
  /// True when the clinic's date may have changed since the derived dates were last moved.
  public var isDayTurnDue: Bool { clock.now() >= dayTurn.dueAt }

  /// The method a day turn's changes name as their cause.
  public static var dayTurnMethod: String { "dayTurned" }

  /// `nextAppointment` and `lastVisit` depend on the clinic's date, so they move when the day
  /// turns as well as when an appointment changes. Before the first request of each clinic day
  /// (checked against a cached instant: one clock read per request), every patient whose dates
  /// the turn can move is brought up to date in a write of its own, whose changes reach
  /// subscribers like any other. The store remembers the day it last turned to, so the first
  /// process of the day does the work and the others find nothing to do.
  public func turnDayIfDue() {
    let now = clock.now()
    // A replica holds PostgreSQL's derived dates: the turn runs upstream (the sync agent's), and
    // arrives like any other change.
    guard turnsDays, now >= dayTurn.dueAt, !store.isReadOnly, !isInSavepoint, journal == nil
    else { return }
    let today = clock.date(of: now)
    dayTurn.dueAt = clock.nextDayStart(after: now)
    guard dayTurn.day != today else { return }
    do {
      try savepoint(method: Self.dayTurnMethod) { context in
        let since = try store.clinicDay()
        guard since.map({ $0 < today.description }) ?? true else { return }
        for ordinal in try store.patientsWithDatesMoving(after: since, through: today) {
          try refreshPatient(ordinal, .visits, context: context)
        }
        try store.setClinicDay(today.description)
      }
      dayTurn.day = today
    } catch {
      // Left for the next request to try (a busy or read-only store, say); the request itself
      // goes on.
      dayTurn.dueAt = now
    }
  }
}
