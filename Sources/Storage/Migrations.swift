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

/// The store's schema history. Append only (their SQL is written out, never derived from today's
/// code): a store written by an older version is brought up to date on open, in one transaction.
public enum Migrations {
  public static let all: [Migration] = [
    Migration(version: 1, name: "records", sql: recordTables),
    Migration(version: 2, name: "change log", sql: changeLog),
    Migration(version: 3, name: "per-patient indexes", sql: perPatientIndexes),
    Migration(version: 4, name: "derived-field columns", sql: derivedFieldColumns),
    Migration(version: 5, name: "patient totals and clinic day", sql: patientTotals),
    Migration(version: 6, name: "replica outbox", sql: replicaOutbox),
    Migration(version: 7, name: "staff and audit", sql: staffAndAudit),
  ]

  /// The newest schema version this build knows.
  public static var latestVersion: Int { all.last?.version ?? 0 }

  /// Records keep their canonical JSON in `doc`. A patient's rowid is its ordinal: generated ids
  /// (`P001`) are found by it, so adding a patient writes no index page; only ids of another form
  /// (imported ones) are indexed, in `custom_id`. Other records point at their patient's ordinal.
  /// `retired_ids` remembers the largest id each table ever deleted, so ids are never handed out
  /// twice (AUTOINCREMENT would do the same at the cost of one more page per commit).
  private static let recordTables = """
    CREATE TABLE retired_ids (table_name TEXT PRIMARY KEY, max_id INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE patients (
      ordinal INTEGER PRIMARY KEY,
      custom_id TEXT,
      version INTEGER NOT NULL,
      opening_balance INTEGER NOT NULL DEFAULT 0,
      doc TEXT NOT NULL
    );
    CREATE UNIQUE INDEX patients_by_custom_id ON patients(custom_id) WHERE custom_id IS NOT NULL;
    CREATE TABLE appointments (
      id INTEGER PRIMARY KEY,
      patient INTEGER NOT NULL REFERENCES patients(ordinal),
      version INTEGER NOT NULL,
      doc TEXT NOT NULL
    );
    CREATE TABLE message_threads (
      id INTEGER PRIMARY KEY,
      patient INTEGER NOT NULL REFERENCES patients(ordinal),
      version INTEGER NOT NULL,
      doc TEXT NOT NULL
    );
    CREATE TABLE prescriptions (
      id INTEGER PRIMARY KEY,
      patient INTEGER NOT NULL REFERENCES patients(ordinal),
      version INTEGER NOT NULL,
      doc TEXT NOT NULL
    );
    CREATE TABLE documents (
      id INTEGER PRIMARY KEY,
      patient INTEGER NOT NULL REFERENCES patients(ordinal),
      version INTEGER NOT NULL,
      doc TEXT NOT NULL
    );
    CREATE TABLE care_plans (
      id INTEGER PRIMARY KEY,
      patient INTEGER NOT NULL REFERENCES patients(ordinal),
      version INTEGER NOT NULL,
      doc TEXT NOT NULL
    );
    CREATE TABLE transactions (
      id INTEGER PRIMARY KEY,
      patient INTEGER NOT NULL REFERENCES patients(ordinal),
      version INTEGER NOT NULL,
      doc TEXT NOT NULL
    );
    CREATE TABLE insurance_claims (
      id INTEGER PRIMARY KEY,
      patient INTEGER NOT NULL REFERENCES patients(ordinal),
      version INTEGER NOT NULL,
      doc TEXT NOT NULL
    );
    """

  /// Change rows are never deleted, so the rowid (max + 1, allocated inside the writing
  /// transaction) is a gap-free sequence: a rolled-back change gives its number back.
  private static let changeLog = """
    CREATE TABLE changes (
      seq INTEGER PRIMARY KEY,
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
    CREATE INDEX appointments_by_patient ON appointments(patient, id);
    CREATE INDEX message_threads_by_patient ON message_threads(patient, id);
    CREATE INDEX prescriptions_by_patient ON prescriptions(patient, id);
    CREATE INDEX documents_by_patient ON documents(patient, id);
    CREATE INDEX care_plans_by_patient ON care_plans(patient, id);
    CREATE INDEX transactions_by_patient ON transactions(patient, id);
    CREATE INDEX insurance_claims_by_patient ON insurance_claims(patient, id);
    """

  /// What the cross-section rules query often, lifted out of the JSON into plain columns that the
  /// store sets from each record it writes (`RecordColumns`): each record's status (and an
  /// appointment's or transaction's date, a transaction's type), indexed per patient; a
  /// transaction's exact effect on the balance in cents; and a change's entry for the patient's
  /// recentActivity (NULL for a change that is not activity, such as a name copy). Plain columns,
  /// not generated ones: rewriting a record's JSON for a name copy then leaves these indexes
  /// alone.
  private static let derivedFieldColumns = """
    ALTER TABLE appointments ADD COLUMN status TEXT;
    UPDATE appointments SET status = doc ->> '$.status';
    CREATE INDEX appointments_by_status ON appointments(patient, status);
    ALTER TABLE message_threads ADD COLUMN status TEXT;
    UPDATE message_threads SET status = doc ->> '$.status';
    CREATE INDEX message_threads_by_status ON message_threads(patient, status);
    ALTER TABLE prescriptions ADD COLUMN status TEXT;
    UPDATE prescriptions SET status = doc ->> '$.status';
    CREATE INDEX prescriptions_by_status ON prescriptions(patient, status);
    ALTER TABLE documents ADD COLUMN status TEXT;
    UPDATE documents SET status = doc ->> '$.status';
    CREATE INDEX documents_by_status ON documents(patient, status);
    ALTER TABLE care_plans ADD COLUMN status TEXT;
    UPDATE care_plans SET status = doc ->> '$.status';
    CREATE INDEX care_plans_by_status ON care_plans(patient, status);
    ALTER TABLE transactions ADD COLUMN status TEXT;
    UPDATE transactions SET status = doc ->> '$.status';
    CREATE INDEX transactions_by_status ON transactions(patient, status);
    ALTER TABLE insurance_claims ADD COLUMN status TEXT;
    UPDATE insurance_claims SET status = doc ->> '$.status';
    CREATE INDEX insurance_claims_by_status ON insurance_claims(patient, status);
    ALTER TABLE appointments ADD COLUMN date TEXT;
    UPDATE appointments SET date = doc ->> '$.date';
    CREATE INDEX appointments_by_status_date ON appointments(patient, status, date);
    ALTER TABLE transactions ADD COLUMN type TEXT;
    ALTER TABLE transactions ADD COLUMN date TEXT;
    UPDATE transactions SET type = doc ->> '$.type', date = doc ->> '$.date';
    ALTER TABLE transactions ADD COLUMN effect INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX transactions_by_payment ON transactions(patient, status, type, date, id);
    ALTER TABLE changes ADD COLUMN patient INTEGER;
    ALTER TABLE changes ADD COLUMN activity TEXT;
    CREATE INDEX changes_activity ON changes(patient, seq) WHERE activity IS NOT NULL;
    """

  /// What a patient's derived counts and balance add up, kept by triggers in the same statement
  /// as the record change, so a write costs the same however many records the patient has: the
  /// number of appointments, of pending documents, unread threads and active prescriptions, and
  /// the sum of the balance effects of the patient's transactions (in cents). A row per patient,
  /// made with it. `clinic_day` remembers the clinic's date the derived dates were last moved
  /// to, and `appointments_by_date` finds the appointments a day turn moves.
  private static let patientTotals = """
    CREATE TABLE patient_totals (
      patient INTEGER PRIMARY KEY,
      appointments INTEGER NOT NULL DEFAULT 0,
      pending_documents INTEGER NOT NULL DEFAULT 0,
      unread_messages INTEGER NOT NULL DEFAULT 0,
      active_prescriptions INTEGER NOT NULL DEFAULT 0,
      balance_effects INTEGER NOT NULL DEFAULT 0
    );
    INSERT INTO patient_totals
      SELECT ordinal,
        (SELECT count(*) FROM appointments WHERE patient = ordinal),
        (SELECT count(*) FROM documents WHERE patient = ordinal AND status = 'pending'),
        (SELECT count(*) FROM message_threads WHERE patient = ordinal AND status = 'unread'),
        (SELECT count(*) FROM prescriptions WHERE patient = ordinal AND status = 'active'),
        (SELECT coalesce(sum(effect), 0) FROM transactions WHERE patient = ordinal)
      FROM patients;
    CREATE TRIGGER patient_totals_new AFTER INSERT ON patients BEGIN
      INSERT INTO patient_totals(patient) VALUES (NEW.ordinal);
    END;
    CREATE TRIGGER patient_totals_gone AFTER DELETE ON patients BEGIN
      DELETE FROM patient_totals WHERE patient = OLD.ordinal;
    END;
    CREATE TRIGGER appointments_count_insert AFTER INSERT ON appointments BEGIN
      UPDATE patient_totals SET appointments = appointments + 1 WHERE patient = NEW.patient;
    END;
    CREATE TRIGGER appointments_count_delete AFTER DELETE ON appointments BEGIN
      UPDATE patient_totals SET appointments = appointments - 1 WHERE patient = OLD.patient;
    END;
    CREATE TRIGGER appointments_count_move AFTER UPDATE OF patient ON appointments
      WHEN OLD.patient IS NOT NEW.patient BEGIN
      UPDATE patient_totals SET appointments = appointments - 1 WHERE patient = OLD.patient;
      UPDATE patient_totals SET appointments = appointments + 1 WHERE patient = NEW.patient;
    END;
    \(statusCount("documents", "pending", "pending_documents"))
    \(statusCount("message_threads", "unread", "unread_messages"))
    \(statusCount("prescriptions", "active", "active_prescriptions"))
    CREATE TRIGGER transactions_effect_insert AFTER INSERT ON transactions BEGIN
      UPDATE patient_totals SET balance_effects = balance_effects + NEW.effect
        WHERE patient = NEW.patient;
    END;
    CREATE TRIGGER transactions_effect_delete AFTER DELETE ON transactions BEGIN
      UPDATE patient_totals SET balance_effects = balance_effects - OLD.effect
        WHERE patient = OLD.patient;
    END;
    CREATE TRIGGER transactions_effect_update AFTER UPDATE OF effect, patient ON transactions
      WHEN OLD.effect IS NOT NEW.effect OR OLD.patient IS NOT NEW.patient BEGIN
      UPDATE patient_totals SET balance_effects = balance_effects - OLD.effect
        WHERE patient = OLD.patient;
      UPDATE patient_totals SET balance_effects = balance_effects + NEW.effect
        WHERE patient = NEW.patient;
    END;
    CREATE TABLE clinic_day (only INTEGER PRIMARY KEY CHECK (only = 1), day TEXT NOT NULL);
    CREATE INDEX appointments_by_date ON appointments(date);
    """

  /// A replica's side (empty in a standalone store): `outbox` holds every write not yet applied
  /// by PostgreSQL, in order, and those applied whose change the replica has not yet pulled
  /// (`applied_seq`: the upstream change that carries it) (AUTOINCREMENT: a mutation id is never handed out twice, since
  /// PostgreSQL recognises a re-push by it); `confirmed` holds, for each record a pending write
  /// changed, the state PostgreSQL confirmed before it (`present` 0: the record did not exist
  /// upstream), so a rejection or a pulled change can put it back and re-apply what is pending;
  /// `id_leases` the blocks of ids leased from PostgreSQL; `sync_state` the replica's identity
  /// and pull cursor.
  private static let replicaOutbox = """
    CREATE TABLE outbox (
      mutation_id INTEGER PRIMARY KEY AUTOINCREMENT,
      method TEXT NOT NULL,
      operation TEXT NOT NULL,
      assigned_ids TEXT NOT NULL,
      base_versions TEXT NOT NULL,
      made_at TEXT NOT NULL,
      entity_type TEXT,
      entity_id TEXT,
      state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'applied', 'rejected')),
      applied_seq INTEGER,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at TEXT,
      error TEXT
    );
    CREATE INDEX outbox_by_state ON outbox(state, mutation_id);
    CREATE TABLE confirmed (
      table_name TEXT NOT NULL,
      id INTEGER NOT NULL,
      present INTEGER NOT NULL,
      patient INTEGER,
      custom_id TEXT,
      version INTEGER,
      opening_balance INTEGER,
      doc TEXT,
      PRIMARY KEY (table_name, id)
    ) WITHOUT ROWID;
    CREATE TABLE id_leases (
      table_name TEXT NOT NULL,
      first INTEGER NOT NULL,
      last INTEGER NOT NULL,
      next INTEGER NOT NULL,
      PRIMARY KEY (table_name, first)
    ) WITHOUT ROWID;
    CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    """

  /// Staff accounts (`password_hash` in libsodium's Argon2id string form; `dirty` until a
  /// replica's agent has pushed the latest change, `upstream_rev` the version PostgreSQL gave
  /// it), their sign-in tokens
  /// (only SHA-256 hashes; a `family` is one sign-in and every window that joined it), failed
  /// sign-ins by username (known or not, so both behave alike), and the audit log: a hash chain
  /// of links (each the events of one commit, `seq` … `last_seq`) that refuses updates and
  /// deletes.
  private static let staffAndAudit = """
    CREATE TABLE staff (
      id INTEGER PRIMARY KEY,
      username TEXT NOT NULL UNIQUE COLLATE NOCASE,
      name TEXT NOT NULL,
      role TEXT NOT NULL,
      password_hash TEXT NOT NULL,
      disabled INTEGER NOT NULL DEFAULT 0,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      dirty INTEGER NOT NULL DEFAULT 1,
      upstream_rev INTEGER
    );
    CREATE TABLE staff_tokens (
      token_hash BLOB PRIMARY KEY,
      staff_id INTEGER NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
      family BLOB NOT NULL,
      expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX staff_tokens_by_staff ON staff_tokens(staff_id);
    CREATE INDEX staff_tokens_by_family ON staff_tokens(family);
    CREATE TABLE login_failures (
      username TEXT PRIMARY KEY COLLATE NOCASE,
      failures INTEGER NOT NULL,
      locked_until INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE audit_log (
      seq INTEGER PRIMARY KEY,
      last_seq INTEGER NOT NULL,
      first_time TEXT NOT NULL,
      last_time TEXT NOT NULL,
      events TEXT NOT NULL,
      hash TEXT NOT NULL
    );
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
      SELECT RAISE(ABORT, 'the audit log is append-only');
    END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
      SELECT RAISE(ABORT, 'the audit log is append-only');
    END;
    """

  /// Triggers that keep `patient_totals.<column>` equal to the number of the patient's records
  /// in `table` whose status is `status`.
  private static func statusCount(_ table: String, _ status: String, _ column: String) -> String {
    """
    CREATE TRIGGER \(table)_\(status)_insert AFTER INSERT ON \(table)
      WHEN NEW.status = '\(status)' BEGIN
      UPDATE patient_totals SET \(column) = \(column) + 1 WHERE patient = NEW.patient;
    END;
    CREATE TRIGGER \(table)_\(status)_delete AFTER DELETE ON \(table)
      WHEN OLD.status = '\(status)' BEGIN
      UPDATE patient_totals SET \(column) = \(column) - 1 WHERE patient = OLD.patient;
    END;
    CREATE TRIGGER \(table)_\(status)_update AFTER UPDATE OF status, patient ON \(table)
      WHEN OLD.status IS NOT NEW.status OR OLD.patient IS NOT NEW.patient BEGIN
      UPDATE patient_totals SET \(column) = \(column) - 1
        WHERE patient = OLD.patient AND OLD.status = '\(status)';
      UPDATE patient_totals SET \(column) = \(column) + 1
        WHERE patient = NEW.patient AND NEW.status = '\(status)';
    END;
    """
  }

  /// Applies the migrations `database` lacks, in one transaction that also marks the file as a
  /// PortalRPC store (`Store.applicationID`): a new file gets the mark with its first migration,
  /// a store written before the mark existed gets it on its first open. Refuses a store from a
  /// newer version.
  static func migrate(_ database: Database, with migrations: [Migration], at time: String)
    throws(StorageError)
  {
    let current = try recordedVersion(database)
    let known = migrations.last?.version ?? 0
    guard current <= known else {
      throw StorageError.unusable(
        "the store was written by a newer portal-rpc (schema version \(current); this one knows \(known))"
      )
    }
    let pending = migrations.filter { $0.version > current }
    let marked = try database.integer("PRAGMA application_id") == Int64(Store.applicationID)
    guard !pending.isEmpty || !marked else { return }
    try database.execute("BEGIN IMMEDIATE")
    do {
      try database.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
      )
      // Another process may have migrated while we waited for the lock.
      let now = try recordedVersion(database)
      for migration in pending where migration.version > now {
        try database.execute(migration.sql)
        try database.statement("INSERT INTO schema_migrations VALUES (?, ?, ?)")
          .bind([.integer(Int64(migration.version)), .text(migration.name), .text(time)]).run()
      }
      try database.execute("PRAGMA application_id = \(Store.applicationID)")
      try database.execute("COMMIT")
    } catch {
      try? database.execute("ROLLBACK")
      throw error
    }
  }

  /// The newest migration recorded in the file; 0 when it has none (a new file).
  static func recordedVersion(_ database: Database) throws(StorageError) -> Int {
    let table =
      "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'"
    guard try database.integer(table) == 1 else { return 0 }
    return Int(try database.integer("SELECT max(version) FROM schema_migrations") ?? 0)
  }
}

extension EntityKind {
  /// The table holding this kind's records (`message_threads`).
  public var tableName: String { Self.tableNames[name]! }

  private static let tableNames: [Name: String] = Dictionary(
    uniqueKeysWithValues: all.map { kind in
      var table = ""
      for character in kind.pluralName {
        if character.isUppercase {
          table += "_" + character.lowercased()
        } else {
          table.append(character)
        }
      }
      return (kind.name, table)
    })
}
