/*
 * store: see store.h. Threads: store_open and store_close run on the main thread; everything between
 * them that touches the writable connection runs on the store thread started here.
 *
 * DESIGN. SQLite allows one writer at a time per database, and a connection must be used by one thread
 * at a time, so one thread owns the writable connection and every write is a job given to its mailbox.
 * The thread takes every queued job at once and runs them in one transaction (BEGIN IMMEDIATE ...
 * COMMIT): with WAL and synchronous=NORMAL a commit costs one write(2) of the changed pages and no
 * fsync, so the per-second tick (about 11 rows for a 10-endpoint run) is one short transaction, and a
 * burst of API writes shares one commit. Each job runs in its own SAVEPOINT so a job that fails rolls
 * back alone. A store_write_sync caller is answered only after the commit, so "0" means durable
 * (to the extent synchronous=NORMAL promises: survives a process crash, not always a power cut).
 *
 * If SQLite itself rolls the whole transaction back (disk full, I/O error: it can do that on any
 * statement), the jobs that had already succeeded in it are lost: their sync callers get the error,
 * the count of lost queued writes is logged, and the rest of the batch goes on in a new transaction.
 * If the transaction cannot even begin (another process holds the write lock past the busy timeout),
 * the batch runs job by job, each savepoint being its own transaction, so no job is skipped: every
 * job's function is called exactly once, which is what lets it own and free its argument.
 *
 * A write is never lost in silence. A store_write_then job's owner is told its fate after the COMMIT
 * (the run manager publishes a second's tick only when its rows committed, and records the seconds
 * that did not). When a write fails for the storage's sake (disk full, I/O error, read-only file) the
 * store says so through store_error (GET /api/health shows it; no run starts while it is set) until
 * the storage has room again; while it is set the writer wakes once a second to probe, so the state
 * clears by itself when space returns even if nothing else writes.
 *
 * Recording that a run's history is incomplete is itself a write, made when the disk is full. So the
 * store keeps a reserve: PATH.reserve, a file of STORE_RESERVE_BYTES allocated beside the database
 * (posix_fallocate: real blocks). The first write that fails for want of room deletes it, which gives
 * the file system that much room back, and the run manager stops writing seconds while store_error is
 * set (runq.c), so the room serves the writes that record states and the missing seconds. The error
 * clears only when the reserve could be allocated again and a 64 KiB probe row committed after it:
 * "the store can write" means it can write and still hold its reserve.
 */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/mailbox.h"
#include "core/xmalloc.h"
#include "store/migrations.h"
#include "store/store.h"

struct store {
	/* set once at open */
	char *path;
	int lock_fd;              /* PATH.lock, flock()ed for the store's life (one daemon per file) */
	int aborted_at_open;
	pthread_t thread;
	/* owned by the store thread while it runs; by the main thread before and after */
	sqlite3 *db;
	char *reserve_path;       /* PATH.reserve */
	bool failing;             /* the store thread's: error below is set */
	bool reserve_held;        /* the store thread's (after open): the reserve file is allocated */
	bool reserve_told;        /* the store thread's: its release was logged in this episode */
	/* shared (the mailbox locks itself) */
	struct mailbox mb;
	/* shared, under health_lock: written by the store thread, read by any (store_error) */
	pthread_mutex_t health_lock;
	char *error;              /* "error: WHY" while writes fail for the storage's sake; NULL */
};

/* store_write_sync's rendezvous with the writer; lives on the waiting caller's stack. */
struct waiter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done;             /* under lock */
	int rc;
	char *cause;
};

struct job {
	struct mailbox_msg msg;   /* first: the mailbox links jobs through it */
	store_write_fn *fn;       /* NULL: the stop job of store_close */
	void *arg;
	struct waiter *waiter;    /* NULL: a store_write(_then) job, allocated here and freed once told */
	store_done_fn *done;      /* store_write_then: told the job's fate; NULL otherwise */
	void *done_arg;
};

static const char abort_sql[] =
    /*
     * ended_ms: the end of the last second the run recorded (the best knowledge of when it died; the
     * daemon may have stayed down for hours), or now when it recorded none.
     */
    "UPDATE runs SET state = 'aborted',"
    " ended_ms = coalesce((SELECT runs.started_ms + 1000 * (max(s.second) + 1) FROM samples s"
    "                      WHERE s.run_id = runs.id AND s.endpoint = 0), ?1),"
    " error = 'daemon stopped unexpectedly while the run was ' || state,"
    /*
     * missing: the holes between the seconds it stored (a full disk; the run manager kept the list in
     * memory and died with it), as runs.missing's ranges; what came after the last stored second is
     * unknown, as for any crash.
     */
    " missing = coalesce(missing, (SELECT nullif(json_group_array(json_array(prev + 1, second - 1)), '[]')"
    "   FROM (SELECT second, lag(second, 1, -1) OVER (ORDER BY second) AS prev FROM samples s"
    "         WHERE s.run_id = runs.id AND s.endpoint = 0 ORDER BY second)"
    "   WHERE second > prev + 1))"
    " WHERE state IN ('running', 'stopping')";

int
store_schema_version(void)
{
	assert(store_nmigrations > 0);
	return store_migrations[store_nmigrations - 1].version;
}

int
store_aborted_at_open(const struct store *st)
{
	return st->aborted_at_open;
}

/* Returns "PATH: WHAT: sqlite's message" for the last error on db. */
static char *
db_cause(sqlite3 *db, const char *path, const char *what)
{
	return xasprintf("%s: %s: %s", path, what, sqlite3_errmsg(db));
}

/* Runs sql (no rows expected). 0, or -1 and *cause. */
static int
exec(sqlite3 *db, const char *path, const char *sql, char **cause)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK)
		return 0;
	*cause = xasprintf("%s: %s: %s", path, sql, err != NULL ? err : sqlite3_errmsg(db));
	sqlite3_free(err);
	return -1;
}

/* Runs bookkeeping SQL that cannot fail on a working connection (savepoints); failure is fatal. */
static void
must_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		log_err("store: %s: %s", sql, err != NULL ? err : sqlite3_errmsg(db));
		abort();
	}
}

/* Reads PRAGMA user_version. 0, or -1 and *cause (a file that is not a database fails here). */
static int
read_version(sqlite3 *db, const char *path, int *version, char **cause)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*version = sqlite3_column_int(stmt, 0);
		sqlite3_finalize(stmt);
		return 0;
	}
	if ((rc & 0xff) == SQLITE_NOTADB)
		*cause = xasprintf("%s: not a SQLite database (%s)", path, sqlite3_errmsg(db));
	else
		*cause = db_cause(db, path, "cannot read the schema version");
	sqlite3_finalize(stmt);
	return -1;
}

/* Refuses a database newer than the newest migration we know. */
static int
check_not_newer(const char *path, int version, int newest, char **cause)
{
	if (version <= newest)
		return 0;
	*cause = xasprintf("%s: database schema version %d is newer than this rampage (knows up to %d): "
	    "upgrade rampage", path, version, newest);
	return -1;
}

/* Fails if the open transaction left a foreign key dangling. */
static int
check_foreign_keys(sqlite3 *db, const char *path, const char *name, char **cause)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &stmt, NULL) != SQLITE_OK) {
		*cause = db_cause(db, path, name);
		return -1;
	}
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*cause = xasprintf("%s: %s: leaves a row of table %s with a dangling foreign key to %s", path,
		    name, (const char *)sqlite3_column_text(stmt, 0), (const char *)sqlite3_column_text(stmt, 2));
	else if (rc != SQLITE_DONE)
		*cause = db_cause(db, path, name);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Applies one migration inside its own transaction, unless another process already did. */
static int
apply(sqlite3 *db, const char *path, const struct migration *m, char **cause)
{
	char *err = NULL, setver[64];
	int version;

	if (exec(db, path, "BEGIN IMMEDIATE", cause) != 0)
		return -1;
	if (read_version(db, path, &version, cause) != 0)
		goto fail;
	if (version >= m->version) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return 0;
	}
	if (sqlite3_exec(db, m->sql, NULL, NULL, &err) != SQLITE_OK) {
		*cause = xasprintf("%s: migration %s failed: %s", path, m->name,
		    err != NULL ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		goto fail;
	}
	if (check_foreign_keys(db, path, m->name, cause) != 0)
		goto fail;
	snprintf(setver, sizeof setver, "PRAGMA user_version = %d", m->version);
	if (exec(db, path, setver, cause) != 0 || exec(db, path, "COMMIT", cause) != 0)
		goto fail;
	log_notice("%s: schema version %d: applied migration %s", path, m->version, m->name);
	return 0;
fail:
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
store_migrate(sqlite3 *db, const char *path, const struct migration *m, int n, char **cause)
{
	int version, rc = 0;

	assert(n > 0);
	for (int i = 1; i < n; i++)
		assert(m[i].version > m[i - 1].version);
	if (read_version(db, path, &version, cause) != 0 ||
	    check_not_newer(path, version, m[n - 1].version, cause) != 0)
		return -1;
	if (version == m[n - 1].version)
		return 0;
	/* foreign_keys can only change outside a transaction; see migrations.h for why it is off. */
	if (exec(db, path, "PRAGMA foreign_keys = OFF", cause) != 0)
		return -1;
	for (int i = 0; i < n && rc == 0; i++) {
		if (m[i].version > version)
			rc = apply(db, path, &m[i], cause);
	}
	if (rc == 0 && exec(db, path, "PRAGMA foreign_keys = ON", cause) != 0)
		rc = -1;
	return rc;
}

/* Builds the cause for a failed sqlite3_open_v2, telling a missing folder from other reasons. */
static char *
open_cause(sqlite3 *db, const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/'), *cause;
	int syserr = db != NULL ? sqlite3_system_errno(db) : 0;
	struct stat sb;

	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &sb) != 0)
		cause = xasprintf("%s: cannot create the database: folder %s: %s", path, dir, strerror(errno));
	else if (!S_ISDIR(sb.st_mode))
		cause = xasprintf("%s: cannot create the database: %s is not a folder", path, dir);
	else
		cause = xasprintf("%s: cannot open the database: %s%s%s", path,
		    db != NULL ? sqlite3_errmsg(db) : "out of memory", syserr ? ": " : "",
		    syserr ? strerror(syserr) : "");
	free(dir);
	return cause;
}

/* Runs a pragma that answers one text row (journal_mode); *out is xmalloc'd. */
static int
pragma_text(sqlite3 *db, const char *path, const char *sql, char **out, char **cause)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		*cause = db_cause(db, path, sql);
		sqlite3_finalize(stmt);
		return -1;
	}
	*out = xstrdup((const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	return 0;
}

/* Sets the connection up: WAL, durability level, foreign keys. */
static int
configure(sqlite3 *db, const char *path, char **cause)
{
	char *mode = NULL;

	if (pragma_text(db, path, "PRAGMA journal_mode = WAL", &mode, cause) != 0)
		return -1;
	if (strcmp(mode, "wal") != 0) {
		*cause = xasprintf("%s: cannot use WAL mode (journal mode stays \"%s\"); is it on a network "
		    "file system?", path, mode);
		free(mode);
		return -1;
	}
	free(mode);
	/* NORMAL: a commit is not fsynced in WAL mode; a power cut may lose the last commits, never
	 * consistency. The per-second tick could not afford an fsync each. */
	if (exec(db, path, "PRAGMA synchronous = NORMAL", cause) != 0 ||
	    exec(db, path, "PRAGMA foreign_keys = ON", cause) != 0)
		return -1;
	return 0;
}

/* Marks runs a crash left running or stopping as aborted; returns how many, or -1 and *cause. */
static int
abort_crashed(sqlite3 *db, const char *path, char **cause)
{
	sqlite3_stmt *stmt = NULL;

	if (sqlite3_prepare_v2(db, abort_sql, -1, &stmt, NULL) != SQLITE_OK) {
		*cause = db_cause(db, path, "marking interrupted runs aborted");
		return -1;
	}
	sqlite3_bind_int64(stmt, 1, clock_wall_ms());
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		*cause = db_cause(db, path, "marking interrupted runs aborted");
		sqlite3_finalize(stmt);
		return -1;
	}
	sqlite3_finalize(stmt);
	return sqlite3_changes(db);
}

/* Whether an error code means the storage cannot take writes (rather than a job's own mistake). */
static bool
storage_failure(int code)
{
	switch (code & 0xff) {
	case SQLITE_FULL: case SQLITE_IOERR: case SQLITE_READONLY: case SQLITE_CORRUPT:
	case SQLITE_CANTOPEN: case SQLITE_NOTADB: case SQLITE_NOLFS:
		return true;
	default:
		return false;
	}
}

/* Allocates the reserve file; 0, or -1 and errno (ENOSPC: no room for it). */
static int
reserve_make(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600), rc;

	if (fd < 0)
		return -1;
	rc = posix_fallocate(fd, 0, STORE_RESERVE_BYTES);
	close(fd);
	if (rc != 0) {
		unlink(path);
		errno = rc;
		return -1;
	}
	return 0;
}

/* Sets the store's error to "error: why". Store thread (and open). */
static void
set_error(struct store *st, const char *why_text)
{
	char *why = xasprintf("error: %s", why_text);

	if (!st->failing)
		log_err("store: %s: writes fail (%s); no run starts until they work again", st->path,
		    why_text);
	pthread_mutex_lock(&st->health_lock);
	free(st->error);
	st->error = why;
	pthread_mutex_unlock(&st->health_lock);
	st->failing = true;
}

/* Notes that a write failed with code: a storage failure sets the store's error and, for want of
   room, releases the reserve. Store thread. */
static void
note_failure(struct store *st, int code)
{
	if (!storage_failure(code))
		return;
	set_error(st, sqlite3_errstr(code));
	if (st->reserve_held && (code & 0xff) == SQLITE_FULL) {
		unlink(st->reserve_path);
		st->reserve_held = false;
		if (!st->reserve_told)   /* once per episode: a probe may make it and lose it again */
			log_warn("store: %s: released its reserve of %d KiB so that runs' states can still be "
			    "recorded", st->path, STORE_RESERVE_BYTES / 1024);
		st->reserve_told = true;
	}
}

/* Notes that a change committed: the store writes again, if it still holds its reserve (else only
   the probe, which allocates it again first, may say so). Store thread. */
static void
note_commit(struct store *st)
{
	char *old;

	if (!st->failing || !st->reserve_held)
		return;
	pthread_mutex_lock(&st->health_lock);
	old = st->error;
	st->error = NULL;
	pthread_mutex_unlock(&st->health_lock);
	st->failing = false;
	st->reserve_told = false;
	log_notice("store: %s: writes work again (they failed with %s)", st->path, old);
	free(old);
}

char *
store_error(struct store *st)
{
	char *e;

	pthread_mutex_lock(&st->health_lock);
	e = st->error != NULL ? xstrdup(st->error) : NULL;
	pthread_mutex_unlock(&st->health_lock);
	return e;
}

/*
 * Tells a waiting store_write_sync caller its result, or a store_write_then job's owner its fate, or
 * frees a plain queued job (logging its failure). Takes cause.
 */
static void
finish(struct job *j, int rc, char *cause)
{
	struct waiter *w = j->waiter;

	if (w == NULL) {
		if (j->done != NULL)
			j->done(j->done_arg, rc, cause);
		else if (rc != 0)
			log_err("store: write failed: %s", cause);
		free(cause);
		free(j);
		return;
	}
	pthread_mutex_lock(&w->lock);
	w->rc = rc;
	w->cause = cause;
	w->done = 1;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	/* j lives on the caller's stack and may be gone now. */
}

/*
 * The jobs of a batch that succeeded and wait for the COMMIT: sync and store_write_then jobs keep
 * their record (someone waits for the outcome), plain queued ones are only counted (fn freed their
 * arg already). wrote: one of them changed a row (its commit proves the store writes again).
 */
struct pending {
	struct job *sync, **tail;
	int nqueued;
	bool wrote;
};

static void
pending_init(struct pending *p)
{
	p->sync = NULL;
	p->tail = &p->sync;
	p->nqueued = 0;
	p->wrote = false;
}

/* Ends the pending jobs: committed (cause NULL) or lost with the transaction (cause says why). */
static void
pending_end(struct pending *p, const char *cause)
{
	struct job *j, *next;

	if (cause != NULL && p->nqueued > 0)
		log_err("store: %d queued write%s lost: %s", p->nqueued, p->nqueued == 1 ? "" : "s", cause);
	for (j = p->sync; j != NULL; j = next) {
		next = (struct job *)j->msg.next;
		finish(j, cause != NULL ? -1 : 0, cause != NULL ? xstrdup(cause) : NULL);
	}
	pending_init(p);
}

/* Opens the batch transaction; logs and returns 0 when it cannot (the batch then runs job by job). */
static int
begin(struct store *st)
{
	char *cause = NULL;

	if (exec(st->db, st->path, "BEGIN IMMEDIATE", &cause) == 0)
		return 1;
	log_err("store: %s; running this batch's writes one transaction each", cause);
	free(cause);
	return 0;
}

/*
 * Runs one job in its savepoint. Inside the batch transaction RELEASE only forgets the savepoint; with
 * no transaction open it is the job's own COMMIT, which may fail. *wrote: the job changed a row.
 */
static int
run_job(struct store *st, struct job *j, bool *wrote, char **cause)
{
	sqlite3 *db = st->db;
	sqlite3_int64 before;
	int rc;

	*cause = NULL;
	must_exec(db, "SAVEPOINT job");
	before = sqlite3_total_changes64(db);
	rc = j->fn(db, j->arg, cause);
	assert(rc == 0 || rc == -1);
	assert(rc == 0 ? *cause == NULL : *cause != NULL);
	*wrote = rc == 0 && sqlite3_total_changes64(db) != before;
	if (rc != 0)
		note_failure(st, sqlite3_extended_errcode(db));
	if (sqlite3_get_autocommit(db)) {
		/* SQLite rolled the transaction back on an error (a job that succeeded cannot end it). */
		assert(rc != 0);
		return rc;
	}
	if (rc == 0) {
		if (sqlite3_exec(db, "RELEASE job", NULL, NULL, NULL) == SQLITE_OK)
			return 0;
		note_failure(st, sqlite3_extended_errcode(db));
		*cause = db_cause(db, st->path, "commit");
		if (!sqlite3_get_autocommit(db))
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	must_exec(db, "ROLLBACK TO job");
	must_exec(db, "RELEASE job");
	return -1;
}

/* Runs one batch of jobs (mailbox order) in one transaction. Returns 1 if it held the stop job. */
static int
run_batch(struct store *st, struct mailbox_msg *list)
{
	struct mailbox_msg *m, *next;
	struct pending done;
	int in_tx, one_by_one, stop = 0;
	char *cause;

	pending_init(&done);
	in_tx = begin(st);
	one_by_one = !in_tx;
	for (m = list; m != NULL; m = next) {
		struct job *j = (struct job *)m;
		bool wrote;
		int rc;

		next = m->next;
		if (j->fn == NULL) {
			assert(next == NULL); /* store_close's job is the last ever given */
			stop = 1;
			break;
		}
		if (!in_tx && !one_by_one)
			in_tx = begin(st), one_by_one = !in_tx;
		rc = run_job(st, j, &wrote, &cause);
		if (!in_tx && rc == 0 && wrote)
			note_commit(st);   /* its RELEASE was its COMMIT */
		if (in_tx && sqlite3_get_autocommit(st->db)) {
			/* The job's error rolled back the whole transaction: earlier successes are lost. */
			char *why = xasprintf("rolled back with a later write that failed: %s", cause);
			pending_end(&done, why);
			free(why);
			in_tx = 0;
		}
		if (rc == 0 && in_tx && wrote)
			done.wrote = true;
		if (rc != 0 || !in_tx) {
			finish(j, rc, cause);
		} else if (j->waiter != NULL || j->done != NULL) {
			j->msg.next = NULL;
			*done.tail = j;
			done.tail = (struct job **)&j->msg.next;
		} else {
			done.nqueued++;
			free(j);
		}
	}
	if (in_tx) {
		cause = NULL;
		if (exec(st->db, st->path, "COMMIT", &cause) != 0) {
			note_failure(st, sqlite3_extended_errcode(st->db));
			if (!sqlite3_get_autocommit(st->db))
				sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		} else if (done.wrote) {
			note_commit(st);
		}
		pending_end(&done, cause);
		free(cause);
	}
	return stop;
}

/*
 * While writes fail: allocates the reserve again if it was released, then commits one 64 KiB row into
 * store_probe (sql/003-incomplete.sql) and removes it. When both work there is room again for the
 * reserve and a few seconds of a run's rows. Store thread.
 */
static void
probe(struct store *st)
{
	static const char sql[] = "BEGIN IMMEDIATE; DELETE FROM store_probe;"
	    " INSERT INTO store_probe (pad) VALUES (zeroblob(65536)); COMMIT";
	struct statvfs fs;

	if (!st->reserve_held) {
		/* twice the reserve free first: else the room the reserve just gave back would make it
		   again at once, and the next second's rows would release it again */
		if (statvfs(st->path, &fs) == 0 && (fs.f_bavail * fs.f_frsize) <
		    2 * (unsigned long long)STORE_RESERVE_BYTES)
			return;
		if (reserve_make(st->reserve_path) != 0)
			return;
		st->reserve_held = true;
	}
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		note_failure(st, sqlite3_extended_errcode(st->db));
		if (!sqlite3_get_autocommit(st->db))
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return;
	}
	note_commit(st);
	/* the pages go to the free list and serve the next writes; if this fails, the next probe
	   deletes it first */
	sqlite3_exec(st->db, "DELETE FROM store_probe", NULL, NULL, NULL);
}

/* The store thread: runs batches until store_close's stop job arrives; probes while writes fail. */
static void *
writer_main(void *arg)
{
	struct store *st = arg;

	for (;;) {
		struct mailbox_msg *list = mailbox_wait(&st->mb,
		    st->failing ? clock_now_ns() + CLOCK_NS_PER_S : 0);

		if (list == NULL)
			probe(st);
		else if (run_batch(st, list))
			break;
	}
	return NULL;
}

void
store_write(struct store *st, store_write_fn *fn, void *arg)
{
	struct job *j = xmalloc(sizeof *j);
	struct mailbox_msg *m = &j->msg;

	assert(fn != NULL);
	j->fn = fn;
	j->arg = arg;
	j->waiter = NULL;
	j->done = NULL;
	mailbox_give(&st->mb, &m);
}

void
store_write_then(struct store *st, store_write_fn *fn, void *arg, store_done_fn *done, void *done_arg)
{
	struct job *j = xmalloc(sizeof *j);
	struct mailbox_msg *m = &j->msg;

	assert(fn != NULL && done != NULL);
	j->fn = fn;
	j->arg = arg;
	j->waiter = NULL;
	j->done = done;
	j->done_arg = done_arg;
	mailbox_give(&st->mb, &m);
}

int
store_write_sync(struct store *st, store_write_fn *fn, void *arg, char **cause)
{
	struct waiter w = { .done = 0, .rc = -1, .cause = NULL };
	struct job j = { .fn = fn, .arg = arg, .waiter = &w };
	struct mailbox_msg *m = &j.msg;

	assert(fn != NULL);
	assert(!pthread_equal(pthread_self(), st->thread));
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, NULL);
	mailbox_give(&st->mb, &m);
	pthread_mutex_lock(&w.lock);
	while (!w.done)
		pthread_cond_wait(&w.cond, &w.lock);
	pthread_mutex_unlock(&w.lock);
	pthread_mutex_destroy(&w.lock);
	pthread_cond_destroy(&w.cond);
	if (w.rc != 0)
		*cause = w.cause;
	return w.rc;
}

/* The lock file of the database at path: beside the file the path really names (symbolic links
   resolved, the file's or its folder's), so that two spellings of one database share one lock. */
static char *
lock_path_of(const char *path)
{
	char *real = realpath(path, NULL), *dir, *slash, *rdir, *lock;

	if (real != NULL) {
		lock = xasprintf("%s.lock", real);
		free(real);
		return lock;
	}
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		rdir = realpath(".", NULL);
	else if (slash == dir)
		rdir = xstrdup("");       /* in / */
	else {
		*slash = '\0';
		rdir = realpath(dir, NULL);
	}
	lock = rdir != NULL ? xasprintf("%s/%s.lock", rdir, slash != NULL ? slash + 1 : path) :
	    xasprintf("%s.lock", path);   /* a missing folder: the open below says so */
	free(rdir);
	free(dir);
	return lock;
}

/*
 * Takes the database's lock file (PATH.lock, created 0600 if missing) with flock(LOCK_EX | LOCK_NB)
 * and writes our pid in it: two daemons on one database would each take the other's running runs
 * for crashed ones and mark them aborted. The kernel drops the lock when the process ends, however
 * it ends (kill -9 included), so a stale file never blocks a restart. A separate file, because
 * SQLite's own POSIX locks on the database file are dropped by any close() of that file in the
 * process. The fd, *lock_path and *created (the file is new: release_lock removes it), or -1 and
 * *cause.
 */
static int
take_lock(const char *path, char **lock_path, int *created, char **cause)
{
	char pid[32] = "";
	int fd, len;
	ssize_t got;

	*lock_path = lock_path_of(path);
	*created = 1;
	fd = open(*lock_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		*created = 0;
		fd = open(*lock_path, O_RDWR | O_CLOEXEC);
	}
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			*cause = open_cause(NULL, path);   /* names the missing folder */
		else
			*cause = xasprintf("%s: cannot open the lock file: %s", *lock_path, strerror(errno));
		free(*lock_path);
		*lock_path = NULL;
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int err = errno;

		got = pread(fd, pid, sizeof pid - 1, 0);
		pid[got > 0 ? (size_t)got : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		if (err == EWOULDBLOCK)
			*cause = xasprintf("%s is in use by another rampage (pid %s, lock %s): one database, "
			    "one daemon; stop it or give this one another --db", path, *pid ? pid : "unknown",
			    *lock_path);
		else
			*cause = xasprintf("%s: cannot lock: %s", *lock_path, strerror(err));
		close(fd);
		free(*lock_path);
		*lock_path = NULL;
		return -1;
	}
	len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len)
		log_warn("%s: cannot write our pid: %s", *lock_path, strerror(errno));
	return fd;
}

/* Gives the lock back after a failed open; a lock file this open created goes too (a refused
   database leaves nothing beside it). Unlinked while still locked, so no one else holds it. */
static void
release_lock(int fd, char *lock_path, int created)
{
	if (created)
		unlink(lock_path);
	close(fd);
	free(lock_path);
}

struct store *
store_open_with(const char *path, const struct migration *m, int n, char **cause)
{
	struct store *st;
	sqlite3 *db = NULL;
	int version, rc, lock_fd, lock_created;
	char *lock_path;

	assert(path != NULL && *path != '\0');
	assert(n > 0);
	*cause = NULL;
	lock_fd = take_lock(path, &lock_path, &lock_created, cause);
	if (lock_fd < 0)
		return NULL;
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		*cause = open_cause(db, path);
		goto fail;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);
	/* Refuse a foreign or newer file before anything (the WAL switch) writes to it. */
	if (read_version(db, path, &version, cause) != 0 ||
	    check_not_newer(path, version, m[n - 1].version, cause) != 0 ||
	    configure(db, path, cause) != 0 ||
	    store_migrate(db, path, m, n, cause) != 0)
		goto fail;

	st = xcalloc(1, sizeof *st);
	st->path = xstrdup(path);
	st->lock_fd = lock_fd;
	st->db = db;
	st->aborted_at_open = abort_crashed(db, path, cause);
	if (st->aborted_at_open < 0) {
		free(st->path);
		free(st);
		goto fail;
	}
	/* The store decided, so the store tells. */
	if (st->aborted_at_open > 0)
		log_notice("%s: %d run%s left running by a daemon that stopped unexpectedly marked aborted",
		    path, st->aborted_at_open, st->aborted_at_open == 1 ? "" : "s");
	mailbox_init(&st->mb, NULL, NULL);
	pthread_mutex_init(&st->health_lock, NULL);
	st->reserve_path = xasprintf("%s.reserve", path);
	st->reserve_held = reserve_make(st->reserve_path) == 0;
	if (!st->reserve_held)
		set_error(st, errno == ENOSPC ? sqlite3_errstr(SQLITE_FULL) : strerror(errno));
	rc = pthread_create(&st->thread, NULL, writer_main, st);
	if (rc != 0) {
		log_err("store: cannot start the writer thread: %s", strerror(rc));
		abort();
	}
	pthread_setname_np(st->thread, "store");
	free(lock_path);
	return st;
fail:
	sqlite3_close(db);
	release_lock(lock_fd, lock_path, lock_created);
	return NULL;
}

struct store *
store_open(const char *path, char **cause)
{
	return store_open_with(path, store_migrations, store_nmigrations, cause);
}

void
store_close(struct store *st)
{
	struct job stop = { .fn = NULL };
	struct mailbox_msg *m = &stop.msg;
	int rc;

	if (st == NULL)
		return;
	mailbox_give(&st->mb, &m);
	pthread_join(st->thread, NULL);
	mailbox_fini(&st->mb);
	/* Lets SQLite refresh the planner statistics the tables' growth may have outdated; the limit keeps
	 * it to milliseconds even on a database of many long runs. */
	sqlite3_exec(st->db, "PRAGMA analysis_limit = 400; PRAGMA optimize", NULL, NULL, NULL);
	rc = sqlite3_close(st->db);
	assert(rc == SQLITE_OK); /* SQLITE_BUSY here: a write job leaked a statement */
	(void)rc;
	close(st->lock_fd);      /* last: the file is free for the next daemon once SQLite is done */
	pthread_mutex_destroy(&st->health_lock);
	free(st->reserve_path);
	free(st->error);
	free(st->path);
	free(st);
}

sqlite3 *
store_open_reader(struct store *st, char **cause)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(st->path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		*cause = db_cause(db, st->path, "cannot open a read connection");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);
	return db;
}
