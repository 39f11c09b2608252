/*
 * run_monitors: see run_monitors.h. run_monitor_rows_new and run_monitors_tick_json on the
 * controller thread, run_monitor_write on the store's writer thread, run_monitors_query on the api
 * thread.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "metrics/tick.h"
#include "runs/run_monitors.h"
#include "testdef/plan.h"

struct run_monitor_rows *
run_monitor_rows_new(const struct plan *plan, const struct tick *t)
{
	struct run_monitor_rows *r;

	if (plan->nmonitor_values == 0 || t->nmonitors < plan->nmonitor_values)
		return NULL;
	r = xcalloc(1, sizeof *r);
	r->n = plan->nmonitor_values;
	r->v = xcalloc((size_t)r->n, sizeof *r->v);
	for (int i = 0; i < r->n; i++) {
		const struct tick_monitor *m = &t->monitors[i];
		const struct plan_monitor_value *pv = &plan->monitor_values[i];

		r->v[i] = (struct run_monitor_row){
			.name = pv->name,
			.monitor = plan->monitors[pv->monitor].name,
			.has = m->n > 0,
			.rate = m->rate,
			.value = m->last,
			.scrapes = (int64_t)m->scrapes,
			.gaps = (int64_t)m->gaps,
		};
	}
	return r;
}

void
run_monitor_rows_free(struct run_monitor_rows *r)
{
	if (r == NULL)
		return;
	free(r->v);
	free(r);
}

int
run_monitor_write(sqlite3 *db, int64_t run_id, int64_t second, const struct run_monitor_rows *r,
    char **cause)
{
	sqlite3_stmt *st = NULL;

	if (r == NULL)
		return 0;
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO monitor_samples (run_id, name, second, monitor, "
	    "kind, value, scrapes, gaps) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	for (int i = 0; i < r->n; i++) {
		const struct run_monitor_row *row = &r->v[i];
		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_text(st, 2, row->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, second);
		sqlite3_bind_text(st, 4, row->monitor, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, row->rate ? "rate" : "gauge", -1, SQLITE_STATIC);
		if (row->has)
			sqlite3_bind_double(st, 6, row->value);
		else
			sqlite3_bind_null(st, 6);
		sqlite3_bind_int64(st, 7, row->scrapes);
		sqlite3_bind_int64(st, 8, row->gaps);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto fail;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return 0;
fail:
	*cause = xasprintf("insert monitor_samples: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return -1;
}

json_t *
run_monitors_tick_json(const struct plan *plan, const struct tick *t)
{
	json_t *a = json_array();

	for (int i = 0; i < plan->nmonitor_values && i < t->nmonitors; i++) {
		const struct tick_monitor *m = &t->monitors[i];
		const struct plan_monitor_value *pv = &plan->monitor_values[i];

		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:o, s:I, s:I}",
		    "name", pv->name,
		    "monitor", plan->monitors[pv->monitor].name,
		    "kind", m->rate ? "rate" : "gauge",
		    "value", m->n > 0 ? json_real(m->last) : json_null(),
		    "scrapes", (json_int_t)m->scrapes,
		    "gaps", (json_int_t)m->gaps));
	}
	return a;
}

int
run_monitors_query(sqlite3 *db, int64_t run_id, const char *name, json_t **out, char **cause)
{
	sqlite3_stmt *st = NULL;
	json_t *mons = json_object();
	int rc;

	*out = NULL;
	if (sqlite3_prepare_v2(db, "SELECT name, monitor, kind, second, value, scrapes, gaps "
	    "FROM monitor_samples WHERE run_id = ?1 AND (?2 IS NULL OR name = ?2) ORDER BY name, second",
	    -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, run_id);
	if (name != NULL)
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *n = (const char *)sqlite3_column_text(st, 0);
		json_t *m = json_object_get(mons, n);
		int64_t gaps = sqlite3_column_int64(st, 6);

		if (m == NULL) {
			m = json_pack("{s:s, s:s, s:I, s:[]}", "monitor", (const char *)sqlite3_column_text(st, 1),
			    "kind", "gauge", "gaps", (json_int_t)0, "samples");
			json_object_set_new(mons, n, m);
		}
		if (strcmp((const char *)sqlite3_column_text(st, 2), "rate") == 0)
			json_object_set_new(m, "kind", json_string("rate"));
		json_object_set_new(m, "gaps", json_integer(json_integer_value(json_object_get(m, "gaps")) + gaps));
		json_array_append_new(json_object_get(m, "samples"), json_pack("{s:I, s:o, s:I, s:I}",
		    "second", (json_int_t)sqlite3_column_int64(st, 3),
		    "value", sqlite3_column_type(st, 4) == SQLITE_NULL ? json_null() :
		    json_real(sqlite3_column_double(st, 4)),
		    "scrapes", (json_int_t)sqlite3_column_int64(st, 5),
		    "gaps", (json_int_t)gaps));
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	*out = json_pack("{s:I, s:o}", "run_id", (json_int_t)run_id, "monitors", mons);
	return 0;
fail:
	*cause = xasprintf("reading the monitors: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	json_decref(mons);
	return -1;
}
