/*
 * Unit tests for store: a real SQLite file in a mktemp folder. Schema creation, reopening, refusal of
 * newer / foreign / unreachable files, crash recovery at open, the writer thread (order, batching,
 * savepoint isolation, lost transactions, sync results, flush at close), read connections, the
 * migration runner with fake migrations, and the query plans the schema was designed for.
 */
#include <config.h>

#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "core/xmalloc.h"
#include "store/migrations.h"
#include "store/store.h"
#include "tap.h"
#include "sqlq.h"

static char dir[] = "/tmp/rampage-test-store-XXXXXX";
static int ndb;

/* A fresh database path in the test folder. */
static char *
new_path(void)
{
	return xasprintf("%s/db%d.sqlite", dir, ++ndb);
}

static int
contains(const char *s, const char *part)
{
	return s != NULL && strstr(s, part) != NULL;
}

/* A plain read-write connection, as the sqlite3 CLI would use, to look behind the store's back. */
static sqlite3 *
raw(const char *path)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		printf("# cannot open %s: %s\n", path, sqlite3_errmsg(db));
		exit(1);
	}
	sqlite3_busy_timeout(db, 5000);
	return db;
}

/* Every detail line of EXPLAIN QUERY PLAN sql, joined with " | ". */
static char *
plan(sqlite3 *db, const char *sql)
{
	char *q = xasprintf("EXPLAIN QUERY PLAN %s", sql), *out = xstrdup("");
	sqlite3_stmt *stmt;

	if (sqlite3_prepare_v2(db, q, -1, &stmt, NULL) == SQLITE_OK) {
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			char *next = xasprintf("%s%s | ", out, (const char *)sqlite3_column_text(stmt, 3));
			free(out);
			out = next;
		}
		sqlite3_finalize(stmt);
	}
	free(q);
	return out;
}

static void
raw_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		printf("# %s: %s\n", sql, err);
		exit(1);
	}
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

/* ---- write jobs used below ---- */

/* Runs arg as SQL. */
static int
job_exec(sqlite3 *db, void *arg, char **cause)
{
	char *err = NULL;
	if (sqlite3_exec(db, arg, NULL, NULL, &err) == SQLITE_OK)
		return 0;
	*cause = xasprintf("%s", err);
	sqlite3_free(err);
	return -1;
}

struct new_test {
	const char *name;
	int64_t id;           /* out */
};

/* Inserts a test and reports its id. */
static int
job_new_test(sqlite3 *db, void *arg, char **cause)
{
	struct new_test *t = arg;
	sqlite3_stmt *stmt;
	int rc;

	sqlite3_prepare_v2(db, "INSERT INTO tests (name, definition, created_ms, updated_ms) VALUES (?1, '{}', 1, 1)",
	    -1, &stmt, NULL);
	sqlite3_bind_text(stmt, 1, t->name, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		*cause = xasprintf("insert test: %s", sqlite3_errmsg(db));
		return -1;
	}
	t->id = sqlite3_last_insert_rowid(db);
	return 0;
}

/* Inserts the number in a freshly allocated int into seq and frees it; a negative number fails after
 * inserting (so its row must be rolled back). */
static int
job_seq(sqlite3 *db, void *arg, char **cause)
{
	int n = *(int *)arg;
	char sql[64];

	free(arg);
	snprintf(sql, sizeof sql, "INSERT INTO seq VALUES (%d)", n < 0 ? -n : n);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		*cause = xasprintf("insert %d: %s", n, sqlite3_errmsg(db));
		return -1;
	}
	if (n < 0) {
		*cause = xasprintf("job %d fails on purpose", n);
		return -1;
	}
	return 0;
}

static void
give_seq(struct store *st, int n)
{
	int *p = xmalloc(sizeof *p);
	*p = n;
	store_write(st, job_seq, p);
}

static int commits;
static sem_t blocker_running, blocker_release;

static int
count_commit(void *arg)
{
	commits++;
	return 0;
}

/* Counts commits from now on and holds the writer until the test releases it. */
static int
job_blocker(sqlite3 *db, void *arg, char **cause)
{
	commits = 0;
	sqlite3_commit_hook(db, count_commit, NULL);
	sem_post(&blocker_running);
	sem_wait(&blocker_release);
	return 0;
}

static int
job_noop(sqlite3 *db, void *arg, char **cause)
{
	return 0;
}

/* Ends the transaction behind the store's back and fails, as SQLite does on disk full or I/O error. */
static int
job_lose_tx(sqlite3 *db, void *arg, char **cause)
{
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	*cause = xstrdup("simulated I/O error");
	return -1;
}

static int
job_fail(sqlite3 *db, void *arg, char **cause)
{
	*cause = xstrdup("nope");
	return -1;
}

/* ---- tests ---- */

static const char *tables[] = {
	"tests", "schedules", "runs", "endpoints", "samples", "sample_histograms", "run_histograms",
	"run_status_codes", "run_checks", "baselines",
};

static void
test_fresh_and_reopen(void)
{
	char *path = new_path(), *cause = NULL, *s;
	struct new_test t = { "first", 0 };
	struct store *st;
	sqlite3 *db;

	is_int(store_schema_version(), store_migrations[store_nmigrations - 1].version,
	    "the binary knows the schema version of its last migration");
	for (int i = 0; i < store_nmigrations; i++)
		is_int(store_migrations[i].version, i + 1, "migration %s is version %d, in order",
		    store_migrations[i].name, i + 1);
	st = store_open(path, &cause);
	ok(st != NULL, "a fresh database opens (%s)", cause ? cause : "");
	if (st == NULL)
		exit(1);
	is_int(store_aborted_at_open(st), 0, "nothing to abort in a fresh database");
	is_int(store_write_sync(st, job_new_test, &t, &cause), 0, "a sync write succeeds");
	is_int(t.id, 1, "and returns the inserted id");
	t.name = "second";
	store_write_sync(st, job_new_test, &t, &cause);
	is_int(t.id, 2, "the next insert returns the next id");

	db = raw(path);
	is_int(q_int(db, "PRAGMA user_version"), store_schema_version(), "user_version is the schema version");
	s = q_text(db, "PRAGMA journal_mode");
	is_str(s, "wal", "the database is in WAL mode");
	free(s);
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		char *q = xasprintf("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'", tables[i]);
		is_int(q_int(db, q), 1, "table %s exists", tables[i]);
		free(q);
	}
	sqlite3_close(db);
	store_close(st);

	st = store_open(path, &cause);
	ok(st != NULL, "an existing database reopens (migrations not re-run) (%s)", cause ? cause : "");
	if (st == NULL)
		exit(1);
	db = raw(path);
	is_int(q_int(db, "SELECT count(*) FROM tests"), 2, "its data is kept");
	is_int(q_int(db, "PRAGMA user_version"), store_schema_version(), "and its version");
	sqlite3_close(db);

	/* One store per file: a second open while the first is open is refused (flock conflicts
	   between open file descriptions, within one process too). */
	struct store *second = store_open(path, &cause);
	char *want = xasprintf("%s is in use by another rampage (pid %ld, lock %s.lock)", path, (long)getpid(), path);
	ok(second == NULL, "a second store on an open database is refused");
	ok(contains(cause, want), "with a message naming the path, our pid and the lock file (%s)", cause);
	free(want);
	free(cause);
	cause = NULL;
	store_close(second);
	store_close(st);
	st = store_open(path, &cause);
	ok(st != NULL, "once the first is closed, it opens again (%s)", cause ? cause : "");
	store_close(st);
	free(path);
}

static void
test_refusals(void)
{
	char *path = new_path(), *cause = NULL, *want;
	struct store *st;
	sqlite3 *db;

	st = store_open(path, &cause);
	store_close(st);
	db = raw(path);
	raw_exec(db, "PRAGMA user_version = 77");
	sqlite3_close(db);
	st = store_open(path, &cause);
	ok(st == NULL, "a database newer than the binary is refused");
	want = xasprintf("database schema version 77 is newer than this rampage (knows up to %d): "
	    "upgrade rampage", store_schema_version());
	ok(contains(cause, want), "with a message naming both versions (%s)", cause);
	free(want);
	ok(contains(cause, path), "and the path");
	free(cause);
	cause = NULL;
	db = raw(path);
	is_int(q_int(db, "PRAGMA user_version"), 77, "the newer database is left untouched");
	sqlite3_close(db);
	free(path);

	path = new_path();
	write_file(path, "this is a text file, not a database; it has to be long enough to look like a header...\n"
	    "more text, more text, more text\n");
	st = store_open(path, &cause);
	ok(st == NULL, "a file that is not a database is refused");
	ok(contains(cause, path) && contains(cause, "not a SQLite database"), "with a message naming the path (%s)",
	    cause);
	free(cause);
	cause = NULL;
	free(path);

	path = new_path();
	write_file(path, "tiny\n");
	st = store_open(path, &cause);
	ok(st == NULL && contains(cause, "not a SQLite database"), "a tiny garbage file is refused too (%s)", cause);
	free(cause);
	cause = NULL;
	free(path);

	path = xasprintf("%s/no/such/folder/rampage.db", dir);
	st = store_open(path, &cause);
	ok(st == NULL, "a path in a missing folder is refused");
	ok(contains(cause, path), "with a message naming the path (%s)", cause);
	want = xasprintf("folder %s/no/such/folder", dir);
	ok(contains(cause, want), "and the missing folder");
	free(want);
	free(cause);
	free(path);
}

static void
test_abort_at_open(void)
{
	char *path = new_path(), *cause = NULL, *s;
	struct store *st = store_open(path, &cause);
	sqlite3 *db;
	int64_t before, after, ended;

	store_close(st);
	db = raw(path);
	raw_exec(db,
	    "INSERT INTO runs (id, name, definition, state, trigger, queued_ms, started_ms) VALUES"
	    " (1, 'a', '{}', 'running',  'api', 1000, 10000),"
	    " (2, 'b', '{}', 'stopping', 'cli', 1000, 20000),"
	    " (3, 'c', '{}', 'queued',   'api', 1000, NULL),"
	    " (4, 'd', '{}', 'running',  'schedule', 1000, NULL);"
	    "INSERT INTO runs (id, name, definition, state, trigger, queued_ms, started_ms, ended_ms) VALUES"
	    " (5, 'e', '{}', 'passed', 'api', 1000, 2000, 3000);"
	    "INSERT INTO samples (run_id, endpoint, second, requests) VALUES"
	    " (1, 0, 0, 5), (1, 0, 1, 5), (1, 0, 2, 5), (1, 1, 3, 5), (1, 0, 4, 5);");
	sqlite3_close(db);

	before = clock_wall_ms();
	st = store_open(path, &cause);
	after = clock_wall_ms();
	is_int(store_aborted_at_open(st), 3, "three live runs were aborted at open");
	store_close(st);

	db = raw(path);
	s = q_text(db, "SELECT group_concat(state, ',') FROM (SELECT state FROM runs ORDER BY id)");
	is_str(s, "aborted,aborted,queued,aborted,passed", "running and stopping become aborted; queued, passed stay");
	free(s);
	s = q_text(db, "SELECT error FROM runs WHERE id = 2");
	ok(contains(s, "daemon stopped unexpectedly"), "an aborted run says why (%s)", s);
	free(s);
	is_int(q_int(db, "SELECT ended_ms FROM runs WHERE id = 1"), 10000 + 5 * 1000,
	    "a run with samples ends at the end of its last recorded second");
	ended = q_int(db, "SELECT ended_ms FROM runs WHERE id = 2");
	ok(ended >= before && ended <= after, "a run without samples ends at the restart (%lld)", (long long)ended);
	ok(q_int(db, "SELECT ended_ms FROM runs WHERE id = 4") >= before, "a run that never started gets an end too");
	s = q_text(db, "SELECT missing FROM runs WHERE id = 1");
	is_str(s, "[[3,3]]", "the holes in an aborted run's stored seconds are its missing seconds");
	free(s);
	is_int(q_int(db, "SELECT count(*) FROM runs WHERE missing IS NOT NULL"), 1, "a run without holes has none");
	is_int(q_int(db, "SELECT ended_ms FROM runs WHERE id = 5"), 3000, "a finished run keeps its end");
	ok(q_int(db, "SELECT ended_ms FROM runs WHERE id = 3") == 0 &&
	    q_int(db, "SELECT ended_ms IS NULL FROM runs WHERE id = 3") == 1, "a queued run gets no end");
	sqlite3_close(db);

	st = store_open(path, &cause);
	is_int(store_aborted_at_open(st), 0, "the next open aborts nothing");
	store_close(st);
	free(path);
}

static void
test_writer(void)
{
	char *path = new_path(), *cause = NULL, *s;
	struct store *st = store_open(path, &cause);
	sqlite3 *db;
	int rc;

	is_int(store_write_sync(st, job_exec, "CREATE TABLE seq (n INTEGER)", &cause), 0, "create a scratch table");

	/* Hold the writer so that the next 1000 jobs queue up and form one batch. */
	sem_init(&blocker_running, 0, 0);
	sem_init(&blocker_release, 0, 0);
	store_write(st, job_blocker, NULL);
	sem_wait(&blocker_running);
	for (int i = 1; i <= 1000; i++)
		give_seq(st, i == 500 ? -500 : i);
	sem_post(&blocker_release);
	is_int(store_write_sync(st, job_noop, NULL, &cause), 0, "a no-op sync write after them");
	/* The blocker's batch, then the 1000 (the no-op joins them if it was given before the writer took
	 * them): two or three commits, where one transaction per job would take 1002. */
	ok(commits == 2 || commits == 3, "1000 queued jobs commit as one batch (%d commits in all)", commits);

	db = raw(path);
	is_int(q_int(db, "SELECT count(*) FROM seq"), 999, "a failing job does not roll back the others of its batch");
	is_int(q_int(db, "SELECT count(*) FROM seq WHERE n = 500"), 0, "and its own insert is rolled back");
	is_int(q_int(db, "SELECT count(*) FROM (SELECT n, row_number() OVER (ORDER BY rowid) AS k FROM seq)"
	    " WHERE n != k + (k >= 500)"), 0, "jobs ran in the order they were given");
	sqlite3_close(db);

	/* A job whose error makes SQLite roll back the whole transaction: earlier jobs of the batch are
	 * lost (and said so), later ones still commit. */
	raw_exec((db = raw(path)), "DELETE FROM seq");
	sqlite3_close(db);
	store_write(st, job_blocker, NULL);
	sem_wait(&blocker_running);
	give_seq(st, 1);
	store_write(st, job_lose_tx, NULL);
	give_seq(st, 2);
	give_seq(st, 3);
	sem_post(&blocker_release);
	store_write_sync(st, job_noop, NULL, &cause);
	db = raw(path);
	s = q_text(db, "SELECT group_concat(n, ',') FROM seq");
	is_str(s, "2,3", "a lost transaction loses the jobs before it, and those after it still commit");
	free(s);
	sqlite3_close(db);

	rc = store_write_sync(st, job_fail, NULL, &cause);
	is_int(rc, -1, "a failing sync write returns -1");
	is_str(cause, "nope", "with the job's cause");
	free(cause);
	cause = NULL;
	rc = store_write_sync(st, job_exec,
	    "INSERT INTO runs (name, definition, state, trigger, queued_ms) VALUES ('x', '{}', 'bogus', 'api', 1)", &cause);
	ok(rc == -1 && contains(cause, "CHECK constraint failed"), "the schema refuses an unknown run state (%s)", cause);
	free(cause);
	cause = NULL;

	/* Foreign keys are on: deleting a run deletes everything that belongs to it. */
	rc = store_write_sync(st, job_exec,
	    "INSERT INTO runs (id, name, definition, trigger, queued_ms) VALUES (10, 'x', '{}', 'api', 1);"
	    "INSERT INTO endpoints VALUES (10, 1, 'GET /', 'GET');"
	    "INSERT INTO samples (run_id, endpoint, second) VALUES (10, 0, 0), (10, 1, 0);"
	    "INSERT INTO sample_histograms VALUES (10, 1, 0, x'00');"
	    "INSERT INTO run_checks VALUES (10, 'status 200', 1, 0);", &cause);
	is_int(rc, 0, "a run with samples is written");
	rc = store_write_sync(st, job_exec, "DELETE FROM runs WHERE id = 10", &cause);
	db = raw(path);
	is_int(q_int(db, "SELECT (SELECT count(*) FROM endpoints) + (SELECT count(*) FROM samples) +"
	    " (SELECT count(*) FROM sample_histograms) + (SELECT count(*) FROM run_checks)"), 0,
	    "deleting the run cascades to its endpoints, samples, histograms and checks");
	sqlite3_close(db);
	rc = store_write_sync(st, job_exec, "INSERT INTO samples (run_id, endpoint, second) VALUES (99, 0, 0)", &cause);
	ok(rc == -1 && contains(cause, "FOREIGN KEY"), "a sample of a missing run is refused (%s)", cause);
	free(cause);
	cause = NULL;

	/* store_close finishes every queued write. */
	for (int i = 1; i <= 10000; i++)
		give_seq(st, i);
	store_close(st);
	db = raw(path);
	is_int(q_int(db, "SELECT count(*) FROM seq"), 10000 + 2, "store_close flushed 10000 queued writes");
	sqlite3_close(db);
	free(path);
}

static void
test_reader(void)
{
	char *path = new_path(), *cause = NULL;
	struct store *st = store_open(path, &cause);
	struct new_test t = { "r", 0 };
	sqlite3 *rd = store_open_reader(st, &cause);
	int rc;

	ok(rd != NULL, "a reader connection opens (%s)", cause ? cause : "");
	is_int(q_int(rd, "SELECT count(*) FROM tests"), 0, "it sees an empty table");
	store_write_sync(st, job_new_test, &t, &cause);
	is_int(q_int(rd, "SELECT count(*) FROM tests"), 1, "it sees a committed write");
	rc = sqlite3_exec(rd, "INSERT INTO tests (name, definition, created_ms, updated_ms) VALUES ('x', '{}', 1, 1)",
	    NULL, NULL, NULL);
	is_int(rc & 0xff, SQLITE_READONLY, "it cannot write");
	sqlite3_close(rd);
	store_close(st);
	free(path);
}

static void
test_migrations(void)
{
	/* the real migrations, then fake ones numbered after them (v = the binary's version) */
	int n = store_nmigrations, v = store_schema_version();
	char *path = new_path(), *cause = NULL, *s;
	struct migration *m = xcalloc((size_t)n + 2, sizeof *m);
	struct store *st;
	sqlite3 *db;

	memcpy(m, store_migrations, (size_t)n * sizeof *m);
	m[n] = (struct migration){ v + 1, "fake.sql", "CREATE TABLE fake (x);\nINSERT INTO fake VALUES (1);\n" };
	st = store_open(path, &cause);
	store_close(st);
	db = raw(path);
	raw_exec(db, "INSERT INTO tests (name, definition, created_ms, updated_ms) VALUES ('kept', '{}', 1, 1)");
	sqlite3_close(db);

	st = store_open_with(path, m, n + 1, &cause);
	ok(st != NULL, "a current database opens with one more migration (%s)", cause ? cause : "");
	store_close(st);
	db = raw(path);
	is_int(q_int(db, "PRAGMA user_version"), v + 1, "it was migrated to the next version");
	is_int(q_int(db, "SELECT count(*) FROM fake"), 1, "by running the migration once");
	s = q_text(db, "SELECT name FROM tests");
	is_str(s, "kept", "keeping the existing data");
	free(s);
	sqlite3_close(db);

	st = store_open_with(path, m, n + 1, &cause);
	store_close(st);
	db = raw(path);
	is_int(q_int(db, "SELECT count(*) FROM fake"), 1, "reopening does not run it again");
	sqlite3_close(db);

	st = store_open(path, &cause);
	s = xasprintf("database schema version %d is newer than this rampage (knows up to %d)", v + 1, v);
	ok(st == NULL && contains(cause, s), "the real binary now refuses it (%s)", cause);
	free(s);
	free(cause);
	cause = NULL;

	m[n + 1] = (struct migration){ v + 2, "bad.sql", "CREATE TABLE fake3 (x);\nINSERT INTO no_such_table VALUES (1);\n" };
	st = store_open_with(path, m, n + 2, &cause);
	ok(st == NULL && contains(cause, "migration bad.sql failed") && contains(cause, "no_such_table"),
	    "a failing migration is refused, naming it and the error (%s)", cause);
	free(cause);
	cause = NULL;
	db = raw(path);
	is_int(q_int(db, "PRAGMA user_version"), v + 1, "the database stays at the previous version");
	is_int(q_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'fake3'"), 0,
	    "with none of the failed migration's changes");
	sqlite3_close(db);

	m[n + 1] = (struct migration){ v + 2, "dangling.sql", "INSERT INTO endpoints VALUES (999, 1, 'x', 'GET');\n" };
	st = store_open_with(path, m, n + 2, &cause);
	ok(st == NULL && contains(cause, "dangling foreign key"), "a migration that breaks a foreign key is refused (%s)",
	    cause);
	free(cause);
	cause = NULL;

	/* A table rebuild (foreign keys off during the migration) keeps the children of the rebuilt table. */
	m[n + 1] = (struct migration){ v + 2, "rebuild.sql",
		"CREATE TABLE tests_new (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, definition TEXT NOT NULL,"
		" created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL, extra TEXT);\n"
		"INSERT INTO tests_new (id, name, definition, created_ms, updated_ms)"
		" SELECT id, name, definition, created_ms, updated_ms FROM tests;\n"
		"DROP TABLE tests;\nALTER TABLE tests_new RENAME TO tests;\n" };
	db = raw(path);
	raw_exec(db, "INSERT INTO runs (id, test_id, name, definition, trigger, queued_ms) VALUES (7, 1, 'k', '{}', 'api', 1)");
	sqlite3_close(db);
	st = store_open_with(path, m, n + 2, &cause);
	ok(st != NULL, "a migration rebuilding a referenced table applies (%s)", cause ? cause : "");
	store_close(st);
	db = raw(path);
	is_int(q_int(db, "SELECT test_id FROM runs WHERE id = 7"), 1, "without the rebuild nulling the runs' test ids");
	sqlite3_close(db);
	free(m);
	free(path);
}

/* store_write_then's fate, told on the writer thread, awaited on this one. */
struct fate {
	sem_t told;
	int rc;
	char *cause;
};

static void
told(void *arg, int rc, const char *cause)
{
	struct fate *f = arg;

	f->rc = rc;
	f->cause = cause != NULL ? xstrdup(cause) : NULL;
	sem_post(&f->told);
}

/* Gives fn(arg) with store_write_then and waits to be told: its rc; *cause (xmalloc'd) if -1. */
static int
write_then(struct store *st, store_write_fn *fn, void *arg, char **cause)
{
	struct fate f = { .rc = 99 };

	sem_init(&f.told, 0, 0);
	store_write_then(st, fn, arg, told, &f);
	sem_wait(&f.told);
	sem_destroy(&f.told);
	*cause = f.cause;
	return f.rc;
}

/* A job: caps the file at its current size (arg NULL) or lifts the cap, like a disk that fills up
   and then gets space back. PRAGMA max_page_count makes SQLite fail with SQLITE_FULL. */
static int
cap_file(sqlite3 *db, void *arg, char **cause)
{
	char sql[64];

	snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld",
	    arg == NULL ? (long long)q_int(db, "PRAGMA page_count") : 1000000000LL);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		*cause = xstrdup(sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* A job: 200 KB more rows. */
static int
fill(sqlite3 *db, void *arg, char **cause)
{
	(void)arg;
	if (sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS filler (x);"
	    " INSERT INTO filler VALUES (randomblob(200000))", NULL, NULL, NULL) != SQLITE_OK) {
		*cause = xstrdup(sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* A job that fails on its own (a constraint), not for the storage's sake. */
static int
bad_insert(sqlite3 *db, void *arg, char **cause)
{
	(void)arg;
	if (sqlite3_exec(db, "INSERT INTO runs (name) VALUES ('no definition')", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		*cause = xstrdup(sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/*
 * The store's error state (store_error) and store_write_then: a write that fails because the file
 * cannot grow is told to its owner and sets the error; a job's own mistake does not; when room
 * returns, the probe clears the error by itself although nothing else writes.
 */
static void
test_full(void)
{
	char *path = new_path(), *cause = NULL, *e;
	struct store *st = store_open(path, &cause);
	int rc, i;

	ok(st != NULL && (e = store_error(st)) == NULL, "a fresh store can write");
	rc = write_then(st, fill, NULL, &cause);
	ok(rc == 0 && cause == NULL, "store_write_then tells a committed job 0");
	rc = write_then(st, bad_insert, NULL, &cause);
	ok(rc == -1 && contains(cause, "NOT NULL"), "and a failing job -1 with its cause (%s)", cause);
	free(cause);
	e = store_error(st);
	ok(e == NULL, "a job's own mistake is not a storage error (%s)", e ? e : "");
	free(e);

	ok(store_write_sync(st, cap_file, NULL, &cause) == 0, "the file is capped at its size");
	rc = write_then(st, fill, NULL, &cause);
	ok(rc == -1 && contains(cause, "full"), "a write that needs room is told it failed (%s)", cause);
	free(cause);
	e = store_error(st);
	is_str(e, "error: database or disk is full", "store_error says why writes fail");
	free(e);
	rc = write_then(st, fill, NULL, &cause);
	free(cause);
	e = store_error(st);
	ok(rc == -1 && e != NULL, "and keeps saying it while they do");
	free(e);

	ok(store_write_sync(st, cap_file, (void *)1, &cause) == 0, "room returns");
	/* the probe runs once a second while writes fail; 10 s is a generous bound for a busy machine */
	for (i = 0; i < 200 && (e = store_error(st)) != NULL; i++) {
		free(e);
		usleep(50000);
	}
	ok(i < 200, "the store finds writes work again by itself (no other write was given)");
	rc = write_then(st, fill, NULL, &cause);
	ok(rc == 0, "and a write commits again (%s)", cause ? cause : "");
	free(cause);
	store_close(st);
	free(path);
}

static void
test_plans(void)
{
	char *path = new_path(), *cause = NULL, *p;
	struct store *st = store_open(path, &cause);
	sqlite3 *rd = store_open_reader(st, &cause);

	p = plan(rd, "SELECT second, requests, lat_p95_us FROM samples WHERE run_id = 1 AND endpoint = 3 ORDER BY second");
	ok(contains(p, "SEARCH samples USING PRIMARY KEY (run_id=? AND endpoint=?)") && !contains(p, "TEMP B-TREE"),
	    "a chart of one endpoint is a primary-key range scan (%s)", p);
	free(p);
	p = plan(rd, "SELECT id FROM runs WHERE test_id = 1 ORDER BY id DESC LIMIT 20");
	ok(contains(p, "runs_by_test") && !contains(p, "TEMP B-TREE"), "runs of a test newest first use an index (%s)", p);
	free(p);
	p = plan(rd, "SELECT id FROM runs WHERE state = 'queued' ORDER BY id");
	ok(contains(p, "runs_by_state") && !contains(p, "TEMP B-TREE"), "queued runs in order use an index (%s)", p);
	free(p);
	p = plan(rd, "SELECT hist FROM sample_histograms WHERE run_id = 1 AND endpoint = 0 AND second BETWEEN 60 AND 89");
	ok(contains(p, "USING PRIMARY KEY (run_id=? AND endpoint=? AND second>? AND second<?)"),
	    "a threshold window reads only its histograms (%s)", p);
	free(p);
	sqlite3_close(rd);
	store_close(st);
	free(path);
}

/* The run-states migration (sql/NNN-run-states.sql) rebuilds `runs`: old rows get the new words,
   every child row keeps its run, the AUTOINCREMENT counter carries over, the indexes come back. */
static void
test_run_states_migration(void)
{
	char *path = new_path(), *cause = NULL;
	struct store *st;
	sqlite3 *db;
	int k = -1;

	for (int i = 0; i < store_nmigrations; i++)
		if (strstr(store_migrations[i].name, "run-states") != NULL)
			k = i;
	ok(k > 0, "the run-states migration is embedded");
	if (k <= 0)
		return;
	st = store_open_with(path, store_migrations, k, &cause);   /* the schema before it */
	ok(st != NULL, "a database at the version before it (%s)", cause ? cause : "");
	store_close(st);
	db = raw(path);
	raw_exec(db, "INSERT INTO tests (id, name, definition, created_ms, updated_ms) VALUES (1, 't', '{}', 1, 1);"
	    "INSERT INTO runs (id, test_id, name, definition, state, trigger, queued_ms, started_ms, ended_ms, thresholds) VALUES"
	    " (1, 1, 'no thresholds', '{}', 'passed', 'api', 1, 2, 3, NULL),"
	    " (2, 1, 'held', '{}', 'passed', 'api', 1, 2, 3, '[{\"metric\":\"m\",\"ok\":true}]'),"
	    " (3, 1, 'cancelled', '{}', 'stopped', 'api', 1, NULL, 3, NULL),"
	    " (4, 1, 'stopped', '{}', 'stopped', 'cli', 1, 2, 3, '[{\"metric\":\"m\",\"ok\":false}]'),"
	    " (5, NULL, 'failed', '{}', 'failed', 'schedule', 1, 2, 3, '[{\"metric\":\"m\",\"ok\":false}]'),"
	    " (6, 1, 'deleted later', '{}', 'queued', 'api', 1, NULL, NULL, NULL);"
	    "UPDATE runs SET missing = '[[1,2]]' WHERE id = 1;"
	    "DELETE FROM runs WHERE id = 6;"
	    "INSERT INTO endpoints VALUES (1, 1, 'GET /', 'GET');"
	    "INSERT INTO samples (run_id, endpoint, second, requests) VALUES (1, 0, 0, 5), (1, 1, 0, 5), (4, 0, 0, 1);"
	    "INSERT INTO sample_histograms VALUES (1, 0, 0, x'00');"
	    "INSERT INTO run_histograms (run_id, endpoint, hist) VALUES (1, 0, x'00');"
	    "INSERT INTO run_status_codes VALUES (1, 0, 200, 5);"
	    "INSERT INTO run_checks VALUES (1, 'ok', 5, 0);"
	    "INSERT INTO baselines VALUES (1, 2, 9);");
	sqlite3_close(db);

	st = store_open(path, &cause);
	ok(st != NULL, "the run-states migration applies to it (%s)", cause ? cause : "");
	store_close(st);
	db = raw(path);
	{
		char *states = q_text(db, "SELECT group_concat(state, ' ') FROM (SELECT state FROM runs ORDER BY id)");
		is_str(states, "finished passed cancelled stopped failed",
		    "passed without thresholds is finished, a stop before the start cancelled, the rest as they were");
		free(states);
	}
	is_int(q_int(db, "SELECT (SELECT count(*) FROM endpoints) + (SELECT count(*) FROM samples)"
	    " + (SELECT count(*) FROM sample_histograms) + (SELECT count(*) FROM run_histograms)"
	    " + (SELECT count(*) FROM run_status_codes) + (SELECT count(*) FROM run_checks)"
	    " + (SELECT count(*) FROM baselines)"), 1 + 3 + 1 + 1 + 1 + 1 + 1, "every child row kept");
	is_int(q_int(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0, "and still has its run");
	is_int(q_int(db, "SELECT json_array_length(missing) FROM runs WHERE id = 1"), 1, "the missing seconds kept");
	is_int(q_int(db, "SELECT test_id FROM runs WHERE id = 4"), 1, "a run keeps its test");
	is_int(q_int(db, "SELECT seq FROM sqlite_sequence WHERE name = 'runs'"), 6,
	    "the id counter carries over (a deleted run's id is never given again)");
	is_int(q_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'runs'"
	    " AND name IN ('runs_by_test', 'runs_by_state', 'runs_by_schedule')"), 3, "its three indexes are back");
	raw_exec(db, "PRAGMA foreign_keys = ON; INSERT INTO runs (name, definition, state, trigger, queued_ms)"
	    " VALUES ('n', '{}', 'cancelled', 'dashboard', 1)");
	is_int(q_int(db, "SELECT max(id) FROM runs"), 7, "the new words are accepted, and a new run gets id 7");
	ok(sqlite3_exec(db, "INSERT INTO runs (name, definition, state, trigger, queued_ms) VALUES ('n', '{}', 'done', 'api', 1)",
	    NULL, NULL, NULL) == SQLITE_CONSTRAINT, "an unknown state is still refused");
	raw_exec(db, "DELETE FROM runs WHERE id = 1");
	is_int(q_int(db, "SELECT count(*) FROM samples WHERE run_id = 1"), 0, "deleting a run still cascades into its rows");
	sqlite3_close(db);
	free(path);
}

int
main(void)
{
	char *cmd;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	log_level = LOG_WARNING; /* keep the notices of every open out of the test's output */
	test_fresh_and_reopen();
	test_refusals();
	test_abort_at_open();
	test_writer();
	test_reader();
	test_migrations();
	test_run_states_migration();
	test_full();
	test_plans();
	cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	free(cmd);
	return done_testing();
}
