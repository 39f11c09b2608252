/*
 * Unit tests for metrics/summary (and the per-second writers of cli/output), on hand-built ticks:
 * the exact k6 handleSummary() shape (types, contains, value keys), ms conversions, rates over the
 * run's duration, the generator verdict both ways, the aligned text lines, and the CSV / JSON lines.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "cli/output.h"
#include "metrics/hist.h"
#include "metrics/summary.h"
#include "metrics/tick.h"
#include "testdef/metric.h"
#include "testdef/plan.h"
#include "tap.h"

#define S_NS 1000000000LL

/* ---- hand-built plan and ticks ---- */

static struct plan_endpoint endpoints[2] = {
	{ .name = "GET /health", .method = "GET" },
	{ .name = "POST /login", .method = "POST" },
};
static struct plan_scenario scenario = { .name = "default", .executor = PLAN_CONSTANT_VUS, .vus = 10 };
static struct plan plan = {
	.name = "unit", .scenarios = &scenario, .nscenarios = 1, .endpoints = endpoints, .nendpoints = 2,
	.max_vus = 10,
};

static void
ep_init(struct tick_endpoint *ep, int with_phases)
{
	memset(ep, 0, sizeof *ep);
	ep->duration = hist_new();
	ep->service = hist_new();
	for (int p = 0; p < TICK_NPHASE && with_phases; p++)
		ep->phase[p] = hist_new();
}

static void
ep_fini(struct tick_endpoint *ep)
{
	hist_free(ep->duration);
	hist_free(ep->service);
	for (int p = 0; p < TICK_NPHASE; p++)
		hist_free(ep->phase[p]);
}

/* Records n requests of d_us (service s_us) with a status into ep and the total. */
static void
record(struct tick *t, int e, uint64_t n, uint64_t d_us, uint64_t s_us, int status)
{
	struct tick_endpoint *eps[2] = { &t->endpoints[e], &t->total };

	for (int i = 0; i < 2; i++) {
		struct tick_endpoint *ep = eps[i];
		ep->requests += n;
		ep->status[status] += n;
		if (status == 0 || status >= 400)
			ep->failed += n;
		hist_record_n(ep->duration, d_us, n);
		hist_record_n(ep->service, s_us, n);
		ep->bytes_sent += 100 * n;
		ep->bytes_received += 1000 * n;
		if (ep->phase[TICK_PHASE_WAITING] != NULL) {
			hist_record_n(ep->phase[TICK_PHASE_WAITING], d_us / 2, n);
			hist_record_n(ep->phase[TICK_PHASE_BLOCKED], 5, n);
		}
	}
}

static struct tick *
tick_build(int64_t second, int with_phases)
{
	struct tick *t = calloc(1, sizeof *t);

	t->second = second;
	t->nendpoints = 2;
	t->endpoints = calloc(2, sizeof *t->endpoints);
	ep_init(&t->endpoints[0], with_phases);
	ep_init(&t->endpoints[1], with_phases);
	ep_init(&t->total, with_phases);
	t->iteration_duration = hist_new();
	t->failures = failures_new(2);
	return t;
}

static void
tick_destroy(struct tick *t)
{
	ep_fini(&t->endpoints[0]);
	ep_fini(&t->endpoints[1]);
	ep_fini(&t->total);
	free(t->endpoints);
	hist_free(t->iteration_duration);
	failures_free(t->failures);
	free(t);
}

/* ---- helpers ---- */

/* True when obj's keys are exactly the comma-separated list, in that order. */
static int
keys_are(json_t *obj, const char *list)
{
	char buf[512] = "";
	const char *k;
	json_t *v;

	if (!json_is_object(obj))
		return 0;
	json_object_foreach(obj, k, v) {
		if (buf[0] != '\0')
			strcat(buf, ",");
		strcat(buf, k);
	}
	if (strcmp(buf, list) != 0)
		printf("#   keys: %s\n#   want: %s\n", buf, list);
	return strcmp(buf, list) == 0;
}

static double
num(json_t *root, const char *metric, const char *key)
{
	json_t *v = json_object_get(json_object_get(json_object_get(json_object_get(root, "metrics"),
	    metric), "values"), key);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static int
near(double got, double want, double rel)
{
	int pass = fabs(got - want) <= fabs(want) * rel + 1e-9;
	if (!pass)
		printf("#   got %.6f want %.6f\n", got, want);
	return pass;
}

static char *
printed(const struct summary_run *run)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	summary_print(f, run);
	fclose(f);
	return text;
}

/* ---- tests ---- */

static void
test_formatting(void)
{
	char b[64];

	summary_fmt_ms(b, sizeof b, 0); is_str(b, "0s", "0 ms is 0s");
	summary_fmt_ms(b, sizeof b, 0.0005); is_str(b, "500ns", "sub-µs in ns");
	summary_fmt_ms(b, sizeof b, 0.007); is_str(b, "7µs", "µs without trailing zeros");
	summary_fmt_ms(b, sizeof b, 0.01225); is_str(b, "12.25µs", "µs with 2 decimals");
	summary_fmt_ms(b, sizeof b, 209.41); is_str(b, "209.41ms", "ms with 2 decimals");
	summary_fmt_ms(b, sizeof b, 1.1); is_str(b, "1.1ms", "1.1ms");
	summary_fmt_ms(b, sizeof b, 1350); is_str(b, "1.35s", "seconds");
	summary_fmt_ms(b, sizeof b, 61000); is_str(b, "1m1s", "minutes drop the decimals");
	summary_fmt_ms(b, sizeof b, 3723000); is_str(b, "1h2m3s", "hours");
	summary_fmt_bytes(b, sizeof b, 7); is_str(b, "7 B", "bytes below 10");
	summary_fmt_bytes(b, sizeof b, 81000); is_str(b, "81 kB", "kB, SI");
	summary_fmt_bytes(b, sizeof b, 1300000); is_str(b, "1.3 MB", "MB with a decimal below 10");
	summary_fmt_bytes(b, sizeof b, 2049); is_str(b, "2.0 kB", "toFixed(1) keeps the zero");
	summary_fmt_num(b, sizeof b, 4.3693801); is_str(b, "4.36938", "6 decimals, trailing zeros dropped");
	summary_fmt_num(b, sizeof b, 41.1); is_str(b, "41.1", "41.1");
	summary_fmt_num(b, sizeof b, 3); is_str(b, "3", "integers without a dot");
}

/* Starts a series for `workers` workers and adds n seconds of t (the first second as given too). */
static void
series_of(struct summary_series *s, int workers, const struct tick *t, int n)
{
	summary_series_init(s, workers);
	for (int i = 0; i < n; i++)
		summary_series_add(s, t);
}

static void
test_verdict(void)
{
	struct summary_series s;
	struct tick t = { 0 };
	char line[640];
	enum summary_gen g;

	/* quiet: a worker at 4% of its core, lag 2.1 ms once, a quiet host */
	summary_series_init(&s, 2);
	for (int i = 0; i < 20; i++) {
		t.cpu_pct = i == 7 ? 9.0 : 4.0;
		t.host_cpu_pct = 12.0;
		t.loop_lag_max_us = i == 3 ? 2100 : 300;
		t.vus = i < 10 ? i : 10;
		t.vus_max = 10;
		summary_series_add(&s, &t);
	}
	g = summary_verdict(&s, line, sizeof line);
	ok(g == SUMMARY_GEN_OK, "a quiet run is ok");
	is_str(line, "generator: ok (workers' cpu max 9%, loop lag max 2.1 ms, 0 late starts, host cpu max "
	    "12%; 19 s judged, the first second not)", "the ok line names what was checked");
	is_int(s.vus_min, 0, "vus min over the seconds");
	is_int(s.vus_max, 10, "vus max over the seconds");
	is_int(s.seconds, 20, "seconds counted");

	/* start-up: the first second lags 18 ms and is busy creating VUs, the rest is quiet */
	summary_series_init(&s, 2);
	for (int i = 0; i < 4; i++) {
		t.cpu_pct = i == 0 ? 95.0 : 3.0;
		t.loop_lag_max_us = i == 0 ? 18100 : 400;
		t.late_starts = i == 0 ? 7 : 0;
		t.host_cpu_pct = 5.0;
		summary_series_add(&s, &t);
	}
	ok(summary_verdict(&s, line, sizeof line) == SUMMARY_GEN_OK, "the first second is not judged: %s",
	    line);
	is_int(s.lag_max_us, 400, "nor is its lag counted");

	/* one late wake-up in a judged second is not a trend */
	summary_series_init(&s, 2);
	for (int i = 0; i < 10; i++) {
		t.cpu_pct = 3.0;
		t.late_starts = 0;
		t.loop_lag_max_us = i == 5 ? 18100 : 400;
		summary_series_add(&s, &t);
	}
	ok(summary_verdict(&s, line, sizeof line) == SUMMARY_GEN_OK, "one late wake-up is ok: %s", line);
	is_int(s.lag_seconds, 1, "one lagging second counted");

	/* sustained lag, the workers idle, the host busy: the host, not "use fewer VUs" */
	t = (struct tick){ .cpu_pct = 6.0, .host_cpu_pct = 99.0, .loop_lag_max_us = 45000 };
	series_of(&s, 1, &t, 5);
	g = summary_verdict(&s, line, sizeof line);
	ok(g == SUMMARY_GEN_HOST_BUSY, "lag with idle workers on a busy host: host busy");
	ok(strncmp(line, "WARNING: the host was busy in 4 of 4 s: other processes took the cores", 70) == 0,
	    "the warning names the host: %s", line);
	ok(strstr(line, "workers' cpu max 6%, loop lag max 45.0 ms, 0 late starts, host cpu max 99%") != NULL,
	    "and the figures");
	ok(strstr(line, "use fewer VUs") == NULL && strstr(line, "Use fewer VUs") == NULL,
	    "and does not blame the VUs");
	is_str(summary_gen_name(g), "host_busy", "its name");

	/* the same lag with a quiet host: the generator's own sends were late */
	t.host_cpu_pct = 20.0;
	series_of(&s, 1, &t, 5);
	ok(summary_verdict(&s, line, sizeof line) == SUMMARY_GEN_SATURATED, "lag on a quiet host: saturated");

	/* a worker at 100% of its core: the generator, whatever the host */
	t = (struct tick){ .cpu_pct = 100.0, .host_cpu_pct = 100.0, .loop_lag_max_us = 30000 };
	series_of(&s, 2, &t, 6);
	g = summary_verdict(&s, line, sizeof line);
	ok(g == SUMMARY_GEN_SATURATED, "a worker at 100%%: saturated");
	ok(strncmp(line, "WARNING: the load generator was the bottleneck in 5 of 5 s: ", 60) == 0,
	    "the warning names the generator: %s", line);
	ok(strstr(line, "a worker's own cpu >= 90% of its core in 5 s") != NULL, "and the cause");
	is_int(s.host_busy_seconds, 0, "a busy worker is not the host's fault");
	is_str(summary_gen_name(g), "saturated", "its name");
	/* 89.9% is under the line */
	t = (struct tick){ .cpu_pct = 89.9, .host_cpu_pct = 50.0 };
	series_of(&s, 2, &t, 6);
	ok(summary_verdict(&s, line, sizeof line) == SUMMARY_GEN_OK, "89.9%% is under the line");

	/* open model: iterations started late, no lag, modest CPU */
	t = (struct tick){ .cpu_pct = 60.0, .host_cpu_pct = 60.0, .late_starts = 40 };
	series_of(&s, 1, &t, 4);
	g = summary_verdict(&s, line, sizeof line);
	ok(g == SUMMARY_GEN_SATURATED, "late starts: saturated");
	ok(strstr(line, "iterations started late in 3 s (120 late)") != NULL, "naming the late starts: %s",
	    line);

	/* a few late starts among many iterations are a hiccup */
	t = (struct tick){ .cpu_pct = 20.0, .host_cpu_pct = 20.0, .late_starts = 9, .iterations = 100 };
	series_of(&s, 1, &t, 4);
	ok(summary_verdict(&s, line, sizeof line) == SUMMARY_GEN_OK, "9%% late starts: ok");
	/* late starts with idle workers on a busy host: the host */
	t = (struct tick){ .cpu_pct = 8.0, .host_cpu_pct = 97.0, .late_starts = 50, .iterations = 100 };
	series_of(&s, 1, &t, 4);
	ok(summary_verdict(&s, line, sizeof line) == SUMMARY_GEN_HOST_BUSY, "late starts on a busy host: %s",
	    line);

	/* 2 of 100 lagging seconds is under 5% */
	summary_series_init(&s, 4);
	for (int i = 0; i < 100; i++) {
		t = (struct tick){ .cpu_pct = 10.0, .host_cpu_pct = 10.0,
		    .loop_lag_max_us = i == 4 || i == 60 ? 15000 : 100 };
		summary_series_add(&s, &t);
	}
	ok(summary_verdict(&s, line, sizeof line) == SUMMARY_GEN_OK, "2%% lagging seconds is ok");
	ok(strstr(line, "loop lag max 15.0 ms") != NULL, "and the ok line shows the max");

	/* exactly 10 ms is not "above" */
	t = (struct tick){ .cpu_pct = 10.0, .host_cpu_pct = 10.0, .loop_lag_max_us = 10000 };
	series_of(&s, 1, &t, 5);
	ok(summary_verdict(&s, line, sizeof line) == SUMMARY_GEN_OK, "10 ms is not late");
	/* no /proc/stat */
	t.host_cpu_pct = -1;
	series_of(&s, 1, &t, 3);
	summary_verdict(&s, line, sizeof line);
	ok(strstr(line, "host cpu unknown") != NULL, "an unknown host CPU says so");
}

static void
test_json(void)
{
	struct tick *w = tick_build(-1, 1);
	struct summary_series s;
	struct summary_run run;
	json_t *root, *m, *rp;
	struct tick sec = { 0 };
	static const char *trends[] = { "http_req_duration", "http_req_blocked", "http_req_connecting",
	    "http_req_tls_handshaking", "http_req_sending", "http_req_waiting", "http_req_receiving",
	    "iteration_duration" };
	static const char *counters[] = { "http_reqs", "iterations", "dropped_iterations", "data_sent",
	    "data_received" };

	/* 90 x 1 ms + 10 x 2 ms on /health (5 of them 503), 50 x 3 ms on /login, over 10 s */
	record(w, 0, 85, 1000, 800, 200);
	record(w, 0, 5, 1000, 800, 503);
	record(w, 0, 10, 2000, 1500, 200);
	record(w, 1, 50, 3000, 2500, 201);
	w->endpoints[1].errors[TICK_ERR_CONNECT] = 2;
	w->total.errors[TICK_ERR_CONNECT] = 2;
	failures_add(w->failures, 0, FAILURE_HTTP_STATUS, "HTTP 503", 8, 5, 1, 4);
	failures_add(w->failures, 1, FAILURE_REFUSED, "Failed to connect", 17, 2, 3, 3);
	w->iterations = 140;
	w->interrupted_iterations = 3;
	hist_record_n(w->iteration_duration, 4000, 140);
	w->vus = 10;
	w->vus_max = 12;

	summary_series_init(&s, 2);
	for (int i = 0; i < 10; i++) {
		sec.vus = i < 2 ? 5 : 10;
		sec.vus_max = 12;
		sec.cpu_pct = 30;
		summary_series_add(&s, &sec);
	}
	run = (struct summary_run){ .plan = &plan, .whole = w, .series = &s, .duration_ns = 10 * S_NS,
	    .stdout_tty = false, .stderr_tty = true };
	root = summary_json(&run);

	ok(keys_are(root, "root_group,options,state,metrics,rampage,findings"), "top-level keys (findings: Rampage's, issue 14)");
	ok(keys_are(json_object_get(root, "root_group"), "name,path,id,groups,checks"), "root_group keys");
	is_str(json_string_value(json_object_get(json_object_get(root, "root_group"), "id")),
	    "d41d8cd98f00b204e9800998ecf8427e", "root group id is md5(\"\")");
	ok(json_is_array(json_object_get(json_object_get(root, "root_group"), "groups")),
	    "groups is an array (handleSummary shape)");
	ok(keys_are(json_object_get(root, "options"), "summaryTrendStats,summaryTimeUnit,noColor"), "options keys");
	ok(keys_are(json_object_get(root, "state"), "isStdOutTTY,isStdErrTTY,testRunDurationMs"), "state keys");
	ok(near(json_number_value(json_object_get(json_object_get(root, "state"), "testRunDurationMs")),
	    10000, 0), "testRunDurationMs in ms");
	ok(json_is_false(json_object_get(json_object_get(root, "state"), "isStdOutTTY")) &&
	    json_is_true(json_object_get(json_object_get(root, "state"), "isStdErrTTY")), "tty flags");

	m = json_object_get(root, "metrics");
	/* http_req_sending only where libcurl can time a request's write (metric_measured): never a
	   constant 0 */
	bool sending = metric_measured(METRIC_HTTP_REQ_SENDING);
	ok(keys_are(m, sending ? "http_reqs,http_req_duration,http_req_failed,http_req_blocked,http_req_connecting,"
	    "http_req_tls_handshaking,http_req_sending,http_req_waiting,http_req_receiving,iterations,"
	    "iteration_duration,dropped_iterations,vus,vus_max,data_sent,data_received" :
	    "http_reqs,http_req_duration,http_req_failed,http_req_blocked,http_req_connecting,"
	    "http_req_tls_handshaking,http_req_waiting,http_req_receiving,iterations,"
	    "iteration_duration,dropped_iterations,vus,vus_max,data_sent,data_received"),
	    "metric names (http_req_sending %s)", sending ? "measured" : "not measured: absent");
	for (size_t i = 0; i < sizeof trends / sizeof trends[0]; i++) {
		json_t *x = json_object_get(m, trends[i]);
		if (!sending && strcmp(trends[i], "http_req_sending") == 0)
			continue;
		ok(keys_are(x, "type,contains,values"), "%s entry keys", trends[i]);
		is_str(json_string_value(json_object_get(x, "type")), "trend", "%s is a trend", trends[i]);
		is_str(json_string_value(json_object_get(x, "contains")), "time", "%s contains time", trends[i]);
		ok(keys_are(json_object_get(x, "values"), "avg,min,med,max,p(90),p(95),p(99)"), "%s values", trends[i]);
	}
	for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++) {
		json_t *x = json_object_get(m, counters[i]);
		is_str(json_string_value(json_object_get(x, "type")), "counter", "%s is a counter", counters[i]);
		is_str(json_string_value(json_object_get(x, "contains")),
		    strncmp(counters[i], "data_", 5) == 0 ? "data" : "default", "%s contains", counters[i]);
		ok(keys_are(json_object_get(x, "values"), "count,rate"), "%s values", counters[i]);
	}
	is_str(json_string_value(json_object_get(json_object_get(m, "http_req_failed"), "type")), "rate",
	    "http_req_failed is a rate");
	ok(keys_are(json_object_get(json_object_get(m, "http_req_failed"), "values"), "rate,passes,fails"),
	    "rate values");
	is_str(json_string_value(json_object_get(json_object_get(m, "vus"), "type")), "gauge", "vus is a gauge");
	ok(keys_are(json_object_get(json_object_get(m, "vus"), "values"), "value,min,max"), "gauge values");

	/* numbers */
	is_int(num(root, "http_reqs", "count"), 150, "http_reqs count");
	ok(near(num(root, "http_reqs", "rate"), 15.0, 1e-12), "http_reqs rate = count / 10 s");
	ok(near(num(root, "http_req_duration", "avg"), (90 * 1.0 + 10 * 2.0 + 50 * 3.0) / 150, 1e-9),
	    "avg in ms (exact)");
	ok(near(num(root, "http_req_duration", "min"), 1.0, 0), "min in ms");
	ok(near(num(root, "http_req_duration", "max"), 3.0, 0), "max in ms");
	ok(near(num(root, "http_req_duration", "med"), 1.0, 0.005), "med in ms");
	ok(near(num(root, "http_req_duration", "p(90)"), 3.0, 0.005), "p(90) in ms");
	ok(near(num(root, "http_req_waiting", "avg"), (90 * 0.5 + 10 * 1.0 + 50 * 1.5) / 150, 1e-9),
	    "phase trend from the whole-run phase histogram");
	ok(near(num(root, "http_req_blocked", "max"), 0.005, 0), "µs become fractional ms");
	ok(near(num(root, "http_req_failed", "rate"), 5.0 / 150, 1e-12), "http_req_failed rate");
	is_int(num(root, "http_req_failed", "passes"), 5, "passes = failed requests (k6: non-zero samples)");
	is_int(num(root, "http_req_failed", "fails"), 145, "fails = good requests");
	is_int(num(root, "data_sent", "count"), 15000, "data_sent bytes");
	ok(near(num(root, "data_received", "rate"), 15000.0, 1e-12), "data_received bytes/s");
	is_int(num(root, "iterations", "count"), 140, "iterations");
	ok(near(num(root, "iterations", "rate"), 14.0, 1e-12), "iterations/s");
	ok(near(num(root, "iteration_duration", "avg"), 4.0, 0), "iteration_duration in ms");
	is_int(num(root, "vus", "value"), 10, "vus value: the last second");
	is_int(num(root, "vus", "min"), 5, "vus min");
	is_int(num(root, "vus", "max"), 10, "vus max");
	is_int(num(root, "vus_max", "value"), 12, "vus_max value");

	/* rampage extras */
	rp = json_object_get(root, "rampage");
	json_t *e0 = json_array_get(json_object_get(rp, "endpoints"), 0);
	json_t *e1 = json_array_get(json_object_get(rp, "endpoints"), 1);
	is_str(json_string_value(json_object_get(e0, "name")), "GET /health", "endpoint name");
	is_int(json_integer_value(json_object_get(e0, "requests")), 100, "endpoint requests");
	is_int(json_integer_value(json_object_get(e0, "failed")), 5, "endpoint failures");
	is_int(json_integer_value(json_object_get(json_object_get(e0, "status"), "503")), 5, "status counts");
	is_int(json_integer_value(json_object_get(json_object_get(e0, "status"), "200")), 95, "status 200");
	is_int(json_integer_value(json_object_get(json_object_get(e1, "errors"), "connect")), 2,
	    "error kinds by name");
	{
		json_t *f0 = json_array_get(json_object_get(e0, "failures"), 0);
		json_t *f1 = json_array_get(json_object_get(e1, "failures"), 0);
		is_int(json_array_size(json_object_get(e0, "failures")), 1, "each endpoint its messages");
		is_str(json_string_value(json_object_get(f0, "kind")), "http_status", "failure kind");
		is_str(json_string_value(json_object_get(f0, "message")), "HTTP 503", "failure message");
		is_int(json_integer_value(json_object_get(f0, "count")), 5, "failure count");
		is_int(json_integer_value(json_object_get(f0, "first_second")), 1, "first second");
		is_int(json_integer_value(json_object_get(f0, "last_second")), 4, "last second");
		is_str(json_string_value(json_object_get(f1, "kind")), "refused", "refused: errors' connect");
		ok(json_is_null(json_object_get(rp, "failure_alarm")), "no alarm judged: null");
		char *text = printed(&run);
		char *less;
		ok(strstr(text, "FAILURES (5 of 150 requests)") != NULL &&
		    strstr(text, "GET /health: http_status 5") != NULL &&
		    strstr(text, "http_status          5  s 1-4        HTTP 503") != NULL &&
		    strstr(text, "refused              2  s 3          Failed to connect") != NULL,
		    "text: the failures by endpoint, kind and message");
		free(text);
		/* 14 more messages on /login: 10 printed, the rest summed up */
		for (int i = 0; i < 14; i++) {
			char msg[32];
			int len = snprintf(msg, sizeof msg, "Recv failure %d", i);
			failures_add(w->failures, 1, FAILURE_RESET, msg, (size_t)len, 1, 2, 2);
		}
		less = printed(&run);
		ok(strstr(less, "POST /login: reset 14 · refused 2\n") != NULL &&
		    strstr(less, "Recv failure 8") != NULL && strstr(less, "Recv failure 9") == NULL &&
		    strstr(less, "    ... 5 more messages (5 failures): --summary-export lists them all\n") != NULL,
		    "text: at most 10 messages an endpoint, the rest summed up; kinds largest first");
		free(less);
	}
	ok(near(json_number_value(json_object_get(json_object_get(e1, "duration"), "avg")), 3.0, 0),
	    "endpoint trend in ms");
	is_str(json_string_value(json_object_get(json_object_get(rp, "generator"), "verdict")), "ok",
	    "generator verdict");
	ok(json_is_false(json_object_get(json_object_get(rp, "open_model"), "used")), "closed model");
	ok(json_object_get(e0, "service_time") == NULL, "no service time for a closed model");
	is_int(json_integer_value(json_object_get(json_object_get(rp, "iterations"), "interrupted")), 3,
	    "interrupted iterations");
	json_decref(root);

	/* open model: service time and the note appear */
	scenario.executor = PLAN_CONSTANT_ARRIVAL_RATE;
	w->dropped_iterations = 7;
	w->late_starts = 4;
	root = summary_json(&run);
	rp = json_object_get(root, "rampage");
	ok(json_is_true(json_object_get(json_object_get(rp, "open_model"), "used")), "open model flagged");
	ok(json_is_string(json_object_get(json_object_get(rp, "open_model"), "note")), "with its note");
	ok(near(json_number_value(json_object_get(json_object_get(json_object_get(rp, "open_model"),
	    "service_time"), "max")), 2.5, 0), "service-time percentiles (ms)");
	is_int(json_integer_value(json_object_get(json_object_get(rp, "open_model"), "dropped_iterations")),
	    7, "dropped iterations");
	is_int(num(root, "dropped_iterations", "count"), 7, "dropped_iterations metric");
	ok(json_is_object(json_object_get(json_array_get(json_object_get(rp, "endpoints"), 0), "service_time")),
	    "per-endpoint service time");
	json_decref(root);

	/* export writes the same object */
	char path[] = "/tmp/test_summary.XXXXXX";
	int fd = mkstemp(path);
	char *cause = NULL;
	close(fd);
	is_int(summary_export(&run, path, &cause), 0, "export writes");
	json_t *back = json_load_file(path, 0, NULL);
	ok(back != NULL && json_integer_value(json_object_get(json_object_get(json_object_get(
	    json_object_get(back, "metrics"), "http_reqs"), "values"), "count")) == 150, "and it reads back");
	json_decref(back);
	unlink(path);
	ok(summary_export(&run, "/nonexistent/dir/x.json", &cause) == -1 && cause != NULL,
	    "an unwritable path gives -1 and a cause");
	free(cause);

	/* text */
	scenario.executor = PLAN_CONSTANT_VUS;
	char *text = printed(&run);
	ok(strstr(text, "\n  http_req_duration..............: avg=1.73ms") != NULL,
	    "http_req_duration line padded with dots to k6's width");
	ok(strstr(text, "min=1ms") != NULL && strstr(text, "max=3ms") != NULL, "min / max humanised");
	ok(strstr(text, "\n  http_reqs......................: 150") != NULL, "http_reqs line");
	ok((strstr(text, "http_req_sending") != NULL) == metric_measured(METRIC_HTTP_REQ_SENDING),
	    "http_req_sending is printed only when measured");
	ok(strstr(text, " 15/s\n") != NULL, "http_reqs rate");
	ok(strstr(text, "\n  http_req_failed................: 3.33%") != NULL, "http_req_failed percent truncated");
	ok(strstr(text, "5 out of 150") != NULL, "and 'N out of M'");
	ok(strstr(text, "\n  iterations.....................: 140") != NULL, "iterations line");
	ok(strstr(text, "\n  vus............................: 10") != NULL && strstr(text, "min=5") != NULL,
	    "vus gauge with min");
	ok(strstr(text, "\n  data_received..................: 150 kB") != NULL, "data_received with units");
	ok(strstr(text, "15 kB/s") != NULL, "and a per-second rate with units");
	ok(strstr(text, "\n  data_sent......................: 15 kB") != NULL, "data_sent");
	ok(strstr(text, "GET /health") != NULL && strstr(text, "p95 ms") != NULL, "endpoint table");
	ok(strstr(text, "generator: ok (workers' cpu max 30%, loop lag max 0.0 ms") != NULL, "verdict line");
	{
		/* columns align: every trend line has its "min=" at the same column */
		const char *p = text;
		int col = -1, aligned = 1, lines = 0;
		while ((p = strstr(p, "avg=")) != NULL) {
			const char *bol = p, *mn = strstr(p, "min=");
			while (bol > text && bol[-1] != '\n')
				bol--;
			int c = (int)(mn - bol);
			for (const char *q = bol; q < mn; q++)   /* count "µ" as one column */
				if ((unsigned char)*q == 0xc2)
					c--;
			if (col >= 0 && c != col)
				aligned = 0;
			col = c;
			lines++;
			p = mn;
		}
		/* 8 trends, or 7 where http_req_sending is not measured (left out) */
		ok(aligned && lines >= (metric_measured(METRIC_HTTP_REQ_SENDING) ? 8 : 7),
		    "trend columns align across %d lines", lines);
	}
	free(text);

	/* an interrupted run says so */
	run.interrupted = true;
	text = printed(&run);
	ok(strstr(text, "interrupted (10s)") != NULL, "interrupted runs are labelled");
	free(text);
	tick_destroy(w);
}

static void
test_output(void)
{
	struct tick *t = tick_build(3, 0);
	struct output_second *s;
	struct output *o;
	char dir[] = "/tmp/test_output.XXXXXX", path[128], spec[160], line[1024], *cause = NULL;
	FILE *f;

	record(t, 0, 10, 1000, 1000, 200);
	record(t, 1, 2, 5000, 5000, 0);
	t->endpoints[1].errors[TICK_ERR_TIMEOUT] = 2;
	t->total.errors[TICK_ERR_TIMEOUT] = 2;
	t->vus = 7;
	t->vus_max = 8;
	t->iterations = 11;
	t->dropped_iterations = 1;
	s = output_second_new(&plan, t);
	tick_destroy(t);       /* the second must not depend on the tick any more */
	is_int(s->nendpoints, 2, "endpoints copied");
	is_int(s->total.requests, 12, "total requests");
	is_int(s->endpoints[1].status_class[0], 2, "no-response class");
	is_int(s->endpoints[0].status_class[2], 10, "2xx class");
	ok(near(s->endpoints[1].duration.p95, 5.0, 0), "percentiles computed at copy time");

	ok(mkdtemp(dir) != NULL, "temp dir");
	snprintf(path, sizeof path, "%s/o.csv", dir);
	snprintf(spec, sizeof spec, "csv=%s", path);
	o = output_open(spec, &cause);
	ok(o != NULL, "csv writer opens");
	is_int(output_write(o, s, &cause), 0, "csv write");
	is_int(output_close(o, &cause), 0, "csv close");
	f = fopen(path, "r");
	ok(fgets(line, sizeof line, f) != NULL && strncmp(line,
	    "second,endpoint,requests,failed,rps,p50_ms,p90_ms,p95_ms,p99_ms,max_ms,mean_ms,bytes_sent,"
	    "bytes_received,vus,iterations,dropped_iterations", 126) == 0, "csv header");
	ok(fgets(line, sizeof line, f) != NULL && strncmp(line, "3,GET /health,10,0,10,1.000,", 28) == 0,
	    "row for the first endpoint: %s", line);
	ok(fgets(line, sizeof line, f) != NULL && strncmp(line, "3,POST /login,2,2,2,5.000,", 26) == 0,
	    "row for the second endpoint");
	ok(strstr(line, ",7,11,1,8,") != NULL, "vus, iterations, dropped, vus_max columns");
	ok(fgets(line, sizeof line, f) != NULL && strncmp(line, "3,total,12,2,12,", 16) == 0, "total row");
	ok(fgets(line, sizeof line, f) == NULL, "one row per endpoint plus the total");
	fclose(f);
	unlink(path);

	snprintf(path, sizeof path, "%s/o.json", dir);
	snprintf(spec, sizeof spec, "json=%s", path);
	o = output_open(spec, &cause);
	output_write(o, s, &cause);
	s->second = 4;
	output_write(o, s, &cause);
	output_close(o, &cause);
	f = fopen(path, "r");
	ok(fgets(line, sizeof line, f) != NULL, "json line 1");
	json_t *j = json_loads(line, 0, NULL);
	is_int(json_integer_value(json_object_get(j, "second")), 3, "second");
	is_int(json_integer_value(json_object_get(json_object_get(j, "total"), "requests")), 12, "total inside");
	is_int(json_array_size(json_object_get(j, "endpoints")), 2, "every endpoint inside");
	is_str(json_string_value(json_object_get(json_array_get(json_object_get(j, "endpoints"), 1), "name")),
	    "POST /login", "endpoint names");
	json_decref(j);
	ok(fgets(line, sizeof line, f) != NULL && strncmp(line, "{\"second\":4", 11) == 0, "json line 2");
	fclose(f);
	unlink(path);
	rmdir(dir);

	ok(output_open("xml=/tmp/x", &cause) == NULL && strstr(cause, "csv=PATH") != NULL, "bad spec");
	free(cause);
	cause = NULL;
	ok(output_open("csv=/nonexistent/dir/x.csv", &cause) == NULL && cause != NULL, "unwritable path");
	free(cause);

	char *text = NULL;
	size_t len = 0;
	f = open_memstream(&text, &len);
	output_progress(f, s, 5 * S_NS + 300000000, 30 * S_NS, 0);
	fclose(f);
	ok(strstr(text, "5s/30s") != NULL && strstr(text, "vus 7/8") != NULL && strstr(text, "12.0 req/s") != NULL
	    && strstr(text, "errors 16.67%") != NULL && text[0] == '\r', "progress line: %s", text + 1);
	free(text);
	output_second_free(s);
}

/* root_group.checks: k6's ids, the MD5 of each check's path "::name" (values from Python's hashlib;
   the long name spans two MD5 blocks). */
static void
test_check_ids(void)
{
	static char *names[] = { "status is 200",
	    "a check with a long name that spans more than one md5 block of sixty-four bytes, surely" };
	struct plan p = plan;
	struct tick *w = tick_build(-1, 1);
	struct tick_check counts[2] = { { 3, 1 }, { 0, 2 } };
	struct summary_series s;
	struct summary_run run;
	json_t *root, *checks;

	p.check_names = names;
	p.nchecks = 2;
	w->checks = counts;
	w->nchecks = 2;
	summary_series_init(&s, 1);
	run = (struct summary_run){ .plan = &p, .whole = w, .series = &s, .duration_ns = S_NS };
	root = summary_json(&run);
	checks = json_object_get(json_object_get(root, "root_group"), "checks");
	is_int(json_array_size(checks), 2, "one root_group check per name");
	is_str(json_string_value(json_object_get(json_array_get(checks, 0), "path")), "::status is 200",
	    "a check's path is ::name");
	is_str(json_string_value(json_object_get(json_array_get(checks, 0), "id")),
	    "6210a8cd14cd70477eba5c5e4cb3fb5f", "its id is md5(\"::status is 200\")");
	is_str(json_string_value(json_object_get(json_array_get(checks, 1), "id")),
	    "678ed121cce29a5107346d438c9a86fc", "the id of a name longer than an MD5 block");
	is_int(json_integer_value(json_object_get(json_array_get(checks, 0), "passes")), 3, "passes");
	is_int(json_integer_value(json_object_get(json_array_get(checks, 1), "fails")), 2, "fails");
	json_decref(root);
	w->checks = NULL;
	w->nchecks = 0;
	tick_destroy(w);
}

int
main(void)
{
	test_formatting();
	test_verdict();
	test_json();
	test_check_ids();
	test_output();
	return done_testing();
}
