import Foundation

/// One measured figure of ours beside what it is held against, with the target ratio.
struct Figure {
  let name: String
  let unit: String
  let ours: [Double]
  let reference: [Double]
  let referenceName: String
  /// The target: `ours / reference >= minimumRatio` (or an absolute bound when reference is empty).
  let target: Target

  enum Target {
    case ratioAtLeast(Double)
    case ratioAtMost(Double)
    case atMost(Double)
    case none
  }

  var oursMedian: Double { median(ours) }
  var referenceMedian: Double? { reference.isEmpty ? nil : median(reference) }

  /// The median of the per-round ratios (pairs measured in the same round).
  var ratio: Double? {
    guard !reference.isEmpty else { return nil }
    return median(zip(ours, reference).map { $0 / $1 })
  }

  var verdict: String {
    switch target {
    case .ratioAtLeast(let bound): (ratio ?? 0) >= bound ? "ok" : "MISS"
    case .ratioAtMost(let bound): (ratio ?? .infinity) <= bound ? "ok" : "MISS"
    case .atMost(let bound): oursMedian <= bound ? "ok" : "MISS"
    case .none: ""
    }
  }

  var targetText: String {
    switch target {
    case .ratioAtLeast(let bound): "≥ \(format(bound))×"
    case .ratioAtMost(let bound): "≤ \(format(bound))×"
    case .atMost(let bound): "≤ \(format(bound)) \(unit)"
    case .none: ""
    }
  }
}

func median(_ values: [Double]) -> Double {
  let sorted = values.sorted()
  guard !sorted.isEmpty else { return .nan }
  return sorted.count % 2 == 1
    ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func format(_ value: Double) -> String {
  if value.isNaN { return "-" }
  if abs(value) >= 1000 { return String(Int(value.rounded())) }
  if abs(value) >= 100 { return String(format: "%.0f", value) }
  if abs(value) >= 10 { return String(format: "%.1f", value) }
  return String(format: "%.2f", value)
}

/// Prints the figures as a Markdown table (pasteable into a closing note).
func printTable(_ title: String, _ figures: [Figure], rounds: Int) {
  print("\n### \(title) (median of \(rounds) interleaved rounds)\n")
  print("| figure | PortalRPC | held against | ratio | target | |")
  print("|---|---|---|---|---|---|")
  for figure in figures {
    let reference =
      figure.referenceMedian.map { "\(format($0)) \(figure.unit) (\(figure.referenceName))" }
      ?? figure.referenceName
    let ratio = figure.ratio.map { format($0) + "×" } ?? ""
    print(
      "| \(figure.name) | \(format(figure.oursMedian)) \(figure.unit) | \(reference) | \(ratio) | \(figure.targetText) | \(figure.verdict) |"
    )
  }

}
