/*
 * baseline: a saved test's baseline, the run its later runs are compared with (issue 13). A test
 * either pins one of its runs (`baselines`, with every pin kept in `baseline_history`) or follows
 * the most recent run in state `passed` before the run compared (`tests.baseline_mode`
 * 'last-passed'); it also keeps the practical floors of its comparisons (`tests.compare_floors`).
 *
 * baseline_write runs on the store's writer thread (store_write_sync), so checking the run and
 * writing the pin happen in one transaction. The reads run on the caller's thread with the caller's
 * read-only connection (the api thread's). A database failure is -1 and *cause (caller frees).
 */
#ifndef RAMPAGE_BASELINE_H
#define RAMPAGE_BASELINE_H

#include <stdint.h>
#include <jansson.h>
#include <sqlite3.h>

struct compare_floors;

/* The states of a run that ended with data, so that it can be a baseline ('finished' from the
   run-state words; a run cancelled while queued is `stopped` without a start and is refused). */
#define BASELINE_STATES_SQL "('passed', 'failed', 'finished', 'stopped')"

enum baseline_op {
	BASELINE_PIN,              /* pin run_id (mode becomes 'pinned') */
	BASELINE_CLEAR,            /* clear the pinned run */
	BASELINE_SETTINGS,         /* set mode and/or floors */
};

enum baseline_outcome {
	BASELINE_OK,
	BASELINE_NO_TEST,          /* no test test_id */
	BASELINE_NO_RUN,           /* PIN: no run run_id */
	BASELINE_OTHER_TEST,       /* PIN: run_id is a run of another test (or of none) */
	BASELINE_NOT_ENDED,        /* PIN: run_id did not end as a run with data */
	BASELINE_NONE,             /* CLEAR: there was no pinned run */
};

/* One write: the caller's, borrowed by the job for the length of store_write_sync. */
struct baseline_write {
	enum baseline_op op;
	int64_t test_id;
	int64_t run_id;            /* PIN */
	const char *note;          /* PIN; may be NULL */
	const char *mode;          /* SETTINGS: "pinned" or "last-passed"; NULL: unchanged */
	const char *floors;        /* SETTINGS, PIN: JSON text of the floors; NULL: unchanged */
	int64_t now_ms;            /* wall clock, ms since the epoch */
	enum baseline_outcome outcome;   /* out */
	char state[16];            /* out, BASELINE_NOT_ENDED: the run's state */
	int64_t run_test_id;       /* out, BASELINE_OTHER_TEST: the run's test (0: none) */
};

/* The store job (store_write_fn) that performs w (a struct baseline_write *). */
int baseline_write(sqlite3 *db, void *w, char **cause);

/*
 * The baseline document of test test_id (GET /api/tests/{id}/baseline): {"test_id", "mode",
 * "floors", "current": {"run_id","note","set_ms"} or null, "history": [{"run_id","note","set_ms",
 * "cleared_ms"}...] newest first}. 0 and *doc (NULL: no such test), or -1 and *cause.
 */
int baseline_get(sqlite3 *db, int64_t test_id, json_t **doc, char **cause);

/*
 * The baseline run compared with run run_id: that run's test's pinned run (never the run itself),
 * or under 'last-passed' the newest run of its test in state passed queued before it. 0 and
 * *baseline (0: none), *mode ("pinned" or "last-passed"; NULL: the run has no saved test) and the
 * test's floors into *floors (defaults when unset), or -1 and *cause.
 */
int baseline_resolve(sqlite3 *db, int64_t run_id, int64_t *baseline, const char **mode,
    struct compare_floors *floors, char **cause);

/*
 * The run before run_id of the same test (or, for a run without a test, with the same name) that
 * ended with data: 0 and *prev (0: none), or -1 and *cause.
 */
int baseline_previous(sqlite3 *db, int64_t run_id, int64_t *prev, char **cause);

struct threshold_set;

/*
 * Gives run run_id's relative thresholds their baseline values (metrics/threshold.h) from the
 * stored summary of its baseline (baseline_resolve). 0 and *base (the baseline run; 0: none, and
 * the thresholds are left without values), or -1 and *cause. The run manager's thread, with its
 * read connection, before threshold_final.
 */
int baseline_thresholds(sqlite3 *db, int64_t run_id, struct threshold_set *s, int64_t *base,
    char **cause);

#endif
