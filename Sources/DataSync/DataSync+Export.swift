internal import Domain
public import PortalJSON
public import Storage

extension DataSync where Records == Store {
  /// `exportPatient(patientId)`: the patient's whole chart in one object, `{patient,
  /// appointments, messageThreads, …}`, every record as stored and each list in id order, all
  /// read in one transaction (so no write lands between two of the lists).
  public func exportPatient(_ patientID: JSONValue) throws -> EncodedJSON {
    try read {
      guard let canonical = PatientID.canonical(patientID),
        let patient = try store.record(.patient, .patient(canonical))
      else { throw DomainError.notFound(.patient, id: patientID) }
      var lists: [(String, [(id: Int64, version: Int64, document: [UInt8])])] = []
      var size = patient.document.count + 256
      for kind in EntityKind.all where kind.belongsToPatient {
        let rows = try store.records(kind, ofPatient: patient.patientOrdinal)
        size += rows.reduce(0) { $0 + $1.document.count + 1 }
        lists.append((kind.pluralName, rows))
      }
      let writer = JSONWriter(capacity: size)
      writer.writeRaw("{\"patient\":")
      writer.append(patient.document)
      for (name, rows) in lists {
        writer.append(UInt8(ascii: ","))
        writer.writeString(name)
        writer.writeRaw(":[")
        for (index, row) in rows.enumerated() {
          if index > 0 { writer.append(UInt8(ascii: ",")) }
          writer.append(row.document)
        }
        writer.append(UInt8(ascii: "]"))
      }
      writer.append(UInt8(ascii: "}"))
      return EncodedJSON(trusted: writer.bytes)
    }
  }
}
