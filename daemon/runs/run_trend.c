/*
 * run_trend: see run_trend.h. The caller's thread (the api thread), its read-only connection.
 *
 * One query reads the series: the test's runs newest first through runs_by_test, each joined to its
 * total row of run_figures (which says it ended with data) and, for an endpoint, to that endpoint's
 * row (found by name in the run's own endpoints: the same name may have another index in another
 * version of the definition). A run without that endpoint is a point without a value: the chart
 * shows a gap and the change points are looked for in the values there are.
 */
#include <config.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/xmalloc.h"
#include "metrics/changepoint.h"
#include "runs/run_trend.h"

/* The runs whose figures make a trend: they ended by themselves or were stopped by a user, with
   their measurements (docs/api.md, "Run states"). `finished`: ended by itself without thresholds. */
#define TREND_STATES "'passed', 'failed', 'finished', 'stopped'"

static const struct {
	const char *name;          /* the API's name */
	const char *column;        /* in run_figures */
	const char *unit;          /* of its values */
	const char *said;          /* in a sentence */
} metrics[RUN_TREND_NMETRICS] = {
	[RUN_TREND_P50] = { "p50", "lat_p50_us", "us", "p50" },
	[RUN_TREND_P95] = { "p95", "lat_p95_us", "us", "p95" },
	[RUN_TREND_P99] = { "p99", "lat_p99_us", "us", "p99" },
	[RUN_TREND_MEAN] = { "mean", "lat_mean_us", "us", "mean latency" },
	[RUN_TREND_RPS] = { "rps", "rps", "1/s", "requests/s" },
	[RUN_TREND_ERROR_RATE] = { "error_rate", "error_rate", "ratio", "error rate" },
};

const char run_trend_metric_names[] = "p50, p95, p99, mean, rps, error_rate";

int
run_trend_metric(const char *name)
{
	for (int m = 0; m < RUN_TREND_NMETRICS; m++)
		if (strcmp(metrics[m].name, name) == 0)
			return m;
	return -1;
}

/* -1 with *cause: the connection's last error. */
static int
fail(sqlite3 *db, char **cause)
{
	*cause = xstrdup(sqlite3_errmsg(db));
	return -1;
}

int
run_trend_baseline(sqlite3 *db, int64_t test_id, int64_t *run_id, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	*run_id = 0;
	if (sqlite3_prepare_v2(db, "SELECT run_id FROM baselines WHERE test_id = ?", -1, &st,
	    NULL) != SQLITE_OK)
		return fail(db, cause);
	sqlite3_bind_int64(st, 1, test_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*run_id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		fail(db, cause);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Whether a query that returns one row (or none) found one: 1, 0, or -1 and *cause. */
static int
exists(sqlite3 *db, const char *sql, int64_t id, const char *text, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(db, cause);
	sqlite3_bind_int64(st, 1, id);
	if (text != NULL)
		sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		fail(db, cause);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* How a run was started, as a sentence says it. */
static const char *
trigger_said(const char *trigger)
{
	if (trigger == NULL)
		return "?";
	if (strcmp(trigger, "schedule") == 0)
		return "scheduled";
	if (strcmp(trigger, "api") == 0)
		return "from the API";
	if (strcmp(trigger, "cli") == 0)
		return "from the CLI";
	if (strcmp(trigger, "dashboard") == 0)
		return "from the dashboard";
	return trigger;
}

/* A percentage for a sentence: whole above 10%, one decimal below. */
static void
percent(char *out, size_t size, double ratio)
{
	double p = fabs(ratio) * 100;

	snprintf(out, size, p >= 10 ? "%.0f%%" : "%.1f%%", p);
}

/* "p95 rose 18% at run 412 (2026-12-03 02:00, scheduled)"; an error rate as percentages of
   requests ("error rate rose from 0.0% to 4.2% ..."). Times in UTC. */
static char *
sentence(enum run_trend_metric m, const struct changepoint *cp, int64_t run, int64_t time_ms,
    const char *trigger)
{
	time_t secs = (time_t)(time_ms / 1000);
	struct tm tm;
	char when[32] = "?", change[64], a[16], b[16];
	const char *dir = cp->mean_after > cp->mean_before ? "rose" : "fell";

	if (gmtime_r(&secs, &tm) != NULL)
		strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
	if (m == RUN_TREND_ERROR_RATE) {
		snprintf(a, sizeof a, "%.1f%%", cp->mean_before * 100);
		snprintf(b, sizeof b, "%.1f%%", cp->mean_after * 100);
		snprintf(change, sizeof change, "from %s to %s", a, b);
	} else if (isnan(cp->rel_change)) {
		snprintf(change, sizeof change, "from %g to %g", cp->mean_before, cp->mean_after);
	} else {
		percent(change, sizeof change, cp->rel_change);
	}
	return xasprintf("%s %s %s at run %lld (%s, %s)", metrics[m].said, dir, change, (long long)run,
	    when, trigger_said(trigger));
}

/* One point as JSON from the series row (id, started_ms, trigger, state, value, vus, duration_us). */
static json_t *
point_json(sqlite3_stmt *st, enum run_trend_metric m, int64_t baseline)
{
	int64_t id = sqlite3_column_int64(st, 0);
	json_t *v;

	if (sqlite3_column_type(st, 4) == SQLITE_NULL)
		v = json_null();
	else if (strcmp(metrics[m].unit, "us") == 0)
		v = json_integer(sqlite3_column_int64(st, 4));
	else
		v = json_real(sqlite3_column_double(st, 4));
	return json_pack("{s:I, s:I, s:s?, s:s?, s:o, s:b, s:o, s:I}",
	    "run", (json_int_t)id,
	    "time_ms", (json_int_t)sqlite3_column_int64(st, 1),
	    "trigger", (const char *)sqlite3_column_text(st, 2),
	    "state", (const char *)sqlite3_column_text(st, 3),
	    "value", v,
	    "baseline", baseline != 0 && id == baseline,
	    "vus", sqlite3_column_type(st, 5) == SQLITE_NULL ? json_null() :
	    json_integer(sqlite3_column_int64(st, 5)),
	    "duration_us", (json_int_t)sqlite3_column_int64(st, 6));
}

/* Reads the series (newest first from SQL; stored oldest first) into points. */
static int
read_points(sqlite3 *db, const struct run_trend_query *q, int64_t baseline, json_t *points,
    char **cause)
{
	const char *col = metrics[q->metric].column;
	bool total = q->endpoint == NULL || strcmp(q->endpoint, "total") == 0;
	char *sql = xasprintf("SELECT r.id, coalesce(r.started_ms, r.queued_ms), r.trigger, r.state,"
	    " %s.%s, t.vus, t.duration_us FROM runs r"
	    " JOIN run_figures t ON t.run_id = r.id AND t.endpoint = 0"
	    "%s"
	    " WHERE r.test_id = ?1 AND r.state IN (" TREND_STATES ")"
	    " ORDER BY r.id DESC LIMIT ?2",
	    total ? "t" : "e", col,
	    total ? "" : " LEFT JOIN run_figures e ON e.run_id = r.id AND e.endpoint ="
	    " (SELECT min(idx) FROM endpoints WHERE run_id = r.id AND name = ?3)");
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return fail(db, cause);
	sqlite3_bind_int64(st, 1, q->test_id);
	sqlite3_bind_int(st, 2, q->limit);
	if (!total)
		sqlite3_bind_text(st, 3, q->endpoint, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_insert_new(points, 0, point_json(st, q->metric, baseline));
	if (rc != SQLITE_DONE)
		fail(db, cause);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The change points of the points' values (those that have one) as JSON. */
static json_t *
change_points_json(const json_t *points, enum run_trend_metric m)
{
	size_t n = json_array_size(points), nx = 0;
	double *x = xmalloc((n > 0 ? n : 1) * sizeof *x);
	size_t *at = xmalloc((n > 0 ? n : 1) * sizeof *at);  /* x[i] is points[at[i]] */
	struct changepoint *cps;
	json_t *out = json_array();
	int ncp;

	for (size_t i = 0; i < n; i++) {
		json_t *v = json_object_get(json_array_get(points, i), "value");
		if (json_is_number(v)) {
			x[nx] = json_number_value(v);
			at[nx++] = i;
		}
	}
	ncp = changepoint_find(x, (int)nx, &cps);
	for (int i = 0; i < ncp; i++) {
		const json_t *p = json_array_get(points, at[cps[i].index]);
		int64_t run = json_integer_value(json_object_get(p, "run"));
		int64_t time_ms = json_integer_value(json_object_get(p, "time_ms"));
		const char *trigger = json_string_value(json_object_get(p, "trigger"));
		char *text = sentence(m, &cps[i], run, time_ms, trigger);

		json_array_append_new(out, json_pack("{s:I, s:I, s:I, s:s?, s:f, s:f, s:o, s:f, s:s, s:s}",
		    "run", (json_int_t)run,
		    "index", (json_int_t)at[cps[i].index],
		    "time_ms", (json_int_t)time_ms,
		    "trigger", trigger,
		    "mean_before", cps[i].mean_before,
		    "mean_after", cps[i].mean_after,
		    "change", isnan(cps[i].rel_change) ? json_null() : json_real(cps[i].rel_change),
		    "pvalue", cps[i].pvalue,
		    "direction", cps[i].mean_after > cps[i].mean_before ? "rose" : "fell",
		    "message", text));
		free(text);
	}
	free(cps);
	free(x);
	free(at);
	return out;
}

int
run_trend(sqlite3 *db, const struct run_trend_query *q, json_t **doc, enum run_trend_status *status,
    char **cause)
{
	bool total = q->endpoint == NULL || strcmp(q->endpoint, "total") == 0;
	int64_t baseline;
	json_t *points;
	int e;

	*doc = NULL;
	*status = RUN_TREND_OK;
	if ((e = exists(db, "SELECT 1 FROM tests WHERE id = ?", q->test_id, NULL, cause)) <= 0) {
		*status = RUN_TREND_NO_TEST;
		return e;
	}
	if (!total && (e = exists(db, "SELECT 1 FROM runs r JOIN endpoints e ON e.run_id = r.id"
	    " WHERE r.test_id = ?1 AND e.name = ?2 LIMIT 1", q->test_id, q->endpoint, cause)) <= 0) {
		*status = RUN_TREND_NO_ENDPOINT;
		return e;
	}
	if (run_trend_baseline(db, q->test_id, &baseline, cause) != 0)
		return -1;
	points = json_array();
	if (read_points(db, q, baseline, points, cause) != 0) {
		json_decref(points);
		return -1;
	}
	*doc = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:o}",
	    "test_id", (json_int_t)q->test_id,
	    "metric", metrics[q->metric].name,
	    "unit", metrics[q->metric].unit,
	    "endpoint", total ? "total" : q->endpoint,
	    "baseline_run", baseline != 0 ? json_integer(baseline) : json_null(),
	    "change_points", change_points_json(points, q->metric),
	    "points", points);
	return 0;
}
