/*
 * test_monitor: the definition's monitors (testdef/monitors.c) and what a scrape's answer becomes
 * (metrics/monitor.h): selection by series name and label matchers, summed; counters as per-second
 * rates, resets included; gauges as read; JSON Pointers; the cap on series; a failed scrape and a
 * value not found counted as gaps in the second's tick; monitor:NAME thresholds.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/findings.h"
#include "metrics/monitor.h"
#include "metrics/threshold.h"
#include "metrics/tick.h"
#include "testdef/plan.h"
#include "testdef/testdef.h"
#include "tap.h"

#define S 1000000000LL

/* Parses a definition with the given monitors (and thresholds, NULL: none). */
static struct plan *
parse(const char *monitors, const char *thresholds, struct testdef_errors *errs)
{
	char text[4096];
	json_error_t je;
	json_t *def;
	struct plan *p;

	snprintf(text, sizeof text, "{\"baseUrl\": \"http://127.0.0.1:1\", \"vus\": 1, \"duration\": \"1s\", "
	    "\"tasks\": [{\"method\": \"GET\", \"path\": \"/\"}], \"monitors\": %s%s%s}", monitors,
	    thresholds ? ", \"thresholds\": " : "", thresholds ? thresholds : "");
	def = json_loads(text, 0, &je);
	if (def == NULL) {
		fprintf(stderr, "# bad test JSON: %s\n", je.text);
		return NULL;
	}
	testdef_errors_init(errs);
	p = testdef_parse(def, NULL, errs);
	json_decref(def);
	return p;
}

static const char prom1[] =
    "# TYPE http_requests_total counter\n"
    "http_requests_total{code=\"200\",route=\"/a\"} 100\n"
    "http_requests_total{code=\"200\",route=\"/b\"} 50\n"
    "http_requests_total{code=\"503\",route=\"/a\"} 10\n"
    "http_requests_total{code=\"500\",route=\"/b\"} 4\n"
    "# TYPE queue_depth gauge\n"
    "queue_depth{queue=\"high\"} 7\n"
    "queue_depth{queue=\"low\"} 3\n"
    "# TYPE process_resident_memory_bytes gauge\n"
    "process_resident_memory_bytes 1048576\n";

/* The same a second later: /a's 200s +10, /b's 200s reset to 5 (a restart), 503s +2, 500s +0. */
static const char prom2[] =
    "# TYPE http_requests_total counter\n"
    "http_requests_total{code=\"200\",route=\"/a\"} 110\n"
    "http_requests_total{code=\"200\",route=\"/b\"} 5\n"
    "http_requests_total{code=\"503\",route=\"/a\"} 12\n"
    "http_requests_total{code=\"500\",route=\"/b\"} 4\n"
    "# TYPE queue_depth gauge\n"
    "queue_depth{queue=\"high\"} 9\n"
    "queue_depth{queue=\"low\"} 3\n"
    "# TYPE process_resident_memory_bytes gauge\n"
    "process_resident_memory_bytes 2097152\n";

static void
test_prometheus(void)
{
	struct testdef_errors errs;
	struct plan *p = parse("[{\"url\": \"http://127.0.0.1:9/metrics\", \"prometheus\": {"
	    "\"rss\": \"process_resident_memory_bytes\", "
	    "\"errors\": \"http_requests_total{code=~\\\"5..\\\"}\", "
	    "\"ok_a\": \"http_requests_total{code=\\\"200\\\", route=\\\"/a\\\"}\", "
	    "\"not_a\": \"http_requests_total{route!=\\\"/a\\\"}\", "
	    "\"high\": \"queue_depth{queue!~\\\"lo.*\\\"}\", "
	    "\"queues\": \"queue_depth\", \"absent\": \"nothing_here\"}}]", NULL, &errs);
	struct monitor_read r[7];
	struct monitor_reader *rd;

	ok(p != NULL, "a Prometheus monitor parses");
	if (p == NULL) {
		if (errs.n > 0)
			fprintf(stderr, "# %s: %s\n", errs.v[0].path, errs.v[0].message);
		testdef_errors_fini(&errs);
		return;
	}
	testdef_errors_fini(&errs);
	is_int(p->nmonitor_values, 7, "seven named values");
	is_int(p->monitors[0].interval_ns, S, "interval defaults to 1 s");
	rd = monitor_reader_new(p, 0);
	is_int(monitor_read(rd, prom1, strlen(prom1), 10 * S, r), 0, "first scrape read");
	/* values in the order written: rss, errors, ok_a, not_a, high, queues, absent */
	ok(r[0].has && r[0].value == 1048576 && !r[0].rate, "a gauge is kept as read");
	ok(r[1].found && !r[1].has, "a counter has no rate at its first scrape (found: not a gap)");
	ok(r[4].has && r[4].value == 7, "!~ excludes the matching label value");
	ok(r[5].has && r[5].value == 10, "series matched by name alone are summed (7 + 3)");
	ok(!r[6].found && !r[6].has, "a selector that matches nothing finds nothing");
	is_int(monitor_read(rd, prom2, strlen(prom2), 12 * S, r), 0, "second scrape, 2 s later");
	ok(r[1].has && r[1].rate && fabs(r[1].value - 1.0) < 1e-9,
	    "=~ 5..: 503 +2 and 500 +0 over 2 s: 1/s (got %g)", r[1].value);
	ok(r[2].has && fabs(r[2].value - 5.0) < 1e-9, "= and = together: /a's 200s +10 over 2 s: 5/s (got %g)",
	    r[2].value);
	ok(r[3].has && fabs(r[3].value - 2.5) < 1e-9,
	    "!= /a: /b's 200s reset 50 -> 5 counts 5 from 0, 500s +0: 2.5/s (got %g)", r[3].value);
	ok(r[0].value == 2097152, "the gauge's new value");
	ok(r[4].value == 9, "the gauge selected by matchers, new value");
	monitor_reader_free(rd);
	plan_free(p);
}

static void
test_series_cap(void)
{
	struct testdef_errors errs;
	struct plan *p = parse("[{\"url\": \"http://127.0.0.1:9/metrics\", \"maxSeries\": 2, "
	    "\"prometheus\": {\"all\": \"http_requests_total\"}}]", NULL, &errs);
	struct monitor_read r[1];
	struct monitor_reader *rd;

	testdef_errors_fini(&errs);
	ok(p != NULL, "maxSeries parses");
	if (p == NULL)
		return;
	rd = monitor_reader_new(p, 0);
	monitor_read(rd, prom1, strlen(prom1), 1 * S, r);
	is_int(monitor_reader_dropped(rd), 2, "series beyond maxSeries 2 are dropped and counted");
	monitor_read(rd, prom2, strlen(prom2), 2 * S, r);
	/* the first two series only: /a 200 +10, /b 200 reset to 5 */
	ok(r[0].has && fabs(r[0].value - 15.0) < 1e-9, "only the kept series count: 15/s (got %g)", r[0].value);
	is_int(monitor_reader_dropped(rd), 4, "and are dropped again on the next scrape");
	monitor_reader_free(rd);
	plan_free(p);
}

static void
test_json_and_gaps(void)
{
	struct testdef_errors errs;
	struct plan *p = parse("[{\"name\": \"app\", \"url\": \"http://127.0.0.1:9/stats\", \"json\": "
	    "{\"depth\": \"/queue/depth\", \"second\": \"/workers/1/busy\", \"text\": \"/name\"}}]",
	    "{\"monitor:depth\": [\"max<10\", \"last>=4\", \"avg<5\", \"p(50)<5\", \"p(95)<10\"]}", &errs);
	const char *doc = "{\"queue\": {\"depth\": 4}, \"workers\": [{\"busy\": 0}, {\"busy\": 3.5}], \"name\": \"x\"}";
	struct monitor_read r[3];
	struct monitor_reader *rd;
	struct monitor_acc *acc;
	struct threshold_set *ts;
	struct tick *sec, *whole;

	ok(p != NULL, "a JSON monitor and monitor: thresholds parse");
	if (p == NULL) {
		if (errs.n > 0)
			fprintf(stderr, "# %s: %s\n", errs.v[0].path, errs.v[0].message);
		testdef_errors_fini(&errs);
		return;
	}
	testdef_errors_fini(&errs);
	rd = monitor_reader_new(p, 0);
	is_int(monitor_read(rd, doc, strlen(doc), S, r), 0, "a JSON document is read");
	ok(r[0].has && r[0].value == 4, "/queue/depth is 4");
	ok(r[1].has && r[1].value == 3.5, "an array index in the pointer");
	ok(!r[2].found, "a string is not a value");
	is_int(monitor_read(rd, "not json", 8, S, r), -1, "a body that is not JSON is a failed scrape");

	acc = monitor_acc_new(p);
	sec = tick_new(p, 0);
	whole = tick_new(p, 1);
	ts = threshold_set_new(p);
	monitor_read(rd, doc, strlen(doc), S, r);
	monitor_acc_add(acc, 0, 3, r);
	monitor_acc_take(acc, sec, 0);
	sec->second = 0;
	is_int(sec->monitors[0].n, 1, "second 0 has depth");
	is_int(sec->monitors[0].gaps, 0, "and no gap");
	is_int(sec->monitors[2].gaps, 1, "a value not found is a gap");
	tick_merge(whole, sec);
	threshold_tick(ts, sec, whole);

	tick_reset(sec);
	monitor_acc_add(acc, 0, 3, NULL);              /* the scrape failed */
	monitor_acc_take(acc, sec, 1);
	sec->second = 1;
	is_int(sec->monitors[0].n, 0, "a failed scrape leaves no value");
	is_int(sec->monitors[0].gaps, 1, "and counts a gap");
	is_int(sec->monitors[0].scrapes, 1, "as a scrape");
	tick_merge(whole, sec);
	threshold_tick(ts, sec, whole);

	tick_reset(sec);
	r[0].value = 12;
	monitor_acc_add(acc, 0, 3, r);
	monitor_acc_take(acc, sec, 2);
	sec->second = 2;
	tick_merge(whole, sec);
	threshold_tick(ts, sec, whole);
	is_int(whole->monitors[0].n, 2, "whole run: two seconds with a value");
	is_int(whole->monitors[0].gaps, 1, "and one gap");
	threshold_final(ts, whole, 3 * S);
	{
		struct threshold_result tr;
		threshold_get(ts, 0, &tr);
		ok(!tr.ok && tr.value == 12, "max<10 fails on 12 (got %g)", tr.value);
		threshold_get(ts, 1, &tr);
		ok(tr.ok && tr.value == 12, "last>=4 passes on the latest second's 12");
		threshold_get(ts, 2, &tr);
		ok(!tr.ok && tr.value == 8, "avg<5 fails: the mean over seconds with a value is 8 (got %g)",
		    tr.value);
		threshold_get(ts, 3, &tr);
		ok(tr.ok && tr.judged && tr.value == 4, "p(50)<5 passes: the nearest rank of (4, 12) is 4 (got %g)",
		    tr.value);
		threshold_get(ts, 4, &tr);
		ok(!tr.ok && tr.value == 12, "p(95)<10 fails on 12 (got %g)", tr.value);
	}
	threshold_set_free(ts);
	tick_free(sec);
	tick_free(whole);
	monitor_acc_free(acc);
	monitor_reader_free(rd);
	plan_free(p);
}

/* Whether parsing fails with an error whose path contains `path` and message contains `what`. */
static void
refused(const char *monitors, const char *thresholds, const char *path, const char *what)
{
	struct testdef_errors errs;
	struct plan *p = parse(monitors, thresholds, &errs);
	int found = 0;

	for (int i = 0; i < errs.n; i++)
		found |= strstr(errs.v[i].path, path) != NULL && strstr(errs.v[i].message, what) != NULL;
	ok(p == NULL && found, "refused at %s: %s", path, what);
	if (!found)
		for (int i = 0; i < errs.n; i++)
			fprintf(stderr, "#   %s: %s\n", errs.v[i].path, errs.v[i].message);
	testdef_errors_fini(&errs);
	plan_free(p);
}

static void
test_refusals(void)
{
	refused("[{\"url\": \"http://127.0.0.1:9/m\", \"prometheus\": {\"a\": \"x{y=\\\"1\\\"\"}}]", NULL,
	    "monitors[0].prometheus.a", "Prometheus selector");
	refused("[{\"url\": \"http://127.0.0.1:9/m\"}]", NULL, "monitors[0]", "exactly one of");
	refused("[{\"url\": \"ftp://127.0.0.1:9/m\", \"json\": {\"a\": \"/a\"}}]", NULL, "monitors[0].url", "");
	refused("[{\"url\": \"http://127.0.0.1:9/m\", \"interval\": \"500ms\", \"json\": {\"a\": \"/a\"}}]", NULL,
	    "monitors[0].interval", "at least 1s");
	refused("[{\"url\": \"http://127.0.0.1:9/m\", \"json\": {\"a\": \"/a\"}}, "
	    "{\"url\": \"http://127.0.0.1:9/n\", \"json\": {\"a\": \"/b\"}}]", NULL, "monitors[1].json.a", "twice");
	refused("[{\"url\": \"http://127.0.0.1:9/m\", \"json\": {\"a\": \"/a\"}}]", "{\"monitor:b\": [\"max<1\"]}",
	    "thresholds", "monitor:");
	refused("[{\"url\": \"http://127.0.0.1:9/m\", \"json\": {\"a\": \"/a\"}}]", "{\"monitor:a\": [\"rate<1\"]}",
	    "thresholds", "max, min, avg, last, med or p(N)");
	refused("[{\"url\": \"http://127.0.0.1:9/m\", \"json\": {\"a\": \"/a\"}}]",
	    "{\"monitor:a\": [{\"threshold\": \"p(95)<1\", \"abortOnFail\": true}]}", "thresholds", "cannot abortOnFail");
	refused("[{\"url\": \"http://127.0.0.1:9/m\", \"json\": {\"a\": \"/a\"}}]",
	    "{\"monitor:a\": [\"max<1 over 10s\"]}", "thresholds", "no window");
}

/* A memory series' drift over a steady stage: 1 MB/s of growth is 3600 MB/h; flat noise is none. */
static void
test_memory_drift(void)
{
	struct findings_second s[300];
	struct findings_drift d[1];
	struct findings_slope sl;
	float grow[300], flat[300];
	unsigned seed = 7;

	for (int i = 0; i < 300; i++) {
		s[i] = (struct findings_second){ .requests = 100, .p95_ms = 5, .load = 10 };
		seed = seed * 1103515245u + 12345u;
		double noise = ((seed >> 16) % 1000) / 1000.0 - 0.5;     /* +-0.5 MB */
		grow[i] = (float)(50e6 + 1e6 * i + noise * 1e6);
		flat[i] = (float)(50e6 + noise * 1e6);
	}
	grow[100] = NAN;           /* a gap */
	is_int(findings_drift(s, 300, 60, d, 1), 1, "one steady stage");
	ok(findings_drift_of(grow, 300, d, 1e6, &sl), "the growing series has windows");
	ok(sl.significant && fabs(sl.slope / 1e6 - 3600) < 360, "1 MB/s: %.0f MB/h, within 10%% of 3600",
	    sl.slope / 1e6);
	ok(findings_drift_of(flat, 300, d, 1e6, &sl) && !sl.significant, "flat noise: no drift (%.0f MB/h)",
	    sl.slope / 1e6);
}

int
main(void)
{
	test_memory_drift();
	test_prometheus();
	test_series_cap();
	test_json_and_gaps();
	test_refusals();
	done_testing();
}
