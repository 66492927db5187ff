/* SQLite as built by SQLCipher (Debian: libsqlcipher-dev 4.6 or later), as a module. Only
 * Storage imports it. One library serves plain and encrypted stores: without a key, SQLCipher is
 * plain SQLite and its files are ordinary SQLite files. Never link libsqlite3 beside it: the two
 * export the same symbols. SQLITE_HAS_CODEC declares sqlite3_key_v2 and sqlite3_rekey_v2. */
#define SQLITE_HAS_CODEC 1
#include <sqlcipher/sqlite3.h>
