/*
 * compare_load: see compare_load.h. Reads each run's steady part once per endpoint: a range scan
 * of its per-second rows, merged into windows on the way (counters summed, the seconds'
 * percentiles weighted by their requests), so an hour of 10 endpoints is ~4,000 small window
 * records; and the steady part's merged histogram, for the values shown (the whole-run histogram
 * minus the seconds outside the steady part when that is cheaper than merging the steady ones).
 *
 * The steady part comes from the run's stored definition: the seconds in which every scenario is
 * either idle or in a constant stage (constant-vus, constant-arrival-rate, or a ramping stage whose
 * target equals the level it starts from), and at least one is. A run with no such second is
 * compared whole, and the document says so.
 */
#include <config.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "metrics/hist.h"
#include "metrics/summary.h"
#include "runs/compare.h"
#include "runs/compare_load.h"
#include "testdef/plan.h"
#include "testdef/testdef.h"

#define SEED 0x5241u               /* the bootstrap's seed: fixed, so a comparison is repeatable */
#define NPHASES (COMPARE_RECEIVING - COMPARE_BLOCKED + 1)

/* One endpoint of one run, loaded. */
struct ep {
	char *name, *method;       /* total: "total", NULL */
	int idx;                   /* endpoints.idx; 0: total */
	struct compare_window *win;
	int nwin;
	double shown[COMPARE_NMETRICS];
	json_t *spectrum;          /* total only */
};

/* One run, loaded. */
struct run {
	int64_t id;
	json_t *info;              /* {"run_id","name","state","started_ms","steady":{...}} */
	struct plan *plan;         /* NULL: its definition did not parse */
	json_t *thresholds;        /* runs.thresholds */
	int64_t nsec;              /* stored seconds: 0 .. nsec-1 */
	int *win_of;               /* [nsec]: window of each second, -1: not steady */
	int nwindows;
	int64_t steady_s;
	bool whole;                /* no constant stage: the whole run */
	bool incomplete;           /* some seconds were never stored (runs.missing) */
	int window_s;
	struct ep *eps;            /* [neps]; eps[0] is the total */
	int neps;
};

/* -1 with *cause from the connection's last error. */
static int
fail(sqlite3 *db, char **cause)
{
	*cause = xstrdup(sqlite3_errmsg(db));
	return -1;
}

/* ---- the steady part */

/* An environment lookup that exposes nothing: a stored definition is parsed for its shape only. */
static const char *
no_env(void *arg, const char *name)
{
	(void)arg;
	(void)name;
	return "";
}

/*
 * How scenario sc stands over [t0, t1) ns: 0 idle, 1 constant the whole time, 2 changing (a ramp,
 * an iteration executor, a graceful stop) at some point of it.
 */
static int
scenario_state(const struct plan_scenario *sc, int64_t t0, int64_t t1)
{
	int64_t start = sc->start_time_ns, t, end;
	double level;

	if (t1 <= start || t0 >= sc->end_ns)
		return 0;
	switch (sc->executor) {
	case PLAN_CONSTANT_VUS:
	case PLAN_CONSTANT_ARRIVAL_RATE:
		end = start + sc->duration_ns;
		return t0 >= start && t1 <= end ? 1 : 2;
	case PLAN_RAMPING_VUS:
	case PLAN_RAMPING_ARRIVAL_RATE:
		level = sc->executor == PLAN_RAMPING_VUS ? sc->start_vus : sc->start_rate;
		t = start;
		for (int i = 0; i < sc->nstages; i++) {
			int64_t e = t + sc->stages[i].duration_ns;
			bool flat = sc->stages[i].target == level;
			if (t0 < e && t1 > t && !(flat && t0 >= t && t1 <= e))
				return 2;
			if (t0 >= t && t1 <= e)
				return flat ? 1 : 2;
			level = sc->stages[i].target;
			t = e;
		}
		return 2;          /* after the stages: ramp-down, graceful stop */
	default:
		return 2;
	}
}

/* Marks r's steady seconds and cuts them into windows (r->win_of, nwindows, steady_s, whole). */
static void
steady_windows(struct run *r)
{
	int64_t run = 0;

	r->win_of = xcalloc((size_t)(r->nsec > 0 ? r->nsec : 1), sizeof *r->win_of);
	r->steady_s = 0;
	for (int64_t s = 0; s < r->nsec; s++) {
		bool any = false, moving = false;
		for (int i = 0; r->plan != NULL && i < r->plan->nscenarios; i++) {
			int st = scenario_state(&r->plan->scenarios[i], s * CLOCK_NS_PER_S,
			    (s + 1) * CLOCK_NS_PER_S);
			any |= st == 1;
			moving |= st == 2;
		}
		r->win_of[s] = any && !moving ? 0 : -1;
		r->steady_s += r->win_of[s] == 0;
	}
	r->whole = r->steady_s == 0;
	if (r->whole) {
		for (int64_t s = 0; s < r->nsec; s++)
			r->win_of[s] = 0;
		r->steady_s = r->nsec;
	}
	r->window_s = compare_window_seconds(r->steady_s);
	/* windows of window_s consecutive steady seconds, never across a gap */
	r->nwindows = 0;
	for (int64_t s = 0; s < r->nsec; s++) {
		if (r->win_of[s] < 0) {
			if (run > 0)
				r->nwindows++;
			run = 0;
			continue;
		}
		r->win_of[s] = r->nwindows;
		if (++run == r->window_s) {
			r->nwindows++;
			run = 0;
		}
	}
	if (run > 0)
		r->nwindows++;
}

/* The steady part as the document shows it. */
static json_t *
steady_json(const struct run *r)
{
	int64_t first = -1, last = -1;

	for (int64_t s = 0; s < r->nsec; s++) {
		if (r->win_of[s] >= 0) {
			if (first < 0)
				first = s;
			last = s;
		}
	}
	return json_pack("{s:s, s:I, s:o, s:o, s:i, s:i}",
	    "part", r->whole ? "whole run (no constant stage)" : "constant stages",
	    "seconds", (json_int_t)r->steady_s,
	    "from", first >= 0 ? json_integer(first) : json_null(),
	    "to", last >= 0 ? json_integer(last) : json_null(),
	    "window_s", r->window_s, "windows", r->nwindows);
}

/* ---- reading */

/* Runs a statement of blobs (column col) of run r's endpoint idx; for each row whose second
   (column 0) keep() accepts, merges (sign > 0) or subtracts (sign < 0, only when contained) the
   blob into h. 0; 1 when a blob to subtract was not contained in h; -1 and *cause. */
static int
fold_blobs(sqlite3 *db, const struct run *r, int idx, bool steady, int sign, struct hist *h,
    char **cause)
{
	sqlite3_stmt *st;
	struct hist *one = sign < 0 ? hist_new() : NULL;
	int rc, out = 0;

	if (sqlite3_prepare_v2(db, "SELECT second, hist FROM sample_histograms WHERE run_id = ? AND "
	    "endpoint = ? ORDER BY second", -1, &st, NULL) != SQLITE_OK) {
		hist_free(one);
		return fail(db, cause);
	}
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_int(st, 2, idx);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t s = sqlite3_column_int64(st, 0);
		bool in = s >= 0 && s < r->nsec && r->win_of[s] >= 0;
		const void *blob;
		size_t len;
		if (in != steady)
			continue;
		blob = sqlite3_column_blob(st, 1);
		len = (size_t)sqlite3_column_bytes(st, 1);
		if (sign > 0) {
			(void)hist_merge_blob(h, blob, len, NULL);
		} else if (hist_decode(one, blob, len, NULL) == 0) {
			if (!hist_contains(h, one)) {
				out = 1;
				break;
			}
			hist_subtract(h, one);
		}
	}
	sqlite3_finalize(st);
	hist_free(one);
	if (out == 0 && rc != SQLITE_DONE)
		return fail(db, cause);
	return out;
}

/*
 * The merged histogram of endpoint idx over r's steady part into h (empty). When the steady part
 * is most of the run, the whole-run histogram minus the other seconds (a few blobs instead of
 * thousands: decoding the blobs is most of a comparison's cost); otherwise, or when the run is
 * incomplete or a second is not in the whole-run histogram, the steady seconds merged.
 */
static int
steady_hist(sqlite3 *db, const struct run *r, int idx, struct hist *h, char **cause)
{
	sqlite3_stmt *st;
	bool have = false;
	int rc;

	if (!r->incomplete && r->steady_s * 2 >= r->nsec) {
		if (sqlite3_prepare_v2(db, "SELECT hist FROM run_histograms WHERE run_id = ? AND "
		    "endpoint = ? AND metric = 'duration'", -1, &st, NULL) != SQLITE_OK)
			return fail(db, cause);
		sqlite3_bind_int64(st, 1, r->id);
		sqlite3_bind_int(st, 2, idx);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW)
			have = hist_decode(h, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
			    NULL) == 0;
		sqlite3_finalize(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return fail(db, cause);
		if (have && r->steady_s == r->nsec && r->whole)
			return 0;
		if (have && (rc = fold_blobs(db, r, idx, false, -1, h, cause)) <= 0)
			return rc;
		hist_reset(h);
	}
	return fold_blobs(db, r, idx, true, 1, h, cause) < 0 ? -1 : 0;
}

/* The latency columns of a samples row a window keeps (request-weighted means; max: the max). */
static const int lat_metric[] = { COMPARE_MEAN, COMPARE_P50, COMPARE_P90, COMPARE_P95, COMPARE_P99,
    COMPARE_MAX };
#define NLAT ((int)(sizeof lat_metric / sizeof lat_metric[0]))

/*
 * Reads endpoint e of run r: its windows (from the stored per-second rows: counters, phases and
 * the seconds' percentiles, request-weighted) and its shown values (counters summed; latency from
 * the steady part's merged histogram). 0, or -1 and *cause.
 */
static int
load_endpoint(sqlite3 *db, struct run *r, struct ep *e, char **cause)
{
	struct hist *all = hist_new();
	double req = 0, fails = 0, cp = 0, cf = 0, secs = 0, ph[NPHASES] = { 0 }, lat[NLAT] = { 0 };
	double lat_req = 0;
	double treq = 0, tfail = 0, tcp = 0, tcf = 0, tph[NPHASES] = { 0 };
	int cur = -1, rc;
	sqlite3_stmt *st;

	e->win = xcalloc((size_t)(r->nwindows > 0 ? r->nwindows : 1), sizeof *e->win);
	e->nwin = 0;
	if (sqlite3_prepare_v2(db, "SELECT second, requests, failures, checks_passed, checks_failed, "
	    "blocked_us, connecting_us, tls_us, sending_us, waiting_us, receiving_us, lat_mean_us, "
	    "lat_p50_us, lat_p90_us, lat_p95_us, lat_p99_us, lat_max_us FROM samples "
	    "WHERE run_id = ? AND endpoint = ? ORDER BY second", -1, &st, NULL) != SQLITE_OK) {
		hist_free(all);
		return fail(db, cause);
	}
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_int(st, 2, e->idx);
	for (;;) {
		int64_t s;
		int w;
		rc = sqlite3_step(st);
		s = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
		w = s >= 0 && s < r->nsec ? r->win_of[s] : -1;
		if (rc == SQLITE_ROW && w < 0)
			continue;
		if (cur >= 0 && (w != cur || rc != SQLITE_ROW)) {
			/* the window cur is complete */
			struct compare_window *cw = &e->win[e->nwin++];
			compare_window_fill(cw, NULL, secs, req, fails, cp, cf, ph);
			for (int i = 0; i < NLAT; i++) {
				cw->v[lat_metric[i]] = lat_req > 0 ? (lat_metric[i] == COMPARE_MAX ? lat[i] :
				    lat[i] / lat_req) : NAN;
				lat[i] = 0;
			}
			treq += req;
			tfail += fails;
			tcp += cp;
			tcf += cf;
			for (int i = 0; i < NPHASES; i++) {
				tph[i] += ph[i];
				ph[i] = 0;
			}
			req = fails = cp = cf = secs = lat_req = 0;
		}
		if (rc != SQLITE_ROW)
			break;
		cur = w;
		secs++;
		{
			double n = (double)sqlite3_column_int64(st, 1);
			req += n;
			fails += (double)sqlite3_column_int64(st, 2);
			cp += (double)sqlite3_column_int64(st, 3);
			cf += (double)sqlite3_column_int64(st, 4);
			for (int i = 0; i < NPHASES; i++)
				ph[i] += (double)sqlite3_column_int64(st, 5 + i) * n;
			if (n > 0 && sqlite3_column_type(st, 11) != SQLITE_NULL) {
				lat_req += n;
				for (int i = 0; i < NLAT; i++) {
					double v = (double)sqlite3_column_int64(st, 11 + i);
					if (lat_metric[i] == COMPARE_MAX)
						lat[i] = v > lat[i] ? v : lat[i];
					else
						lat[i] += v * n;
				}
			}
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		hist_free(all);
		return fail(db, cause);
	}
	if (steady_hist(db, r, e->idx, all, cause) != 0) {
		hist_free(all);
		return -1;
	}
	{
		struct compare_window tot;
		compare_window_fill(&tot, all, (double)r->steady_s, treq, tfail, tcp, tcf, tph);
		memcpy(e->shown, tot.v, sizeof e->shown);
	}
	if (e->idx == 0)
		e->spectrum = summary_spectrum(all);
	hist_free(all);
	return 0;
}

/* Reads run id (which exists and ended) into r. 0, or -1 and *cause. */
static int
load_run(sqlite3 *db, int64_t id, struct run *r, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	memset(r, 0, sizeof *r);
	r->id = id;
	if (sqlite3_prepare_v2(db, "SELECT name, state, started_ms, definition, thresholds, "
	    "(SELECT max(second) + 1 FROM samples WHERE run_id = runs.id AND endpoint = 0), "
	    "missing IS NOT NULL FROM runs WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return fail(db, cause);
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_finalize(st);
		if (rc == SQLITE_DONE) {
			*cause = xasprintf("no run %lld", (long long)id);
			return -1;
		}
		return fail(db, cause);
	}
	r->info = json_pack("{s:I, s:s?, s:s?, s:I}", "run_id", (json_int_t)id,
	    "name", (const char *)sqlite3_column_text(st, 0),
	    "state", (const char *)sqlite3_column_text(st, 1),
	    "started_ms", (json_int_t)sqlite3_column_int64(st, 2));
	{
		const char *def = (const char *)sqlite3_column_text(st, 3);
		json_t *j = def != NULL ? json_loads(def, 0, NULL) : NULL;
		struct testdef_errors errs;
		struct testdef_options opt = { .env = no_env };
		testdef_errors_init(&errs);
		if (j != NULL)
			r->plan = testdef_parse(j, &opt, &errs);
		testdef_errors_fini(&errs);
		json_decref(j);
	}
	if (sqlite3_column_type(st, 4) != SQLITE_NULL)
		r->thresholds = json_loads((const char *)sqlite3_column_text(st, 4), 0, NULL);
	r->nsec = sqlite3_column_int64(st, 5);
	r->incomplete = sqlite3_column_int(st, 6) != 0;
	sqlite3_finalize(st);
	steady_windows(r);
	json_object_set_new(r->info, "steady", steady_json(r));

	/* the endpoints: the total first */
	if (sqlite3_prepare_v2(db, "SELECT idx, name, method FROM endpoints WHERE run_id = ? "
	    "ORDER BY idx", -1, &st, NULL) != SQLITE_OK)
		return fail(db, cause);
	sqlite3_bind_int64(st, 1, id);
	r->eps = xcalloc(1, sizeof *r->eps);
	r->eps[0].name = xstrdup("total");
	r->neps = 1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ep *e;
		r->eps = xrealloc(r->eps, (size_t)(r->neps + 1) * sizeof *r->eps);
		e = &r->eps[r->neps++];
		memset(e, 0, sizeof *e);
		e->idx = sqlite3_column_int(st, 0);
		e->name = xstrdup((const char *)sqlite3_column_text(st, 1));
		e->method = xstrdup((const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(db, cause);
	for (int i = 0; i < r->neps; i++)
		if (load_endpoint(db, r, &r->eps[i], cause) != 0)
			return -1;
	return 0;
}

static void
free_run(struct run *r)
{
	for (int i = 0; i < r->neps; i++) {
		free(r->eps[i].name);
		free(r->eps[i].method);
		free(r->eps[i].win);
		json_decref(r->eps[i].spectrum);
	}
	free(r->eps);
	free(r->win_of);
	plan_free(r->plan);
	json_decref(r->info);
	json_decref(r->thresholds);
}

/* ---- the document */

/* A number, or null for NAN. */
static json_t *
num(double v)
{
	return isnan(v) || isinf(v) ? json_null() : json_real(round(v * 1e6) / 1e6);
}

/* The metrics object of one endpoint compared; counts its primary verdicts into v[*nv]. */
static json_t *
metrics_json(const struct ep *base, const struct ep *run, const struct compare_floors *f,
    bool practical_only, uint64_t seed, enum compare_verdict *v, int *nv)
{
	json_t *o = json_object();

	for (int m = 0; m < COMPARE_NMETRICS; m++) {
		struct compare_side sa = { base->win, base->nwin, base->shown[m] };
		struct compare_side sb = { run->win, run->nwin, run->shown[m] };
		struct compare_result res;
		bool primary = compare_is_primary((enum compare_metric)m);
		const char *vn;
		if (isnan(sa.shown) && isnan(sb.shown))
			continue;   /* a phase or check rate neither run measured */
		compare_metric((enum compare_metric)m, &sa, &sb, compare_floor(f, (enum compare_metric)m),
		    primary, practical_only, seed + (uint64_t)m, &res);
		vn = compare_verdict_name(res.verdict);
		if (primary)
			v[(*nv)++] = res.verdict;
		json_object_set_new(o, compare_metric_name((enum compare_metric)m), json_pack(
		    "{s:o, s:o, s:o, s:o, s:o, s:s?, s:b, s:s, s:b, s:f}",
		    "base", num(res.a), "run", num(res.b), "diff", num(res.diff), "ratio", num(res.ratio),
		    "ci", isnan(res.lo) ? json_null() : json_pack("[o, o]", num(res.lo), num(res.hi)),
		    "verdict", vn, "primary", primary,
		    "better", compare_higher_is_worse((enum compare_metric)m) ? "lower" : "higher",
		    "practical_only", res.practical_only,
		    "floor", compare_floor(f, (enum compare_metric)m)));
	}
	return o;
}

/* The endpoint of r named like e (method and name), or NULL. */
static const struct ep *
find_ep(const struct run *r, const struct ep *e)
{
	for (int i = 1; i < r->neps; i++)
		if (strcmp(r->eps[i].name, e->name) == 0 && e->method != NULL &&
		    r->eps[i].method != NULL && strcmp(r->eps[i].method, e->method) == 0)
			return &r->eps[i];
	return NULL;
}

/* A scenario's load shape in words ("constant-vus: 10 VUs for 30s"). */
static char *
shape_text(const struct plan_scenario *sc)
{
	char stages[256] = "";
	size_t len = 0;

	for (int i = 0; i < sc->nstages && len < sizeof stages - 40; i++)
		len += (size_t)snprintf(stages + len, sizeof stages - len, "%s%.6gs->%g",
		    i ? ", " : "", (double)sc->stages[i].duration_ns / 1e9, sc->stages[i].target);
	switch (sc->executor) {
	case PLAN_CONSTANT_VUS:
		return xasprintf("constant-vus: %d VUs for %.6gs", sc->vus, (double)sc->duration_ns / 1e9);
	case PLAN_CONSTANT_ARRIVAL_RATE:
		return xasprintf("constant-arrival-rate: %g per %.6gs for %.6gs", sc->rate,
		    (double)sc->time_unit_ns / 1e9, (double)sc->duration_ns / 1e9);
	case PLAN_RAMPING_VUS:
		return xasprintf("ramping-vus: from %d, stages %s", sc->start_vus, stages);
	case PLAN_RAMPING_ARRIVAL_RATE:
		return xasprintf("ramping-arrival-rate: from %g per %.6gs, stages %s", sc->start_rate,
		    (double)sc->time_unit_ns / 1e9, stages);
	default:
		return xasprintf("%s: %d VUs, %lld iterations", plan_executor_name(sc->executor), sc->vus,
		    (long long)sc->iterations);
	}
}

/* Why the two runs' load shapes differ, appended to reasons. */
static void
shape_reasons(const struct run *base, const struct run *run, json_t *reasons)
{
	if (base->plan == NULL || run->plan == NULL) {
		json_array_append_new(reasons, json_string("a run's definition could not be read"));
		return;
	}
	if (base->plan->nscenarios != run->plan->nscenarios) {
		json_array_append_new(reasons, json_sprintf("%d scenarios in the base run, %d in the run",
		    base->plan->nscenarios, run->plan->nscenarios));
		return;
	}
	for (int i = 0; i < base->plan->nscenarios; i++) {
		char *a = shape_text(&base->plan->scenarios[i]), *b = shape_text(&run->plan->scenarios[i]);
		int64_t sa = base->plan->scenarios[i].start_time_ns, sb = run->plan->scenarios[i].start_time_ns;
		if (strcmp(a, b) != 0 || sa != sb)
			json_array_append_new(reasons, json_sprintf("scenario %s: %s (start %.6gs) in the "
			    "base run, %s (start %.6gs) in the run", run->plan->scenarios[i].name, a,
			    (double)sa / 1e9, b, (double)sb / 1e9));
		free(a);
		free(b);
	}
}

/* The thresholds of both runs side by side, matched by metric and expression. */
static json_t *
thresholds_json(const json_t *base, const json_t *run)
{
	json_t *out = json_array(), *t, *u;
	size_t i, j;

	json_array_foreach(run, i, t) {
		const char *m = json_string_value(json_object_get(t, "metric"));
		const char *s = json_string_value(json_object_get(t, "source"));
		json_t *match = NULL;
		json_array_foreach(base, j, u)
			if (m != NULL && s != NULL &&
			    json_equal(json_object_get(u, "metric"), json_object_get(t, "metric")) &&
			    json_equal(json_object_get(u, "source"), json_object_get(t, "source")))
				match = u;
		json_array_append_new(out, json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}",
		    "metric", json_object_get(t, "metric"), "source", json_object_get(t, "source"),
		    "base_ok", match ? json_object_get(match, "ok") : NULL,
		    "run_ok", json_object_get(t, "ok"),
		    "base_value", match ? json_object_get(match, "value") : NULL,
		    "run_value", json_object_get(t, "value")));
	}
	return out;
}

/* The document of two loaded runs (docs/api.md). */
static json_t *
document(const struct run *base, const struct run *run, const struct compare_floors *f,
    bool practical_only, json_t *checks)
{
	json_t *doc, *eps = json_array(), *only_run = json_array(), *only_base = json_array();
	json_t *reasons = json_array();
	enum compare_verdict *v;
	int nv = 0;

	v = xcalloc((size_t)(run->neps + 1) * COMPARE_NMETRICS, sizeof *v);
	if (!practical_only)
		shape_reasons(base, run, reasons);
	doc = json_pack("{s:O, s:O}", "base", base->info, "run", run->info);
	json_object_set_new(doc, "total", json_pack("{s:o}", "metrics",
	    metrics_json(&base->eps[0], &run->eps[0], f, practical_only, SEED, v, &nv)));
	for (int i = 1; i < run->neps; i++) {
		const struct ep *e = &run->eps[i], *b = find_ep(base, e);
		if (b == NULL) {
			json_array_append_new(only_run, json_pack("{s:s, s:s?}", "name", e->name,
			    "method", e->method));
			continue;
		}
		json_array_append_new(eps, json_pack("{s:s, s:s?, s:o}", "name", e->name, "method",
		    e->method, "metrics", metrics_json(b, e, f, practical_only, SEED + 100 * (uint64_t)i,
		    v, &nv)));
	}
	for (int i = 1; i < base->neps; i++)
		if (find_ep(run, &base->eps[i]) == NULL)
			json_array_append_new(only_base, json_pack("{s:s, s:s?}", "name", base->eps[i].name,
			    "method", base->eps[i].method));
	json_object_set_new(doc, "comparable", json_boolean(json_array_size(reasons) == 0));
	json_object_set_new(doc, "reasons", reasons);
	json_object_set_new(doc, "verdict", json_string(compare_verdict_name(compare_overall(v, nv)) ?
	    compare_verdict_name(compare_overall(v, nv)) : "inconclusive"));
	json_object_set_new(doc, "endpoints", eps);
	json_object_set_new(doc, "only_in_run", only_run);
	json_object_set_new(doc, "only_in_base", only_base);
	json_object_set_new(doc, "checks", checks != NULL ? checks : json_array());
	json_object_set_new(doc, "thresholds", thresholds_json(base->thresholds, run->thresholds));
	json_object_set_new(doc, "spectra", json_pack("{s:O?, s:O?}", "base", base->eps[0].spectrum,
	    "run", run->eps[0].spectrum));
	json_object_set_new(doc, "method", json_pack("{s:s, s:i, s:f, s:i, s:b, s:{s:f, s:f, s:f}, "
	    "s:[s, s, s]}",
	    "interval", practical_only ? "none: the floor alone (no per-second data)" :
	    "block bootstrap over windows of the steady part",
	    "bootstrap", COMPARE_BOOTSTRAP, "confidence", 0.95, "seed", SEED,
	    "practical_only", practical_only,
	    "floors", "latency", f->latency, "throughput", f->throughput, "error_rate", f->error_rate,
	    "primary", "p95_us", "rps", "error_rate"));
	free(v);
	return doc;
}

/* The named checks of both runs (whole runs: run_checks), pass rates side by side. */
static int
checks_json(sqlite3 *db, int64_t base, int64_t run, json_t **out, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	*out = json_array();
	if (sqlite3_prepare_v2(db, "SELECT name, "
	    "sum(CASE WHEN run_id = ?1 THEN passes END), sum(CASE WHEN run_id = ?1 THEN passes + fails END), "
	    "sum(CASE WHEN run_id = ?2 THEN passes END), sum(CASE WHEN run_id = ?2 THEN passes + fails END) "
	    "FROM run_checks WHERE run_id IN (?1, ?2) GROUP BY name ORDER BY name", -1, &st, NULL) !=
	    SQLITE_OK) {
		json_decref(*out);
		*out = NULL;
		return fail(db, cause);
	}
	sqlite3_bind_int64(st, 1, base);
	sqlite3_bind_int64(st, 2, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		double bp = sqlite3_column_double(st, 1), bn = sqlite3_column_double(st, 2);
		double rp = sqlite3_column_double(st, 3), rn = sqlite3_column_double(st, 4);
		double br = bn > 0 ? bp / bn : NAN, rr = rn > 0 ? rp / rn : NAN;
		json_array_append_new(*out, json_pack("{s:s, s:o, s:o, s:o}", "name",
		    (const char *)sqlite3_column_text(st, 0), "base", num(br), "run", num(rr),
		    "diff", num(rr - br)));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(db, cause);
}

int
compare_load_runs(sqlite3 *db, int64_t run, int64_t base, const struct compare_floors *floors,
    json_t **doc, char **cause)
{
	struct run a, b;
	json_t *checks = NULL;
	int rc = -1;

	*doc = NULL;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	if (load_run(db, base, &a, cause) != 0 || load_run(db, run, &b, cause) != 0 ||
	    checks_json(db, base, run, &checks, cause) != 0)
		goto out;
	*doc = document(&a, &b, floors, false, checks);
	rc = 0;
out:
	free_run(&a);
	free_run(&b);
	return rc;
}

/* ---- summary files */

/* A summary endpoint entry (rampage.endpoints[i] or rampage.total) as a loaded endpoint. */
static void
summary_ep(json_t *o, double duration_s, struct ep *e)
{
	json_t *d = json_object_get(o, "duration");
	double req = json_number_value(json_object_get(o, "requests"));
	double failed = json_number_value(json_object_get(o, "failed"));
	static const struct { int m; const char *k; } lat[] = {
		{ COMPARE_P50, "med" }, { COMPARE_P90, "p(90)" }, { COMPARE_P95, "p(95)" },
		{ COMPARE_P99, "p(99)" }, { COMPARE_MAX, "max" }, { COMPARE_MEAN, "avg" },
	};

	for (int m = 0; m < COMPARE_NMETRICS; m++)
		e->shown[m] = NAN;
	e->shown[COMPARE_RPS] = json_is_number(json_object_get(o, "rate")) ?
	    json_number_value(json_object_get(o, "rate")) : duration_s > 0 ? req / duration_s : NAN;
	e->shown[COMPARE_ERROR_RATE] = req > 0 ? failed / req : NAN;
	for (size_t i = 0; i < sizeof lat / sizeof lat[0]; i++) {
		json_t *v = json_object_get(d, lat[i].k);
		if (req > 0 && json_is_number(v))
			e->shown[lat[i].m] = json_number_value(v) * 1000.0;   /* ms -> µs */
	}
}

/* A summary document as a loaded run (endpoints and thresholds only). */
static int
summary_run(json_t *s, const char *which, struct run *r, char **cause)
{
	json_t *rp = json_object_get(s, "rampage"), *eps = json_object_get(rp, "endpoints"), *o;
	json_t *st = json_object_get(s, "state");
	double dur = json_number_value(json_object_get(st, "testRunDurationMs")) / 1000.0;
	size_t i;

	memset(r, 0, sizeof *r);
	if (!json_is_object(json_object_get(rp, "total")) || !json_is_array(eps)) {
		*cause = xasprintf("the %s file is not a full rampage summary (no rampage.total and "
		    "rampage.endpoints; k6's --summary-export shape has none): write one with "
		    "rampage run --out summary=PATH", which);
		return -1;
	}
	r->info = json_pack("{s:O?, s:s}", "name", json_object_get(rp, "name"), "steady",
	    "whole run (a summary has no per-second data)");
	r->neps = 1 + (int)json_array_size(eps);
	r->eps = xcalloc((size_t)r->neps, sizeof *r->eps);
	r->eps[0].name = xstrdup("total");
	summary_ep(json_object_get(rp, "total"), dur, &r->eps[0]);
	json_array_foreach(eps, i, o) {
		struct ep *e = &r->eps[i + 1];
		const char *n = json_string_value(json_object_get(o, "name"));
		const char *m = json_string_value(json_object_get(o, "method"));
		e->name = xstrdup(n != NULL ? n : "?");
		e->method = xstrdup(m != NULL ? m : "GET");
		e->idx = (int)i + 1;
		summary_ep(o, dur, e);
	}
	/* the thresholds as the summary's metrics report them */
	r->thresholds = json_array();
	{
		const char *key;
		json_t *met;
		json_object_foreach(json_object_get(s, "metrics"), key, met) {
			const char *src;
			json_t *res;
			json_object_foreach(json_object_get(met, "thresholds"), src, res)
				json_array_append_new(r->thresholds, json_pack("{s:s, s:s, s:b}", "metric", key,
				    "source", src, "ok", json_is_true(json_object_get(res, "ok"))));
		}
	}
	return 0;
}

json_t *
compare_load_summaries(json_t *base, json_t *run, const struct compare_floors *floors,
    char **cause)
{
	struct run a, b;
	json_t *doc = NULL;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	if (summary_run(base, "first (base)", &a, cause) == 0 &&
	    summary_run(run, "second", &b, cause) == 0)
		doc = document(&a, &b, floors, true, NULL);
	if (doc != NULL)
		json_object_set_new(json_object_get(doc, "method"), "note", json_string(
		    "summary files hold no per-second data: verdicts compare the values with the floor "
		    "only (practical, not statistical), over whole runs"));
	free_run(&a);
	free_run(&b);
	return doc;
}
