internal import PortalJSON

/// The shapes of `getMetrics`' answer, for the OpenRPC document.
extension MetricsMethods {
  static var schemas: JSONObject {
    let milliseconds: JSONValue = [
      "type": ["number", "null"], "minimum": 0,
      "description": "Milliseconds, to within 1 %; null while the count is 0.",
    ]
    let timings: JSONValue = [
      "type": "object", "additionalProperties": EntityMethods.reference("Timing"),
    ]
    let lag: JSONValue = ["type": ["integer", "null"], "minimum": 0]
    return [
      "Timing": [
        "type": "object", "required": ["count", "errors", "p50", "p95", "p99"],
        "properties": [
          "count": ["type": "integer", "minimum": 0],
          "errors": ["type": "integer", "minimum": 0],
          "p50": milliseconds, "p95": milliseconds, "p99": milliseconds,
        ],
      ],
      "PerformanceMetrics": [
        "type": "object",
        "required": [
          "recording", "uptimeSeconds", "methods", "commits", "upstream", "queueDepth",
          "pushLagMs", "pullLagMs", "storeBytes", "userActions", "apiCalls", "dataSync",
        ],
        "properties": [
          "recording": [
            "type": "boolean",
            "description": "False with --metrics off: nothing is recorded.",
          ],
          "uptimeSeconds": ["type": "number", "minimum": 0],
          "methods": [
            "type": "object", "additionalProperties": EntityMethods.reference("Timing"),
            "description": "By method name, the methods called at least once.",
          ],
          "commits": EntityMethods.reference("Timing"),
          "upstream": [
            "type": "object", "additionalProperties": EntityMethods.reference("Timing"),
            "description":
              "By call (connect, pull, push, …): this process's sync agent's calls to PostgreSQL; empty standalone.",
          ],
          "queueDepth": [
            "type": "integer", "minimum": 0,
            "description": "Outbox entries not yet pushed (getSyncStatus' queueDepth).",
          ],
          "pushLagMs": lag, "pullLagMs": lag,
          "storeBytes": [
            "type": ["integer", "null"], "minimum": 0,
            "description": "portal.db and its write-ahead log; null in memory.",
          ],
          "userActions": timings, "apiCalls": timings, "dataSync": timings,
        ],
      ],
    ]
  }
}
