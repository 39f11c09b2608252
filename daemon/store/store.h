/*
 * store: the SQLite database. One writer thread owns the only writable connection and takes work from
 * its mailbox, one transaction per batch; every other thread reads through a connection of its own
 * (store_open_reader). The schema comes from sql/NNN-*.sql, embedded in the binary and applied by
 * PRAGMA user_version. At open, runs left `running`/`stopping` by a crash become `aborted`.
 */
#ifndef RAMPAGE_STORE_H
#define RAMPAGE_STORE_H

#include <sqlite3.h>

struct store;

/*
 * Opens (creating if missing) the database at path in WAL mode, applies pending migrations, marks
 * crashed runs aborted and starts the writer thread. A database newer than this binary is refused.
 * Main thread. NULL and *cause on failure.
 */
struct store *store_open(const char *path, char **cause);
/* Finishes every queued write, stops the writer thread and closes the database. NULL is a no-op. */
void store_close(struct store *st);
/*
 * Opens a read-only connection for the calling thread's exclusive use (busy timeout set); the caller
 * closes it with sqlite3_close. NULL and *cause on failure.
 */
sqlite3 *store_open_reader(struct store *st, char **cause);
/* The schema version this binary creates and understands (the highest sql/NNN number). */
int store_schema_version(void);
/* How many runs store_open turned from running into aborted. */
int store_aborted_at_open(const struct store *st);

#endif
