/*
 * test_threshold: the k6 threshold grammar (every aggregation, operator, spacing, windows and each
 * error) and validation against a plan (metrics, types, tags, long form, with JSON paths), both
 * testdef's (testdef/threshold_plan.h); the metric table's timing phases against the ticks'; recording
 * into tagged series, and evaluation on hand-built ticks: percentiles, rates, counters, gauges,
 * samples-free metrics, checks, abortOnFail with delayAbortEval, and sliding windows (a burst of
 * errors in the last 10 s of a 600-second run fails "rate<0.05 over 30s" while the whole-run rate
 * passes; windowed percentiles match a re-merge of the window's seconds).
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "metrics/hist.h"
#include "metrics/threshold.h"
#include "metrics/tick.h"
#include "testdef/metric.h"
#include "testdef/testdef.h"
#include "testdef/threshold_plan.h"
#include "tap.h"

#define NS_S 1000000000LL

/* ---- helpers */

/* Parses an expression; returns the cause (caller frees) or NULL. */
static char *
expr_err(const char *src, struct threshold_expr *e)
{
	struct threshold_expr tmp;
	char *cause = NULL;

	if (threshold_expr_parse(src, e != NULL ? e : &tmp, &cause) == 0)
		return NULL;
	return cause;
}

/* A definition: two scenarios over a demo-like API, with `thresholds` spliced in. */
static char *
definition(const char *thresholds)
{
	return xasprintf(
	    "{\"baseUrl\": \"http://127.0.0.1:9\", \"scenarios\": {"
	    "  \"browse\": {\"executor\": \"constant-vus\", \"vus\": 1, \"duration\": \"10s\", \"tasks\": ["
	    "    {\"name\": \"home\", \"path\": \"/\"},"
	    "    {\"name\": \"checkout\", \"steps\": ["
	    "      {\"name\": \"login\", \"method\": \"POST\", \"path\": \"/login\"},"
	    "      {\"name\": \"pay\", \"method\": \"POST\", \"path\": \"/pay\"}]}]},"
	    "  \"admin\": {\"executor\": \"constant-vus\", \"vus\": 1, \"duration\": \"10s\", \"tasks\": ["
	    "    {\"name\": \"home\", \"path\": \"/\"}]}}"
	    "%s%s}", thresholds ? ", \"thresholds\": " : "", thresholds ? thresholds : "");
}

/* Parses a definition with these thresholds; NULL when invalid (errors in errs). */
static struct plan *
parse(const char *thresholds, struct testdef_errors *errs)
{
	char *text = definition(thresholds);
	json_error_t je;
	json_t *def = json_loads(text, 0, &je);
	struct plan *p;

	if (def == NULL) {
		printf("# bad test JSON: %s: %s\n", je.text, text);
		exit(1);
	}
	testdef_errors_init(errs);
	p = testdef_parse(def, NULL, errs);
	json_decref(def);
	free(text);
	return p;
}

/* The errors of a definition with these thresholds, one "path: message" per line ("" if valid). */
static char *
errors_of(const char *thresholds)
{
	struct testdef_errors errs;
	struct plan *p = parse(thresholds, &errs);
	char *out = xstrdup("");

	for (int i = 0; i < errs.n; i++) {
		char *n = xasprintf("%s%s%s: %s", out, i ? "\n" : "", errs.v[i].path, errs.v[i].message);
		free(out);
		out = n;
	}
	testdef_errors_fini(&errs);
	plan_free(p);
	return out;
}

static struct plan *
plan_ok(const char *thresholds)
{
	struct testdef_errors errs;
	struct plan *p = parse(thresholds, &errs);

	for (int i = 0; i < errs.n; i++)
		printf("# unexpected error: %s: %s\n", errs.v[i].path, errs.v[i].message);
	testdef_errors_fini(&errs);
	return p;
}

static int
endpoint_index(const struct plan *p, const char *name)
{
	for (int i = 0; i < p->nendpoints; i++)
		if (strcmp(p->endpoints[i].name, name) == 0)
			return i;
	return -1;
}

/* Adds n requests to an endpoint of t (and its total): `failed` of them failed, each taking us. */
static void
add_requests(struct tick *t, int endpoint, uint64_t n, uint64_t failed, uint64_t us)
{
	struct tick_endpoint *eps[2] = { &t->endpoints[endpoint], &t->total };

	for (int i = 0; i < 2; i++) {
		eps[i]->requests += n;
		eps[i]->failed += failed;
		eps[i]->status[200] += n - failed;
		eps[i]->status[500] += failed;
		eps[i]->bytes_sent += 100 * n;
		eps[i]->bytes_received += 1000 * n;
		hist_record_n(eps[i]->duration, us, n);
		hist_record_n(eps[i]->service, us, n);
	}
}

/* ---- the grammar */

/* Records one request of step st into its series (threshold_record), times in µs. */
static void
series_record(struct tick *t, const struct plan_step *st, bool failed, int status, enum tick_error error,
    uint64_t sent, uint64_t received, const int64_t *phase_us, int64_t service_us, int64_t duration_us)
{
	struct tick_sample s = { .error = error, .status = status, .failed = failed, .bytes_sent = sent,
	    .bytes_received = received, .phase_us = phase_us, .service_us = service_us,
	    .duration_us = duration_us };

	threshold_record(t, st, &s);
}

static void
test_grammar(void)
{
	static const struct { const char *src; enum threshold_agg agg; double pct; enum threshold_op op;
	    double value; int64_t window; } good[] = {
		{ "avg<200", THRESHOLD_AVG, 0, THRESHOLD_LT, 200, 0 },
		{ "min<=1", THRESHOLD_MIN, 0, THRESHOLD_LE, 1, 0 },
		{ "max>2.5", THRESHOLD_MAX, 0, THRESHOLD_GT, 2.5, 0 },
		{ "med>=3", THRESHOLD_MED, 0, THRESHOLD_GE, 3, 0 },
		{ "p(95)<500", THRESHOLD_PCT, 95, THRESHOLD_LT, 500, 0 },
		{ "p(99.9)<2000", THRESHOLD_PCT, 99.9, THRESHOLD_LT, 2000, 0 },
		{ "p(0)==0", THRESHOLD_PCT, 0, THRESHOLD_EQ, 0, 0 },
		{ "p(100)!=7", THRESHOLD_PCT, 100, THRESHOLD_NE, 7, 0 },
		{ "rate<0.01", THRESHOLD_RATE, 0, THRESHOLD_LT, 0.01, 0 },
		{ "count>=500", THRESHOLD_COUNT, 0, THRESHOLD_GE, 500, 0 },
		{ "value===10", THRESHOLD_VALUE, 0, THRESHOLD_EQ, 10, 0 },
		{ "value==10", THRESHOLD_VALUE, 0, THRESHOLD_EQ, 10, 0 },
		{ " p( 95 ) <  500 ", THRESHOLD_PCT, 95, THRESHOLD_LT, 500, 0 },
		{ "p (95)<1", THRESHOLD_PCT, 95, THRESHOLD_LT, 1, 0 },
		{ "avg\t<=\t200", THRESHOLD_AVG, 0, THRESHOLD_LE, 200, 0 },
		{ "rate < 0.01", THRESHOLD_RATE, 0, THRESHOLD_LT, 0.01, 0 },
		{ "avg<1e3", THRESHOLD_AVG, 0, THRESHOLD_LT, 1000, 0 },
		{ "avg<.5", THRESHOLD_AVG, 0, THRESHOLD_LT, 0.5, 0 },
		{ "avg<5.", THRESHOLD_AVG, 0, THRESHOLD_LT, 5, 0 },
		{ "avg>-1", THRESHOLD_AVG, 0, THRESHOLD_GT, -1, 0 },
		{ "avg<+2", THRESHOLD_AVG, 0, THRESHOLD_LT, 2, 0 },
		{ "p(99)<500 over 1m", THRESHOLD_PCT, 99, THRESHOLD_LT, 500, 60 },
		{ "rate<0.05 over 30s", THRESHOLD_RATE, 0, THRESHOLD_LT, 0.05, 30 },
		{ "count>1  over\t1h ", THRESHOLD_COUNT, 0, THRESHOLD_GT, 1, 3600 },
		{ "avg<1 over 1m30s", THRESHOLD_AVG, 0, THRESHOLD_LT, 1, 90 },
		{ "avg<1 over 1000ms", THRESHOLD_AVG, 0, THRESHOLD_LT, 1, 1 },
	};
	static const char *const bad[] = {
		"p95<500", "", "   ", "avg", "avg<", "avg<abc", "avg<5 5", "<5", "avg<<5", "avg=5",
		"avg<inf", "avg<nan", "avg<0x10", "average<5", "AVG<5", "p(95<5", "p()<5", "p(abc)<5",
		"rate<0.05over 30s", "rate<0.05 under 30s", "avg > 5e", "avg<1 over", "avg<1 over x",
		"avg<1 over 30s extra", "avg 5", "count=>5",
	};
	struct threshold_expr e;
	char *cause;
	char agg[32];

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		cause = expr_err(good[i].src, &e);
		ok(cause == NULL, "\"%s\" parses%s%s", good[i].src, cause ? ": " : "", cause ? cause : "");
		free(cause);
		if (cause != NULL)
			continue;
		ok(e.agg == good[i].agg && e.op == good[i].op && e.value == good[i].value &&
		    e.window_s == good[i].window && (e.agg != THRESHOLD_PCT || e.pct == good[i].pct),
		    "\"%s\": %s %s %g over %llds", good[i].src, threshold_agg_name(e.agg, e.pct, agg, sizeof agg),
		    threshold_op_name(e.op), e.value, (long long)e.window_s);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = expr_err(bad[i], NULL);
		ok(cause != NULL, "\"%s\" is refused: %s", bad[i], cause ? cause : "(accepted)");
		free(cause);
	}

	cause = expr_err("p95<500", NULL);
	is_str(cause, "expected an expression like \"p(95)<500\", got \"p95<500\"", "the message of a bad expression");
	free(cause);
	cause = expr_err("p(101)<5", NULL);
	is_str(cause, "expected a percentile from 0 to 100 in p(N), got \"p(101)<5\"", "percentile above 100");
	free(cause);
	cause = expr_err("p(-1)<5", NULL);
	ok(cause != NULL && strstr(cause, "from 0 to 100") != NULL, "percentile below 0: %s", cause);
	free(cause);
	cause = expr_err("avg<1 over 1.5s", NULL);
	is_str(cause, "expected a window of whole seconds like \"over 30s\", got \"avg<1 over 1.5s\"",
	    "a window of a fraction of a second");
	free(cause);
	cause = expr_err("avg<1 over 2h", NULL);
	is_str(cause, "expected a window of at most 3600s (1h), got \"avg<1 over 2h\"", "a window over an hour");
	free(cause);
	cause = expr_err("avg<1 over 0s", NULL);
	ok(cause != NULL && strstr(cause, "window") != NULL, "a window of 0s: %s", cause);
	free(cause);
	cause = expr_err("avg<1 over 30", NULL);
	ok(cause != NULL && strstr(cause, "window") != NULL, "a window without a unit: %s", cause);
	free(cause);

	is_str(threshold_agg_name(THRESHOLD_PCT, 99.9, agg, sizeof agg), "p(99.9)", "p(99.9) named back");
	is_str(threshold_agg_name(THRESHOLD_MED, 0, agg, sizeof agg), "med", "med named back");
	for (int op = THRESHOLD_LT; op <= THRESHOLD_NE; op++) {
		char src[32];
		snprintf(src, sizeof src, "avg%s1", threshold_op_name(op));
		ok(threshold_expr_parse(src, &e, &cause) == 0 && e.op == (enum threshold_op)op,
		    "operator %s round-trips", threshold_op_name(op));
	}
}

/* ---- the metric table's timing phases (testdef numbers them itself: it cannot include tick.h) */

static void
test_metric_phases(void)
{
	static const struct { enum tick_phase phase; const char *name; } want[TICK_NPHASE] = {
		{ TICK_PHASE_BLOCKED, "http_req_blocked" },
		{ TICK_PHASE_CONNECTING, "http_req_connecting" },
		{ TICK_PHASE_TLS, "http_req_tls_handshaking" },
		{ TICK_PHASE_SENDING, "http_req_sending" },
		{ TICK_PHASE_WAITING, "http_req_waiting" },
		{ TICK_PHASE_RECEIVING, "http_req_receiving" },
	};

	for (int i = 0; i < TICK_NPHASE; i++) {
		int m = metric_find(want[i].name, strlen(want[i].name));

		ok(m >= 0 && metric_get((enum metric_id)m)->phase == (int)want[i].phase,
		    "%s is timing phase %d in both tables", want[i].name, (int)want[i].phase);
	}
}

/* ---- validation against a plan */

static void
expect_error(const char *thresholds, const char *want, const char *what)
{
	char *got = errors_of(thresholds);

	ok(strstr(got, want) != NULL, "%s", what);
	if (strstr(got, want) == NULL)
		printf("#   got: %s\n#   want: %s\n", got, want);
	free(got);
}

static void
test_validation(void)
{
	struct plan *p;
	char *got;

	got = errors_of("{\"http_req_duration\": [\"p(95)<500\", \"p(99.9)<2000\", \"avg<200\", \"med<1\", "
	    "\"min<1\", \"max<1\"], \"http_req_failed\": [\"rate<0.01\"], \"checks\": [\"rate>0.99\"], "
	    "\"http_reqs\": [\"count>=500\", \"rate>10\"], \"vus\": [\"value<=10\", \"min>0\", \"max<5\"], "
	    "\"vus_max\": [\"value<100\"], \"iterations\": [\"count>1\"], \"iteration_duration\": [\"p(90)<1\"], "
	    "\"dropped_iterations\": [\"count==0\"], \"data_sent\": [\"count<1e9\"], \"data_received\": [\"rate<1e9\"], "
	    "\"http_req_blocked\": [\"p(95)<1\"], \"http_req_connecting\": [\"max<1\"], "
	    "\"http_req_tls_handshaking\": [\"avg<1\"], "
	    "\"http_req_waiting\": [\"avg<1 over 10s\"], \"http_req_receiving\": [\"med<1\"], "
	    "\"http_req_duration{name:login}\": [\"p(95)<500\"], \"http_reqs{scenario:admin}\": [\"count>0\"], "
	    "\"http_req_failed{status:500}\": [\"rate<1\"], \"http_req_duration{group:checkout}\": [\"p(99)<1\"], "
	    "\"http_req_duration{group:::checkout}\": [\"p(99)<2\"], "
	    "\"http_reqs{method:post}\": [\"count>0\"], \"http_req_duration{expected_response:true}\": [\"avg<1\"], "
	    "\"http_req_duration{ scenario : 'browse' , name:\\\"home\\\" }\": [\"avg<1\"], "
	    "\"http_req_duration{name:login,status:200}\": [\"avg<1\"]}");
	is_str(got, "", "every metric, aggregation and tag of the summary is accepted");
	free(got);

	/* a metric this build does not measure is refused, not judged on a constant 0 */
	got = errors_of("{\"http_req_sending\": [\"avg<1\"]}");
	if (metric_measured(METRIC_HTTP_REQ_SENDING))
		is_str(got, "", "http_req_sending is accepted where it is measured");
	else
		ok(strstr(got, "thresholds.http_req_sending: http_req_sending is not measured by this build: "
		    "it needs libcurl 8.10") != NULL, "http_req_sending is refused where it is not measured: %s", got);
	free(got);

	expect_error("[\"p(95)<500\"]", "thresholds: expected an object of metric names", "thresholds must be an object");
	expect_error("{\"http_req_duration\": [\"p95<500\"]}",
	    "thresholds.http_req_duration[0]: expected an expression like \"p(95)<500\", got \"p95<500\"",
	    "a bad expression names its path");
	expect_error("{\"http_req_duraton\": [\"p(95)<500\"]}",
	    "thresholds.http_req_duraton: expected a metric of the summary (http_reqs, http_req_duration, "
	    "http_req_failed, ...), got \"http_req_duraton\" (did you mean \"http_req_duration\"?)",
	    "an unknown metric, with a suggestion");
	expect_error("{\"my_counter\": [\"count>1\"]}", "thresholds.my_counter: expected a metric of the summary:",
	    "an unknown metric without a close one");
	expect_error("{\"http_reqs\": [\"avg<5\"]}",
	    "thresholds.http_reqs[0]: expected count or rate on http_reqs (a counter), got \"avg<5\"",
	    "avg on a counter");
	expect_error("{\"http_req_duration\": [\"count>5\"]}",
	    "expected avg, min, max, med or p(N) on http_req_duration (a trend), got \"count>5\"", "count on a trend");
	expect_error("{\"http_req_duration\": [\"rate<5\"]}", "on http_req_duration (a trend)", "rate on a trend");
	expect_error("{\"http_req_failed\": [\"count<5\"]}", "expected rate on http_req_failed (a rate)", "count on a rate");
	expect_error("{\"vus\": [\"p(95)<5\"]}", "expected value, min or max on vus (a gauge)", "p(N) on a gauge");
	expect_error("{\"vus\": [\"avg<5\"]}", "on vus (a gauge)", "avg on a gauge");
	expect_error("{\"checks\": [\"count>5\"]}", "expected rate on checks (a rate)", "count on checks");
	expect_error("{\"http_req_duration\": [\"p(101)<5\"]}",
	    "thresholds.http_req_duration[0]: expected a percentile from 0 to 100 in p(N)", "percentile out of range");
	expect_error("{\"http_req_duration\": [\"p(95)<5 over 90m\"]}", "expected a window of at most 3600s", "window too long");
	expect_error("{\"http_req_duration\": [\"p(95)<5 over 1.5s\"]}", "expected a window of whole seconds", "window not whole");
	expect_error("{\"http_req_duration{nme:login}\": [\"p(95)<5\"]}",
	    "thresholds[\"http_req_duration{nme:login}\"]: expected a tag of name, method, scenario, group, status, "
	    "expected_response or a tag that requests set (\"tags\"), got \"nme\"", "an unknown tag");
	expect_error("{\"http_req_duration{name:logout}\": [\"p(95)<5\"]}",
	    "expected the name of an endpoint (\"home\", \"login\", \"pay\"), got \"logout\"", "an unknown endpoint");
	expect_error("{\"http_reqs{scenario:shop}\": [\"count>1\"]}",
	    "expected the name of a scenario (\"browse\", \"admin\"), got \"shop\"", "an unknown scenario");
	expect_error("{\"http_reqs{group:nope}\": [\"count>1\"]}", "expected the name of a task", "an unknown group");
	expect_error("{\"http_reqs{method:DELETE}\": [\"count>1\"]}", "expected a method some request uses", "an unused method");
	expect_error("{\"http_reqs{status:600}\": [\"count>1\"]}", "expected an HTTP status from 100 to 599", "status 600");
	expect_error("{\"http_reqs{status:2xx}\": [\"count>1\"]}", "expected an HTTP status", "status 2xx");
	expect_error("{\"http_reqs{expected_response:yes}\": [\"count>1\"]}",
	    "expected expected_response:true or expected_response:false", "expected_response:yes");
	expect_error("{\"http_reqs{status:200,status:500}\": [\"count>1\"]}", "expected each tag once", "a tag twice");
	expect_error("{\"http_reqs{}\": [\"count>1\"]}", "expected at least one tag between the braces", "empty braces");
	expect_error("{\"http_reqs{name}\": [\"count>1\"]}", "expected tags like {name:login}", "a tag without a value");
	expect_error("{\"http_reqs{name:}\": [\"count>1\"]}", "expected a value for tag \"name\"", "an empty value");
	expect_error("{\"http_reqs{name:home\": [\"count>1\"]}", "expected tags in braces like {name:login}", "unclosed brace");
	expect_error("{\"http_reqs}\": [\"count>1\"]}", "unmatched \"}\"", "a stray closing brace");
	expect_error("{\"http_reqs{name:home}x\": [\"count>1\"]}", "at the end of the metric name", "junk after the braces");
	expect_error("{\"iterations{scenario:admin}\": [\"count>1\"]}", "expected no tags on iterations", "tags on iterations");
	expect_error("{\"vus{scenario:admin}\": [\"value>1\"]}", "expected no tags on vus", "tags on a gauge");
	expect_error("{\"checks{name:home}\": [\"rate>0.9\"]}", "expected one tag {check:NAME} on checks", "checks by name");
	expect_error("{\"checks{check:nope}\": [\"rate>0.9\"]}", "expected the name of a check", "an unknown check");
	expect_error("{\"http_reqs\": \"count>1\"}", "thresholds.http_reqs: expected a list of expressions", "not an array");
	expect_error("{\"http_reqs\": [5]}", "thresholds.http_reqs[0]: expected an expression like \"p(95)<500\" or an object",
	    "an element that is a number");
	expect_error("{\"http_reqs\": [\"count>1\", \"count>1\"]}",
	    "thresholds.http_reqs[1]: expected each expression once per metric, got \"count>1\" twice", "a duplicate");
	expect_error("{\"http_reqs\": [{\"abortOnFail\": true}]}",
	    "thresholds.http_reqs[0].threshold: expected an expression like \"p(95)<500\", got nothing", "long form without threshold");
	expect_error("{\"http_reqs\": [{\"threshold\": 5}]}", "thresholds.http_reqs[0].threshold: expected an expression",
	    "long form with a number");
	expect_error("{\"http_reqs\": [{\"threshold\": \"count>1\", \"abortOnFail\": \"yes\"}]}",
	    "thresholds.http_reqs[0].abortOnFail: expected true or false", "abortOnFail not a boolean");
	expect_error("{\"http_reqs\": [{\"threshold\": \"count>1\", \"delayAbortEval\": \"10 s\"}]}",
	    "thresholds.http_reqs[0].delayAbortEval: expected a duration like \"10s\", got \"10 s\"", "bad delayAbortEval");
	expect_error("{\"http_reqs\": [{\"threshold\": \"count>1\", \"abortOnFial\": true}]}",
	    "thresholds.http_reqs[0][\"abortOnFial\"]: unknown key", "an unknown key in the long form");
	expect_error("{\"http_reqs\": [{\"threshold\": \"avg>1\"}]}", "thresholds.http_reqs[0]: expected count or rate",
	    "long form: aggregation checked too");
	expect_error("{\"http_req_waiting\": [\"p(95)<5 over 10s\"]}",
	    "expected avg with a window on http_req_waiting", "a window on a phase percentile");
	expect_error("{\"http_req_waiting{scenario:admin}\": [\"p(95)<5\"]}",
	    "expected avg with a sub-metric by scenario", "a phase percentile of a tagged series");
	expect_error("{\"http_req_waiting\": [{\"threshold\": \"p(95)<5\", \"abortOnFail\": true}]}",
	    "expected avg with abortOnFail", "abortOnFail on a phase percentile");
	got = errors_of("{\"http_req_waiting{name:home}\": [\"p(95)<5\"], \"http_req_waiting\": [\"p(95)<5\"]}");
	is_str(got, "", "phase percentiles of the whole run and of an endpoint are fine");
	free(got);
	got = errors_of("{\"http_reqs\": [\"avg<1\", \"count<\"], \"nope\": []}");
	ok(strstr(got, "[0]") && strstr(got, "[1]") && strstr(got, "nope"), "every error is reported at once");
	free(got);

	/* What the plan holds. */
	p = plan_ok(NULL);
	ok(p != NULL && p->thresholds == NULL && p->nseries == 0, "no thresholds: nothing in the plan");
	plan_free(p);
	p = plan_ok("{}");
	ok(p != NULL && p->thresholds == NULL && p->nseries == 0, "empty thresholds: nothing in the plan");
	plan_free(p);
	p = plan_ok("{\"http_req_duration{name:login}\": [\"p(95)<500\"], \"http_req_duration\": [\"p(95)<500\"]}");
	ok(p != NULL && p->thresholds != NULL && p->nseries == 0, "{name:...} alone reads the endpoint: no series");
	plan_free(p);
	p = plan_ok("{\"http_req_duration{scenario:admin}\": [\"p(95)<500\"], \"http_reqs{scenario:admin}\": "
	    "[\"count>1\"], \"http_reqs{status:500}\": [\"count<1\"], \"http_reqs{group:checkout}\": [\"count>1\"], "
	    "\"http_reqs{name:login,status:200}\": [\"count>1\"], \"http_reqs{status:200,name:login}\": "
	    "[\"count<9\"]}");
	if (p != NULL) {
		const struct plan_scenario *browse = &p->scenarios[0], *admin = &p->scenarios[1];
		const struct plan_step *home = &browse->tasks[0].steps[0];
		const struct plan_step *login = &browse->tasks[1].steps[0], *pay = &browse->tasks[1].steps[1];
		const struct plan_step *ahome = &admin->tasks[0].steps[0];

		is_int(p->nseries, 4, "same tags, same series: 4 series for 6 keys (scenario, status, group, "
		    "name+status; name+status in either order shared)");
		is_int(home->nseries, 1, "browse/home: the status series only");
		is_int(login->nseries, 3, "browse/login: status, group, name+status");
		is_int(pay->nseries, 2, "browse/pay: status, group");
		is_int(ahome->nseries, 2, "admin/home: scenario, status");
		ok(home->series[0].status == 500 && home->series[0].expected == -1, "the status is checked per response");
	} else {
		ok(0, "plan with series");
	}
	plan_free(p);
}

/* ---- recording into series */

static void
test_record(void)
{
	struct plan *p = plan_ok("{\"http_reqs{status:500}\": [\"count<1\"], "
	    "\"http_req_duration{expected_response:true}\": [\"p(95)<100\"], \"http_reqs{scenario:admin}\": [\"count>0\"]}");
	struct tick *t, *w;
	int64_t ph[TICK_NPHASE] = { 1, 2, 3, 4, 5, 6 };
	const struct plan_step *home, *ahome;
	int s500 = -1, sexp = -1, sadm = -1;

	if (p == NULL) {
		ok(0, "plan for recording");
		return;
	}
	home = &p->scenarios[0].tasks[0].steps[0];
	ahome = &p->scenarios[1].tasks[0].steps[0];
	for (int i = 0; i < home->nseries; i++) {
		if (home->series[i].status == 500)
			s500 = home->series[i].series;
		if (home->series[i].expected == 1)
			sexp = home->series[i].series;
	}
	for (int i = 0; i < ahome->nseries; i++)
		if (ahome->series[i].status < 0 && ahome->series[i].expected < 0)
			sadm = ahome->series[i].series;
	ok(s500 >= 0 && sexp >= 0 && sadm >= 0 && p->nseries == 3, "three series found (%d %d %d)", s500, sexp, sadm);
	if (s500 < 0 || sexp < 0 || sadm < 0) {
		plan_free(p);
		return;
	}
	t = tick_new(p, 0);
	w = tick_new(p, 1);
	is_int(t->nseries, 3, "a tick has a slot per series");
	series_record(t, home, false, 200, TICK_ERR_NONE, 10, 20, ph, 50, 60);
	series_record(t, home, true, 500, TICK_ERR_NONE, 10, 20, ph, 70, 80);
	series_record(t, home, true, 0, TICK_ERR_TIMEOUT, 10, 0, ph, 900, 900);
	series_record(t, ahome, true, 500, TICK_ERR_NONE, 1, 2, ph, 5, 5);
	is_int(t->series[s500].requests, 2, "status:500 counts the two 500s (browse and admin)");
	is_int(t->series[s500].failed, 2, "... both failed");
	is_int(t->series[s500].status[500], 2, "... by status");
	is_int(t->series[sexp].requests, 1, "expected_response:true counts the 200 only");
	is_int(hist_max(t->series[sexp].duration), 60, "... with its duration (intended start)");
	is_int(hist_max(t->series[sexp].service), 50, "... and service time");
	is_int(t->series[sexp].phase_sum_us[TICK_PHASE_WAITING], 5, "... and its phases' sums");
	is_int(t->series[sadm].requests, 1, "scenario:admin counts admin's request only");
	is_int(t->series[sadm].bytes_sent, 1, "... with its bytes");
	tick_merge(w, t);
	tick_merge(w, t);
	is_int(w->series[s500].requests, 4, "series merge into the whole run");
	ok(w->series[s500].phase[0] == NULL, "whole-run series keep no phase histograms");
	tick_reset(t);
	is_int(t->series[s500].requests + hist_count(t->series[sexp].duration), 0, "and reset");
	tick_free(t);
	tick_free(w);
	plan_free(p);
}

/* ---- evaluation */

/* Finds threshold (metric key, source) in the set. */
static int
find(const struct threshold_set *s, const char *metric, const char *source, struct threshold_result *r)
{
	for (int i = 0; i < threshold_count(s); i++) {
		threshold_get(s, i, r);
		if (strcmp(r->metric, metric) == 0 && strcmp(r->source, source) == 0)
			return i;
	}
	memset(r, 0, sizeof *r);
	return -1;
}

static void
test_whole_run(void)
{
	struct plan *p = plan_ok("{"
	    "\"http_req_duration\": [\"p(95)<0.5\", \"p(95)<0.094\", \"p(90)<=0.09\", \"med==0.05\", \"avg<0.051\", "
	    "\"avg<0.05\", \"min>=0.001\", \"max<0.1\", \"max<0.101\"],"
	    "\"http_req_failed\": [\"rate<0.1\", \"rate<0.05\", \"rate>=0.05\"],"
	    "\"http_reqs\": [\"count>=100\", \"count>100\", \"rate==10\", \"rate>10\"],"
	    "\"data_received\": [\"count==100000\"], \"iterations\": [\"count==0\"],"
	    "\"vus\": [\"value==3\", \"min==1\", \"max<5\", \"max<4\"],"
	    "\"http_req_duration{name:login}\": [\"p(95)<500\"],"
	    "\"http_req_waiting\": [\"p(95)<5\", \"avg<5\"],"
	    "\"iteration_duration\": [\"p(95)<1\"], \"checks\": [\"rate>0.9\"]}");
	struct threshold_set *s;
	struct tick *sec, *whole;
	struct threshold_result r;
	int home;
	static const struct { const char *metric, *src; int ok; double value; } want[] = {
		{ "http_req_duration", "p(95)<0.5", 1, 0.095 },
		{ "http_req_duration", "p(95)<0.094", 0, 0.095 },
		{ "http_req_duration", "p(90)<=0.09", 1, 0.09 },
		{ "http_req_duration", "med==0.05", 1, 0.05 },
		{ "http_req_duration", "avg<0.051", 1, 0.0505 },
		{ "http_req_duration", "avg<0.05", 0, 0.0505 },
		{ "http_req_duration", "min>=0.001", 1, 0.001 },
		{ "http_req_duration", "max<0.1", 0, 0.1 },
		{ "http_req_duration", "max<0.101", 1, 0.1 },
		{ "http_req_failed", "rate<0.1", 1, 0.05 },
		{ "http_req_failed", "rate<0.05", 0, 0.05 },
		{ "http_req_failed", "rate>=0.05", 1, 0.05 },
		{ "http_reqs", "count>=100", 1, 100 },
		{ "http_reqs", "count>100", 0, 100 },
		{ "http_reqs", "rate==10", 1, 10 },
		{ "http_reqs", "rate>10", 0, 10 },
		{ "data_received", "count==100000", 1, 100000 },
		{ "iterations", "count==0", 1, 0 },
		{ "vus", "value==3", 1, 3 },
		{ "vus", "min==1", 1, 1 },
		{ "vus", "max<5", 1, 4 },
		{ "vus", "max<4", 0, 4 },
	};

	if (p == NULL) {
		ok(0, "plan for whole-run evaluation");
		return;
	}
	home = endpoint_index(p, "home");
	s = threshold_set_new(p);
	sec = tick_new(p, 0);
	whole = tick_new(p, 1);
	/* 100 requests over 10 s: durations 1..100 µs (exact in the histogram), 5 failed; vus 1, 4, 3 */
	for (int i = 0; i < 10; i++) {
		tick_reset(sec);
		sec->second = i;
		for (int k = 1; k <= 10; k++)
			add_requests(sec, home, 1, i < 5 && k == 10, (uint64_t)(i * 10 + k));
		sec->vus = i == 0 ? 1 : i == 5 ? 4 : 3;
		tick_merge(whole, sec);
		ok(!threshold_tick(s, sec, whole), "second %d: no abort (no abortOnFail)", i);
	}
	ok(!threshold_passed(s), "judged live: some fail already");
	find(s, "http_reqs", "rate>10", &r);
	ok(r.judged && !r.final && fabs(r.value - 10) < 1e-9, "live counter rate is per second elapsed (%g)", r.value);
	threshold_final(s, whole, 10 * NS_S);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		int idx = find(s, want[i].metric, want[i].src, &r);
		ok(idx >= 0 && r.final && r.judged && r.ok == want[i].ok && fabs(r.value - want[i].value) < 1e-9,
		    "%s '%s': %s, observed %g (want %s, %g)", want[i].metric, want[i].src, r.ok ? "pass" : "fail",
		    r.value, want[i].ok ? "pass" : "fail", want[i].value);
	}
	find(s, "http_req_duration{name:login}", "p(95)<500", &r);
	ok(r.ok && !r.judged, "a sub-metric without samples passes unjudged (as in k6)");
	find(s, "iteration_duration", "p(95)<1", &r);
	ok(r.ok && !r.judged, "a trend without samples passes unjudged");
	find(s, "checks", "rate>0.9", &r);
	ok(r.ok && !r.judged, "checks without checks pass unjudged");
	find(s, "http_req_waiting", "avg<5", &r);
	ok(r.ok && r.judged && r.value == 0, "a phase mean is judged on the phase sums (none recorded: 0)");

	/* http_req_waiting: sums per second (live), histograms at the end */
	threshold_set_free(s);
	tick_reset(whole);
	s = threshold_set_new(p);
	tick_reset(sec);
	sec->second = 0;
	add_requests(sec, home, 10, 0, 1000);
	sec->total.phase_sum_us[TICK_PHASE_WAITING] = 10 * 6000;
	sec->endpoints[home].phase_sum_us[TICK_PHASE_WAITING] = 10 * 6000;
	tick_merge(whole, sec);
	threshold_tick(s, sec, whole);
	find(s, "http_req_waiting", "avg<5", &r);
	ok(r.judged && !r.ok && fabs(r.value - 6) < 1e-9, "phase avg judged live from the sums (%g ms)", r.value);
	find(s, "http_req_waiting", "p(95)<5", &r);
	ok(!r.judged, "a phase percentile waits for the end of the run");
	hist_record_n(whole->total.phase[TICK_PHASE_WAITING], 4000, 10);
	threshold_final(s, whole, NS_S);
	find(s, "http_req_waiting", "p(95)<5", &r);
	ok(r.judged && r.ok && fabs(r.value - 4) < 1e-9, "... and is judged on the whole-run histogram (%g ms)", r.value);

	tick_free(sec);
	tick_free(whole);
	threshold_set_free(s);
	plan_free(p);
}

static void
test_abort(void)
{
	struct plan *p = plan_ok("{\"http_req_failed\": [{\"threshold\": \"rate<0.01\", \"abortOnFail\": true, "
	    "\"delayAbortEval\": \"10s\"}], \"http_reqs\": [{\"threshold\": \"count<1000000\", \"abortOnFail\": true}]}");
	struct threshold_set *s;
	struct tick *sec, *whole;
	struct threshold_result r;
	int home, fired = -1, fires = 0;

	if (p == NULL) {
		ok(0, "plan for abort");
		return;
	}
	home = endpoint_index(p, "home");
	s = threshold_set_new(p);
	sec = tick_new(p, 0);
	whole = tick_new(p, 1);
	for (int i = 0; i < 20; i++) {
		tick_reset(sec);
		sec->second = i;
		add_requests(sec, home, 10, 1, 1000);
		tick_merge(whole, sec);
		if (threshold_tick(s, sec, whole)) {
			fires++;
			if (fired < 0)
				fired = i;
		}
	}
	is_int(fired, 10, "abortOnFail fires once delayAbortEval (10s) has passed: after second 10");
	is_int(fires, 1, "... exactly once");
	ok(threshold_aborted(s) && !threshold_passed(s), "the set says aborted and failed");
	/* The whole run, judged at the end, passes now: the aborting threshold stays failed. */
	tick_reset(whole);
	add_requests(whole, home, 1000, 0, 1000);
	threshold_final(s, whole, 20 * NS_S);
	find(s, "http_req_failed", "rate<0.01", &r);
	ok(!r.ok && r.aborted && r.abort_on_fail, "an aborting threshold stays failed even if the end passes");
	find(s, "http_reqs", "count<1000000", &r);
	ok(r.ok && !r.aborted, "the other abortOnFail threshold passed");
	threshold_set_free(s);

	/* Without delayAbortEval: the first failing second. */
	plan_free(p);
	p = plan_ok("{\"http_req_failed\": [{\"threshold\": \"rate<0.01\", \"abortOnFail\": true}]}");
	s = threshold_set_new(p);
	tick_reset(sec);
	tick_reset(whole);
	sec->second = 0;
	add_requests(sec, home, 10, 0, 1000);
	tick_merge(whole, sec);
	ok(!threshold_tick(s, sec, whole), "no abort while passing");
	tick_reset(sec);
	sec->second = 1;
	add_requests(sec, home, 10, 10, 1000);
	tick_merge(whole, sec);
	ok(threshold_tick(s, sec, whole), "abort at the first failing second without delayAbortEval");
	threshold_set_free(s);
	tick_free(sec);
	tick_free(whole);
	plan_free(p);
}

/* A 600-second run, 100 requests a second; seconds 590-599 all fail. */
static void
test_window_burst(void)
{
	struct plan *p = plan_ok("{\"http_req_failed\": [\"rate<0.05\", \"rate<0.05 over 30s\", \"rate<0.3 over 30s\"],"
	    "\"http_reqs\": [\"count>=3000 over 30s\", \"rate>=100 over 30s\", \"count>=3001 over 30s\"],"
	    "\"http_req_duration\": [\"p(99)<500 over 60s\", \"max<=2000 over 1m\", \"min>=10 over 10s\"],"
	    "\"vus\": [\"max<10 over 5s\", \"value>0 over 5s\"]}");
	struct threshold_set *s;
	struct tick *sec, *whole;
	struct threshold_result r;
	int home;
	json_t *js;

	if (p == NULL) {
		ok(0, "plan for windows");
		return;
	}
	home = endpoint_index(p, "home");
	s = threshold_set_new(p);
	sec = tick_new(p, 0);
	whole = tick_new(p, 1);
	for (int i = 0; i < 600; i++) {
		tick_reset(sec);
		sec->second = i;
		/* latencies 10..109 ms; seconds 300-301: one 2 s request */
		for (int k = 0; k < 100; k++)
			add_requests(sec, home, 1, i >= 590, (uint64_t)(10 + k) * 1000);
		if (i == 300 || i == 301) {
			sec->total.requests--;
			sec->endpoints[home].requests--;
			add_requests(sec, home, 1, 0, 2000000);
		}
		sec->vus = i == 200 ? 12 : 5;
		tick_merge(whole, sec);
		threshold_tick(s, sec, whole);
	}
	threshold_final(s, whole, 600 * NS_S);
	find(s, "http_req_failed", "rate<0.05", &r);
	ok(r.ok && fabs(r.value - 1000.0 / 60000.0) < 1e-12, "whole run: 1.67%% failed passes rate<0.05 (%g)", r.value);
	find(s, "http_req_failed", "rate<0.05 over 30s", &r);
	ok(!r.ok, "the burst in the last 10 s fails rate<0.05 over 30s");
	is_int(r.window_start, 562, "the first failing window starts at 562 (2 failing seconds in 562..591)");
	ok(fabs(r.value - 200.0 / 3000.0) < 1e-12, "its rate: 200 of 3000 (%g)", r.value);
	find(s, "http_req_failed", "rate<0.3 over 30s", &r);
	ok(!r.ok && r.window_start == 569 && fabs(r.value - 0.3) < 1e-12,
	    "rate<0.3 over 30s fails from window 569 (9 of 30 s failing): %lld, %g", (long long)r.window_start, r.value);
	find(s, "http_reqs", "count>=3000 over 30s", &r);
	ok(r.ok && r.value == 3000, "count>=3000 over 30s passes (worst %g)", r.value);
	find(s, "http_reqs", "rate>=100 over 30s", &r);
	ok(r.ok && fabs(r.value - 100) < 1e-9, "rate over a window is per second of the window (%g)", r.value);
	find(s, "http_reqs", "count>=3001 over 30s", &r);
	ok(!r.ok && r.window_start == 0 && r.value == 3000, "count>=3001 fails at the first complete window (%lld, %g)",
	    (long long)r.window_start, r.value);
	find(s, "http_req_duration", "p(99)<500 over 60s", &r);
	ok(r.ok, "two slow requests in 6000 stay under p(99) (worst %g ms)", r.value);
	find(s, "http_req_duration", "max<=2000 over 1m", &r);
	ok(r.ok && fabs(r.value - 2000) < 1e-9, "max<=2000 over 1m: the window max is exact (%g)", r.value);
	find(s, "http_req_duration", "min>=10 over 10s", &r);
	ok(r.ok && fabs(r.value - 10) < 1e-9, "min over a window is exact (%g)", r.value);
	find(s, "vus", "max<10 over 5s", &r);
	ok(!r.ok && r.window_start == 196 && r.value == 12, "a gauge's window max: the 12 VUs at 200 fail from "
	    "window 196 (%lld, %g)", (long long)r.window_start, r.value);
	find(s, "vus", "value>0 over 5s", &r);
	ok(r.ok && r.value == 5, "a gauge's window value is its last second (%g)", r.value);

	js = threshold_results_json(s);
	ok(json_is_array(js) && json_array_size(js) == (size_t)threshold_count(s), "results JSON: one per threshold");
	{
		json_t *o = json_array_get(js, 1);
		ok(strcmp(json_string_value(json_object_get(o, "metric")), "http_req_failed") == 0 &&
		    strcmp(json_string_value(json_object_get(o, "source")), "rate<0.05 over 30s") == 0 &&
		    json_is_false(json_object_get(o, "ok")) &&
		    json_integer_value(json_object_get(o, "window_s")) == 30 &&
		    json_integer_value(json_object_get(o, "failed_window_start")) == 562 &&
		    json_is_real(json_object_get(o, "value")) &&
		    strcmp(json_string_value(json_object_get(o, "aggregation")), "rate") == 0 &&
		    json_is_true(json_object_get(o, "final")), "results JSON: metric, source, ok, value, window, start");
		o = json_array_get(js, 0);
		ok(json_is_null(json_object_get(o, "failed_window_start")) && json_object_get(o, "window_s") == NULL,
		    "results JSON: a whole-run threshold has no window");
	}
	json_decref(js);
	threshold_set_free(s);
	tick_free(sec);
	tick_free(whole);
	plan_free(p);
}

/* Windowed percentiles match a histogram re-merged from the window's seconds. */
static void
test_window_hist(void)
{
	struct plan *p = plan_ok("{\"http_req_duration\": [\"p(90)<1000000 over 7s\", \"med<1000000 over 7s\"]}");
	struct threshold_set *s;
	struct tick *secs[40], *whole;
	struct hist *ref = hist_new();
	struct threshold_result r;
	uint64_t x = 88172645463325252ULL;
	int home, bad = 0;

	home = endpoint_index(p, "home");
	s = threshold_set_new(p);
	whole = tick_new(p, 1);
	for (int i = 0; i < 40; i++) {
		secs[i] = tick_new(p, 0);
		secs[i]->second = i;
		for (int k = 0; k < 200; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			add_requests(secs[i], home, 1, 0, 1000 + x % (i % 5 == 0 ? 900000 : 50000));
		}
		tick_merge(whole, secs[i]);
		threshold_tick(s, secs[i], whole);
		if (i >= 6) {
			double want;
			hist_reset(ref);
			for (int j = i - 6; j <= i; j++)
				hist_merge(ref, secs[j]->total.duration);
			find(s, "http_req_duration", "p(90)<1000000 over 7s", &r);
			want = (double)hist_percentile(ref, 90) / 1000.0;
			if (r.window_start == i - 6 && fabs(r.value - want) > want / 128.0)
				bad++;
		}
	}
	/* The worst p(90) window by brute force. */
	{
		double worst = -1;
		int64_t start = -1;
		for (int i = 6; i < 40; i++) {
			hist_reset(ref);
			for (int j = i - 6; j <= i; j++)
				hist_merge(ref, secs[j]->total.duration);
			double v = (double)hist_percentile(ref, 90) / 1000.0;
			if (v > worst)
				worst = v, start = i - 6;
		}
		find(s, "http_req_duration", "p(90)<1000000 over 7s", &r);
		ok(r.ok && fabs(r.value - worst) <= worst / 128.0, "sliding p(90) over 7s equals a re-merge within a "
		    "bucket: %g vs %g (start %lld vs %lld)", r.value, worst, (long long)r.window_start, (long long)start);
	}
	is_int(bad, 0, "every window's p(90) matched its re-merged histogram");
	hist_free(ref);
	for (int i = 0; i < 40; i++)
		tick_free(secs[i]);
	tick_free(whole);
	threshold_set_free(s);
	plan_free(p);
}

/* Windows longer than the run, missing and repeated seconds. */
static void
test_window_edges(void)
{
	struct plan *p = plan_ok("{\"http_req_failed\": [\"rate<0.5 over 60s\", \"rate<0.5 over 3s\"]}");
	struct threshold_set *s;
	struct tick *sec, *whole;
	struct threshold_result r;
	int home;

	home = endpoint_index(p, "home");
	s = threshold_set_new(p);
	sec = tick_new(p, 0);
	whole = tick_new(p, 1);
	for (int i = 0; i < 10; i++) {
		tick_reset(sec);
		sec->second = i;
		add_requests(sec, home, 10, i < 6 ? 10 : 0, 1000);
		tick_merge(whole, sec);
		threshold_tick(s, sec, whole);
	}
	find(s, "http_req_failed", "rate<0.5 over 60s", &r);
	ok(r.ok && !r.judged, "a 60 s window in a 10 s run: no complete window yet");
	threshold_final(s, whole, 10 * NS_S);
	find(s, "http_req_failed", "rate<0.5 over 60s", &r);
	ok(!r.ok && r.judged && r.window_start == 0 && fabs(r.value - 0.6) < 1e-12,
	    "at the end, a run shorter than its window is judged as one window (%g)", r.value);
	find(s, "http_req_failed", "rate<0.5 over 3s", &r);
	ok(!r.ok && r.window_start == 0, "the 3 s window failed from the start");
	threshold_set_free(s);

	/* Gaps count as empty seconds; old seconds are ignored. */
	s = threshold_set_new(p);
	tick_reset(sec);
	sec->second = 0;
	add_requests(sec, home, 10, 10, 1000);
	threshold_tick(s, sec, NULL);
	tick_reset(sec);
	sec->second = 5;
	add_requests(sec, home, 10, 0, 1000);
	threshold_tick(s, sec, NULL);
	find(s, "http_req_failed", "rate<0.5 over 3s", &r);
	ok(!r.ok && r.window_start == 0, "seconds 1-4 missing: windows 0-2 failed (only second 0 had requests)");
	sec->second = 3;
	ok(!threshold_tick(s, sec, NULL), "an old second is ignored");
	threshold_set_free(s);
	tick_free(sec);
	tick_free(whole);
	plan_free(p);
}

/* A sub-metric by status, recorded and judged end to end. */
static void
test_sub_metric(void)
{
	struct plan *p = plan_ok("{\"http_reqs{status:500}\": [\"count<3\"], \"http_req_failed{scenario:admin}\": "
	    "[\"rate<0.5\"], \"http_req_duration{name:login}\": [\"max<100\"]}");
	struct threshold_set *s;
	struct tick *sec, *whole;
	struct threshold_result r;
	const struct plan_step *home, *ahome;
	int64_t ph[TICK_NPHASE] = { 0 };
	int login;

	home = &p->scenarios[0].tasks[0].steps[0];
	ahome = &p->scenarios[1].tasks[0].steps[0];
	login = endpoint_index(p, "login");
	s = threshold_set_new(p);
	sec = tick_new(p, 0);
	whole = tick_new(p, 1);
	sec->second = 0;
	for (int i = 0; i < 3; i++)
		series_record(sec, home, true, 500, TICK_ERR_NONE, 1, 1, ph, 10, 10);
	series_record(sec, ahome, false, 200, TICK_ERR_NONE, 1, 1, ph, 10, 10);
	add_requests(sec, login, 1, 0, 150000);
	tick_merge(whole, sec);
	threshold_tick(s, sec, whole);
	threshold_final(s, whole, NS_S);
	find(s, "http_reqs{status:500}", "count<3", &r);
	ok(!r.ok && r.value == 3, "http_reqs{status:500}: 3 responses fail count<3");
	find(s, "http_req_failed{scenario:admin}", "rate<0.5", &r);
	ok(r.ok && r.value == 0, "http_req_failed{scenario:admin}: admin's request succeeded");
	find(s, "http_req_duration{name:login}", "max<100", &r);
	ok(!r.ok && fabs(r.value - 150) < 1e-9, "http_req_duration{name:login} reads the endpoint (%g ms)", r.value);
	ok(threshold_sub_endpoint(s, 2, whole) == &whole->endpoints[login], "its data is the endpoint's");
	ok(threshold_sub_endpoint(s, 0, whole) == &whole->series[0], "a status sub-metric's data is its series");
	threshold_set_free(s);
	tick_free(sec);
	tick_free(whole);
	plan_free(p);

	/* An empty set passes. */
	p = plan_ok(NULL);
	s = threshold_set_new(p);
	whole = tick_new(p, 1);
	threshold_final(s, whole, NS_S);
	ok(threshold_passed(s) && threshold_count(s) == 0, "no thresholds: passed");
	{
		json_t *js = threshold_results_json(s);
		ok(json_array_size(js) == 0, "no thresholds: []");
		json_decref(js);
	}
	threshold_set_free(s);
	tick_free(whole);
	plan_free(p);
}

/* checks: passes / (passes + fails) over every check, or one check by name. */
static void
test_checks(void)
{
	const char *text = "{\"baseUrl\": \"http://127.0.0.1:9\", \"vus\": 1, \"duration\": \"1s\", \"tasks\": ["
	    "{\"name\": \"a\", \"path\": \"/\", \"checks\": [{\"name\": \"c1\", \"status\": 200}, "
	    "{\"name\": \"c2\", \"status\": 201}]}], \"thresholds\": {\"checks\": [\"rate>0.7\", \"rate>0.8 over 2s\"], "
	    "\"checks{check:c2}\": [\"rate==0.5\"]}}";
	json_t *def = json_loads(text, 0, NULL);
	struct testdef_errors errs;
	struct threshold_set *s;
	struct tick *sec, *whole;
	struct threshold_result r;
	struct plan *p;

	testdef_errors_init(&errs);
	p = testdef_parse(def, NULL, &errs);
	json_decref(def);
	for (int i = 0; i < errs.n; i++)
		printf("# %s: %s\n", errs.v[i].path, errs.v[i].message);
	testdef_errors_fini(&errs);
	if (p == NULL || p->nchecks != 2) {
		ok(0, "a plan with two checks");
		plan_free(p);
		return;
	}
	s = threshold_set_new(p);
	sec = tick_new(p, 0);
	whole = tick_new(p, 1);
	for (int i = 0; i < 4; i++) {
		tick_reset(sec);
		sec->second = i;
		sec->checks[0].passes = 10;                 /* c1 always passes */
		sec->checks[1].passes = i < 2 ? 10 : 0;     /* c2 passes, then fails */
		sec->checks[1].fails = i < 2 ? 0 : 10;
		tick_merge(whole, sec);
		threshold_tick(s, sec, whole);
	}
	threshold_final(s, whole, 4 * NS_S);
	find(s, "checks", "rate>0.7", &r);
	ok(r.ok && fabs(r.value - 0.75) < 1e-12, "checks: 60 of 80 passed (%g)", r.value);
	find(s, "checks", "rate>0.8 over 2s", &r);
	ok(!r.ok && r.window_start == 1 && fabs(r.value - 0.75) < 1e-12,
	    "checks over 2s: the window 1-2 has 30 of 40 (%lld, %g)", (long long)r.window_start, r.value);
	find(s, "checks{check:c2}", "rate==0.5", &r);
	ok(r.ok && r.value == 0.5, "checks{check:c2}: that check only (%g)", r.value);
	threshold_set_free(s);
	tick_free(sec);
	tick_free(whole);
	plan_free(p);
}

/* Relative thresholds (issue 13): "p(95) < baseline * 1.10", judged at the end against a
   baseline summary's value of the same metric and aggregation. */
static void
test_relative(void)
{
	struct threshold_expr e;
	char *cause;

	ok((cause = expr_err("p(95) < baseline * 1.10", &e)) == NULL && e.relative && e.value == 1.10 &&
	    e.op == THRESHOLD_LT, "relative: p(95) < baseline * 1.10 parses (factor 1.10)");
	free(cause);
	ok((cause = expr_err("rate>baseline", &e)) == NULL && e.relative && e.value == 1,
	    "relative: no factor is 1");
	free(cause);
	ok((cause = expr_err("p(95) < 500", &e)) == NULL && !e.relative, "an absolute one is not relative");
	free(cause);
	cause = expr_err("p(95) < baseline * 0", NULL);
	ok(cause != NULL && strstr(cause, "factor above 0") != NULL, "a factor of 0 is refused (%s)",
	    cause ? cause : "");
	free(cause);
	cause = expr_err("p(95) < baseline * 1.1 over 30s", NULL);
	ok(cause != NULL && strstr(cause, "no window") != NULL, "a relative window is refused (%s)",
	    cause ? cause : "");
	free(cause);
	cause = expr_err("p(95) < baselines * 1.1", NULL);
	ok(cause != NULL, "a misspelt baseline is refused");
	free(cause);
}

int
main(void)
{
	test_grammar();
	test_relative();
	test_metric_phases();
	test_validation();
	test_record();
	test_whole_run();
	test_abort();
	test_window_burst();
	test_window_hist();
	test_window_edges();
	test_sub_metric();
	test_checks();
	return done_testing();
}
