/*
 * run_query: what the REST API reads about runs, next to what writes them (run_store.h): one run or
 * a page of runs as JSON, the newest runs of each saved test, a run's per-second samples (merged
 * into windows of `step` seconds by run_window.h), its per-endpoint table, its stored summary, the
 * runs by state, and the definition a run of a saved test starts from.
 *
 * Every function runs on the caller's thread with the caller's read-only connection
 * (store_open_reader): the api thread's. Nothing here writes or holds state between calls. A
 * database failure is -1 and *cause (SQLite's message; caller frees); "no such run" is not a
 * failure but an empty answer, as each function says.
 */
#ifndef RAMPAGE_RUN_QUERY_H
#define RAMPAGE_RUN_QUERY_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <sqlite3.h>

#include "runs/runq.h"

struct hist;

struct run_row;

/*
 * Called once per run object built, after its stats and before its definition, so that the caller
 * adds what it knows beyond the database (the run manager's status) in the place the API shows it.
 * id and started_ms (0: not started) are the run's.
 */
typedef void run_query_add_fn(void *arg, json_t *run, int64_t id, int64_t started_ms);

/*
 * Sets a run object's history keys from a `runs.missing` text (JSON ranges [[from, to], ...] of
 * seconds not stored; NULL: none): "incomplete" (bool), "missing_seconds" (how many), "missing" (the
 * ranges). Replaces keys already there (the run manager overlays what it knows of a running run).
 */
void run_query_set_missing(json_t *run, const char *missing);

/*
 * One run as GET /api/runs/{id} shows it (docs/api.md: the list's keys, then definition, summary
 * and thresholds), with add (may be NULL) called on it. 0 and *run (a new reference; NULL when
 * there is no such run), or -1 and *cause.
 */
int run_query_get(sqlite3 *db, int64_t id, run_query_add_fn *add, void *arg, json_t **run,
    char **cause);

/* Which runs a page lists (GET /api/runs); zero fields filter nothing. */
struct run_query_page {
	int64_t test_id;           /* > 0: runs of that test */
	int64_t since_ms;          /* > 0: queued at or after */
	int64_t after_id;          /* > 0: ids below it (the keyset cursor) */
	const enum run_state *states;   /* nstates > 0: in one of them */
	int nstates;               /* at most RUN_QUERY_STATES_MAX */
	int limit;                 /* runs per page, >= 1 */
};
#define RUN_QUERY_STATES_MAX RUN_NSTATES

/*
 * A page of runs, newest first, each as lists show it (no definition, summary or thresholds) with
 * add called on it. 0, *runs (a new JSON array) and *next_after (the after_id of the next page; 0
 * when this is the last), or -1 and *cause.
 */
int run_query_list(sqlite3 *db, const struct run_query_page *page, run_query_add_fn *add,
    void *arg, json_t **runs, int64_t *next_after, char **cause);

/*
 * To each test object in by_id (keyed by the test's id in decimal) whose test has runs, sets "runs"
 * (how many, cancelled ones included), "last_run" (the newest that is not cancelled: a cancelled
 * run never ran) and appends its newest per_test runs that are not cancelled, newest first, to its
 * "recent" array (which must be there), each {"id","state","verdict","queued_ms","started_ms",
 * "ended_ms","stats"}.
 * only > 0: just that test. 0, or -1 and *cause.
 */
int run_query_recent(sqlite3 *db, json_t *by_id, int64_t only, int per_test, char **cause);

/* Whether run id exists: 0 and *exists, or -1 and *cause. */
int run_query_exists(sqlite3 *db, int64_t id, bool *exists, char **cause);
/* The index of run_id's endpoint named name: 0 and *idx (-1: no such endpoint), or -1 and *cause. */
int run_query_endpoint_idx(sqlite3 *db, int64_t run_id, const char *name, int *idx, char **cause);

/* What a samples read covers. */
struct run_query_samples {
	int64_t run_id;
	int endpoint;              /* 0: the total */
	int64_t from, to;          /* seconds, inclusive */
	int64_t step;              /* >= 1: seconds per window */
};
/*
 * Called for each row of a samples read in second order: second is the window's first second, row
 * its values (null[] marks NULL columns), seconds how many stored seconds it merges (1 at step 1).
 * Returns 0 to go on, -1 to stop the read.
 */
typedef int run_query_row_fn(void *arg, int64_t second, const struct run_row *row, int seconds);
/*
 * Reads the stored seconds of one endpoint of a run in [from, to], merged into windows of step
 * seconds (run_window.h) when step > 1, and gives each resulting row to fn. 0 when every row was
 * given, 1 when fn stopped the read, -1 and *cause on a database error.
 */
int run_query_samples(sqlite3 *db, const struct run_query_samples *q, run_query_row_fn *fn,
    void *arg, char **cause);

/*
 * The per-endpoint table of GET /api/runs/{id}/endpoints over the whole run (docs/api.md):
 * {"run_id","source","duration_s","total","endpoints"}. Counters sum every second; latency comes
 * from the whole-run histograms, or while the run has none yet from every second's merged; rps is
 * over the run's length so far (now_ms, wall clock, for a run that has not ended). 0 and *doc (a
 * new reference), or -1 and *cause. The caller checks that the run exists.
 */
/* The latency histogram of endpoint idx (0: the total) of run id into h (empty: merged into as
   is): the whole-run histogram once the run has ended, else its stored seconds' merged. *source is
   "run_histograms" or "sample_histograms". 0, or -1 + *cause. */
int run_query_latency(sqlite3 *db, int64_t id, int idx, struct hist *h, const char **source,
    char **cause);
int run_query_endpoints(sqlite3 *db, int64_t id, int64_t now_ms, json_t **doc, char **cause);

/*
 * A run's stored summary: 0, *state (the run's state; -1 when there is no such run) and *summary
 * (its JSON text, caller frees; NULL when it has none), or -1 and *cause.
 */
int run_query_summary(sqlite3 *db, int64_t id, int *state, char **summary, char **cause);

/* How many runs the database holds in each state: 0 and count[], or -1 and *cause. */
int run_query_count_states(sqlite3 *db, int64_t count[RUN_NSTATES], char **cause);

/*
 * The definition of saved test test_id as stored (what a run of it starts from): 0 and *text
 * (caller frees; NULL when there is no such test), or -1 and *cause.
 */
int run_query_test_definition(sqlite3 *db, int64_t test_id, char **text, char **cause);

#endif
