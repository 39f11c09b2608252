/*
 * saved_start: a run of a saved test with a schedule's overrides, as the scheduler and "run now"
 * start it: read the test's definition, apply the overrides (vus, duration, rate as overrides.h
 * says; tags and note go to the run), validate the result under the daemon's policy (run_plan.h)
 * and queue it (runq.h). The API's schedule handlers also use the first half to refuse, when a
 * schedule is saved, overrides that would not start.
 *
 * Any thread but the run manager's and the store's; db is the caller's read-only connection.
 */
#ifndef RAMPAGE_SAVED_START_H
#define RAMPAGE_SAVED_START_H

#include <stdint.h>
#include <jansson.h>
#include <sqlite3.h>

struct runq;
struct security;
struct testdef_errors;

enum saved_start_result {
	SAVED_START_OK,
	SAVED_START_NO_TEST,       /* the test is gone */
	SAVED_START_INVALID,       /* the overrides or the resulting definition are refused: errs */
	SAVED_START_FAILED,        /* the database failed: *cause */
};

/*
 * Checks a schedule's overrides object ({"vus", "duration", "rate", "tags", "note"}, all optional)
 * for its keys, types and ranges; each problem goes to errs with the path prefix + key
 * ("overrides.vus"). 0 or -1.
 */
int saved_start_check(json_t *overrides, const char *prefix, struct testdef_errors *errs);

/*
 * Whether test test_id with overrides (NULL: none) would start under sec: SAVED_START_OK, _NO_TEST,
 * _INVALID (errs: paths under prefix for the overrides, "definition..." for the test itself) or
 * _FAILED (*cause).
 */
enum saved_start_result saved_start_try(const struct security *sec, sqlite3 *db, int64_t test_id,
    json_t *overrides, const char *prefix, struct testdef_errors *errs, char **cause);

/* A run to start (borrowed for the call). */
struct saved_start {
	int64_t test_id;
	int64_t schedule_id;       /* 0: none */
	const char *trigger;       /* "schedule", "api"... */
	json_t *overrides;         /* as saved_start_check accepts; NULL: none */
	/* runq_new's hook: called with the run's id in the transaction that inserts it */
	int (*with)(sqlite3 *db, int64_t run_id, void *arg, char **cause);
	void *with_arg;
};

/*
 * Starts the run: SAVED_START_OK and *run_id; otherwise *cause (xmalloc'd) says why in one line
 * (the test is gone, the first validation error, the database's failure).
 */
enum saved_start_result saved_start_run(struct runq *q, const struct security *sec, sqlite3 *db,
    const struct saved_start *ss, int64_t *run_id, char **cause);

#endif
