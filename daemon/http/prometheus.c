/*
 * prometheus: GET /metrics in the Prometheus text exposition format 0.0.4: the daemon's gauges and,
 * for each run that is running or stopping, its counters and latency histogram over the run so far.
 * Runs on the api thread. The runs' figures are the copies the run manager keeps in their status
 * cells (runq_metrics_take, built by runs/run_metrics.h), never the engine's; the runs by state
 * come from the read connection (run_query.h).
 *
 * The text is built whole in a buffer capped at PROM_MAX_BYTES (a scrape is a few KiB per
 * endpoint); past it the scrape answers 500 rather than a cut exposition.
 */
#include <config.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/buf.h"
#include "http/api_priv.h"
#include "runs/run_metrics.h"
#include "testdef/metric.h"
#include "runs/run_query.h"
#include "runs/runq.h"

#define PROM_MAX_BYTES (32u << 20)

/* Appends a label value, escaped as the format wants (\\, \" and \n). */
static void
prom_value(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			buf_add(b, "\\\\", 2);
		else if (*s == '"')
			buf_add(b, "\\\"", 2);
		else if (*s == '\n')
			buf_add(b, "\\n", 2);
		else
			buf_add(b, s, 1);
	}
}

/* Appends a family's HELP and TYPE lines. */
static void
prom_family(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Appends `name{run="..",test=".."` (the caller closes the braces). */
static void
prom_run(struct buf *b, const char *name, const struct run_metrics *m)
{
	buf_printf(b, "%s{run=\"%lld\",test=\"", name, (long long)m->run_id);
	prom_value(b, m->test);
	buf_printf(b, "\"");
}

/* Appends `name{run="..",test="..",endpoint=".."` (the caller closes the braces). */
static void
prom_endpoint(struct buf *b, const char *name, const struct run_metrics *m,
    const struct run_metrics_endpoint *e)
{
	prom_run(b, name, m);
	buf_printf(b, ",endpoint=\"");
	prom_value(b, e->name);
	buf_printf(b, "\"");
}

/* Appends the runs in the database by state; -1 and *cause when the read connection fails. */
static int
prom_runs(struct buf *b, sqlite3 *db, char **cause)
{
	int64_t count[RUN_NSTATES] = { 0 };

	prom_family(b, "rampage_runs", "gauge", "Runs in the database by state.");
	if (db == NULL)
		return 0;
	if (run_query_count_states(db, count, cause) != 0)
		return -1;
	for (int s = 0; s < RUN_NSTATES; s++)
		buf_printf(b, "rampage_runs{state=\"%s\"} %lld\n", run_state_name(s), (long long)count[s]);
	return 0;
}

/* Appends the families of the running runs (each from its status cell's copy). */
static void
prom_run_families(struct buf *b, struct run_metrics **ms, int n)
{
	prom_family(b, "rampage_vus", "gauge", "Active virtual users of a running run.");
	for (int i = 0; i < n; i++) {
		prom_run(b, "rampage_vus", ms[i]);
		buf_printf(b, "} %d\n", ms[i]->vus);
	}
	prom_family(b, "rampage_http_reqs_total", "counter",
	    "Completed HTTP requests of a running run so far, by endpoint and status (0: no response; "
	    "other: a status outside 100-599).");
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < ms[i]->nendpoints; j++) {
			const struct run_metrics_endpoint *e = &ms[i]->endpoints[j];
			for (int k = 0; k < e->nstatus; k++) {
				prom_endpoint(b, "rampage_http_reqs_total", ms[i], e);
				if (e->status[k].code == RUN_METRICS_STATUS_OTHER)
					buf_printf(b, ",status=\"other\"} %llu\n",
					    (unsigned long long)e->status[k].count);
				else
					buf_printf(b, ",status=\"%d\"} %llu\n", e->status[k].code,
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
				buf_printf(b, ",le=\"%g\"} %llu\n", run_metrics_le_s[k],
				    (unsigned long long)e->le[k]);
			}
			prom_endpoint(b, "rampage_http_req_duration_seconds_bucket", ms[i], e);
			buf_printf(b, ",le=\"+Inf\"} %llu\n", (unsigned long long)e->count);
			prom_endpoint(b, "rampage_http_req_duration_seconds_sum", ms[i], e);
			buf_printf(b, "} %.6f\n", (double)e->sum_us / 1e6);
			prom_endpoint(b, "rampage_http_req_duration_seconds_count", ms[i], e);
			buf_printf(b, "} %llu\n", (unsigned long long)e->count);
		}
	}
	prom_family(b, "rampage_data_sent_bytes_total", "counter",
	    "Bytes sent by a running run so far.");
	for (int i = 0; i < n; i++) {
		prom_run(b, "rampage_data_sent_bytes_total", ms[i]);
		buf_printf(b, "} %llu\n", (unsigned long long)ms[i]->bytes_sent);
	}
	prom_family(b, "rampage_data_received_bytes_total", "counter",
	    "Bytes received by a running run so far.");
	for (int i = 0; i < n; i++) {
		prom_run(b, "rampage_data_received_bytes_total", ms[i]);
		buf_printf(b, "} %llu\n", (unsigned long long)ms[i]->bytes_received);
	}
	prom_family(b, "rampage_checks_total", "counter",
	    "Checks of a running run so far, by check name and result (pass or fail).");
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < ms[i]->nchecks; j++) {
			prom_run(b, "rampage_checks_total", ms[i]);
			buf_printf(b, ",check=\"");
			prom_value(b, ms[i]->check_names[j]);
			buf_printf(b, "\",result=\"pass\"} %llu\n",
			    (unsigned long long)ms[i]->check_passes[j]);
			prom_run(b, "rampage_checks_total", ms[i]);
			buf_printf(b, ",check=\"");
			prom_value(b, ms[i]->check_names[j]);
			buf_printf(b, "\",result=\"fail\"} %llu\n",
			    (unsigned long long)ms[i]->check_fails[j]);
		}
	}
}

/* Appends `name{run="..",test="..",metric=".."` (the caller closes the braces). */
static void
prom_custom(struct buf *b, const char *name, const struct run_metrics *m, const struct run_metrics_custom *c)
{
	prom_run(b, name, m);
	buf_printf(b, ",metric=\"");
	prom_value(b, c->name);
	buf_printf(b, "\"");
}

/* Whether a running run has a custom metric of this type. */
static bool
prom_has(struct run_metrics **ms, int n, int type)
{
	for (int i = 0; i < n; i++)
		for (int j = 0; j < ms[i]->ncustom; j++)
			if (ms[i]->custom[j].type == type)
				return true;
	return false;
}

/* Appends the custom metrics (the definitions' `metrics`) of the running runs: one family per k6
   type, only while a running run has one, the metric's name as a label (so a definition's names
   never clash with ours). */
static void
prom_custom_families(struct buf *b, struct run_metrics **ms, int n)
{
	if (prom_has(ms, n, METRIC_COUNTER))
		prom_family(b, "rampage_custom_total", "counter",
		    "A custom Counter of a running run: the sum of its values so far.");
	for (int i = 0; i < n; i++)
		for (int j = 0; j < ms[i]->ncustom; j++)
			if (ms[i]->custom[j].type == METRIC_COUNTER) {
				prom_custom(b, "rampage_custom_total", ms[i], &ms[i]->custom[j]);
				buf_printf(b, "} %.17g\n", ms[i]->custom[j].sum);
			}
	if (prom_has(ms, n, METRIC_GAUGE))
		prom_family(b, "rampage_custom_value", "gauge",
		    "A custom Gauge of a running run: its latest value (absent before the first).");
	for (int i = 0; i < n; i++)
		for (int j = 0; j < ms[i]->ncustom; j++)
			if (ms[i]->custom[j].type == METRIC_GAUGE && ms[i]->custom[j].n > 0) {
				prom_custom(b, "rampage_custom_value", ms[i], &ms[i]->custom[j]);
				buf_printf(b, "} %.17g\n", ms[i]->custom[j].last);
			}
	if (prom_has(ms, n, METRIC_RATE))
		prom_family(b, "rampage_custom_rate_total", "counter",
		    "A custom Rate of a running run: its values so far by result (pass: not zero; fail: zero).");
	for (int i = 0; i < n; i++)
		for (int j = 0; j < ms[i]->ncustom; j++)
			if (ms[i]->custom[j].type == METRIC_RATE) {
				const struct run_metrics_custom *c = &ms[i]->custom[j];
				prom_custom(b, "rampage_custom_rate_total", ms[i], c);
				buf_printf(b, ",result=\"pass\"} %llu\n", (unsigned long long)c->nonzero);
				prom_custom(b, "rampage_custom_rate_total", ms[i], c);
				buf_printf(b, ",result=\"fail\"} %llu\n", (unsigned long long)(c->n - c->nonzero));
			}
	if (prom_has(ms, n, METRIC_TREND))
		prom_family(b, "rampage_custom_trend", "summary",
		    "A custom Trend of a running run so far: quantiles (1/256 precision), sum and count of "
		    "its values, in the definition's unit.");
	for (int i = 0; i < n; i++)
		for (int j = 0; j < ms[i]->ncustom; j++)
			if (ms[i]->custom[j].type == METRIC_TREND) {
				const struct run_metrics_custom *c = &ms[i]->custom[j];
				for (int q = 0; q < RUN_METRICS_NQ && c->n > 0; q++) {
					prom_custom(b, "rampage_custom_trend", ms[i], c);
					buf_printf(b, ",quantile=\"%g\"} %.17g\n", run_metrics_q[q], c->q[q]);
				}
				prom_custom(b, "rampage_custom_trend_sum", ms[i], c);
				buf_printf(b, "} %.17g\n", c->sum);
				prom_custom(b, "rampage_custom_trend_count", ms[i], c);
				buf_printf(b, "} %llu\n", (unsigned long long)c->n);
			}
}

/*
 * GET /metrics: the daemon's gauges and, for each run that is running or stopping, its counters
 * and latency histogram over the run so far. The runs' figures come from the copies the run
 * manager keeps in their status cells (runq_metrics_take), never from the engine.
 */
void
api_prometheus_metrics(struct api_request *req)
{
	struct buf b;
	struct run_metrics **ms = NULL;
	int n = 0, queued = 0;
	char *cause = NULL;

	buf_init(&b, PROM_MAX_BYTES);
	if (req->runq != NULL)
		ms = runq_metrics_take(req->runq, &n, &queued);
	prom_family(&b, "rampage_up", "gauge", "Whether the daemon is up (1 when it answers).");
	buf_printf(&b, "rampage_up 1\n");
	prom_family(&b, "rampage_uptime_seconds", "gauge", "Seconds since the daemon started.");
	buf_printf(&b, "rampage_uptime_seconds %lld\n", (long long)api_uptime_s(req->api));
	if (prom_runs(&b, req->db, &cause) != 0) {
		api_reply_db_error(req, "counting the runs", cause);
		goto out;
	}
	prom_family(&b, "rampage_run_queue_length", "gauge", "Runs waiting in the run queue.");
	buf_printf(&b, "rampage_run_queue_length %d\n", queued);
	prom_family(&b, "rampage_live_clients", "gauge", "Connected websocket (/api/live) clients.");
	buf_printf(&b, "rampage_live_clients %d\n",
	    req->runq != NULL ? runq_live_clients(req->runq) : 0);
	prom_run_families(&b, ms, n);
	prom_custom_families(&b, ms, n);
	if (b.full)
		api_reply_error(req, 500, "internal", "the metrics would pass %u MiB (the running runs have "
		    "too many endpoints or checks)", PROM_MAX_BYTES >> 20);
	else
		api_reply_buf(req, "text/plain; version=0.0.4; charset=utf-8", &b);
out:
	if (ms != NULL)
		runq_metrics_release(req->runq, ms, n);
	buf_fini(&b);
	free(cause);
}
