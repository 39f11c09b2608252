/*
 * Unit tests for the reports made from a summary document: k6's flattened --summary-export
 * (metrics/summary_k6.c), JUnit XML (metrics/junit.c) and the HTML report (metrics/report_html.c):
 * the k6 transformation key by key, XML escaping, the series merged into windows, and the size of
 * an 8-hour run's report.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "metrics/junit.h"
#include "metrics/report_html.h"
#include "metrics/summary.h"
#include "tap.h"

static const char rich_text[] =
    "{\"root_group\": {\"name\": \"\", \"path\": \"\", \"id\": \"x\", \"groups\": [],"
    "  \"checks\": [{\"name\": \"is 200\", \"path\": \"::is 200\", \"id\": \"y\", \"passes\": 9, \"fails\": 1},"
    "               {\"name\": \"a<b & \\\"c\\\"\\u0001\", \"path\": \"::z\", \"id\": \"z\", \"passes\": 5, \"fails\": 0}]},"
    " \"options\": {}, \"state\": {\"testRunDurationMs\": 2500.5},"
    " \"metrics\": {"
    "  \"http_req_duration\": {\"type\": \"trend\", \"contains\": \"time\","
    "    \"values\": {\"avg\": 1.5, \"p(95)\": 3.25}, \"thresholds\": {\"p(95)<2\": {\"ok\": false}}},"
    "  \"http_req_failed\": {\"type\": \"rate\", \"contains\": \"default\","
    "    \"values\": {\"rate\": 0.1, \"passes\": 1, \"fails\": 9}, \"thresholds\": {\"rate<0.5\": {\"ok\": true}}},"
    "  \"http_reqs\": {\"type\": \"counter\", \"contains\": \"default\", \"values\": {\"count\": 10, \"rate\": 4}}},"
    " \"rampage\": {\"name\": \"unit\", \"version\": \"9\", \"interrupted\": false, \"thresholds\": ["
    "   {\"metric\": \"http_req_duration\", \"source\": \"p(95)<2\", \"ok\": false, \"value\": 3.25, \"aggregation\": \"p(95)\"},"
    "   {\"metric\": \"http_req_failed\", \"source\": \"rate<0.5\", \"ok\": true, \"value\": 0.1, \"aggregation\": \"rate\"}]}}";

static void
test_k6(json_t *rich)
{
	json_t *k6 = summary_k6_legacy(rich);
	json_t *m = json_object_get(k6, "metrics");

	is_int(json_object_size(k6), 2, "k6: root_group and metrics only");
	ok(json_real_value(json_object_get(json_object_get(m, "http_req_duration"), "p(95)")) == 3.25,
	    "k6: a trend's values at the top of its entry");
	ok(json_object_get(json_object_get(m, "http_req_duration"), "type") == NULL, "k6: no type");
	ok(json_is_true(json_object_get(json_object_get(json_object_get(m, "http_req_duration"), "thresholds"),
	    "p(95)<2")), "k6: a failed threshold is true (k6 #1498)");
	ok(json_is_false(json_object_get(json_object_get(json_object_get(m, "http_req_failed"), "thresholds"),
	    "rate<0.5")), "k6: a threshold that held is false");
	ok(json_real_value(json_object_get(json_object_get(m, "http_req_failed"), "value")) == 0.1 &&
	    json_object_get(json_object_get(m, "http_req_failed"), "rate") == NULL, "k6: a rate's rate is its value");
	ok(json_number_value(json_object_get(json_object_get(m, "http_reqs"), "rate")) == 4,
	    "k6: a counter keeps its rate");
	ok(json_integer_value(json_object_get(json_object_get(json_object_get(json_object_get(k6, "root_group"),
	    "checks"), "is 200"), "fails")) == 1, "k6: checks keyed by name");
	ok(json_is_object(json_object_get(json_object_get(k6, "root_group"), "groups")), "k6: groups an object");
	ok(json_is_array(json_object_get(json_object_get(rich, "root_group"), "checks")), "the rich document is unchanged");
	json_decref(k6);
}

static void
test_junit(json_t *rich)
{
	struct junit_meta meta = { .started_unix = 86400 * 365, .hostname = "h", .run_id = 7 };
	char *x = junit_xml(rich, &meta);

	ok(strstr(x, "<testsuite name=\"unit\" timestamp=\"1971-01-01T00:00:00\" hostname=\"h\" tests=\"4\" "
	    "failures=\"2\" errors=\"0\" time=\"2.501\">") != NULL, "junit: the suite's attributes");
	ok(strstr(x, "name=\"rampage.run_id\" value=\"7\"") != NULL, "junit: the run id");
	ok(strstr(x, "message=\"http_req_duration p(95)&lt;2 failed: observed p(95)=3.25 ms\"") != NULL,
	    "junit: a failed threshold's observed value, with its unit");
	ok(strstr(x, "classname=\"thresholds.http_req_failed\" name=\"rate&lt;0.5\" time=\"0\"/>") != NULL,
	    "junit: a threshold that held has no failure");
	ok(strstr(x, "message=\"90.00% passed (9 of 10; 1 failed)\"") != NULL, "junit: a check's pass rate");
	ok(strstr(x, "name=\"a&lt;b &amp; &quot;c&quot;?\"") != NULL, "junit: escaped, a control character replaced");
	free(x);
	meta.suite = "  ";
	x = junit_xml(rich, &meta);
	ok(strstr(x, "<testsuite name=\"rampage\" ") != NULL, "junit: a blank name becomes \"rampage\" (the schema wants one)");
	free(x);
}

static void
test_series(void)
{
	struct report_series s = { 0 };
	json_t *j, *data;
	char *html;
	size_t len;

	for (int i = 0; i < 10; i++) {
		double v[REPORT_NCOLS] = { 100 + i, i, 1, 2 + i, 3, 5, 7, 1000, 100, i == 3 ? NAN : 40 };
		report_series_add(&s, i, v);
	}
	j = report_series_json(&s);
	is_int(json_integer_value(json_object_get(j, "step")), 1, "a short run: one point per second");
	is_int(json_array_size(json_object_get(j, "rps")), 10, "ten points");
	ok(json_is_null(json_array_get(json_object_get(j, "cpu"), 3)) &&
	    json_real_value(json_array_get(json_object_get(j, "cpu"), 4)) == 40, "an unknown value is null");
	ok(json_real_value(json_array_get(json_object_get(j, "received"), 0)) == 1000, "bytes received per second");
	json_decref(j);
	report_series_free(&s);

	/* 8 hours */
	for (int i = 0; i < 28800; i++) {
		double v[REPORT_NCOLS] = { 1000 + (i % 20), i % 20 == 0 ? 20 : 0, 1.5, 4.0 + (i % 20 == 7 ? 100 : 0),
		    9.0, 50 + (i % 20 == 3), 500, 1e6, 1e5, i % 20 == 5 ? 95 : NAN };
		report_series_add(&s, i, v);
	}
	j = report_series_json(&s);
	is_int(json_integer_value(json_object_get(j, "step")), 20, "8 hours: windows of 20 s");
	is_int(json_array_size(json_object_get(j, "t")), 1440, "1440 points");
	ok(json_real_value(json_array_get(json_object_get(j, "rps"), 0)) == 1009.5, "a window's rate is its mean");
	ok(json_real_value(json_array_get(json_object_get(j, "errors"), 0)) == 1, "failures per second: mean");
	ok(json_real_value(json_array_get(json_object_get(j, "p95"), 0)) == 104, "a percentile: the worst second");
	ok(json_real_value(json_array_get(json_object_get(j, "vus"), 0)) == 51, "VUs: the most");
	ok(json_real_value(json_array_get(json_object_get(j, "cpu"), 0)) == 95, "CPU: the worst known second");
	ok(json_real_value(json_array_get(json_object_get(j, "iterations"), 0)) == 500, "iterations per second");
	is_int(json_integer_value(json_array_get(json_object_get(j, "t"), 1)), 20, "a point's time: its window's start");

	data = json_pack("{s:{s:s,s:s},s:{s:s},s:o,s:o}", "run", "name", "eight </script> hours", "state", "passed",
	    "definition", "name", "</script><script>alert(1)</script>", "summary",
	    json_object(), "series", j);
	report_add_section(data, "findings", "Findings", json_pack("[{s:s}]", "what", "latency rose"));
	html = report_html(data);
	len = strlen(html);
	ok(len < 2 * 1024 * 1024, "an 8-hour run's report is under 2 MB (%zu bytes)", len);
	ok(strstr(html, "</script><script>alert") == NULL, "the data cannot close its script element");
	ok(strstr(html, "<title>Rampage report: eight &lt;/script&gt; hours</title>") != NULL, "the title is escaped");
	ok(strstr(html, "\"sections\":[{\"id\":\"findings\"") != NULL, "report_add_section adds to the data");
	ok(strstr(html, " src=") == NULL && strstr(html, "<link") == NULL, "nothing is loaded from elsewhere");
	free(html);
	json_decref(data);
	report_series_free(&s);
}

int
main(void)
{
	json_error_t err;
	json_t *rich = json_loads(rich_text, 0, &err);

	if (rich == NULL) {
		printf("Bail out! test document: %s\n", err.text);
		return 1;
	}
	test_k6(rich);
	test_junit(rich);
	test_series();
	json_decref(rich);
	return done_testing();
}
