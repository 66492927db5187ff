/* The least a JSON-RPC server can do for a durable addPatient over a pipe: no parsing, no
 * validation, no derived fields; just the two writes every PortalRPC add makes (the record and
 * its change-log row with the record's JSON) in one WAL transaction at synchronous=FULL, and
 * the answer written after COMMIT returns. portal-bench races it, beside sqlite_floor.c's bare
 * inserts, to show how much of the gap to that floor is the pipe and the change log.
 *   cc -O2 -o durable_add_floor durable_add_floor.c -lsqlite3
 *   ./durable_add_floor DIR [--no-log]   (requests on stdin, one per line; answers on stdout)
 * --no-log leaves out the change-log row: what the pipe alone costs.
 * Requests are trusted to look like rpc_load.py's: {"jsonrpc":"2.0","id":ID,"method":M,"params":[DOC]} */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void ok(int rc, sqlite3 *db, const char *what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) { fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db)); exit(1); }
}

/* The text of a top-level member's value: from after `"name":` to the next `,"` at depth 0. */
static const char *member(const char *line, const char *name, size_t *length) {
  const char *start = strstr(line, name);
  if (!start) return NULL;
  start += strlen(name);
  int depth = 0, quoted = 0;
  const char *p = start;
  for (; *p && *p != '\n'; p++) {
    if (quoted) { if (*p == '\\') p++; else if (*p == '"') quoted = 0; continue; }
    if (*p == '"') quoted = 1;
    else if (*p == '[' || *p == '{') depth++;
    else if (*p == ']' || *p == '}') { if (depth == 0) break; depth--; }
    else if (*p == ',' && depth == 0) break;
  }
  *length = (size_t)(p - start);
  return start;
}

static void answer(const char *id, size_t id_length, const char *result, size_t result_length) {
  static char *out; static size_t capacity;
  size_t need = id_length + result_length + 64;
  if (need > capacity) { capacity = need * 2; out = realloc(out, capacity); }
  size_t n = (size_t)snprintf(out, capacity, "{\"jsonrpc\":\"2.0\",\"id\":%.*s,\"result\":", (int)id_length, id);
  memcpy(out + n, result, result_length); n += result_length;
  out[n++] = '}'; out[n++] = '\n';
  for (size_t done = 0; done < n;) { ssize_t w = write(1, out + done, n - done); if (w <= 0) exit(1); done += (size_t)w; }
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: %s DIR [--no-log]\n", argv[0]); return 2; }
  int log_changes = !(argc > 2 && strcmp(argv[2], "--no-log") == 0);
  char path[4096]; sqlite3 *db; sqlite3_stmt *record, *change;
  snprintf(path, sizeof path, "%s/durable-add-floor.db", argv[1]); remove(path);
  ok(sqlite3_open(path, &db), db, "open");
  ok(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                      "CREATE TABLE patients(ordinal INTEGER PRIMARY KEY, doc TEXT NOT NULL);"
                      "CREATE TABLE changes(seq INTEGER PRIMARY KEY AUTOINCREMENT, entity_type TEXT, entity_id INTEGER,"
                      " change TEXT, entity TEXT)", 0, 0, 0), db, "schema");
  ok(sqlite3_prepare_v2(db, "INSERT INTO patients(doc) VALUES(?)", -1, &record, 0), db, "prepare");
  ok(sqlite3_prepare_v2(db, "INSERT INTO changes(entity_type, entity_id, change, entity) VALUES('patient', ?, 'created', ?)", -1, &change, 0), db, "prepare");
  char *line = NULL; size_t capacity = 0; ssize_t length;
  while ((length = getline(&line, &capacity, stdin)) > 0) {
    size_t id_length, method_length, params_length;
    const char *id = member(line, "\"id\":", &id_length);
    const char *method = member(line, "\"method\":", &method_length);
    const char *params = member(line, "\"params\":", &params_length);
    if (!id || !method) continue;  /* a notification, or not a request */
    if (method_length != 12 || memcmp(method, "\"addPatient\"", 12) != 0 || !params || params_length < 2) {
      answer(id, id_length, "{}", 2);
      continue;
    }
    const char *doc = params + 1; size_t doc_length = params_length - 2;  /* inside [ ... ] */
    ok(sqlite3_exec(db, "BEGIN IMMEDIATE", 0, 0, 0), db, "begin");
    sqlite3_bind_text(record, 1, doc, (int)doc_length, SQLITE_STATIC);
    ok(sqlite3_step(record), db, "insert"); sqlite3_reset(record);
    if (log_changes) {
      sqlite3_bind_int64(change, 1, sqlite3_last_insert_rowid(db));
      sqlite3_bind_text(change, 2, doc, (int)doc_length, SQLITE_STATIC);
      ok(sqlite3_step(change), db, "log"); sqlite3_reset(change);
    }
    ok(sqlite3_exec(db, "COMMIT", 0, 0, 0), db, "commit");
    answer(id, id_length, doc, doc_length);
  }
  sqlite3_finalize(record); sqlite3_finalize(change); sqlite3_close(db); free(line);
  return 0;
}
