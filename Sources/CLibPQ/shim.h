/* libpq, the PostgreSQL client library (Debian: libpq-dev), as a module. Only Postgres imports it. */
#include <postgresql/libpq-fe.h>

/* Swift imports only numeric and string macro literals; the PG_DIAG_* codes are char literals. */
static const int CLIBPQ_DIAG_SQLSTATE = PG_DIAG_SQLSTATE;
static const int CLIBPQ_DIAG_MESSAGE_PRIMARY = PG_DIAG_MESSAGE_PRIMARY;
static const int CLIBPQ_DIAG_SEVERITY_NONLOCALIZED = PG_DIAG_SEVERITY_NONLOCALIZED;

/* Drops a notice instead of writing it to stderr, where it could carry a value into a log. */
static inline void clibpq_ignore_notice(void *arg, const char *message) {
  (void)arg;
  (void)message;
}
