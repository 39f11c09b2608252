/*
 * run_query: see run_query.h. The reads the REST API makes of the runs tables, on the caller's
 * read-only connection (the api thread's).
 *
 * The samples read walks two range scans side by side, the rows and (when step > 1) their
 * histogram blobs, rather than joining them: a join looks each blob up, which took twice the time
 * for an 8-hour chart. Rows go to the caller one at a time, so a chart of 28,800 seconds never
 * exists as a list in memory here.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "metrics/hist.h"
#include "runs/run_changes.h"
#include "runs/run_events.h"
#include "runs/run_query.h"
#include "runs/run_store.h"
#include "runs/run_window.h"

/* A run's verdict (run_state.h) from its stored threshold results, for an ended run only: NULL
   while it has not ended, and when it had no thresholds; else whether any result is not ok. */
#define RUN_VERDICT "CASE WHEN state IN ('queued', 'running', 'stopping')" \
	" OR thresholds IS NULL OR json_array_length(thresholds) = 0 THEN NULL" \
	" WHEN EXISTS (SELECT 1 FROM json_each(thresholds) WHERE json_extract(value, '$.ok') IS NOT 1)" \
	" THEN 'failed' ELSE 'passed' END"

/* The columns of a run as lists show it (0..17); a single run adds definition, summary, thresholds
   (18-20). The stats come from the stored summary. */
#define RUN_COLUMNS "id, test_id, schedule_id, name, state, trigger, note, tags, queued_ms," \
	" started_ms, ended_ms, error," \
	" json_extract(summary, '$.metrics.http_reqs.values.count')," \
	" json_extract(summary, '$.metrics.http_reqs.values.rate')," \
	" json_extract(summary, '$.metrics.http_req_duration.values.\"p(95)\"')," \
	" json_extract(summary, '$.metrics.http_req_failed.values.rate'), missing, " RUN_VERDICT

/* -1 with *cause: the connection's last error, prefixed. */
static int
fail(sqlite3 *db, char **cause)
{
	*cause = xstrdup(sqlite3_errmsg(db));
	return -1;
}

/* ---- columns as JSON */

/* An integer column, or null. */
static json_t *
opt_int(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? json_null() :
	    json_integer(sqlite3_column_int64(st, col));
}

/* A text column, or null. */
static json_t *
opt_text(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	return s != NULL ? json_string(s) : json_null();
}

/* A parsed JSON column, or fallback (a new reference) when NULL or unreadable. */
static json_t *
json_column(sqlite3_stmt *st, int col, json_t *fallback)
{
	const char *text = (const char *)sqlite3_column_text(st, col);
	json_t *v = text != NULL ? json_loadb(text, (size_t)sqlite3_column_bytes(st, col), 0, NULL) :
	    NULL;

	if (v == NULL)
		return fallback;
	json_decref(fallback);
	return v;
}

/* The run stats of four columns from col on (summary's request count, rate, p95 ms, error rate):
   {"requests","rps","p95_us","error_rate"}, or null when the first is NULL. */
static json_t *
run_stats(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	return json_pack("{s:I, s:f, s:o, s:f}",
	    "requests", (json_int_t)sqlite3_column_int64(st, col),
	    "rps", round(sqlite3_column_double(st, col + 1) * 1000) / 1000,
	    "p95_us", sqlite3_column_type(st, col + 2) == SQLITE_NULL ? json_null() :
	    json_integer(llround(sqlite3_column_double(st, col + 2) * 1000)),
	    "error_rate", sqlite3_column_double(st, col + 3));
}

/* ---- runs */

void
run_query_set_missing(json_t *run, const char *missing)
{
	json_t *ranges = missing != NULL ? json_loads(missing, 0, NULL) : NULL;
	json_int_t n = 0;
	size_t i;
	json_t *r;

	if (!json_is_array(ranges)) {
		json_decref(ranges);
		ranges = json_array();
	}
	json_array_foreach(ranges, i, r)
		n += json_integer_value(json_array_get(r, 1)) - json_integer_value(json_array_get(r, 0)) + 1;
	json_object_set_new(run, "incomplete", json_boolean(n > 0));
	json_object_set_new(run, "missing_seconds", json_integer(n));
	json_object_set_new(run, "missing", ranges);
}

/* A run row (RUN_COLUMNS [, definition, summary, thresholds]) as JSON, with add called on it. */
static json_t *
run_json(sqlite3_stmt *st, bool full, run_query_add_fn *add, void *arg)
{
	json_t *r = json_object();

	json_object_set_new(r, "id", json_integer(sqlite3_column_int64(st, 0)));
	json_object_set_new(r, "test_id", opt_int(st, 1));
	json_object_set_new(r, "schedule_id", opt_int(st, 2));
	json_object_set_new(r, "name", opt_text(st, 3));
	json_object_set_new(r, "state", opt_text(st, 4));
	json_object_set_new(r, "verdict", opt_text(st, 17));
	json_object_set_new(r, "trigger", opt_text(st, 5));
	json_object_set_new(r, "note", opt_text(st, 6));
	json_object_set_new(r, "tags", json_column(st, 7, json_object()));
	json_object_set_new(r, "queued_ms", opt_int(st, 8));
	json_object_set_new(r, "started_ms", opt_int(st, 9));
	json_object_set_new(r, "ended_ms", opt_int(st, 10));
	json_object_set_new(r, "error", opt_text(st, 11));
	json_object_set_new(r, "stats", run_stats(st, 12));
	run_query_set_missing(r, (const char *)sqlite3_column_text(st, 16));
	if (add != NULL)
		add(arg, r, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 9));
	if (full) {
		json_object_set_new(r, "definition", json_column(st, 18, json_null()));
		json_object_set_new(r, "summary", json_column(st, 19, json_null()));
		json_object_set_new(r, "thresholds", json_column(st, 20, json_null()));
	}
	return r;
}

int
run_query_get(sqlite3 *db, int64_t id, run_query_add_fn *add, void *arg, json_t **run,
    char **cause)
{
	sqlite3_stmt *st;
	int rc;

	*run = NULL;
	if (sqlite3_prepare_v2(db, "SELECT " RUN_COLUMNS ", definition, summary, thresholds "
	    "FROM runs WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return fail(db, cause);
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*run = run_json(st, true, add, arg);
	else if (rc != SQLITE_DONE)
		fail(db, cause);
	sqlite3_finalize(st);
	if (*run != NULL) {
		/* what was changed while it ran (run_changes.h) */
		json_t *changes = run_changes_read(db, id, cause);
		if (changes == NULL) {
			json_decref(*run);
			*run = NULL;
			return -1;
		}
		json_object_set_new(*run, "changes", changes);
		/* its markers (run_events.h) */
		json_t *events = run_events_read(db, id, cause);
		if (events == NULL) {
			json_decref(*run);
			*run = NULL;
			return -1;
		}
		json_object_set_new(*run, "events", events);
	}
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
run_query_list(sqlite3 *db, const struct run_query_page *page, run_query_add_fn *add, void *arg,
    json_t **runs, int64_t *next_after, char **cause)
{
	char sql[2048];
	size_t len;
	sqlite3_stmt *st;
	int64_t last = 0;
	int rc, n = 0;

	*runs = NULL;
	*next_after = 0;
	len = (size_t)snprintf(sql, sizeof sql, "SELECT " RUN_COLUMNS " FROM runs WHERE 1");
	if (page->test_id > 0)
		len += (size_t)snprintf(sql + len, sizeof sql - len, " AND test_id = ?1");
	if (page->since_ms > 0)
		len += (size_t)snprintf(sql + len, sizeof sql - len, " AND queued_ms >= ?2");
	if (page->after_id > 0)
		len += (size_t)snprintf(sql + len, sizeof sql - len, " AND id < ?3");
	for (int i = 0; i < page->nstates; i++)
		len += (size_t)snprintf(sql + len, sizeof sql - len, "%s?%d%s", i == 0 ? " AND state IN (" :
		    ", ", 10 + i, i == page->nstates - 1 ? ")" : "");
	snprintf(sql + len, sizeof sql - len, " ORDER BY id DESC LIMIT ?4");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(db, cause);
	sqlite3_bind_int64(st, 1, page->test_id);
	sqlite3_bind_int64(st, 2, page->since_ms);
	sqlite3_bind_int64(st, 3, page->after_id);
	sqlite3_bind_int64(st, 4, (int64_t)page->limit + 1);
	for (int i = 0; i < page->nstates; i++)
		sqlite3_bind_text(st, 10 + i, run_state_name(page->states[i]), -1, SQLITE_STATIC);
	*runs = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < page->limit) {
		last = sqlite3_column_int64(st, 0);
		json_array_append_new(*runs, run_json(st, false, add, arg));
		n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		fail(db, cause);
		sqlite3_finalize(st);
		json_decref(*runs);
		*runs = NULL;
		return -1;
	}
	sqlite3_finalize(st);
	/* a row beyond `limit` was there: another page follows */
	if (rc == SQLITE_ROW)
		*next_after = last;
	return 0;
}

int
run_query_recent(sqlite3 *db, json_t *by_id, int64_t only, int per_test, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db,
	    "SELECT test_id, id, state, queued_ms, started_ms, ended_ms,"
	    " json_extract(summary, '$.metrics.http_reqs.values.count'),"
	    " json_extract(summary, '$.metrics.http_reqs.values.rate'),"
	    " json_extract(summary, '$.metrics.http_req_duration.values.\"p(95)\"'),"
	    " json_extract(summary, '$.metrics.http_req_failed.values.rate'), n, " RUN_VERDICT
	    " FROM (SELECT test_id, id, state, queued_ms, started_ms, ended_ms, summary, thresholds,"
	    "       row_number() OVER (PARTITION BY test_id, state = 'cancelled' ORDER BY id DESC) AS rn,"
	    "       count(*) OVER (PARTITION BY test_id) AS n"
	    "       FROM runs WHERE test_id IS NOT NULL AND (?1 = 0 OR test_id = ?1))"
	    " WHERE rn <= ?2 AND (state <> 'cancelled' OR rn = 1) ORDER BY test_id, id DESC", -1, &st,
	    NULL) != SQLITE_OK)
		return fail(db, cause);
	sqlite3_bind_int64(st, 1, only);
	sqlite3_bind_int(st, 2, per_test);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char key[24];
		json_t *t, *recent, *run;

		snprintf(key, sizeof key, "%lld", (long long)sqlite3_column_int64(st, 0));
		if ((t = json_object_get(by_id, key)) == NULL)
			continue;
		json_object_set_new(t, "runs", json_integer(sqlite3_column_int64(st, 10)));
		/* a cancelled run never ran: it is counted, but is neither the last run nor a recent one
		   (the query gives one per test only for the count) */
		if (strcmp((const char *)sqlite3_column_text(st, 2), "cancelled") == 0)
			continue;
		run = json_pack("{s:I, s:s, s:o, s:I, s:o, s:o, s:o}",
		    "id", (json_int_t)sqlite3_column_int64(st, 1),
		    "state", (const char *)sqlite3_column_text(st, 2),
		    "verdict", opt_text(st, 11),
		    "queued_ms", (json_int_t)sqlite3_column_int64(st, 3),
		    "started_ms", opt_int(st, 4),
		    "ended_ms", opt_int(st, 5),
		    "stats", run_stats(st, 6));
		recent = json_object_get(t, "recent");
		if (json_array_size(recent) == 0)
			json_object_set(t, "last_run", run);
		json_array_append_new(recent, run);
	}
	if (rc != SQLITE_DONE)
		fail(db, cause);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
run_query_exists(sqlite3 *db, int64_t id, bool *exists, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	*exists = false;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM runs WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return fail(db, cause);
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		fail(db, cause);
	sqlite3_finalize(st);
	*exists = rc == SQLITE_ROW;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
run_query_endpoint_idx(sqlite3 *db, int64_t run_id, const char *name, int *idx, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	*idx = -1;
	if (sqlite3_prepare_v2(db, "SELECT idx FROM endpoints WHERE run_id = ? AND name = ?", -1,
	    &st, NULL) != SQLITE_OK)
		return fail(db, cause);
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*idx = sqlite3_column_int(st, 0);
	else if (rc != SQLITE_DONE)
		fail(db, cause);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* ---- samples */

/* Reads the value columns (from column 1 on) of a samples row. */
static void
read_row(sqlite3_stmt *st, struct run_row *row)
{
	memset(row, 0, sizeof *row);
	for (int c = 0; c < RUN_NCOLS; c++) {
		row->null[c] = sqlite3_column_type(st, 1 + c) == SQLITE_NULL;
		if (run_cols[c].real)
			row->cpu_pct = sqlite3_column_double(st, 1 + c);
		else
			row->v[c] = sqlite3_column_int64(st, 1 + c);
	}
}

/* Binds run, endpoint, from and to (?1..?4). */
static void
bind_range(sqlite3_stmt *st, const struct run_query_samples *q)
{
	sqlite3_bind_int64(st, 1, q->run_id);
	sqlite3_bind_int(st, 2, q->endpoint);
	sqlite3_bind_int64(st, 3, q->from);
	sqlite3_bind_int64(st, 4, q->to);
}

int
run_query_samples(sqlite3 *db, const struct run_query_samples *q, run_query_row_fn *fn, void *arg,
    char **cause)
{
	char sql[2048];
	size_t len = 0;
	sqlite3_stmt *st, *hst = NULL;
	struct run_window w = { 0 };
	struct run_row row, out;
	int rc = SQLITE_DONE, hrc = SQLITE_DONE, stopped = 0;

	len += (size_t)snprintf(sql + len, sizeof sql - len, "SELECT second");
	for (int c = 0; c < RUN_NCOLS; c++)
		len += (size_t)snprintf(sql + len, sizeof sql - len, ", %s", run_cols[c].name);
	snprintf(sql + len, sizeof sql - len, " FROM samples WHERE run_id = ?1 AND endpoint = ?2"
	    " AND second BETWEEN ?3 AND ?4 ORDER BY second");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(db, cause);
	bind_range(st, q);
	if (q->step > 1) {
		/* the blobs in a range scan of their own, walked beside the rows */
		if (sqlite3_prepare_v2(db, "SELECT second, hist FROM sample_histograms WHERE run_id = ?1 "
		    "AND endpoint = ?2 AND second BETWEEN ?3 AND ?4 ORDER BY second", -1, &hst, NULL) !=
		    SQLITE_OK) {
			fail(db, cause);
			sqlite3_finalize(st);
			return -1;
		}
		bind_range(hst, q);
		hrc = sqlite3_step(hst);
		run_window_init(&w);
		run_window_reset(&w, -1);
	}
	while (!stopped && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t second = sqlite3_column_int64(st, 0), start = second / q->step * q->step;
		const void *blob = NULL;
		size_t blob_len = 0;

		read_row(st, &row);
		if (q->step == 1) {
			stopped = fn(arg, second, &row, 1) != 0;
			continue;
		}
		if (w.n > 0 && start != w.start) {
			run_window_row(&w, &out);
			if (fn(arg, w.start, &out, w.n) != 0) {
				stopped = 1;
				break;
			}
		}
		if (w.n == 0 || start != w.start)
			run_window_reset(&w, start);
		while (hrc == SQLITE_ROW && sqlite3_column_int64(hst, 0) < second)
			hrc = sqlite3_step(hst);
		if (hrc == SQLITE_ROW && sqlite3_column_int64(hst, 0) == second) {
			blob = sqlite3_column_blob(hst, 1);
			blob_len = (size_t)sqlite3_column_bytes(hst, 1);
		}
		run_window_add(&w, &row, blob, blob_len);
	}
	if (!stopped && hrc != SQLITE_ROW && hrc != SQLITE_DONE)
		rc = hrc;
	if (!stopped && rc == SQLITE_DONE && q->step > 1 && w.n > 0) {
		run_window_row(&w, &out);
		stopped = fn(arg, w.start, &out, w.n) != 0;
	}
	if (!stopped && rc != SQLITE_DONE)
		fail(db, cause);
	sqlite3_finalize(st);
	sqlite3_finalize(hst);
	if (q->step > 1)
		run_window_fini(&w);
	return stopped ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* ---- the endpoint table */

/* Per-endpoint accumulation for the endpoints table. */
struct ep_acc {
	json_t *obj;
	struct hist *h;
	bool have_hist;
};

int
run_query_endpoints(sqlite3 *db, int64_t id, int64_t now_ms, json_t **doc, char **cause)
{
	sqlite3_stmt *st = NULL;
	struct ep_acc *acc = NULL;
	int n = 1, rc = -1;
	double duration_s = 0;
	const char *source = "run_histograms";
	json_t *eps = NULL, *total = NULL;

	*doc = NULL;
	/* the run's length: whole seconds recorded (a finished run: started..ended) */
	if (sqlite3_prepare_v2(db, "SELECT coalesce(ended_ms, ?2) - started_ms FROM runs "
	    "WHERE id = ?1 AND started_ms IS NOT NULL", -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now_ms);
	if (sqlite3_step(st) == SQLITE_ROW)
		duration_s = sqlite3_column_double(st, 0) / 1000;
	sqlite3_finalize(st);

	/* endpoint 0 (total) and the run's endpoints */
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM endpoints WHERE run_id = ?", -1, &st,
	    NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0) + 1;
	sqlite3_finalize(st);
	acc = xcalloc((size_t)n, sizeof *acc);
	for (int i = 0; i < n; i++) {
		acc[i].obj = json_pack("{s:i, s:s, s:n}", "idx", i, "name", "total", "method");
		acc[i].h = hist_new();
	}
	if (sqlite3_prepare_v2(db, "SELECT idx, name, method FROM endpoints WHERE run_id = ? "
	    "ORDER BY idx", -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int i = sqlite3_column_int(st, 0);
		if (i < 1 || i >= n)
			continue;
		json_object_set_new(acc[i].obj, "name", opt_text(st, 1));
		json_object_set_new(acc[i].obj, "method", opt_text(st, 2));
	}
	sqlite3_finalize(st);

	/* counters: sums over every second */
	if (sqlite3_prepare_v2(db, "SELECT endpoint, sum(requests), sum(failures), "
	    "sum(status_2xx), sum(status_3xx), sum(status_4xx), sum(status_5xx), sum(bytes_sent), "
	    "sum(bytes_received), sum(fail_refused + fail_timeout + fail_reset + fail_dns + fail_tls + "
	    "fail_too_large + fail_blocked + fail_other), sum(status_1xx), sum(status_other), "
	    "sum(fail_http_status) FROM samples WHERE run_id = ? GROUP BY endpoint", -1, &st, NULL)
	    != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int i = sqlite3_column_int(st, 0);
		int64_t req_n = sqlite3_column_int64(st, 1), fail_n = sqlite3_column_int64(st, 2);
		json_t *o;
		if (i < 0 || i >= n)
			continue;
		o = acc[i].obj;
		json_object_set_new(o, "requests", json_integer(req_n));
		json_object_set_new(o, "failures", json_integer(fail_n));
		json_object_set_new(o, "error_rate", json_real(req_n > 0 ?
		    (double)fail_n / (double)req_n : 0.0));
		json_object_set_new(o, "rps", json_real(duration_s > 0 ?
		    round((double)req_n / duration_s * 1000) / 1000 : 0.0));
		json_object_set_new(o, "status_2xx", json_integer(sqlite3_column_int64(st, 3)));
		json_object_set_new(o, "status_3xx", json_integer(sqlite3_column_int64(st, 4)));
		json_object_set_new(o, "status_4xx", json_integer(sqlite3_column_int64(st, 5)));
		json_object_set_new(o, "status_5xx", json_integer(sqlite3_column_int64(st, 6)));
		json_object_set_new(o, "bytes_sent", json_integer(sqlite3_column_int64(st, 7)));
		json_object_set_new(o, "bytes_received", json_integer(sqlite3_column_int64(st, 8)));
		json_object_set_new(o, "no_response", json_integer(sqlite3_column_int64(st, 9)));
		json_object_set_new(o, "status_1xx", json_integer(sqlite3_column_int64(st, 10)));
		json_object_set_new(o, "status_other", json_integer(sqlite3_column_int64(st, 11)));
		json_object_set_new(o, "fail_http_status", json_integer(sqlite3_column_int64(st, 12)));
	}
	sqlite3_finalize(st);

	/* latency: the whole-run histograms, or (while it runs) every second's merged */
	if (sqlite3_prepare_v2(db, "SELECT endpoint, hist FROM run_histograms WHERE run_id = ? "
	    "AND metric = 'duration'", -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int i = sqlite3_column_int(st, 0);
		if (i >= 0 && i < n && hist_decode(acc[i].h, sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1), NULL) == 0)
			acc[i].have_hist = true;
	}
	sqlite3_finalize(st);
	if (!acc[0].have_hist) {
		source = "sample_histograms";
		if (sqlite3_prepare_v2(db, "SELECT endpoint, hist FROM sample_histograms "
		    "WHERE run_id = ?", -1, &st, NULL) != SQLITE_OK)
			goto dberr;
		sqlite3_bind_int64(st, 1, id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			int i = sqlite3_column_int(st, 0);
			if (i >= 0 && i < n && hist_merge_blob(acc[i].h, sqlite3_column_blob(st, 1),
			    (size_t)sqlite3_column_bytes(st, 1), NULL) == 0)
				acc[i].have_hist = true;
		}
		sqlite3_finalize(st);
	}

	/* status codes (written when the run ends) */
	for (int i = 0; i < n; i++)
		json_object_set_new(acc[i].obj, "status_codes", json_object());
	if (sqlite3_prepare_v2(db, "SELECT endpoint, status, count FROM run_status_codes "
	    "WHERE run_id = ? ORDER BY endpoint, status", -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int i = sqlite3_column_int(st, 0);
		char code[8];
		if (i < 0 || i >= n)
			continue;
		snprintf(code, sizeof code, "%d", sqlite3_column_int(st, 1));
		json_object_set_new(json_object_get(acc[i].obj, "status_codes"), code,
		    json_integer(sqlite3_column_int64(st, 2)));
	}
	sqlite3_finalize(st);

	eps = json_array();
	for (int i = 0; i < n; i++) {
		const struct hist *h = acc[i].h;
		bool any = hist_count(h) > 0;
		json_t *o = acc[i].obj;
		if (json_object_get(o, "requests") == NULL) {
			json_object_set_new(o, "requests", json_integer(0));
			json_object_set_new(o, "failures", json_integer(0));
		}
		json_object_set_new(o, "lat_mean_us", any ? json_integer(llround(hist_mean(h))) : json_null());
		json_object_set_new(o, "lat_p50_us", any ? json_integer((json_int_t)hist_percentile(h, 50)) :
		    json_null());
		json_object_set_new(o, "lat_p90_us", any ? json_integer((json_int_t)hist_percentile(h, 90)) :
		    json_null());
		json_object_set_new(o, "lat_p95_us", any ? json_integer((json_int_t)hist_percentile(h, 95)) :
		    json_null());
		json_object_set_new(o, "lat_p99_us", any ? json_integer((json_int_t)hist_percentile(h, 99)) :
		    json_null());
		json_object_set_new(o, "lat_max_us", any ? json_integer((json_int_t)hist_max(h)) : json_null());
		if (i == 0)
			total = json_incref(o);
		else
			json_array_append(eps, o);
	}
	*doc = json_pack("{s:I, s:s, s:f, s:o, s:o}", "run_id", (json_int_t)id, "source", source,
	    "duration_s", duration_s, "total", total, "endpoints", eps);
	rc = 0;
	goto out;
dberr:
	fail(db, cause);
out:
	if (acc != NULL) {
		for (int i = 0; i < n; i++) {
			json_decref(acc[i].obj);
			hist_free(acc[i].h);
		}
	}
	free(acc);
	return rc;
}

/* ---- single values */

int
run_query_summary(sqlite3 *db, int64_t id, int *state, char **summary, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	*state = -1;
	*summary = NULL;
	if (sqlite3_prepare_v2(db, "SELECT state, summary FROM runs WHERE id = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return fail(db, cause);
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 0);
		*state = s != NULL ? run_state_from_name(s) : -1;
		if (*state < 0)
			*state = RUN_ERROR;   /* the CHECK constraint makes this impossible */
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			*summary = xstrdup((const char *)sqlite3_column_text(st, 1));
	} else if (rc != SQLITE_DONE) {
		fail(db, cause);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
run_query_count_states(sqlite3 *db, int64_t count[RUN_NSTATES], char **cause)
{
	sqlite3_stmt *st;
	int rc;

	memset(count, 0, RUN_NSTATES * sizeof count[0]);
	if (sqlite3_prepare_v2(db, "SELECT state, count(*) FROM runs GROUP BY state", -1, &st, NULL) !=
	    SQLITE_OK)
		return fail(db, cause);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int s = run_state_from_name((const char *)sqlite3_column_text(st, 0));
		if (s >= 0)
			count[s] = sqlite3_column_int64(st, 1);
	}
	if (rc != SQLITE_DONE)
		fail(db, cause);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
run_query_test_definition(sqlite3 *db, int64_t test_id, char **text, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	*text = NULL;
	if (sqlite3_prepare_v2(db, "SELECT definition FROM tests WHERE id = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return fail(db, cause);
	sqlite3_bind_int64(st, 1, test_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*text = xstrdup((const char *)sqlite3_column_text(st, 0));
	else if (rc != SQLITE_DONE)
		fail(db, cause);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
run_query_latency(sqlite3 *db, int64_t id, int idx, struct hist *h, const char **source, char **cause)
{
	sqlite3_stmt *st;
	bool have = false;
	int rc;

	*source = "run_histograms";
	if (sqlite3_prepare_v2(db, "SELECT hist FROM run_histograms WHERE run_id = ? AND endpoint = ? "
	    "AND metric = 'duration'", -1, &st, NULL) != SQLITE_OK)
		return fail(db, cause);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, idx);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		have = hist_decode(h, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
		    NULL) == 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(db, cause);
	if (have)
		return 0;
	*source = "sample_histograms";
	if (sqlite3_prepare_v2(db, "SELECT hist FROM sample_histograms WHERE run_id = ? AND endpoint = ?",
	    -1, &st, NULL) != SQLITE_OK)
		return fail(db, cause);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, idx);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		(void)hist_merge_blob(h, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), NULL);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(db, cause);
}
