/*
 * run_monitors: a run's monitored values (the definition's `monitors`, testdef/plan.h) per second,
 * on their way to the database (sql/013-monitors.sql, table monitor_samples) and back out through
 * the REST API (GET /api/runs/{id}/monitors, docs/api.md); the live tick's and the summary's copy.
 *
 * As run_custom.h: each second, on the engine's controller thread, run_monitor_rows_new copies the
 * second's values; the copy rides on the second's struct run_tick (run_store.h), so the store's
 * writer thread writes it in the same transaction as the samples. The read runs on the api thread's
 * read-only connection.
 */
#ifndef RAMPAGE_RUN_MONITORS_H
#define RAMPAGE_RUN_MONITORS_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <sqlite3.h>

struct plan;
struct tick;

/* One monitored value in one second: copies, owned (names borrowed from the plan). */
struct run_monitor_row {
	const char *name, *monitor;
	bool has, rate;
	double value;
	int64_t scrapes, gaps;
};

struct run_monitor_rows {
	int n;
	struct run_monitor_row *v;
};

/* The second t's monitored values; NULL when the plan has none. Controller thread. */
struct run_monitor_rows *run_monitor_rows_new(const struct plan *plan, const struct tick *t);
/* NULL is a no-op. */
void run_monitor_rows_free(struct run_monitor_rows *r);
/* Writes r (second `second` of run run_id) into monitor_samples. Writer thread. 0, or -1 and *cause. */
int run_monitor_write(sqlite3 *db, int64_t run_id, int64_t second, const struct run_monitor_rows *r,
    char **cause);
/* The live tick's "monitors": [{"name", "monitor", "kind", "value" (null: none), "scrapes",
   "gaps"}] of second t. New reference. Controller thread. */
json_t *run_monitors_tick_json(const struct plan *plan, const struct tick *t);
/*
 * The stored seconds of run run_id's monitored values (only `name` when it is not NULL), as
 * {"run_id", "monitors": {"<name>": {"monitor", "kind", "gaps", "samples": [{"second", "value",
 * "scrapes", "gaps"}]}}} (value null where the second had none; the top "gaps": their sum). Api
 * thread. 0 and *out (new reference), or -1 and *cause.
 */
int run_monitors_query(sqlite3 *db, int64_t run_id, const char *name, json_t **out, char **cause);

#endif
