/*
 * run_custom: a run's custom metrics (the definition's `metrics`, testdef/plan.h) per second, on
 * their way to the database (sql/012-custom-metrics.sql, table custom_samples) and back out through
 * the REST API (GET /api/runs/{id}/custom-metrics, docs/api.md).
 *
 * Each second, on the engine's controller thread, run_custom_rows_new copies the second's values
 * of each custom metric; the copy rides on the second's struct run_tick (run_store.h), so the
 * store's writer thread writes it in the same transaction as the samples. The read runs on the api
 * thread's read-only connection.
 */
#ifndef RAMPAGE_RUN_CUSTOM_H
#define RAMPAGE_RUN_CUSTOM_H

#include <stdint.h>
#include <jansson.h>
#include <sqlite3.h>

struct plan;
struct tick;

/* One custom metric's values in one second: copies, owned. */
struct run_custom_row {
	char *metric;
	const char *type;          /* a static string: "trend", "counter", "rate", "gauge" */
	int64_t count, passes, missing;
	double sum, min, max, last;
	double p50, p95, p99;      /* trends with values; else unused */
	int has_pct;
};

struct run_custom_rows {
	int n;
	struct run_custom_row *v;
};

/* The second t's values of plan's custom metrics; NULL when the plan has none. Controller thread. */
struct run_custom_rows *run_custom_rows_new(const struct plan *plan, const struct tick *t);
/* NULL is a no-op. */
void run_custom_rows_free(struct run_custom_rows *r);
/* Writes r (second `second` of run run_id) into custom_samples. Writer thread. 0, or -1 and *cause. */
int run_custom_write(sqlite3 *db, int64_t run_id, int64_t second, const struct run_custom_rows *r,
    char **cause);
/*
 * The stored seconds of run run_id's custom metrics (only `metric` when it is not NULL), as
 * {"run_id", "metrics": {"<name>": {"type", "samples": [{"second", "count", "sum", "min", "max",
 * "last", "passes", "missing", "p50", "p95", "p99"}]}}} (null where the second had no value, and
 * the percentiles of metrics that are not trends). Api thread. 0 and *out (new reference), or -1
 * and *cause.
 */
int run_custom_query(sqlite3 *db, int64_t run_id, const char *metric, json_t **out, char **cause);

#endif
