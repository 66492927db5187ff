public import Domain

/// One step of the store's schema, applied once and recorded in the file itself.
public struct Migration: Sendable {
  public let version: Int
  public let name: String
  public let sql: String

  public init(version: Int, name: String, sql: String) {
    self.version = version
    self.name = name
    self.sql = sql
  }
}

/// The store's schema history. Append only: a store written by an older version is brought up to
/// date on open, in one transaction.
public enum Migrations {
  public static let all: [Migration] = [
    Migration(version: 1, name: "records", sql: recordTables),
    Migration(version: 2, name: "change log", sql: changeLog),
    Migration(version: 3, name: "per-patient indexes", sql: perPatientIndexes),
  ]

  /// The newest schema version this build knows.
  public static var latestVersion: Int { all.last?.version ?? 0 }

  // Migrations are history: their SQL is written out, never derived from today's code.
  private static let recordTables = """
    CREATE TABLE sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE patients (
      id TEXT PRIMARY KEY,
      ordinal INTEGER NOT NULL UNIQUE,
      version INTEGER NOT NULL,
      opening_balance INTEGER NOT NULL DEFAULT 0,
      doc TEXT NOT NULL
    );
    CREATE TABLE appointments (
      id INTEGER PRIMARY KEY,
      patient_id TEXT NOT NULL REFERENCES patients(id),
      version INTEGER NOT NULL,
      doc TEXT NOT NULL
    );
    CREATE TABLE message_threads (
      id INTEGER PRIMARY KEY,
      patient_id TEXT NOT NULL REFERENCES patients(id),
      version INTEGER NOT NULL,
      doc TEXT NOT NULL
    );
    CREATE TABLE prescriptions (
      id INTEGER PRIMARY KEY,
      patient_id TEXT NOT NULL REFERENCES patients(id),
      version INTEGER NOT NULL,
      doc TEXT NOT NULL
    );
    CREATE TABLE documents (
      id INTEGER PRIMARY KEY,
      patient_id TEXT NOT NULL REFERENCES patients(id),
      version INTEGER NOT NULL,
      doc TEXT NOT NULL
    );
    CREATE TABLE care_plans (
      id INTEGER PRIMARY KEY,
      patient_id TEXT NOT NULL REFERENCES patients(id),
      version INTEGER NOT NULL,
      doc TEXT NOT NULL
    );
    CREATE TABLE transactions (
      id INTEGER PRIMARY KEY,
      patient_id TEXT NOT NULL REFERENCES patients(id),
      version INTEGER NOT NULL,
      doc TEXT NOT NULL
    );
    CREATE TABLE insurance_claims (
      id INTEGER PRIMARY KEY,
      patient_id TEXT NOT NULL REFERENCES patients(id),
      version INTEGER NOT NULL,
      doc TEXT NOT NULL
    );
    """

  private static let changeLog = """
    CREATE TABLE changes (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      entity_type TEXT NOT NULL,
      entity_id TEXT NOT NULL,
      change TEXT NOT NULL,
      version INTEGER NOT NULL,
      patient_id TEXT,
      fields TEXT,
      method TEXT NOT NULL,
      origin TEXT NOT NULL,
      at TEXT NOT NULL,
      entity TEXT
    );
    """

  private static let perPatientIndexes = """
    CREATE INDEX appointments_by_patient ON appointments(patient_id, id);
    CREATE INDEX message_threads_by_patient ON message_threads(patient_id, id);
    CREATE INDEX prescriptions_by_patient ON prescriptions(patient_id, id);
    CREATE INDEX documents_by_patient ON documents(patient_id, id);
    CREATE INDEX care_plans_by_patient ON care_plans(patient_id, id);
    CREATE INDEX transactions_by_patient ON transactions(patient_id, id);
    CREATE INDEX insurance_claims_by_patient ON insurance_claims(patient_id, id);
    """

  /// Applies the migrations `database` lacks, in one transaction; refuses a store from a newer
  /// version.
  static func migrate(_ database: Database, with migrations: [Migration], at time: String)
    throws(StorageError)
  {
    try database.execute(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    let current = Int(try database.integer("SELECT max(version) FROM schema_migrations") ?? 0)
    let known = migrations.last?.version ?? 0
    guard current <= known else {
      throw StorageError.unusable(
        "the store was written by a newer portal-rpc (schema version \(current); this one knows \(known))"
      )
    }
    let pending = migrations.filter { $0.version > current }
    guard !pending.isEmpty else { return }
    try database.execute("BEGIN IMMEDIATE")
    do {
      // Another process may have migrated while we waited for the lock.
      let now = Int(try database.integer("SELECT max(version) FROM schema_migrations") ?? 0)
      for migration in pending where migration.version > now {
        try database.execute(migration.sql)
        try database.statement("INSERT INTO schema_migrations VALUES (?, ?, ?)")
          .bind([.integer(Int64(migration.version)), .text(migration.name), .text(time)]).run()
      }
      try database.execute("COMMIT")
    } catch {
      try? database.execute("ROLLBACK")
      throw error
    }
  }
}

extension EntityKind {
  /// The table holding this kind's records (`message_threads`).
  public var tableName: String {
    var name = ""
    for character in pluralName {
      if character.isUppercase {
        name += "_" + character.lowercased()
      } else {
        name.append(character)
      }
    }
    return name
  }
}
