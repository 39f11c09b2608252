/*
 * run_custom: see run_custom.h. run_custom_rows_new on the controller thread, run_custom_write on
 * the store's writer thread, run_custom_query on the api thread.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "metrics/hist.h"
#include "metrics/tick.h"
#include "runs/run_custom.h"
#include "testdef/metric.h"
#include "testdef/plan.h"

struct run_custom_rows *
run_custom_rows_new(const struct plan *plan, const struct tick *t)
{
	struct run_custom_rows *r;

	if (plan->nmetrics == 0 || t->ncustom < plan->nmetrics)
		return NULL;
	r = xcalloc(1, sizeof *r);
	r->v = xcalloc((size_t)plan->nmetrics, sizeof *r->v);
	r->n = plan->nmetrics;
	for (int i = 0; i < r->n; i++) {
		const struct tick_custom *c = &t->custom[i];
		struct run_custom_row *row = &r->v[i];

		row->metric = xstrdup(plan->metrics[i].name);
		row->type = metric_type_name(plan->metrics[i].type);
		row->count = (int64_t)c->n;
		row->passes = (int64_t)c->nonzero;
		row->missing = (int64_t)c->missing;
		row->sum = c->sum;
		row->min = c->min;
		row->max = c->max;
		row->last = c->last;
		if (c->h != NULL && hist_count(c->h) > 0) {
			row->has_pct = 1;
			row->p50 = (double)hist_percentile(c->h, 50.0) / 1000.0;
			row->p95 = (double)hist_percentile(c->h, 95.0) / 1000.0;
			row->p99 = (double)hist_percentile(c->h, 99.0) / 1000.0;
		}
	}
	return r;
}

void
run_custom_rows_free(struct run_custom_rows *r)
{
	if (r == NULL)
		return;
	for (int i = 0; i < r->n; i++)
		free(r->v[i].metric);
	free(r->v);
	free(r);
}

/* Binds v, or NULL unless `have`. */
static void
bind_real(sqlite3_stmt *st, int i, double v, int have)
{
	if (have)
		sqlite3_bind_double(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

int
run_custom_write(sqlite3 *db, int64_t run_id, int64_t second, const struct run_custom_rows *r,
    char **cause)
{
	sqlite3_stmt *st = NULL;

	if (r == NULL)
		return 0;
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO custom_samples (run_id, metric, second, type, "
	    "count, sum, min, max, last, passes, missing, p50, p95, p99) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	for (int i = 0; i < r->n; i++) {
		const struct run_custom_row *row = &r->v[i];
		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_text(st, 2, row->metric, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, second);
		sqlite3_bind_text(st, 4, row->type, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, row->count);
		sqlite3_bind_double(st, 6, row->sum);
		bind_real(st, 7, row->min, row->count > 0);
		bind_real(st, 8, row->max, row->count > 0);
		bind_real(st, 9, row->last, row->count > 0);
		sqlite3_bind_int64(st, 10, row->passes);
		sqlite3_bind_int64(st, 11, row->missing);
		bind_real(st, 12, row->p50, row->has_pct);
		bind_real(st, 13, row->p95, row->has_pct);
		bind_real(st, 14, row->p99, row->has_pct);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto fail;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return 0;
fail:
	*cause = xasprintf("insert custom_samples: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return -1;
}

/* Column i as a JSON number, or null. */
static json_t *
real_or_null(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? json_null() : json_real(sqlite3_column_double(st, i));
}

int
run_custom_query(sqlite3 *db, int64_t run_id, const char *metric, json_t **out, char **cause)
{
	sqlite3_stmt *st = NULL;
	json_t *metrics = json_object();
	int rc;

	*out = NULL;
	if (sqlite3_prepare_v2(db, "SELECT metric, type, second, count, sum, min, max, last, passes, "
	    "missing, p50, p95, p99 FROM custom_samples WHERE run_id = ?1 AND (?2 IS NULL OR metric = ?2) "
	    "ORDER BY metric, second", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, run_id);
	if (metric != NULL)
		sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		json_t *m = json_object_get(metrics, name), *samples;

		if (m == NULL) {
			m = json_pack("{s:s, s:[]}", "type", (const char *)sqlite3_column_text(st, 1), "samples");
			json_object_set_new(metrics, name, m);
		}
		samples = json_object_get(m, "samples");
		json_array_append_new(samples, json_pack("{s:I, s:I, s:f, s:o, s:o, s:o, s:I, s:I, s:o, s:o, s:o}",
		    "second", (json_int_t)sqlite3_column_int64(st, 2),
		    "count", (json_int_t)sqlite3_column_int64(st, 3),
		    "sum", sqlite3_column_double(st, 4),
		    "min", real_or_null(st, 5), "max", real_or_null(st, 6), "last", real_or_null(st, 7),
		    "passes", (json_int_t)sqlite3_column_int64(st, 8),
		    "missing", (json_int_t)sqlite3_column_int64(st, 9),
		    "p50", real_or_null(st, 10), "p95", real_or_null(st, 11), "p99", real_or_null(st, 12)));
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	*out = json_pack("{s:I, s:o}", "run_id", (json_int_t)run_id, "metrics", metrics);
	return 0;
fail:
	*cause = xasprintf("reading the custom metrics: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	json_decref(metrics);
	return -1;
}
