/*
 * routes: the REST API's route table, one line per route (see api_priv.h for the rules), and the
 * small system handlers. Handlers of a resource live in their own api_<resource>.c. Every handler
 * runs on the api thread.
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "http/api_priv.h"
#include "runs/run_metrics.h"
#include "runs/runq.h"

/* GET /api/health: liveness plus a `SELECT 1` on the api thread's read connection. */
static void
get_health(struct api_request *req)
{
	sqlite3_stmt *st;
	int db_ok = 0;

	if (req->db != NULL && sqlite3_prepare_v2(req->db, "SELECT 1", -1, &st, NULL) == SQLITE_OK) {
		db_ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
		sqlite3_finalize(st);
	}
	api_reply_json_new(req, db_ok ? 200 : 503, json_pack("{s:s, s:s, s:I, s:s}",
	    "status", db_ok ? "ok" : "error",
	    "version", PACKAGE_VERSION,
	    "uptime_s", (json_int_t)api_uptime_s(req->api),
	    "db", db_ok ? "ok" : "error"));
}

/* ---- GET /metrics: Prometheus text exposition format 0.0.4 */

/* A growing text buffer (a scrape is a few KiB per endpoint). */
struct prom {
	char *p;
	size_t len, cap;
};

/* Appends formatted text. */
static void __attribute__((format(printf, 2, 3)))
prom_printf(struct prom *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= b->cap - b->len) {
		while ((size_t)n >= b->cap - b->len)
			b->cap *= 2;
		b->p = xrealloc(b->p, b->cap);
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	if (n > 0)
		b->len += (size_t)n;
}

/* Appends a label value, escaped as the format wants (\\, \" and \n). */
static void
prom_value(struct prom *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			prom_printf(b, "\\\\");
		else if (*s == '"')
			prom_printf(b, "\\\"");
		else if (*s == '\n')
			prom_printf(b, "\\n");
		else
			prom_printf(b, "%c", *s);
	}
}

/* Appends a family's HELP and TYPE lines. */
static void
prom_family(struct prom *b, const char *name, const char *type, const char *help)
{
	prom_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Appends `name{run="..",test=".."` (the caller closes the braces). */
static void
prom_run(struct prom *b, const char *name, const struct run_metrics *m)
{
	prom_printf(b, "%s{run=\"%lld\",test=\"", name, (long long)m->run_id);
	prom_value(b, m->test);
	prom_printf(b, "\"");
}

/* Appends `name{run="..",test="..",endpoint=".."` (the caller closes the braces). */
static void
prom_endpoint(struct prom *b, const char *name, const struct run_metrics *m,
    const struct run_metrics_endpoint *e)
{
	prom_run(b, name, m);
	prom_printf(b, ",endpoint=\"");
	prom_value(b, e->name);
	prom_printf(b, "\"");
}

/* Appends the runs in the database by state; -1 when the read connection fails. */
static int
prom_runs(struct prom *b, sqlite3 *db)
{
	long long count[RUN_NSTATES] = { 0 };
	sqlite3_stmt *st;
	int rc;

	prom_family(b, "rampage_runs", "gauge", "Runs in the database by state.");
	if (db == NULL)
		return 0;
	if (sqlite3_prepare_v2(db, "SELECT state, count(*) FROM runs GROUP BY state", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int s = run_state_from_name((const char *)sqlite3_column_text(st, 0));
		if (s >= 0)
			count[s] = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	for (int s = 0; s < RUN_NSTATES; s++)
		prom_printf(b, "rampage_runs{state=\"%s\"} %lld\n", run_state_name(s), count[s]);
	return 0;
}

/* Appends the families of the running runs (each from its status cell's copy). */
static void
prom_run_families(struct prom *b, struct run_metrics **ms, int n)
{
	prom_family(b, "rampage_vus", "gauge", "Active virtual users of a running run.");
	for (int i = 0; i < n; i++) {
		prom_run(b, "rampage_vus", ms[i]);
		prom_printf(b, "} %d\n", ms[i]->vus);
	}
	prom_family(b, "rampage_http_reqs_total", "counter",
	    "Completed HTTP requests of a running run so far, by endpoint and status (0: no response).");
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < ms[i]->nendpoints; j++) {
			const struct run_metrics_endpoint *e = &ms[i]->endpoints[j];
			for (int k = 0; k < e->nstatus; k++) {
				prom_endpoint(b, "rampage_http_reqs_total", ms[i], e);
				prom_printf(b, ",status=\"%d\"} %llu\n", e->status[k].code,
				    (unsigned long long)e->status[k].count);
			}
		}
	}
	prom_family(b, "rampage_http_req_duration_seconds", "histogram",
	    "HTTP request duration of a running run so far, by endpoint (open model: from the intended "
	    "start).");
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < ms[i]->nendpoints; j++) {
			const struct run_metrics_endpoint *e = &ms[i]->endpoints[j];
			for (int k = 0; k < RUN_METRICS_NLE; k++) {
				prom_endpoint(b, "rampage_http_req_duration_seconds_bucket", ms[i], e);
				prom_printf(b, ",le=\"%g\"} %llu\n", run_metrics_le_s[k],
				    (unsigned long long)e->le[k]);
			}
			prom_endpoint(b, "rampage_http_req_duration_seconds_bucket", ms[i], e);
			prom_printf(b, ",le=\"+Inf\"} %llu\n", (unsigned long long)e->count);
			prom_endpoint(b, "rampage_http_req_duration_seconds_sum", ms[i], e);
			prom_printf(b, "} %.6f\n", (double)e->sum_us / 1e6);
			prom_endpoint(b, "rampage_http_req_duration_seconds_count", ms[i], e);
			prom_printf(b, "} %llu\n", (unsigned long long)e->count);
		}
	}
	prom_family(b, "rampage_data_sent_bytes_total", "counter",
	    "Bytes sent by a running run so far.");
	for (int i = 0; i < n; i++) {
		prom_run(b, "rampage_data_sent_bytes_total", ms[i]);
		prom_printf(b, "} %llu\n", (unsigned long long)ms[i]->bytes_sent);
	}
	prom_family(b, "rampage_data_received_bytes_total", "counter",
	    "Bytes received by a running run so far.");
	for (int i = 0; i < n; i++) {
		prom_run(b, "rampage_data_received_bytes_total", ms[i]);
		prom_printf(b, "} %llu\n", (unsigned long long)ms[i]->bytes_received);
	}
	prom_family(b, "rampage_checks_total", "counter",
	    "Checks of a running run so far, by check name and result (pass or fail).");
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < ms[i]->nchecks; j++) {
			prom_run(b, "rampage_checks_total", ms[i]);
			prom_printf(b, ",check=\"");
			prom_value(b, ms[i]->check_names[j]);
			prom_printf(b, "\",result=\"pass\"} %llu\n",
			    (unsigned long long)ms[i]->check_passes[j]);
			prom_run(b, "rampage_checks_total", ms[i]);
			prom_printf(b, ",check=\"");
			prom_value(b, ms[i]->check_names[j]);
			prom_printf(b, "\",result=\"fail\"} %llu\n",
			    (unsigned long long)ms[i]->check_fails[j]);
		}
	}
}

/*
 * GET /metrics: the daemon's gauges and, for each run that is running or stopping, its counters
 * and latency histogram over the run so far. The runs' figures come from the copies the run
 * manager keeps in their status cells (runq_metrics_take), never from the engine.
 */
static void
get_metrics(struct api_request *req)
{
	struct prom b = { .p = xmalloc(4096), .cap = 4096 };
	struct run_metrics **ms = NULL;
	int n = 0, queued = 0;

	if (req->runq != NULL)
		ms = runq_metrics_take(req->runq, &n, &queued);
	prom_family(&b, "rampage_up", "gauge", "Whether the daemon is up (1 when it answers).");
	prom_printf(&b, "rampage_up 1\n");
	prom_family(&b, "rampage_uptime_seconds", "gauge", "Seconds since the daemon started.");
	prom_printf(&b, "rampage_uptime_seconds %lld\n", (long long)api_uptime_s(req->api));
	if (prom_runs(&b, req->db) != 0) {
		api_reply_db_error(req, "counting the runs");
		goto out;
	}
	prom_family(&b, "rampage_run_queue_length", "gauge", "Runs waiting in the run queue.");
	prom_printf(&b, "rampage_run_queue_length %d\n", queued);
	prom_family(&b, "rampage_live_clients", "gauge", "Connected websocket (/api/live) clients.");
	prom_printf(&b, "rampage_live_clients %d\n",
	    req->runq != NULL ? runq_live_clients(req->runq) : 0);
	prom_run_families(&b, ms, n);
	api_reply_raw(req, 200, "text/plain; version=0.0.4; charset=utf-8", b.p, b.len);
out:
	if (ms != NULL)
		runq_metrics_release(req->runq, ms, n);
	free(b.p);
}

const struct api_route api_routes[] = {
	{ "GET", "/api/health", get_health },
	{ "GET",    "/api/tests",                       api_tests_list },
	{ "POST",   "/api/tests",                       api_tests_create },
	{ "POST",   "/api/tests/validate",              api_tests_validate },
	{ "GET",    "/api/tests/{id}",                  api_tests_get },
	{ "PUT",    "/api/tests/{id}",                  api_tests_put },
	{ "DELETE", "/api/tests/{id}",                  api_tests_delete },
	{ "POST",   "/api/tests/{id}/runs",             api_runs_create_for_test },
	{ "GET",    "/api/runs",                        api_runs_list },
	{ "POST",   "/api/runs",                        api_runs_create },
	{ "GET",    "/api/runs/{id}",                   api_runs_get },
	{ "DELETE", "/api/runs/{id}",                   api_runs_delete },
	{ "POST",   "/api/runs/{id}/stop",              api_runs_stop },
	{ "GET",    "/api/runs/{id}/samples",           api_runs_samples },
	{ "GET",    "/api/runs/{id}/samples.csv",       api_runs_samples_csv },
	{ "GET",    "/api/runs/{id}/endpoints",         api_runs_endpoints },
	{ "GET",    "/api/runs/{id}/summary",           api_runs_summary },
	{ "GET",    "/metrics",                         get_metrics },
};
const size_t api_nroutes = sizeof api_routes / sizeof api_routes[0];
