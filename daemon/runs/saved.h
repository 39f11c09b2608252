/*
 * saved: the saved tests (the `tests` table), next to the runs they start: writing one (a store
 * job), reading one with its recent runs, listing them all. The REST API's handlers (http/api_tests.c)
 * call these; the definitions they store have been validated already.
 *
 * saved_write runs on the store's writer thread (store_write_sync); the reads run on the caller's
 * thread with the caller's read-only connection (the api thread's). A database failure is -1 and
 * *cause (SQLite's message; caller frees); "no such test" is an empty answer, not a failure.
 */
#ifndef RAMPAGE_SAVED_H
#define RAMPAGE_SAVED_H

#include <stdint.h>
#include <jansson.h>
#include <sqlite3.h>

enum saved_op { SAVED_INSERT, SAVED_UPDATE, SAVED_DELETE };

/* One write: the caller's, borrowed by the job for the length of store_write_sync. */
struct saved_write {
	enum saved_op op;
	int64_t id;                /* UPDATE, DELETE; INSERT: out */
	const char *name;          /* INSERT, UPDATE */
	const char *definition;    /* INSERT, UPDATE: the text as given, kept byte for byte */
	int64_t now_ms;            /* INSERT, UPDATE: wall clock, ms since the epoch */
	int changes;               /* out: rows changed (0: no such test for UPDATE and DELETE) */
};

/* The store job (store_write_fn) that performs w (a struct saved_write *). */
int saved_write(sqlite3 *db, void *w, char **cause);
/*
 * One test with its definition, run count, last run and `recent` newest runs, as GET
 * /api/tests/{id} shows it. 0 and *test (NULL: no such test), or -1 and *cause.
 */
int saved_get(sqlite3 *db, int64_t id, int recent, json_t **test, char **cause);
/* Every test (without definitions) with the same run figures, in id order: 0 and *list (an
   array), or -1 and *cause. */
int saved_list(sqlite3 *db, int recent, json_t **list, char **cause);

#endif
