/*
 * store: the SQLite database. One writer thread owns the only writable connection and takes work from
 * its mailbox, one transaction per batch; every other thread reads through a connection of its own
 * (store_open_reader). The schema comes from sql/NNN-*.sql, embedded in the binary and applied by
 * PRAGMA user_version. At open, runs left `running`/`stopping` by a crash become `aborted`.
 *
 * Writing: a module describes a write as a function (store_write_fn) plus its argument and hands it to
 * the store; the writer thread runs it inside the current batch's transaction. store_write queues and
 * returns (the per-second tick writer); store_write_sync waits for the commit (API calls that need an
 * inserted id or must report failure).
 */
#ifndef RAMPAGE_STORE_H
#define RAMPAGE_STORE_H

#include <sqlite3.h>

struct store;

/* The room kept in reserve beside the database (PATH.reserve) for recording runs' states when the
   disk fills up; see store_error. */
#define STORE_RESERVE_BYTES (1024 * 1024)

/* Milliseconds a connection waits for a lock before SQLITE_BUSY (writer and readers). */
#define STORE_BUSY_TIMEOUT_MS 5000

/*
 * Opens (creating if missing) the database at path in WAL mode, applies pending migrations, marks
 * crashed runs aborted and starts the writer thread. A database newer than this binary, a file that is
 * not a SQLite database and a path in a missing folder are refused. Main thread. NULL and *cause
 * (naming the path) on failure.
 */
struct store *store_open(const char *path, char **cause);
/*
 * Finishes every queued write, stops the writer thread and closes the database. No thread may give
 * writes any more once it is called. NULL is a no-op. Main thread.
 */
void store_close(struct store *st);
/*
 * Opens a read-only connection (busy timeout set) for one thread at a time: it may be opened on one
 * thread and handed to another, never used by two at once. Its owner closes it with sqlite3_close. It
 * sees every committed write (WAL: readers never block the writer, nor it them). Any thread. NULL and
 * *cause on failure.
 */
sqlite3 *store_open_reader(struct store *st, char **cause);
/* The schema version this binary creates and understands (the highest sql/NNN number). */
int store_schema_version(void);
/* How many runs store_open turned from running or stopping into aborted (it logs them too). */
int store_aborted_at_open(const struct store *st);

/*
 * A write, run on the writer thread inside the batch's transaction, in a SAVEPOINT of its own. Returns
 * 0, or -1 with *cause set (xmalloc'd, saying what failed): then only this job's changes are rolled
 * back and the other jobs of the batch still commit. It must not BEGIN, COMMIT or ROLLBACK, and must
 * finalize the statements it prepares. db is valid only during the call.
 */
typedef int store_write_fn(sqlite3 *db, void *arg, char **cause);

/*
 * Queues fn(db, arg) and returns at once. Jobs run in the order they were given (per giving thread,
 * and overall in mailbox order), batched: everything queued while the writer was busy commits in one
 * transaction. fn is called exactly once, so when arg was allocated for the job, fn frees it (the store
 * only allocates and frees its own small job record). Failures are logged by the writer thread, the only
 * one left to hear them. Any thread but the writer's; never after store_close began.
 */
void store_write(struct store *st, store_write_fn *fn, void *arg);
/*
 * Runs fn(db, arg) like store_write and waits until its transaction committed. arg stays the caller's:
 * fn may write results into it (an inserted id: sqlite3_last_insert_rowid). Returns 0 when fn succeeded
 * and its batch committed; -1 and *cause (fn's, or why the commit failed) otherwise. Any thread but the
 * writer's (that would deadlock).
 */
int store_write_sync(struct store *st, store_write_fn *fn, void *arg, char **cause);

/*
 * Told, on the writer thread, the fate of a store_write_then job once it is known: rc 0 when fn
 * succeeded and its transaction committed; -1 and cause (borrowed for the call) when fn failed or
 * its transaction was lost. It must not call the store (that would deadlock); it may give a message
 * to another thread's mailbox.
 */
typedef void store_done_fn(void *done_arg, int rc, const char *cause);
/*
 * Like store_write (queues, returns at once, fn frees arg), and then calls done(done_arg, ...) with
 * the job's fate. Jobs' done calls come in the order the jobs were given, except that a job that
 * failed alone may be told before earlier jobs of its batch that wait for the batch's COMMIT. A job
 * that always succeeds (fn returns 0) is therefore told after every job given before it. The store
 * does not log these jobs' failures: done decides. Any thread but the writer's.
 */
void store_write_then(struct store *st, store_write_fn *fn, void *arg, store_done_fn *done,
    void *done_arg);

/*
 * Whether the store can write: NULL while it can; else "error: WHY" (xmalloc'd, the caller frees it;
 * WHY is SQLite's words for the storage failure, "database or disk is full"). A write that fails for
 * the storage's sake (disk full, I/O error, read-only file) sets it, and a full disk also releases
 * the reserve (PATH.reserve, STORE_RESERVE_BYTES) so that the writes recording runs' states still
 * find room: callers stop bulk writes (a run's seconds) while it is set. It clears when the reserve
 * is held and a change commits: while it is set the writer thread probes once a second (allocates
 * the reserve again, then commits a 64 KiB row into `store_probe` and removes it), so it clears by
 * itself when space returns even if nothing else writes. Set at open when the reserve cannot be
 * allocated. Any thread.
 */
char *store_error(struct store *st);

#endif
