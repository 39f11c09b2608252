/*
 * run_store: what a run writes to the database, as store jobs (store.h), and the shape of a
 * per-second row shared by the `samples` table, the REST API and the live tick.
 *
 * The per-second path: on the engine's controller thread, run_tick_new copies one second's tick
 * into plain rows (percentiles computed, histograms encoded to blobs) and hands the copy to the
 * store with store_write(run_store_tick): the controller never waits on SQLite, and every row and
 * blob of that second commits in one transaction. The rest (a run's row, its transitions, its end)
 * are jobs the run manager runs with store_write_sync.
 */
#ifndef RAMPAGE_RUN_STORE_H
#define RAMPAGE_RUN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <sqlite3.h>

struct failures_alarm;
struct plan;
struct run_failures;
struct tick;

/* The value columns of a `samples` row (after run_id, endpoint, second), in the order of the API's
   rows: the order of sql/001-init.sql with sql/002-failure-kinds.sql's columns next to their kin. */
enum run_col {
	RUN_COL_REQUESTS, RUN_COL_FAILURES, RUN_COL_FAIL_HTTP_STATUS,
	RUN_COL_FAIL_REFUSED, RUN_COL_FAIL_TIMEOUT, RUN_COL_FAIL_RESET, RUN_COL_FAIL_DNS,
	RUN_COL_FAIL_TLS, RUN_COL_FAIL_TOO_LARGE, RUN_COL_FAIL_BLOCKED, RUN_COL_FAIL_OTHER,
	RUN_COL_STATUS_1XX, RUN_COL_STATUS_2XX, RUN_COL_STATUS_3XX, RUN_COL_STATUS_4XX,
	RUN_COL_STATUS_5XX, RUN_COL_STATUS_OTHER,
	RUN_COL_BYTES_SENT, RUN_COL_BYTES_RECEIVED,
	RUN_COL_ITERATIONS, RUN_COL_ITERATIONS_DROPPED, RUN_COL_LATE_STARTS, RUN_COL_VUS,
	RUN_COL_CHECKS_PASSED, RUN_COL_CHECKS_FAILED,
	RUN_COL_LAT_MEAN, RUN_COL_LAT_P50, RUN_COL_LAT_P90, RUN_COL_LAT_P95, RUN_COL_LAT_P99,
	RUN_COL_LAT_MAX,
	RUN_COL_BLOCKED, RUN_COL_CONNECTING, RUN_COL_TLS, RUN_COL_SENDING, RUN_COL_WAITING,
	RUN_COL_RECEIVING,
	RUN_COL_CPU_PCT, RUN_COL_LOOP_LAG,
	RUN_NCOLS,
};

/* How the columns of one window of seconds combine (the API's `step`). */
enum run_col_kind {
	RUN_COL_SUM,               /* counters: add up */
	RUN_COL_MAX,               /* worst of the window (lat_max_us, vus, cpu_pct, loop_lag_us) */
	RUN_COL_PCT,               /* a latency percentile or mean: from the merged histogram */
	RUN_COL_MEAN,              /* a phase mean: weighted by requests */
};

struct run_col_info {
	const char *name;          /* the column's name, also the key in API rows and live ticks */
	enum run_col_kind kind;
	bool real;                 /* REAL (cpu_pct); every other column is INTEGER */
};
/* The columns, indexed by enum run_col. */
extern const struct run_col_info run_cols[RUN_NCOLS];

/* One samples row: endpoint 0 is the total. A NULL column has null[c] set. */
struct run_row {
	int endpoint;
	int64_t v[RUN_NCOLS];      /* RUN_COL_CPU_PCT is kept in cpu_pct instead */
	double cpu_pct;
	bool null[RUN_NCOLS];
	unsigned char *blob;       /* the second's duration histogram (hist_encode), NULL when empty */
	size_t blob_len;
};

/* One second of a run, copied out of a tick: rows[0] is the total, rows[i] endpoint i. */
struct run_custom_rows;
struct run_monitor_rows;

struct run_tick {
	int64_t run_id;
	int64_t second;
	int nrows;
	struct run_row *rows;
	struct run_failures *failures;     /* the failure rows the second changed (run_failures.h),
	                                      NULL: none; set by the caller, freed with the tick */
	struct run_custom_rows *custom;    /* the custom metrics' values of the second (run_custom.h);
	                                      NULL: the plan has none */
	struct run_monitor_rows *monitors; /* the monitored values of the second (run_monitors.h);
	                                      NULL: the plan has none */
};

/*
 * Copies a second's tick (plan's endpoints) for run_id: counters, percentiles, phase means, the
 * encoded histogram of each row. The controller thread, inside on_tick. Free with run_tick_free
 * (or hand it to run_store_tick, which frees it).
 */
struct run_tick *run_tick_new(int64_t run_id, const struct plan *plan, const struct tick *t);
void run_tick_free(struct run_tick *rt);
/* A row's columns as a JSON object (keys from run_cols, null for NULL): the live tick's rows. */
json_t *run_row_json(const struct run_row *row);

/*
 * store_write_fn: writes a second's rows and histogram blobs (samples, sample_histograms) and its
 * failure rows (run_failures). arg is a struct run_tick, freed here. Store thread.
 */
int run_store_tick(sqlite3 *db, void *arg, char **cause);

/* store_write_fn (with store_write_sync): inserts a queued run. arg: struct run_store_insert. */
struct run_store_insert {
	int64_t test_id, schedule_id;  /* 0: NULL */
	const char *name, *definition, *trigger, *note, *tags;  /* note NULL: NULL; tags NULL: {} */
	int64_t queued_ms;
	int (*with)(sqlite3 *db, int64_t run_id, void *arg, char **cause);  /* NULL, or called after */
	void *with_arg;
	int64_t id;                /* out */
};
int run_store_insert(sqlite3 *db, void *arg, char **cause);

/*
 * store_write_fn (with store_write_sync): one state transition of a run, with everything that
 * changes with it, in one transaction. arg: struct run_store_state (borrowed; the writer thread
 * reads plan and whole while the caller waits).
 */
struct run_store_state {
	int64_t run_id;
	const char *state;         /* the new state's name */
	int64_t started_ms;        /* > 0: set started_ms */
	int64_t ended_ms;          /* > 0: set ended_ms */
	const char *error;         /* non-NULL: set error */
	const struct plan *plan;   /* non-NULL: write the run's endpoints (at start) */
	const struct tick *whole;  /* non-NULL: write run_histograms, run_status_codes, run_checks and
	                              run_failures and run_figures (at the end; check_names names
	                              whole->checks) */
	char *const *check_names;
	int64_t duration_us;       /* with whole: how long the run sent load (run_figures) */
	int vus;                   /* with whole: the most VUs active at once (run_figures) */
	const char *summary;       /* non-NULL: set summary (JSON text) */
	const char *thresholds;    /* non-NULL: set thresholds (JSON text: threshold_results_json) */
	const char *missing;       /* non-NULL: set missing (JSON text: ranges of seconds not stored) */
	const struct failures_alarm *alarm;   /* with whole: the early alarm, if it fired */
};
int run_store_state(sqlite3 *db, void *arg, char **cause);

/* store_write_fn (with store_write_sync): deletes a run (arg: int64_t *id, set to 0 if it did not
   exist). Everything it owns goes with it (ON DELETE CASCADE). */
int run_store_delete(sqlite3 *db, void *arg, char **cause);

#endif
