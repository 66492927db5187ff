internal import PortalJSON

/// The seed's `PerformanceMonitor` as methods: `getMetrics`, and `trackApiCall`,
/// `trackDataSync` and `trackUserAction`, with which a shell keeps the timings it measures
/// itself beside the server's. None is patient data: a signed-in session is enough, no
/// permission is needed, and nothing is audited.
///
/// - SeeAlso: `docs/metrics.md`, `docs/protocol.md`, "Performance monitoring".
enum MetricsMethods {
  /// The longest name a shell may report, in Unicode code points (JSON Schema's `maxLength`).
  static let longestName = 100
  /// The longest duration a shell may report: a day, in milliseconds.
  static let longestDuration = 86_400_000

  static func specs() -> [MethodSpec] {
    [
      MethodSpec(
        "getMetrics",
        summary:
          "The seed's PerformanceMetrics: per method, per group commit and per upstream call the count, errors and p50/p95/p99 latency in milliseconds; queue depth, push and pull lag, store size and uptime; and, apart, the timings the shell reported with the track methods.",
        result: ("PerformanceMetrics", EntityMethods.reference("PerformanceMetrics")),
        access: .signedIn
      ) { call in .value(call.session.monitor.metrics(call.session)) },
      track(
        "trackApiCall", .apiCalls, name: "endpoint",
        nameSummary: "What the shell called, such as an endpoint's path.",
        summary:
          "Keeps the duration of a call the shell made and timed itself, under apiCalls; a failure counts as an error."
      ),
      track(
        "trackDataSync", .dataSync, name: "operation",
        nameSummary: "The sync operation the shell timed.",
        summary:
          "Keeps the duration of a sync operation the shell timed itself, under dataSync; a failure counts as an error."
      ),
      track(
        "trackUserAction", .userActions, name: "action", reportsSuccess: false,
        nameSummary: "The user action the shell timed.",
        summary: "Keeps the duration of a user action the shell timed itself, under userActions."),
    ]
  }

  /// A `track*` method: a name, a duration in milliseconds and, unless `reportsSuccess` is
  /// false, whether it worked. Refused with -32602 (at the parameter, never repeating it) when
  /// the name is not 1 to 100 printable characters or the duration is not from 0 to a day.
  private static func track(
    _ method: String, _ section: PerformanceMonitor.ShellSection, name: String,
    reportsSuccess: Bool = true, nameSummary: String, summary: String
  ) -> MethodSpec {
    var params: [Param] = [
      .required(
        name, .string, nameSummary,
        schema: ["type": "string", "minLength": 1, "maxLength": JSONValue(longestName)]),
      .required(
        "duration", .number, "How long it took, in milliseconds (from 0 to a day).",
        schema: ["type": "number", "minimum": 0, "maximum": JSONValue(longestDuration)]),
    ]
    if reportsSuccess {
      params.append(.required("success", .boolean, "Whether it worked."))
    }
    return MethodSpec(
      method, summary: summary, params: params, result: ("null", ["type": "null"]),
      errors: [.invalidParams], access: .signedIn
    ) { call in
      let label = call.arguments.string(name) ?? ""
      let duration = call.arguments["duration"]?.numberValue?.doubleValue ?? .nan
      var problems: [ParamProblem] = []
      if !isReportable(label) {
        problems.append(
          ParamProblem(
            path: "/" + name,
            message: "must be 1 to \(longestName) printable characters (no control characters)"))
      }
      if !(duration.isFinite && duration >= 0 && duration <= Double(longestDuration)) {
        problems.append(
          ParamProblem(
            path: "/duration",
            message: "must be a number of milliseconds from 0 to \(longestDuration) (a day)"))
      }
      if !problems.isEmpty { throw ResponseError.invalidParams(problems) }
      call.session.monitor.track(
        section, label, milliseconds: duration,
        failed: reportsSuccess && call.arguments.bool("success") == false)
      return .null
    }
  }

  /// True for 1 to `longestName` code points, none of them a control, format, separator,
  /// private-use, surrogate or unassigned code point.
  static func isReportable(_ name: String) -> Bool {
    var count = 0
    for scalar in name.unicodeScalars {
      count += 1
      guard count <= longestName else { return false }
      switch scalar.properties.generalCategory {
      case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate,
        .unassigned:
        return false
      default:
        continue
      }
    }
    return count > 0
  }
}
