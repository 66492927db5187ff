internal import Domain
internal import PortalJSON

/// The records a method's answer holds, as the signed-in role may see them: masked fields
/// removed, records and references of types it cannot read left out, and the ids of what it was
/// shown collected for the audit log. Works on the answer's shape (`RecordShape`), so no method
/// masks anything itself.
struct RecordView {
  /// The ids shown and the patients they belong to, for the audit event.
  struct Touched {
    var ids: [JSONValue] = []
    var patientIDs: [String] = []

    mutating func add(_ record: JSONObject, _ kind: EntityKind.Name) {
      guard let id = record["id"] else { return }
      ids.append(id)
      let patient = kind == .patient ? id : record["patientId"]
      if let patient = patient.flatMap(PatientID.canonical), !patientIDs.contains(patient) {
        patientIDs.append(patient)
      }
    }
  }

  let kind: EntityKind.Name
  let shape: RecordShape
  /// Nil when nothing is masked (auth off, or only auditing).
  let policy: AccessPolicy?

  /// The answer as the role sees it, and what it touched.
  func apply(to reply: Reply) throws -> (Reply, Touched) {
    var touched = Touched()
    let needsMask =
      policy.map { policy in
        switch shape {
        case .record, .page, .list: policy.masks(kind) || !policy.canRead(kind)
        case .update, .deletion, .chart:
          EntityKind.Name.allCases.contains { policy.masks($0) || !policy.canRead($0) }
        }
      } ?? false
    if !needsMask, kind == .patient, case .encoded(let encoded) = reply, case .record = shape,
      let id = Self.leadingID(encoded.bytes), let patient = PatientID.canonical(id)
    {
      // The common read of one patient: its id leads the stored JSON, and nothing is masked.
      touched.ids = [id]
      touched.patientIDs = [patient]
      return (reply, touched)
    }
    let value: JSONValue
    switch reply {
    case .value(let plain): value = plain
    case .encoded(let encoded): value = try encoded.decoded()
    }
    touched = Touched()
    let shown = view(value, &touched)
    return (needsMask ? .value(shown) : reply, touched)
  }

  private func view(_ value: JSONValue, _ touched: inout Touched) -> JSONValue {
    switch shape {
    case .record:
      return record(value, kind, &touched)
    case .list:
      return .array((value.arrayValue ?? []).map { record($0, kind, &touched) })
    case .page:
      guard var page = value.objectValue else { return value }
      page["items"] = .array((page["items"]?.arrayValue ?? []).map { record($0, kind, &touched) })
      return .object(page)
    case .update(let key):
      guard var update = value.objectValue else { return value }
      if let main = update[key] { update[key] = record(main, kind, &touched) }
      update["related"] = references(update["related"])
      return .object(update)
    case .deletion:
      guard var deletion = value.objectValue else { return value }
      if let deleted = deletion["deleted"]?.objectValue { touched.add(deleted, kind) }
      deletion["related"] = references(deletion["related"])
      return .object(deletion)
    case .chart:
      guard var chart = value.objectValue else { return value }
      if let patient = chart["patient"] { chart["patient"] = record(patient, .patient, &touched) }
      for child in EntityKind.all where child.belongsToPatient {
        guard let records = chart[child.pluralName]?.arrayValue else { continue }
        chart[child.pluralName] = .array(records.map { record($0, child.name, &touched) })
      }
      return .object(chart)
    }
  }

  private func record(_ value: JSONValue, _ kind: EntityKind.Name, _ touched: inout Touched)
    -> JSONValue
  {
    guard case .object(let object) = value else { return value }
    touched.add(object, kind)
    guard let policy, policy.masks(kind) else { return value }
    return .object(policy.mask(kind, object))
  }

  /// `[{entityType, id, …}]` without the references to types the role cannot read.
  private func references(_ value: JSONValue?) -> JSONValue {
    let items = value?.arrayValue ?? []
    guard let policy else { return .array(items) }
    return .array(
      items.filter { item in
        guard let type = item["entityType"]?.stringValue.flatMap(EntityKind.Name.init(rawValue:))
        else { return false }
        return policy.canRead(type)
      })
  }

  /// An error as the role may see it: a version conflict's `data.current` (the record as it is
  /// now) masked like any read of it, or left out for a type the role cannot read.
  static func masked(_ error: any Error, policy: AccessPolicy?) -> any Error {
    guard let policy else { return error }
    var response = ResponseError(error)
    guard var data = response.data?.objectValue, case .object(let current)? = data["current"],
      let kind = data["entityType"]?.stringValue.flatMap(EntityKind.Name.init(rawValue:))
    else { return error }
    data["current"] = policy.canRead(kind) ? .object(policy.mask(kind, current)) : nil
    response.data = .object(data)
    return response
  }

  /// The id at the front of a stored record (`{"id":"P001",…` or `{"id":7,…`), without parsing
  /// the rest; nil when the record does not start that way.
  static func leadingID(_ bytes: [UInt8]) -> JSONValue? {
    let prefix = Array(#"{"id":"#.utf8)
    guard bytes.count > prefix.count, bytes.starts(with: prefix) else { return nil }
    var end = prefix.count
    if bytes[end] == UInt8(ascii: "\"") {
      end += 1
      while end < bytes.count, bytes[end] != UInt8(ascii: "\"") {
        if bytes[end] == UInt8(ascii: "\\") { return nil }
        end += 1
      }
      guard end < bytes.count else { return nil }
      return .string(String(decoding: bytes[(prefix.count + 1)..<end], as: UTF8.self))
    }
    while end < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[end]) {
      end += 1
    }
    guard end > prefix.count,
      let number = Int64(String(decoding: bytes[prefix.count..<end], as: UTF8.self))
    else { return nil }
    return JSONValue(number)
  }
}
