/// The schema PortalRPC keeps in the clinic's PostgreSQL, as its history of migrations:
/// append-only, each written out in full (never derived from today's code).
public enum UpstreamSchema {
  /// The PostgreSQL schema that holds everything.
  public static let name = "portal"

  /// The channel the change log notifies on; the payload is the transaction's largest `seq`.
  public static let changesChannel = "portal_changes"

  /// Session advisory lock held while migrating ("PRPC" and 1), so workstations upgrading at
  /// once apply each migration exactly once.
  public static let migrationLock: Int64 = 0x5052_5043_0001
  /// Transaction advisory lock under which each change-log row takes its `seq` ("PRPC" and 2).
  static let changeSequenceLock: Int64 = 0x5052_5043_0002

  public static let migrations: [UpstreamMigration] = [
    UpstreamMigration(
      version: 1, name: "change log",
      sql: """
        CREATE SEQUENCE portal.change_seq;
        CREATE TABLE portal.changes (
          seq bigint PRIMARY KEY,
          entity_type text NOT NULL,
          entity_id text NOT NULL,
          change text NOT NULL CHECK (change IN ('created', 'updated', 'deleted')),
          version bigint NOT NULL,
          patient_id text,
          body jsonb,
          client_id text,
          mutation_id bigint,
          committed_at timestamptz NOT NULL DEFAULT clock_timestamp()
        );
        -- seq in commit order: a writer takes the lock before its number and keeps it until it
        -- commits, so no reader of seq > cursor can later find a smaller number committed.
        CREATE FUNCTION portal.changes_assign_seq() RETURNS trigger
          LANGUAGE plpgsql SET search_path = pg_catalog AS $$
        BEGIN
          PERFORM pg_advisory_xact_lock(\(changeSequenceLock));
          NEW.seq := nextval('portal.change_seq');
          PERFORM set_config('portal.max_seq', NEW.seq::text, true);
          RETURN NEW;
        END $$;
        CREATE TRIGGER changes_assign_seq BEFORE INSERT ON portal.changes
          FOR EACH ROW EXECUTE FUNCTION portal.changes_assign_seq();
        -- One wake-up per transaction (equal payloads fold into one), carrying no record data.
        CREATE FUNCTION portal.changes_notify() RETURNS trigger
          LANGUAGE plpgsql SET search_path = pg_catalog AS $$
        BEGIN
          PERFORM pg_notify('\(changesChannel)', current_setting('portal.max_seq'));
          RETURN NULL;
        END $$;
        CREATE CONSTRAINT TRIGGER changes_notify AFTER INSERT ON portal.changes
          DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION portal.changes_notify();
        """),
    UpstreamMigration(version: 2, name: "records", sql: recordTables),
    UpstreamMigration(
      version: 3, name: "identity",
      sql: """
        -- Which clinic this is: a replica remembers it, and refuses another upstream's.
        CREATE TABLE portal.meta (key text PRIMARY KEY, value text NOT NULL);
        INSERT INTO portal.meta VALUES ('upstream_id', gen_random_uuid()::text);
        """),
    UpstreamMigration(
      version: 4, name: "staff and audit",
      sql: """
        -- The clinic's staff accounts (Argon2id hashes), so any workstation signs anyone in,
        -- offline too. Every change takes a new rev, which replicas pull after, and wakes them.
        CREATE SEQUENCE portal.staff_rev;
        CREATE TABLE portal.staff (
          id bigint PRIMARY KEY,
          username text NOT NULL,
          name text NOT NULL,
          role text NOT NULL,
          password_hash text NOT NULL,
          disabled boolean NOT NULL,
          updated_at text NOT NULL,
          rev bigint NOT NULL
        );
        CREATE UNIQUE INDEX staff_username ON portal.staff (lower(username));
        CREATE INDEX staff_by_rev ON portal.staff (rev);
        CREATE FUNCTION portal.staff_touch() RETURNS trigger
          LANGUAGE plpgsql SET search_path = pg_catalog AS $$
        BEGIN
          NEW.rev := nextval('portal.staff_rev');
          PERFORM pg_notify('\(changesChannel)', '0');
          RETURN NEW;
        END $$;
        CREATE TRIGGER staff_touch BEFORE INSERT OR UPDATE ON portal.staff
          FOR EACH ROW EXECUTE FUNCTION portal.staff_touch();
        -- Every workstation's audit log, link by link as its hash chain holds them (a link is
        -- the events seq .. last_seq of one commit), and each chain's head. Append-only:
        -- updates, deletes and truncation are refused.
        CREATE TABLE portal.audit_log (
          client_id text NOT NULL,
          seq bigint NOT NULL,
          last_seq bigint NOT NULL,
          events text NOT NULL,
          hash text NOT NULL,
          received_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (client_id, seq)
        );
        CREATE FUNCTION portal.audit_log_refuse() RETURNS trigger
          LANGUAGE plpgsql SET search_path = pg_catalog AS $$
        BEGIN
          RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'insufficient_privilege';
        END $$;
        CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON portal.audit_log
          FOR EACH ROW EXECUTE FUNCTION portal.audit_log_refuse();
        CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON portal.audit_log
          FOR EACH STATEMENT EXECUTE FUNCTION portal.audit_log_refuse();
        CREATE TABLE portal.audit_heads (
          client_id text PRIMARY KEY,
          seq bigint NOT NULL,
          hash text NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now()
        );
        """),
  ]
}
