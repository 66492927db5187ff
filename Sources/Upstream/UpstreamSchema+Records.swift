extension UpstreamSchema {
  /// Migration 2: the records themselves, and what the DataSync rules and replicas need beside
  /// them.
  ///
  /// - `records`: every current record, one row each, keyed by its kind (`patient`,
  ///   `messageThread`, …, as change rows name it) and id (a patient's ordinal for patients).
  ///   `patient` is the owning patient's ordinal (a patient's own, for patients); `custom_id`
  ///   holds a patient id that is not in generated form. `doc` is `json`, not `jsonb`, so the
  ///   record's bytes (key order included) come back exactly as written. `status`, `date` and
  ///   `type` are lifted from `doc` as SQLite's columns are (byte-wise ordered, as SQLite
  ///   compares text), `effect` is a transaction's exact balance effect in cents, and
  ///   `opening_balance` a patient's opening balance.
  /// - `retired_ids`: per kind, the largest id ever deleted, so ids are never handed out twice.
  /// - `changes` gains what replicas and the derived fields read: the owning patient's ordinal,
  ///   the changed fields, the method and origin, the recentActivity entry and, for a created
  ///   patient, its opening balance; `body` becomes `json` so it round-trips byte for byte.
  /// - `applied_mutations`, `id_leases`, `id_high_water`, `clients`: the push's bookkeeping.
  /// - `clinic_day`: the clinic's date the derived dates were last moved to.
  static let recordTables = """
    CREATE TABLE portal.records (
      kind text NOT NULL,
      id bigint NOT NULL,
      patient bigint NOT NULL,
      custom_id text COLLATE "C",
      version bigint NOT NULL,
      doc json NOT NULL,
      status text COLLATE "C",
      date text COLLATE "C",
      type text COLLATE "C",
      effect bigint NOT NULL DEFAULT 0,
      opening_balance bigint,
      PRIMARY KEY (kind, id)
    );
    CREATE UNIQUE INDEX records_patient_custom_id ON portal.records (custom_id)
      WHERE kind = 'patient' AND custom_id IS NOT NULL;
    CREATE INDEX records_by_patient ON portal.records (kind, patient, id);
    CREATE INDEX records_by_status ON portal.records (kind, patient, status, date);
    CREATE INDEX records_payments ON portal.records (patient, status, type, date, id)
      WHERE kind = 'transaction';
    CREATE INDEX records_by_date ON portal.records (kind, date);
    CREATE TABLE portal.retired_ids (kind text PRIMARY KEY, max_id bigint NOT NULL);
    ALTER TABLE portal.changes
      ADD COLUMN patient bigint,
      ADD COLUMN fields json,
      ADD COLUMN method text,
      ADD COLUMN origin text,
      ADD COLUMN activity json,
      ADD COLUMN opening_balance bigint,
      ALTER COLUMN body TYPE json USING body::json;
    CREATE INDEX changes_activity ON portal.changes (patient, seq) WHERE activity IS NOT NULL;
    CREATE TABLE portal.applied_mutations (
      client_id text NOT NULL,
      mutation_id bigint NOT NULL,
      outcome json NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (client_id, mutation_id)
    );
    CREATE TABLE portal.id_leases (
      kind text NOT NULL,
      client_id text NOT NULL,
      first bigint NOT NULL,
      last bigint NOT NULL,
      leased_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX id_leases_by_client ON portal.id_leases (client_id, kind);
    CREATE TABLE portal.id_high_water (kind text PRIMARY KEY, next bigint NOT NULL);
    CREATE TABLE portal.clients (
      client_id text PRIMARY KEY,
      name text,
      first_seen timestamptz,
      last_seen timestamptz
    );
    CREATE TABLE portal.clinic_day ("only" int PRIMARY KEY CHECK ("only" = 1), day text NOT NULL);
    """
}
