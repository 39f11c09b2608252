/*
 * run_store: see run_store.h. run_tick_new runs on a run's controller thread; every other function
 * here is a store job, run by the store's writer thread inside its transaction.
 *
 * Why copy on the controller thread: the tick is only valid during on_tick, and the controller must
 * not wait for the writer. Computing the percentiles and encoding the histograms there costs a few
 * microseconds per endpoint, so the copy is small (a few hundred bytes per row) and the writer only
 * binds values.
 */
#include <config.h>

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "metrics/hist.h"
#include "metrics/tick.h"
#include "runs/run_custom.h"
#include "runs/run_monitors.h"
#include "runs/run_failures.h"
#include "runs/run_store.h"
#include "testdef/metric.h"
#include "testdef/plan.h"

const struct run_col_info run_cols[RUN_NCOLS] = {
	[RUN_COL_REQUESTS] = { "requests", RUN_COL_SUM, false },
	[RUN_COL_FAILURES] = { "failures", RUN_COL_SUM, false },
	[RUN_COL_FAIL_HTTP_STATUS] = { "fail_http_status", RUN_COL_SUM, false },
	[RUN_COL_FAIL_REFUSED] = { "fail_refused", RUN_COL_SUM, false },
	[RUN_COL_FAIL_TIMEOUT] = { "fail_timeout", RUN_COL_SUM, false },
	[RUN_COL_FAIL_RESET] = { "fail_reset", RUN_COL_SUM, false },
	[RUN_COL_FAIL_DNS] = { "fail_dns", RUN_COL_SUM, false },
	[RUN_COL_FAIL_TLS] = { "fail_tls", RUN_COL_SUM, false },
	[RUN_COL_FAIL_TOO_LARGE] = { "fail_too_large", RUN_COL_SUM, false },
	[RUN_COL_FAIL_BLOCKED] = { "fail_blocked", RUN_COL_SUM, false },
	[RUN_COL_FAIL_OTHER] = { "fail_other", RUN_COL_SUM, false },
	[RUN_COL_STATUS_1XX] = { "status_1xx", RUN_COL_SUM, false },
	[RUN_COL_STATUS_2XX] = { "status_2xx", RUN_COL_SUM, false },
	[RUN_COL_STATUS_3XX] = { "status_3xx", RUN_COL_SUM, false },
	[RUN_COL_STATUS_4XX] = { "status_4xx", RUN_COL_SUM, false },
	[RUN_COL_STATUS_5XX] = { "status_5xx", RUN_COL_SUM, false },
	[RUN_COL_STATUS_OTHER] = { "status_other", RUN_COL_SUM, false },
	[RUN_COL_BYTES_SENT] = { "bytes_sent", RUN_COL_SUM, false },
	[RUN_COL_BYTES_RECEIVED] = { "bytes_received", RUN_COL_SUM, false },
	[RUN_COL_ITERATIONS] = { "iterations", RUN_COL_SUM, false },
	[RUN_COL_ITERATIONS_DROPPED] = { "iterations_dropped", RUN_COL_SUM, false },
	[RUN_COL_LATE_STARTS] = { "late_starts", RUN_COL_SUM, false },
	[RUN_COL_VUS] = { "vus", RUN_COL_MAX, false },
	[RUN_COL_CHECKS_PASSED] = { "checks_passed", RUN_COL_SUM, false },
	[RUN_COL_CHECKS_FAILED] = { "checks_failed", RUN_COL_SUM, false },
	[RUN_COL_LAT_MEAN] = { "lat_mean_us", RUN_COL_PCT, false },
	[RUN_COL_LAT_P50] = { "lat_p50_us", RUN_COL_PCT, false },
	[RUN_COL_LAT_P90] = { "lat_p90_us", RUN_COL_PCT, false },
	[RUN_COL_LAT_P95] = { "lat_p95_us", RUN_COL_PCT, false },
	[RUN_COL_LAT_P99] = { "lat_p99_us", RUN_COL_PCT, false },
	[RUN_COL_LAT_MAX] = { "lat_max_us", RUN_COL_MAX, false },
	[RUN_COL_BLOCKED] = { "blocked_us", RUN_COL_MEAN, false },
	[RUN_COL_CONNECTING] = { "connecting_us", RUN_COL_MEAN, false },
	[RUN_COL_TLS] = { "tls_us", RUN_COL_MEAN, false },
	[RUN_COL_SENDING] = { "sending_us", RUN_COL_MEAN, false },
	[RUN_COL_WAITING] = { "waiting_us", RUN_COL_MEAN, false },
	[RUN_COL_RECEIVING] = { "receiving_us", RUN_COL_MEAN, false },
	[RUN_COL_CPU_PCT] = { "cpu_pct", RUN_COL_MAX, true },
	[RUN_COL_LOOP_LAG] = { "loop_lag_us", RUN_COL_MAX, false },
};

/* The samples columns fed by each transport error kind. */
static const enum run_col fail_col[TICK_NERR] = {
	[TICK_ERR_CONNECT] = RUN_COL_FAIL_REFUSED,
	[TICK_ERR_TIMEOUT] = RUN_COL_FAIL_TIMEOUT,
	[TICK_ERR_RESET] = RUN_COL_FAIL_RESET,
	[TICK_ERR_DNS] = RUN_COL_FAIL_DNS,
	[TICK_ERR_TLS] = RUN_COL_FAIL_TLS,
	[TICK_ERR_TOO_LARGE] = RUN_COL_FAIL_TOO_LARGE,
	[TICK_ERR_BLOCKED] = RUN_COL_FAIL_BLOCKED,
	[TICK_ERR_OTHER] = RUN_COL_FAIL_OTHER,
};

/* The phase-mean column of each timing phase. */
static const enum run_col phase_col[TICK_NPHASE] = {
	[TICK_PHASE_BLOCKED] = RUN_COL_BLOCKED,
	[TICK_PHASE_CONNECTING] = RUN_COL_CONNECTING,
	[TICK_PHASE_TLS] = RUN_COL_TLS,
	[TICK_PHASE_SENDING] = RUN_COL_SENDING,
	[TICK_PHASE_WAITING] = RUN_COL_WAITING,
	[TICK_PHASE_RECEIVING] = RUN_COL_RECEIVING,
};

/* Clamp an unsigned counter into SQLite's signed integers. */
static int64_t
i64(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

/* Copy one endpoint (or the total) of a tick into a row. */
static void
fill_row(struct run_row *row, int endpoint, const struct tick_endpoint *ep)
{
	uint64_t n = ep->requests;

	memset(row, 0, sizeof *row);
	row->endpoint = endpoint;
	row->v[RUN_COL_REQUESTS] = i64(n);
	row->v[RUN_COL_FAILURES] = i64(ep->failed);
	row->v[RUN_COL_FAIL_HTTP_STATUS] = i64(ep->failed_status);
	for (int e = 1; e < TICK_NERR; e++)
		row->v[fail_col[e]] = i64(ep->errors[e]);
	/* status[0] counts the requests without a response: they have a failure kind, no class */
	for (int s = 100; s < TICK_NSTATUS; s++)
		row->v[RUN_COL_STATUS_1XX + (s / 100 - 1)] += i64(ep->status[s]);
	row->v[RUN_COL_STATUS_OTHER] = i64(ep->status_other);
	row->v[RUN_COL_BYTES_SENT] = i64(ep->bytes_sent);
	row->v[RUN_COL_BYTES_RECEIVED] = i64(ep->bytes_received);
	/* (total) columns: filled by the caller for row 0 */
	row->null[RUN_COL_VUS] = true;
	row->null[RUN_COL_CPU_PCT] = true;
	row->null[RUN_COL_LOOP_LAG] = true;

	if (ep->duration != NULL && hist_count(ep->duration) > 0) {
		const struct hist *h = ep->duration;
		size_t len = hist_encode(h, NULL, 0);
		row->v[RUN_COL_LAT_MEAN] = llround(hist_mean(h));
		row->v[RUN_COL_LAT_P50] = i64(hist_percentile(h, 50));
		row->v[RUN_COL_LAT_P90] = i64(hist_percentile(h, 90));
		row->v[RUN_COL_LAT_P95] = i64(hist_percentile(h, 95));
		row->v[RUN_COL_LAT_P99] = i64(hist_percentile(h, 99));
		row->v[RUN_COL_LAT_MAX] = i64(hist_max(h));
		row->blob = xmalloc(len);
		row->blob_len = hist_encode(h, row->blob, len);
		assert(row->blob_len == len);
	} else {
		for (int c = RUN_COL_LAT_MEAN; c <= RUN_COL_LAT_MAX; c++)
			row->null[c] = true;
	}
	for (int p = 0; p < TICK_NPHASE; p++) {
		if (n > 0 && metric_measured(metric_of_phase(p)))
			row->v[phase_col[p]] = ep->phase_sum_us[p] / (int64_t)i64(n);
		else
			row->null[phase_col[p]] = true;   /* no request, or a phase not measured */
	}
}

struct run_tick *
run_tick_new(int64_t run_id, const struct plan *plan, const struct tick *t)
{
	struct run_tick *rt = xcalloc(1, sizeof *rt);
	struct run_row *total;

	assert(t->nendpoints == plan->nendpoints);
	rt->run_id = run_id;
	rt->second = t->second;
	rt->nrows = t->nendpoints + 1;
	rt->rows = xcalloc((size_t)rt->nrows, sizeof *rt->rows);
	fill_row(&rt->rows[0], 0, &t->total);
	for (int i = 0; i < t->nendpoints; i++)
		fill_row(&rt->rows[i + 1], i + 1, &t->endpoints[i]);

	total = &rt->rows[0];
	total->v[RUN_COL_ITERATIONS] = i64(t->iterations);
	total->v[RUN_COL_ITERATIONS_DROPPED] = i64(t->dropped_iterations);
	total->v[RUN_COL_LATE_STARTS] = i64(t->late_starts);
	total->v[RUN_COL_VUS] = t->vus;
	total->null[RUN_COL_VUS] = false;
	total->cpu_pct = t->cpu_pct;
	total->null[RUN_COL_CPU_PCT] = !isfinite(t->cpu_pct);
	total->v[RUN_COL_LOOP_LAG] = t->loop_lag_max_us;
	total->null[RUN_COL_LOOP_LAG] = false;
	rt->custom = run_custom_rows_new(plan, t);
	rt->monitors = run_monitor_rows_new(plan, t);
	/* checks are counted per check name, not per endpoint: the total row holds them all */
	for (int i = 0; i < t->nchecks; i++) {
		total->v[RUN_COL_CHECKS_PASSED] += i64(t->checks[i].passes);
		total->v[RUN_COL_CHECKS_FAILED] += i64(t->checks[i].fails);
	}
	return rt;
}

void
run_tick_free(struct run_tick *rt)
{
	if (rt == NULL)
		return;
	for (int i = 0; i < rt->nrows; i++)
		free(rt->rows[i].blob);
	free(rt->rows);
	run_failures_free(rt->failures);
	run_custom_rows_free(rt->custom);
	run_monitor_rows_free(rt->monitors);
	free(rt);
}

json_t *
run_row_json(const struct run_row *row)
{
	json_t *o = json_object();

	for (int c = 0; c < RUN_NCOLS; c++) {
		json_t *v;
		if (row->null[c])
			v = json_null();
		else if (run_cols[c].real)
			v = json_real(round(row->cpu_pct * 100) / 100);
		else
			v = json_integer(row->v[c]);
		json_object_set_new(o, run_cols[c].name, v);
	}
	return o;
}

/* ---- store jobs (writer thread) */

/* *cause from the connection's last error. */
static int
fail(sqlite3 *db, const char *what, char **cause)
{
	*cause = xasprintf("%s: %s", what, sqlite3_errmsg(db));
	return -1;
}

/* Prepares sql or sets *cause. */
static sqlite3_stmt *
prepare(sqlite3 *db, const char *sql, char **cause)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fail(db, "prepare", cause);
		return NULL;
	}
	return st;
}

/* Steps a statement that returns no row, then resets it for the next bindings. */
static int
step_done(sqlite3 *db, sqlite3_stmt *st, const char *what, char **cause)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return fail(db, what, cause);
	return 0;
}

/* "INSERT INTO samples (run_id, endpoint, second, <columns>) VALUES (?, ...)". */
static char *
samples_insert_sql(void)
{
	size_t cap = 4096, n = 0;
	char *sql = xmalloc(cap);

	n += (size_t)snprintf(sql + n, cap - n, "INSERT INTO samples (run_id, endpoint, second");
	for (int c = 0; c < RUN_NCOLS; c++)
		n += (size_t)snprintf(sql + n, cap - n, ", %s", run_cols[c].name);
	n += (size_t)snprintf(sql + n, cap - n, ") VALUES (?, ?, ?");
	for (int c = 0; c < RUN_NCOLS; c++)
		n += (size_t)snprintf(sql + n, cap - n, ", ?");
	n += (size_t)snprintf(sql + n, cap - n, ")");
	assert(n < cap);
	return sql;
}

int
run_store_tick(sqlite3 *db, void *arg, char **cause)
{
	struct run_tick *rt = arg;
	sqlite3_stmt *ins = NULL, *hist = NULL;
	char *sql = samples_insert_sql();
	int rc = -1;

	if ((ins = prepare(db, sql, cause)) == NULL)
		goto out;
	if ((hist = prepare(db, "INSERT INTO sample_histograms (run_id, endpoint, second, hist) "
	    "VALUES (?, ?, ?, ?)", cause)) == NULL)
		goto out;
	for (int i = 0; i < rt->nrows; i++) {
		const struct run_row *row = &rt->rows[i];
		sqlite3_bind_int64(ins, 1, rt->run_id);
		sqlite3_bind_int(ins, 2, row->endpoint);
		sqlite3_bind_int64(ins, 3, rt->second);
		for (int c = 0; c < RUN_NCOLS; c++) {
			if (row->null[c])
				sqlite3_bind_null(ins, 4 + c);
			else if (run_cols[c].real)
				sqlite3_bind_double(ins, 4 + c, row->cpu_pct);
			else
				sqlite3_bind_int64(ins, 4 + c, row->v[c]);
		}
		if (step_done(db, ins, "insert samples", cause) != 0)
			goto out;
		if (row->blob == NULL)
			continue;
		sqlite3_bind_int64(hist, 1, rt->run_id);
		sqlite3_bind_int(hist, 2, row->endpoint);
		sqlite3_bind_int64(hist, 3, rt->second);
		sqlite3_bind_blob(hist, 4, row->blob, (int)row->blob_len, SQLITE_STATIC);
		if (step_done(db, hist, "insert sample_histograms", cause) != 0)
			goto out;
	}
	if (rt->failures != NULL && run_failures_write(db, rt->run_id, rt->failures, cause) != 0)
		goto out;
	if (run_monitor_write(db, rt->run_id, rt->second, rt->monitors, cause) != 0)
		goto out;
	if (run_custom_write(db, rt->run_id, rt->second, rt->custom, cause) != 0)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(ins);
	sqlite3_finalize(hist);
	free(sql);
	run_tick_free(rt);
	return rc;
}

/* Binds an id that 0 means NULL. */
static void
bind_id(sqlite3_stmt *st, int i, int64_t id)
{
	if (id > 0)
		sqlite3_bind_int64(st, i, id);
	else
		sqlite3_bind_null(st, i);
}

int
run_store_insert(sqlite3 *db, void *arg, char **cause)
{
	struct run_store_insert *in = arg;
	sqlite3_stmt *st = prepare(db, "INSERT INTO runs (test_id, schedule_id, name, definition, "
	    "state, trigger, note, tags, queued_ms) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?)", cause);
	int rc;

	if (st == NULL)
		return -1;
	bind_id(st, 1, in->test_id);
	bind_id(st, 2, in->schedule_id);
	sqlite3_bind_text(st, 3, in->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, in->definition, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, in->trigger, -1, SQLITE_STATIC);
	if (in->note != NULL)
		sqlite3_bind_text(st, 6, in->note, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, in->tags != NULL ? in->tags : "{}", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, in->queued_ms);
	rc = step_done(db, st, "insert run", cause);
	if (rc == 0)
		in->id = sqlite3_last_insert_rowid(db);
	sqlite3_finalize(st);
	if (rc == 0 && in->with != NULL)
		rc = in->with(db, in->id, in->with_arg, cause);   /* same job: same SAVEPOINT */
	return rc;
}

/* Writes the endpoints of a run that starts. */
static int
write_endpoints(sqlite3 *db, int64_t run_id, const struct plan *plan, char **cause)
{
	sqlite3_stmt *st = prepare(db, "INSERT OR REPLACE INTO endpoints (run_id, idx, name, method) "
	    "VALUES (?, ?, ?, ?)", cause);
	int rc = 0;

	if (st == NULL)
		return -1;
	for (int i = 0; i < plan->nendpoints && rc == 0; i++) {
		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_int(st, 2, i + 1);
		sqlite3_bind_text(st, 3, plan->endpoints[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, plan->endpoints[i].method, -1, SQLITE_STATIC);
		rc = step_done(db, st, "insert endpoints", cause);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Writes one endpoint's whole-run histogram and status codes. */
static int
write_whole_endpoint(sqlite3 *db, sqlite3_stmt *hst, sqlite3_stmt *sst, int64_t run_id, int idx,
    const struct tick_endpoint *ep, char **cause)
{
	if (ep->duration != NULL) {
		size_t len = hist_encode(ep->duration, NULL, 0);
		unsigned char *blob = xmalloc(len);
		int rc;

		hist_encode(ep->duration, blob, len);
		sqlite3_bind_int64(hst, 1, run_id);
		sqlite3_bind_int(hst, 2, idx);
		sqlite3_bind_blob(hst, 3, blob, (int)len, SQLITE_STATIC);
		rc = step_done(db, hst, "insert run_histograms", cause);
		free(blob);
		if (rc != 0)
			return -1;
	}
	for (int s = 0; s < TICK_NSTATUS; s++) {
		if (ep->status[s] == 0)
			continue;
		sqlite3_bind_int64(sst, 1, run_id);
		sqlite3_bind_int(sst, 2, idx);
		sqlite3_bind_int(sst, 3, s);
		sqlite3_bind_int64(sst, 4, i64(ep->status[s]));
		if (step_done(db, sst, "insert run_status_codes", cause) != 0)
			return -1;
	}
	return 0;
}

/* Writes the checks of a run that ends. */
static int
write_checks(sqlite3 *db, int64_t run_id, const struct tick *w, char *const *names, char **cause)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (w->nchecks == 0)
		return 0;
	assert(names != NULL);
	if ((st = prepare(db, "INSERT OR REPLACE INTO run_checks (run_id, name, passes, fails) "
	    "VALUES (?, ?, ?, ?)", cause)) == NULL)
		return -1;
	for (int i = 0; i < w->nchecks && rc == 0; i++) {
		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_text(st, 2, names[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, i64(w->checks[i].passes));
		sqlite3_bind_int64(st, 4, i64(w->checks[i].fails));
		rc = step_done(db, st, "insert run_checks", cause);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Writes the whole-run histograms and status codes of a run that ends. */
static int
write_whole(sqlite3 *db, int64_t run_id, const struct tick *w, char **cause)
{
	sqlite3_stmt *hst = prepare(db, "INSERT OR REPLACE INTO run_histograms (run_id, endpoint, "
	    "metric, hist) VALUES (?, ?, 'duration', ?)", cause);
	sqlite3_stmt *sst = hst == NULL ? NULL : prepare(db, "INSERT OR REPLACE INTO run_status_codes "
	    "(run_id, endpoint, status, count) VALUES (?, ?, ?, ?)", cause);
	int rc = -1;

	if (sst == NULL)
		goto out;
	if (write_whole_endpoint(db, hst, sst, run_id, 0, &w->total, cause) != 0)
		goto out;
	for (int i = 0; i < w->nendpoints; i++)
		if (write_whole_endpoint(db, hst, sst, run_id, i + 1, &w->endpoints[i], cause) != 0)
			goto out;
	rc = 0;
out:
	sqlite3_finalize(hst);
	sqlite3_finalize(sst);
	return rc;
}

/* Binds one endpoint's (or the total's) headline figures to the run_figures insert (?2..?12). */
static void
bind_figures(sqlite3_stmt *st, int idx, const struct tick_endpoint *ep, int64_t duration_us)
{
	const struct hist *h = ep->duration;
	double n = (double)ep->requests;

	sqlite3_bind_int(st, 2, idx);
	sqlite3_bind_int64(st, 3, i64(ep->requests));
	sqlite3_bind_int64(st, 4, i64(ep->failed));
	sqlite3_bind_double(st, 5, n > 0 ? (double)ep->failed / n : 0.0);
	sqlite3_bind_double(st, 6, duration_us > 0 ? n * 1e6 / (double)duration_us : 0.0);
	if (h != NULL && hist_count(h) > 0) {
		sqlite3_bind_int64(st, 7, llround(hist_mean(h)));
		sqlite3_bind_int64(st, 8, i64(hist_percentile(h, 50)));
		sqlite3_bind_int64(st, 9, i64(hist_percentile(h, 95)));
		sqlite3_bind_int64(st, 10, i64(hist_percentile(h, 99)));
	}
	sqlite3_bind_int64(st, 11, duration_us);
}

/* Writes the headline figures of a run that ends (run_figures: the total and each endpoint), from
   the same whole-run tick as its histograms, so a trend reads them and nothing else. */
static int
write_figures(sqlite3 *db, const struct run_store_state *s, char **cause)
{
	const struct tick *w = s->whole;
	sqlite3_stmt *st = prepare(db, "INSERT OR REPLACE INTO run_figures (run_id, endpoint, requests,"
	    " failures, error_rate, rps, lat_mean_us, lat_p50_us, lat_p95_us, lat_p99_us, duration_us, vus)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)", cause);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, s->run_id);
	bind_figures(st, 0, &w->total, s->duration_us);
	sqlite3_bind_int(st, 12, s->vus);
	rc = step_done(db, st, "insert run_figures", cause);
	for (int i = 0; i < w->nendpoints && rc == 0; i++) {
		sqlite3_bind_int64(st, 1, s->run_id);
		bind_figures(st, i + 1, &w->endpoints[i], s->duration_us);
		rc = step_done(db, st, "insert run_figures", cause);
	}
	sqlite3_finalize(st);
	return rc;
}

int
run_store_state(sqlite3 *db, void *arg, char **cause)
{
	const struct run_store_state *s = arg;
	sqlite3_stmt *st;
	int rc;

	if (s->plan != NULL && write_endpoints(db, s->run_id, s->plan, cause) != 0)
		return -1;
	if (s->whole != NULL && (write_whole(db, s->run_id, s->whole, cause) != 0 ||
	    write_checks(db, s->run_id, s->whole, s->check_names, cause) != 0 ||
	    run_failures_write_whole(db, s->run_id, s->whole->failures, s->alarm, cause) != 0 ||
	    write_figures(db, s, cause) != 0))
		return -1;
	st = prepare(db, "UPDATE runs SET state = ?2,"
	    " started_ms = coalesce(?3, started_ms), ended_ms = coalesce(?4, ended_ms),"
	    " error = coalesce(?5, error), summary = coalesce(?6, summary),"
	    " thresholds = coalesce(?7, thresholds), missing = coalesce(?8, missing) WHERE id = ?1", cause);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, s->run_id);
	sqlite3_bind_text(st, 2, s->state, -1, SQLITE_STATIC);
	bind_id(st, 3, s->started_ms);
	bind_id(st, 4, s->ended_ms);
	if (s->error != NULL)
		sqlite3_bind_text(st, 5, s->error, -1, SQLITE_STATIC);
	if (s->summary != NULL)
		sqlite3_bind_text(st, 6, s->summary, -1, SQLITE_STATIC);
	if (s->thresholds != NULL)
		sqlite3_bind_text(st, 7, s->thresholds, -1, SQLITE_STATIC);
	if (s->missing != NULL)
		sqlite3_bind_text(st, 8, s->missing, -1, SQLITE_STATIC);
	rc = step_done(db, st, "update run", cause);
	sqlite3_finalize(st);
	if (rc == 0 && sqlite3_changes(db) != 1) {
		*cause = xasprintf("run %lld is not in the database", (long long)s->run_id);
		rc = -1;
	}
	return rc;
}

int
run_store_delete(sqlite3 *db, void *arg, char **cause)
{
	int64_t *id = arg;
	sqlite3_stmt *st = prepare(db, "DELETE FROM runs WHERE id = ?", cause);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, *id);
	rc = step_done(db, st, "delete run", cause);
	sqlite3_finalize(st);
	if (rc == 0 && sqlite3_changes(db) == 0)
		*id = 0;
	return rc;
}
