/*
 * run_trend: a saved test's trend: one headline figure of each of its runs that ended with data
 * (from run_figures, sql/007-run-figures.sql: never histograms or summaries), oldest first, and the
 * change points of that series (metrics/changepoint.h), each with a sentence a person reads:
 * "p95 rose 18% at run 412 (2026-12-03 02:00, scheduled)". What GET /api/tests/{id}/trend answers.
 *
 * Runs on the caller's thread with the caller's read-only connection (the api thread's). A database
 * failure is -1 and *cause (caller frees).
 */
#ifndef RAMPAGE_RUN_TREND_H
#define RAMPAGE_RUN_TREND_H

#include <stdint.h>
#include <jansson.h>
#include <sqlite3.h>

#define RUN_TREND_LIMIT_DEFAULT 100    /* runs in a trend unless asked */
#define RUN_TREND_LIMIT_MAX 1000       /* at most; docs/performance.md: 1,000 runs in a few ms */

/* The figures a trend can follow. */
enum run_trend_metric {
	RUN_TREND_P50, RUN_TREND_P95, RUN_TREND_P99, RUN_TREND_MEAN, RUN_TREND_RPS,
	RUN_TREND_ERROR_RATE,
	RUN_TREND_NMETRICS,
};

/* The metric named name ("p95", "rps", ...), or -1. */
int run_trend_metric(const char *name);
/* The names, for an error message: "p50, p95, p99, mean, rps, error_rate". */
extern const char run_trend_metric_names[];

struct run_trend_query {
	int64_t test_id;
	enum run_trend_metric metric;
	const char *endpoint;      /* an endpoint's name, matched in each run; NULL or "total": all */
	int limit;                 /* the most recent runs, 1 .. RUN_TREND_LIMIT_MAX */
};

/* What run_trend found besides the document. */
enum run_trend_status {
	RUN_TREND_OK,
	RUN_TREND_NO_TEST,         /* no such test */
	RUN_TREND_NO_ENDPOINT,     /* none of its runs has an endpoint of that name */
};

/*
 * Builds the trend of q into *doc (caller decrefs; NULL unless RUN_TREND_OK): {test_id, metric,
 * unit, endpoint, baseline_run, points: [...], change_points: [...]} (docs/api.md, "Trend"). 0 and
 * *status, or -1 and *cause.
 */
int run_trend(sqlite3 *db, const struct run_trend_query *q, json_t **doc,
    enum run_trend_status *status, char **cause);

/*
 * The run that test_id's runs are compared with (0: none), the one place a trend reads baselines:
 * today the `baselines` row of the test (sql/001-init.sql). 0 and *run_id, or -1 and *cause.
 */
int run_trend_baseline(sqlite3 *db, int64_t test_id, int64_t *run_id, char **cause);

#endif
