/*
 * test_summary_merge: three shares of random durations, each a summary with its histograms; the
 * merged summary's histograms equal the histogram of their union (so its percentiles are those of
 * one histogram of every request), counts add up, rates and gauges are recomputed, thresholds and
 * sub-metrics go, and summaries without histograms (or with a damaged one) are refused by name.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <jansson.h>

#include "metrics/hist.h"
#include "metrics/summary.h"
#include "metrics/summary_merge.h"
#include "tap.h"

static json_t *
b64(const struct hist *h)
{
	size_t n = hist_encode(h, NULL, 0);
	unsigned char *blob = malloc(n);
	gchar *s;
	json_t *j;

	hist_encode(h, blob, n);
	s = g_base64_encode(blob, n);
	j = json_string(s);
	g_free(s);
	free(blob);
	return j;
}

static struct hist *
unb64(json_t *s)
{
	gsize n = 0;
	guchar *blob = g_base64_decode(json_string_value(s), &n);
	struct hist *h = hist_new();
	char *cause = NULL;

	if (hist_decode(h, blob, n, &cause) != 0) {
		printf("# decode: %s\n", cause);
		free(cause);
	}
	g_free(blob);
	return h;
}

static json_t *
trend(const struct hist *h)
{
	struct summary_trend t;

	summary_trend_of(h, &t);
	return json_pack("{s:f,s:f,s:f,s:f,s:f,s:f,s:f}", "avg", t.avg, "min", t.min, "med", t.med, "max", t.max,
	    "p(90)", t.p90, "p(95)", t.p95, "p(99)", t.p99);
}

/* A summary of one share: n requests of the durations in h, fails of them failed. */
static json_t *
share(const struct hist *h, const struct hist *it, int fails, int vus, double dur_ms, const char *seg)
{
	json_int_t n = (json_int_t)hist_count(h);

	return json_pack("{s:{s:{s:s,s:s,s:o,s:{s:{s:b}}}, s:{s:s,s:s,s:o}, s:{s:s,s:s,s:{s:I,s:f}},"
	    " s:{s:s,s:s,s:{s:f,s:I,s:I}}, s:{s:s,s:s,s:{s:i,s:i,s:i}}, s:{s:s,s:s,s:{}}},"
	    " s:{s:f}, s:{s:[{s:s,s:s,s:I,s:I}]},"
	    " s:{s:{s:s,s:I,s:I,s:o,s:{s:I,s:i},s:{},s:[]}, s:[{s:s,s:I,s:I,s:o,s:{s:I},s:{},s:[]}],"
	    "    s:{s:I,s:i,s:i,s:i}, s:{s:b}, s:{}, s:{s:s,s:s}, s:{s:s},"
	    "    s:{s:s,s:{s:o,s:o},s:{s:{s:o}},s:{s:o}}}}",
	    "metrics",
	    "http_req_duration", "type", "trend", "contains", "time", "values", trend(h),
	    "thresholds", "p(95)<500", "ok", 1,
	    "iteration_duration", "type", "trend", "contains", "time", "values", trend(it),
	    "http_reqs", "type", "counter", "contains", "default", "values", "count", n, "rate", n / (dur_ms / 1000),
	    "http_req_failed", "type", "rate", "contains", "default", "values", "rate", (double)fails / (double)n,
	    "passes", (json_int_t)fails, "fails", n - fails,
	    "vus", "type", "gauge", "contains", "default", "values", "value", vus, "min", 0, "max", vus,
	    "http_req_duration{name:a}", "type", "trend", "contains", "time", "values",
	    "state", "testRunDurationMs", dur_ms,
	    "root_group", "checks", "name", "ok", "id", "c1", "passes", n - fails, "fails", (json_int_t)fails,
	    "rampage",
	    "total", "name", "total", "requests", n, "failed", (json_int_t)fails, "duration", trend(h),
	    "status", "200", n - fails, "500", fails, "errors", "failures",
	    "endpoints", "name", "a", "requests", n, "failed", (json_int_t)fails, "duration", trend(h),
	    "status", "200", n, "errors", "failures",
	    "iterations", "completed", n, "interrupted", 0, "dropped", 1, "late_starts", 0,
	    "open_model", "used", 0,
	    "groupBy",
	    "execution_segment", "segment", seg, "sequence", "0,1/3,2/3,1",
	    "generator", "verdict", "ok",
	    "histograms", "encoding", SUMMARY_HIST_ENCODING,
	    "metrics", "http_req_duration", b64(h), "iteration_duration", b64(it),
	    "endpoints", "a", "duration", b64(h), "total", "duration", b64(h));
}

int
main(void)
{
	struct hist *h[3], *it[3], *all = hist_new(), *all_it = hist_new();
	json_t *docs[3], *m;
	const char *names[3] = { "a.json", "b.json", "c.json" };
	static const char *segs[3] = { "0:1/3", "1/3:2/3", "2/3:1" };
	char *cause = NULL;
	int64_t n = 0;

	srand(1717);
	for (int i = 0; i < 3; i++) {
		h[i] = hist_new();
		it[i] = hist_new();
	}
	/* random durations from 0 to ~20 s, skewed, each in a random share */
	for (int k = 0; k < 30000; k++) {
		int s = rand() % 3;
		uint64_t v = (uint64_t)rand() % 1000 * (uint64_t)(1 + rand() % (k % 7 == 0 ? 20000 : 30));
		hist_record(h[s], v);
		hist_record(all, v);
		hist_record(it[s], v + 17);
		hist_record(all_it, v + 17);
	}
	for (int i = 0; i < 3; i++) {
		docs[i] = share(h[i], it[i], i, 3 + i, 1000.0 * (i + 1), segs[i]);
		n += (int64_t)hist_count(h[i]);
	}
	ok(docs[0] != NULL, "built three share summaries");

	m = summary_merge(docs, names, 3, &cause);
	ok(m != NULL, "merged (%s)", cause ? cause : "no error");
	if (m == NULL)
		return 1;
	json_t *hs = json_object_get(json_object_get(m, "rampage"), "histograms");
	struct hist *got = unb64(json_object_get(json_object_get(hs, "metrics"), "http_req_duration"));
	ok(hist_equal(got, all), "merged http_req_duration histogram == the histogram of the union");
	hist_free(got);
	got = unb64(json_object_get(json_object_get(hs, "metrics"), "iteration_duration"));
	ok(hist_equal(got, all_it), "merged iteration_duration histogram == the union's");
	hist_free(got);
	got = unb64(json_object_get(json_object_get(json_object_get(hs, "endpoints"), "a"), "duration"));
	ok(hist_equal(got, all), "merged endpoint histogram == the union's");
	hist_free(got);
	got = unb64(json_object_get(json_object_get(hs, "total"), "duration"));
	ok(hist_equal(got, all), "merged total histogram == the union's");
	hist_free(got);

	json_t *v = json_object_get(json_object_get(json_object_get(m, "metrics"), "http_req_duration"), "values");
	json_t *want = trend(all);
	ok(json_equal(v, want), "http_req_duration's values are the union's (p99 %g, want %g)",
	    json_real_value(json_object_get(v, "p(99)")), json_real_value(json_object_get(want, "p(99)")));
	json_t *ep = json_array_get(json_object_get(json_object_get(m, "rampage"), "endpoints"), 0);
	ok(json_equal(json_object_get(ep, "duration"), want), "the endpoint's duration is the union's");
	json_decref(want);

	json_t *mm = json_object_get(m, "metrics");
	is_int(json_integer_value(json_object_get(json_object_get(json_object_get(mm, "http_reqs"), "values"), "count")),
	    n, "http_reqs: the counts add up");
	ok(json_real_value(json_object_get(json_object_get(json_object_get(mm, "http_reqs"), "values"), "rate")) ==
	    (double)n / 3.0, "http_reqs: the rate is per second of the longest share (3 s)");
	is_int(json_integer_value(json_object_get(json_object_get(json_object_get(mm, "http_req_failed"), "values"),
	    "passes")), 3, "http_req_failed: passes add up (0 + 1 + 2)");
	is_int(json_integer_value(json_object_get(json_object_get(json_object_get(mm, "vus"), "values"), "value")),
	    12, "vus: the gauge is the sum of the shares' (3 + 4 + 5)");
	ok(json_object_get(json_object_get(mm, "http_req_duration"), "thresholds") == NULL,
	    "thresholds are dropped (not re-judged)");
	ok(json_object_get(mm, "http_req_duration{name:a}") == NULL, "sub-metric entries are dropped");
	is_int(json_integer_value(json_object_get(json_object_get(ep, "status"), "200")), n,
	    "the endpoint's status codes add up");
	is_int(json_integer_value(json_object_get(json_array_get(json_object_get(json_object_get(m, "root_group"),
	    "checks"), 0), "fails")), 3, "the checks add up by id");
	json_t *info = json_object_get(json_object_get(m, "rampage"), "merge");
	ok(json_is_true(json_object_get(info, "complete")), "the three thirds make up the whole sequence");
	ok(json_is_null(json_object_get(json_object_get(m, "rampage"), "execution_segment")),
	    "the merged summary is the whole run's");

	/* the result merges again: m with nothing else is itself */
	{
		json_t *again = summary_merge(&m, names, 1, &cause);
		ok(again != NULL && json_equal(json_object_get(again, "metrics"), json_object_get(m, "metrics")),
		    "a merged summary can be merged again");
		json_decref(again);
	}
	/* two of three thirds: not complete */
	{
		json_t *two = summary_merge(docs, names, 2, &cause);
		ok(two != NULL && json_is_false(json_object_get(json_object_get(json_object_get(two, "rampage"), "merge"),
		    "complete")), "two thirds are not the whole sequence");
		json_decref(two);
	}

	/* refusals */
	json_object_del(json_object_get(docs[1], "rampage"), "histograms");
	json_t *r = summary_merge(docs, names, 3, &cause);
	ok(r == NULL && cause != NULL && strstr(cause, "b.json: the summary has no histograms") != NULL &&
	    strstr(cause, "--summary-histograms") != NULL, "a summary without histograms is refused (%s)",
	    cause ? cause : "merged");
	free(cause);
	cause = NULL;
	json_object_set_new(json_object_get(docs[1], "rampage"), "histograms",
	    json_pack("{s:s,s:{s:s},s:{},s:{}}", "encoding", SUMMARY_HIST_ENCODING, "metrics", "http_req_duration",
	    "SGVsbG8=", "endpoints", "total"));
	r = summary_merge(docs, names, 3, &cause);
	ok(r == NULL && cause != NULL && strstr(cause, "b.json: rampage.histograms: http_req_duration") != NULL,
	    "a damaged histogram is refused (%s)", cause ? cause : "merged");
	free(cause);
	cause = NULL;
	json_t *k6 = json_pack("{s:{s:{s:I}}}", "metrics", "http_reqs", "count", (json_int_t)5);
	r = summary_merge(&k6, names, 1, &cause);
	ok(r == NULL && cause != NULL && strstr(cause, "no histograms") != NULL, "k6's flattened export is refused");
	free(cause);
	json_decref(k6);

	json_decref(m);
	for (int i = 0; i < 3; i++) {
		json_decref(docs[i]);
		hist_free(h[i]);
		hist_free(it[i]);
	}
	hist_free(all);
	hist_free(all_it);
	done_testing();
}
