/*
 * api_reports: a finished run's reports for people and CI (docs/reports.md): GET
 * /api/runs/{id}/junit.xml, the JUnit XML of its thresholds and checks (metrics/junit.h), made from
 * the summary stored with the run, so it is the document `rampage run --out junit=` writes; GET
 * /api/runs/{id}/report.html, the self-contained HTML report (metrics/report_html.h) from the run,
 * its definition, its summary and its stored seconds (merged into windows for a long run), with the
 * sections other results add (report_extra_sections).
 *
 * Runs on the api thread; the run is read through runs/run_query.h on its read-only connection.
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/api_priv.h"
#include "metrics/junit.h"
#include "metrics/report_html.h"
#include "runs/run_query.h"
#include "runs/run_store.h"
#include "runs/runq.h"

static const char *const no_params[] = { NULL };

/*
 * The run with its summary, or NULL after answering: 404 no such run, 409 it has not ended, 404 it
 * ended without a summary (error, or aborted by a crash). what names the report in the messages.
 */
static json_t *
finished_run(struct api_request *req, int64_t id, const char *what)
{
	json_t *r = NULL;
	char *cause = NULL;
	int state;

	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return NULL;
	if (run_query_get(req->db, id, NULL, NULL, &r, &cause) != 0) {
		api_reply_db_error(req, "reading the run", cause);
		free(cause);
		return NULL;
	}
	if (r == NULL) {
		api_reply_error(req, 404, "not_found", "no run %lld", (long long)id);
		return NULL;
	}
	if (json_is_object(json_object_get(r, "summary")))
		return r;
	state = run_state_from_name(json_string_value(json_object_get(r, "state")));
	if (state >= 0 && !run_state_final((enum run_state)state))
		api_reply_error(req, 409, "conflict", "run %lld is %s: its %s is made when it ends",
		    (long long)id, run_state_name((enum run_state)state), what);
	else
		api_reply_error(req, 404, "not_found", "run %lld has no %s (it ended %s before its summary "
		    "was written)", (long long)id, what, json_string_value(json_object_get(r, "state")));
	json_decref(r);
	return NULL;
}

/* GET /api/runs/{id}/junit.xml */
void
api_runs_junit(struct api_request *req)
{
	int64_t id = req->params[0];
	json_t *r = finished_run(req, id, "JUnit report");
	json_t *started;
	char *xml;

	if (r == NULL)
		return;
	started = json_object_get(r, "started_ms");
	struct junit_meta meta = {
		.suite = json_string_value(json_object_get(r, "name")),
		.started_unix = json_is_integer(started) ? (int64_t)(json_integer_value(started) / 1000) : 0,
		.run_id = id,
	};
	xml = junit_xml(json_object_get(r, "summary"), &meta);
	api_reply_raw(req, 200, "application/xml; charset=utf-8", xml, strlen(xml));
	free(xml);
	json_decref(r);
}

/* ---- the HTML report */

/* Gathers a samples read into a report series: each row a window of `seconds` seconds. */
static int
series_row(void *arg, int64_t second, const struct run_row *row, int seconds)
{
	struct report_series *s = arg;
	double k = seconds > 0 ? (double)seconds : 1;

#define COL(c, scale) (row->null[c] ? NAN : (double)row->v[c] * (scale))
	double v[REPORT_NCOLS] = {
		[REPORT_RPS] = COL(RUN_COL_REQUESTS, 1 / k), [REPORT_ERRORS] = COL(RUN_COL_FAILURES, 1 / k),
		[REPORT_P50] = COL(RUN_COL_LAT_P50, 1e-3), [REPORT_P95] = COL(RUN_COL_LAT_P95, 1e-3),
		[REPORT_P99] = COL(RUN_COL_LAT_P99, 1e-3), [REPORT_VUS] = COL(RUN_COL_VUS, 1),
		[REPORT_ITERATIONS] = COL(RUN_COL_ITERATIONS, 1 / k),
		[REPORT_RECEIVED] = COL(RUN_COL_BYTES_RECEIVED, 1 / k), [REPORT_SENT] = COL(RUN_COL_BYTES_SENT, 1 / k),
		[REPORT_CPU] = row->null[RUN_COL_CPU_PCT] ? NAN : row->cpu_pct,
	};
#undef COL
	report_series_add(s, second, v);
	return 0;
}

/*
 * THE HOOK where a run's other results join its report when they exist: each is a key of the run
 * object (GET /api/runs/{id}) that the part producing it adds; a key the run does not have adds
 * nothing. Findings (a list of what went wrong and when) and the comparison with the baseline are
 * named here; a later result adds its line.
 */
static void
report_extra_sections(json_t *data, const json_t *run)
{
	static const struct { const char *key, *title; } extras[] = {
		{ "findings", "Findings" },
		{ "baseline_comparison", "Comparison with the baseline" },
		{ "comparison", "Comparison with the baseline" },
	};

	for (size_t i = 0; i < sizeof extras / sizeof extras[0]; i++) {
		json_t *v = json_object_get(run, extras[i].key);
		if (v != NULL && !json_is_null(v))
			report_add_section(data, extras[i].key, extras[i].title, json_deep_copy(v));
	}
}

/* GET /api/runs/{id}/report.html */
void
api_runs_report(struct api_request *req)
{
	int64_t id = req->params[0];
	json_t *r = finished_run(req, id, "report");
	json_t *data, *run, *series;
	struct report_series s = { 0 };
	char *cause = NULL, *html;
	double dur_ms;
	int64_t seconds, step;

	if (r == NULL)
		return;
	/* Windows of `step` seconds so that the report holds at most REPORT_MAX_POINTS points. */
	dur_ms = json_number_value(json_object_get(json_object_get(json_object_get(r, "summary"), "state"),
	    "testRunDurationMs"));
	seconds = (int64_t)(dur_ms / 1000) + 2;
	step = seconds > REPORT_MAX_POINTS ? (seconds + REPORT_MAX_POINTS - 1) / REPORT_MAX_POINTS : 1;
	struct run_query_samples q = { .run_id = id, .endpoint = 0, .from = 0, .to = INT64_MAX / 2,
		.step = step };
	if (run_query_samples(req->db, &q, series_row, &s, &cause) < 0) {
		api_reply_db_error(req, "reading the run's samples", cause);
		free(cause);
		report_series_free(&s);
		json_decref(r);
		return;
	}
	data = json_object();
	run = json_deep_copy(r);
	json_object_del(run, "summary");
	json_object_del(run, "definition");
	json_object_set_new(data, "run", run);
	json_object_set(data, "definition", json_object_get(r, "definition"));
	json_object_set(data, "summary", json_object_get(r, "summary"));
	series = report_series_json(&s);
	json_object_set_new(series, "step", json_integer((json_int_t)(step *
	    json_integer_value(json_object_get(series, "step")))));
	json_object_set_new(data, "series", series);
	report_extra_sections(data, r);
	html = report_html(data);
	api_reply_raw(req, 200, "text/html; charset=utf-8", html, strlen(html));
	free(html);
	report_series_free(&s);
	json_decref(data);
	json_decref(r);
}
