/*
 * test_agent_msg: the agent protocol's pure parts: NTP-style offset and delay, the wall-to-monotonic
 * conversion of the start instant, the hello and time answers, prepare's field errors, and a tick
 * message whose histogram blobs decode to the counts recorded, and agent_msg_tick_add reading tick
 * messages back: a round trip, three agents' seconds added as tick_merge would (vus summed; groupBy
 * values past the table's bound as `other`), and messages that do not fit the plan or are not ticks
 * at all refused with the field named; a tick without groups (an older agent's) is still added.
 */
#include <config.h>

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <jansson.h>

#include "core/xmalloc.h"
#include "engine/agent_msg.h"
#include "metrics/failures.h"
#include "metrics/hist.h"
#include "metrics/tick.h"
#include "testdef/plan.h"
#include "testdef/testdef.h"
#include "tap.h"

/* The count of the base64 blob s, or -1 when it does not decode. */
static long long
blob_count(const char *s)
{
	gsize n;
	guchar *blob;
	struct hist *h = hist_new();
	char *cause = NULL;
	long long count = -1;

	if (s == NULL)
		return -1;
	blob = g_base64_decode(s, &n);
	if (hist_decode(h, blob, n, &cause) == 0)
		count = (long long)hist_count(h);
	free(cause);
	g_free(blob);
	hist_free(h);
	return count;
}

static void
test_offset(void)
{
	int64_t off, delay;

	/* agent 5 ms ahead, 1 ms each way, 2 ms holding the request */
	agent_clock_offset(1000000000, 1006000000, 1008000000, 1004000000, &off, &delay);
	is_int(off, 5000000, "offset: agent 5 ms ahead");
	is_int(delay, 2000000, "delay: the round trip less the agent's hold");
	/* agent behind, asymmetric: the offset is the mean of the two one-way differences */
	agent_clock_offset(2000000000, 1990000000, 1990000000, 2004000000, &off, &delay);
	is_int(off, -12000000, "offset: agent 12 ms behind");
	is_int(delay, 4000000, "delay with no hold");
	/* wall-clock instants near 2^62 do not overflow */
	agent_clock_offset(INT64_C(4000000000000000000), INT64_C(4000000000000000010),
	    INT64_C(4000000000000000012), INT64_C(4000000000000000004), &off, &delay);
	is_int(off, 9, "offset at large wall instants");
	is_int(agent_mono_of_wall(5000, 3000, 100), 2100, "start instant 2 us ahead on the monotonic clock");
	is_int(agent_mono_of_wall(3000, 5000, 10000), 8000, "an instant in the past is in the past");
}

/* agent_msg_time_read: the answer read, checked, and turned into offset and delay. */
static int
time_read(const char *text, int64_t t0, int64_t t3, int64_t *off, int64_t *delay, char **cause)
{
	json_t *m = json_loads(text, 0, NULL);
	int rc = agent_msg_time_read(m, t0, t3, off, delay, cause);

	json_decref(m);
	return rc;
}

static void
test_time_read(void)
{
	int64_t off = -1, delay = -1;
	char *cause = NULL;

	is_int(time_read("{\"type\":\"time\",\"t1\":1006000000,\"t2\":1008000000}", 1000000000, 1004000000,
	    &off, &delay, &cause), 0, "time read: a good answer");
	ok(off == 5000000 && delay == 2000000, "time read: as agent_clock_offset (%lld, %lld)",
	    (long long)off, (long long)delay);
	is_int(time_read("{\"t1\":1000000000,\"t2\":1000000000}", 1000000000, 999000000, &off, &delay,
	    &cause), 0, "time read: an answer faster than the clocks can tell");
	is_int(delay, 0, "time read: its negative delay reads as 0");
	is_int(time_read("{\"t1\":5}", 1000000000, 1004000000, &off, &delay, &cause), -1,
	    "time read: without t2 refused");
	ok(cause != NULL && strstr(cause, "without t1 and t2") != NULL, "saying so (%s)", cause);
	free(cause);
	cause = NULL;
	is_int(time_read("{\"t1\":1008000000,\"t2\":1006000000}", 1000000000, 1004000000, &off, &delay,
	    &cause), -1, "time read: answered before asked (t2 < t1) refused");
	free(cause);
	cause = NULL;
	is_int(time_read("{\"t1\":1,\"t2\":2}", INT64_C(1700000000000000000),
	    INT64_C(1700000000000000100), &off, &delay, &cause), -1,
	    "time read: a clock decades off refused (no overflow)");
	ok(cause != NULL && strstr(cause, "not believable") != NULL, "saying it is not believed");
	free(cause);
}

static void
test_messages(void)
{
	json_t *h = agent_msg_hello(3, "idle"), *req, *rep, *msg;
	struct agent_prepare p;
	const char *field = NULL;
	char *cause = NULL;
	int64_t at;

	is_str(json_string_value(json_object_get(h, "type")), "hello", "hello: type");
	is_int(json_integer_value(json_object_get(h, "protocol")), AGENT_PROTOCOL_VERSION, "hello: protocol");
	is_int(json_integer_value(json_object_get(h, "cores")), 3, "hello: cores");
	is_str(json_string_value(json_object_get(h, "version")), PACKAGE_VERSION, "hello: version");
	is_str(json_string_value(json_object_get(h, "state")), "idle", "hello: state");
	json_decref(h);

	req = json_pack("{s:s, s:I}", "type", "time", "t0", (json_int_t)123);
	rep = agent_msg_time_reply(req, 456, 789, &cause);
	ok(rep != NULL, "time: answered");
	is_int(json_integer_value(json_object_get(rep, "t0")), 123, "time: t0 echoed");
	is_int(json_integer_value(json_object_get(rep, "t1")), 456, "time: t1");
	is_int(json_integer_value(json_object_get(rep, "t2")), 789, "time: t2");
	json_decref(rep);
	json_object_set_new(req, "t0", json_string("x"));
	ok(agent_msg_time_reply(req, 1, 2, &cause) == NULL && strncmp(cause, "t0", 2) == 0,
	    "time: a t0 that is not an integer is refused");
	free(cause);
	cause = NULL;
	json_decref(req);

	msg = json_pack("{s:s, s:{}, s:s, s:s, s:s}", "type", "prepare", "definition", "segment",
	    "0:1/3", "sequence", "0,1/3,2/3,1", "allow_targets", "127.0.0.1");
	ok(agent_msg_prepare_parse(msg, &p, &field, &cause) == 0, "prepare: read");
	is_str(p.segment, "0:1/3", "prepare: segment");
	is_str(p.sequence, "0,1/3,2/3,1", "prepare: sequence");
	is_str(p.allow_targets, "127.0.0.1", "prepare: allow_targets");
	ok(p.setup_data == NULL, "prepare: no setup data");
	json_object_del(msg, "allow_targets");
	ok(agent_msg_prepare_parse(msg, &p, &field, &cause) != 0, "prepare: allow_targets required");
	is_str(field, "allow_targets", "prepare: the error names allow_targets");
	free(cause);
	cause = NULL;
	json_object_set_new(msg, "allow_targets", json_string("127.0.0.1"));
	json_object_set_new(msg, "segment", json_integer(3));
	ok(agent_msg_prepare_parse(msg, &p, &field, &cause) != 0, "prepare: a segment not a string");
	is_str(field, "segment", "prepare: the error names segment");
	free(cause);
	cause = NULL;
	json_object_set_new(msg, "definition", json_string("nope"));
	ok(agent_msg_prepare_parse(msg, &p, &field, &cause) != 0, "prepare: a definition not an object");
	is_str(field, "definition", "prepare: the error names definition");
	free(cause);
	cause = NULL;
	json_decref(msg);

	msg = json_pack("{s:s, s:I}", "type", "start", "at_ns", (json_int_t)1700000000000000000);
	ok(agent_msg_start_parse(msg, &at, &cause) == 0 && at == 1700000000000000000, "start: at_ns");
	json_object_set_new(msg, "at_ns", json_real(1.5));
	ok(agent_msg_start_parse(msg, &at, &cause) != 0, "start: at_ns must be an integer");
	free(cause);
	json_decref(msg);
}

static void
test_tick(void)
{
	struct testdef_errors errs;
	json_t *def = json_pack("{s:{s:{s:s, s:i, s:s, s:[{s:s, s:s, s:s}]}}}", "scenarios", "s",
	    "executor", "constant-vus", "vus", 1, "duration", "1s", "tasks", "name", "home", "method",
	    "GET", "url", "http://127.0.0.1:1/");
	struct plan *plan;
	struct tick *t;
	int64_t phase[TICK_NPHASE] = { 0 };
	json_t *m, *ep;

	testdef_errors_init(&errs);
	plan = testdef_parse(def, NULL, &errs);
	json_decref(def);
	ok(plan != NULL, "a plan to tick");
	testdef_errors_fini(&errs);
	if (plan == NULL)
		return;
	t = tick_new(plan, 0);
	t->second = 4;
	t->vus = 7;
	for (int i = 0; i < 5; i++) {
		struct tick_sample s = { .status = i < 4 ? 200 : 503, .failed = i == 4, .phase_us = phase,
			.service_us = 1000 + i, .duration_us = 1000 + i };
		tick_record(&t->endpoints[0], NULL, &s);
	}
	tick_sum_total(t);
	failures_add(t->failures, 0, FAILURE_REFUSED, "connection refused", 18, 2, -1, -1);
	m = agent_msg_tick(plan, t);
	is_str(json_string_value(json_object_get(m, "type")), "tick", "tick: type");
	is_int(json_integer_value(json_object_get(m, "second")), 4, "tick: second");
	is_int(json_integer_value(json_object_get(m, "vus")), 7, "tick: vus");
	ep = json_array_get(json_object_get(m, "endpoints"), 0);
	is_str(json_string_value(json_object_get(ep, "name")), "home", "tick: endpoint name");
	is_int(json_integer_value(json_object_get(ep, "requests")), 5, "tick: endpoint requests");
	is_int(json_integer_value(json_object_get(ep, "failed")), 1, "tick: endpoint failed");
	is_int(json_integer_value(json_object_get(json_object_get(ep, "status"), "503")), 1,
	    "tick: status 503 counted");
	is_int(blob_count(json_string_value(json_object_get(ep, "duration"))), 5,
	    "tick: the endpoint's duration blob decodes to its 5 requests");
	is_int(blob_count(json_string_value(json_object_get(json_object_get(m, "total"), "duration"))), 5,
	    "tick: the total's duration blob decodes");
	ep = json_array_get(json_object_get(m, "failures"), 0);
	is_str(json_string_value(json_object_get(ep, "message")), "connection refused", "tick: a failure message");
	is_int(json_integer_value(json_object_get(ep, "count")), 2, "tick: its count");
	is_str(json_string_value(json_object_get(ep, "kind")), failure_kind_name(FAILURE_REFUSED), "tick: its kind");
	ok(json_is_array(json_object_get(m, "series")), "tick: the thresholds' series (none here)");
	is_int(blob_count(json_string_value(json_object_get(m, "iteration_duration"))), 0,
	    "tick: the iteration blob decodes (empty)");
	json_decref(m);
	tick_free(t);
	plan_free(plan);
}

/* ---- agent_msg_tick_add */

/* Two endpoints outside groups, two in groups g1 and g2 (group_duration), two checks, the four
   custom metric types and a trend's sub-metric, a threshold's series, and two groupBy (home's by a
   header, list's by a JSON value). */
#define RICH_DEF "{\"baseUrl\": \"http://127.0.0.1:9\", \"vus\": 1, \"duration\": \"1s\"," \
	" \"metrics\": {\"wait\": {\"type\": \"trend\", \"unit\": \"ms\"}, \"polls\": {\"type\": \"counter\"}," \
	"   \"depth\": {\"type\": \"gauge\"}, \"done_rate\": {\"type\": \"rate\"}}," \
	" \"tasks\": [{\"name\": \"t\", \"steps\": [" \
	"  {\"name\": \"home\", \"path\": \"/a\", \"groupBy\": {\"header\": \"X-Served-By\"}," \
	"   \"checks\": [{\"name\": \"ok\", \"status\": 200}]," \
	"   \"record\": [{\"metric\": \"polls\", \"value\": 1}, {\"metric\": \"wait\", \"value\": 5," \
	"   \"tags\": {\"kind\": \"poll\"}}, {\"metric\": \"depth\", \"value\": 3}," \
	"   {\"metric\": \"done_rate\", \"value\": 1}]}," \
	"  {\"name\": \"list\", \"path\": \"/l\", \"groupBy\": {\"json\": \"/shard\"}}," \
	"  {\"group\": \"g1\", \"steps\": [{\"name\": \"login\", \"path\": \"/b\"," \
	"   \"checks\": [{\"name\": \"body\", \"status\": 200}]}]}," \
	"  {\"group\": \"g2\", \"steps\": [{\"name\": \"pay\", \"path\": \"/c\"}]}]}]," \
	" \"thresholds\": {\"http_reqs{status:500}\": [\"count<1\"], \"wait{kind:poll}\": [\"p(95)<100\"]}}"

static struct plan *
rich_plan(void)
{
	struct testdef_errors errs;
	json_error_t je;
	json_t *def = json_loads(RICH_DEF, 0, &je);
	struct plan *plan;

	if (def == NULL) {
		printf("# bad test JSON: %s\n", je.text);
		exit(1);
	}
	testdef_errors_init(&errs);
	plan = testdef_parse(def, NULL, &errs);
	for (int i = 0; i < errs.n; i++)
		printf("# unexpected error: %s: %s\n", errs.v[i].path, errs.v[i].message);
	testdef_errors_fini(&errs);
	json_decref(def);
	return plan;
}

/* A small deterministic generator (the tests must not depend on libc's rand). */
static uint64_t
rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

/* n requests into ep (phase histograms none: per-second ticks), statuses, errors and times varied. */
static void
fill_endpoint(struct tick_endpoint *ep, uint64_t *seed, int n)
{
	static const int statuses[] = { 200, 200, 201, 302, 404, 500, 503, 999 };

	for (int i = 0; i < n; i++) {
		int64_t phase[TICK_NPHASE];
		struct tick_sample s = { .phase_us = phase };
		uint64_t r = rnd(seed);
		for (int p = 0; p < TICK_NPHASE; p++)
			phase[p] = (int64_t)(rnd(seed) % 5000);
		if (r % 10 == 0)
			s.error = (enum tick_error)(1 + rnd(seed) % (TICK_NERR - 1));
		else
			s.status = statuses[rnd(seed) % (sizeof statuses / sizeof statuses[0])];
		s.failed = s.error != TICK_ERR_NONE || s.status >= 400;
		s.bytes_sent = rnd(seed) % 2000;
		s.bytes_received = rnd(seed) % 100000;
		s.service_us = (int64_t)(rnd(seed) % 3000000);
		s.duration_us = s.service_us + (int64_t)(rnd(seed) % 1000);
		tick_record(ep, NULL, &s);
	}
	ep->extract_failures += rnd(seed) % 4;
	ep->extract_truncated += rnd(seed) % 3;
}

/* Fills t (of rich_plan) with varied data: every field agent_msg_tick sends. */
static void
fill_tick(const struct plan *plan, struct tick *t, uint64_t seed, int64_t second)
{
	t->second = second;
	for (int i = 0; i < t->nendpoints; i++)
		fill_endpoint(&t->endpoints[i], &seed, 50 + (int)(rnd(&seed) % 200));
	tick_sum_total(t);
	for (int i = 0; i < t->nseries; i++)
		fill_endpoint(&t->series[i], &seed, 1 + (int)(rnd(&seed) % 30));
	t->iterations = rnd(&seed) % 1000;
	t->interrupted_iterations = rnd(&seed) % 5;
	t->dropped_iterations = rnd(&seed) % 7;
	t->late_starts = rnd(&seed) % 9;
	for (int i = 0; i < 300; i++)
		hist_record(t->iteration_duration, rnd(&seed) % 4000000);
	t->vus = 1 + (int)(rnd(&seed) % 50);
	t->vus_max = t->vus + (int)(rnd(&seed) % 10);
	t->cpu_pct = (double)(rnd(&seed) % 10000) / 97.0;
	t->loop_lag_max_us = (int64_t)(rnd(&seed) % 30000);
	for (int i = 0; i < t->nchecks; i++) {
		t->checks[i].passes = rnd(&seed) % 100;
		t->checks[i].fails = rnd(&seed) % 10;
	}
	for (int i = 0; i < t->ncustom; i++) {
		int type = plan->metrics[plan->metric_slots[i].metric].type;
		int n = (int)(rnd(&seed) % 40);   /* sometimes none: min and max then stay unset */
		for (int k = 0; k < n; k++)
			tick_custom_add(&t->custom[i], type, type == METRIC_RATE ? (double)(rnd(&seed) % 2) :
			    (double)(rnd(&seed) % 100000) / 8.0 - 100.0, (int64_t)k);
		t->custom[i].missing = rnd(&seed) % 3;
	}
	for (int i = 0; i < t->ngroups_dur; i++)
		for (int k = 0; k < 40; k++) {
			uint64_t us = rnd(&seed) % 9000000;
			hist_record(t->group_duration[i], us);
			hist_record(t->group_duration_all, us);
		}
	/* groupBy: home's a few values, one not UTF-8 and one of the full 64 bytes; list's many, so
	   that three agents' together pass TICK_GROUP_MAX (the rest then count as `other`) */
	for (int k = 0; k < 4; k++) {
		char v[16];
		int len = snprintf(v, sizeof v, "node-%c", 'a' + (int)(rnd(&seed) % 3));
		tick_group_add(&t->groups[0], v, (size_t)len, 1 + rnd(&seed) % 50);
	}
	tick_group_add(&t->groups[0], "\xff\xfe" " bin\0ary", 10, 1 + rnd(&seed) % 5);
	tick_group_add(&t->groups[0], "0123456789012345678901234567890123456789012345678901234567890123",
	    TICK_GROUP_VALUE_MAX, 2);
	for (int k = 0; k < 60; k++) {
		char v[24];
		int len = snprintf(v, sizeof v, "shard-%llu", (unsigned long long)(rnd(&seed) % 150));
		tick_group_add(&t->groups[1], v, (size_t)len, 1 + rnd(&seed) % 9);
	}
	for (int i = 0; i < t->ngroups; i++) {
		t->groups[i].other += rnd(&seed) % 4;
		t->groups[i].missing += rnd(&seed) % 6;
	}
	/* more distinct messages than an endpoint keeps: the rest go to "(other messages)" */
	for (int i = 0; i < FAILURES_ENDPOINT_MAX + 5; i++) {
		char m[64];
		int len = snprintf(m, sizeof m, "HTTP %d (%llu)", 500 + i % 4,
		    (unsigned long long)(rnd(&seed) % 60));
		failures_add(t->failures, 0, FAILURE_HTTP_STATUS, m, (size_t)len, 1 + rnd(&seed) % 3, -1, -1);
	}
	failures_add(t->failures, 1, FAILURE_REFUSED, "connection refused", 18, 1 + rnd(&seed) % 9, -1, -1);
	failures_add(t->failures, t->nendpoints - 1, FAILURE_CHECK, "check \"body\" failed",
	    strlen("check \"body\" failed"), 4, -1, -1);
}

static void __attribute__((format(printf, 2, 3)))
diff(GString *d, const char *fmt, ...)
{
	va_list ap;

	if (d->len > 2000)
		return;    /* the first ones say enough */
	va_start(ap, fmt);
	g_string_append_vprintf(d, fmt, ap);
	va_end(ap);
	g_string_append(d, "; ");
}

static void
hist_diff(GString *d, const char *what, const struct hist *a, const struct hist *b)
{
	if (a == NULL || b == NULL) {
		if (a != b)
			diff(d, "%s: one histogram missing", what);
		return;
	}
	if (hist_count(a) != hist_count(b) || hist_percentile(a, 50) != hist_percentile(b, 50) ||
	    hist_percentile(a, 99) != hist_percentile(b, 99) || hist_max(a) != hist_max(b) ||
	    !hist_equal(a, b))
		diff(d, "%s: count %llu/%llu p50 %llu/%llu p99 %llu/%llu", what,
		    (unsigned long long)hist_count(a), (unsigned long long)hist_count(b),
		    (unsigned long long)hist_percentile(a, 50), (unsigned long long)hist_percentile(b, 50),
		    (unsigned long long)hist_percentile(a, 99), (unsigned long long)hist_percentile(b, 99));
}

static void
endpoint_diff(GString *d, const char *what, const struct tick_endpoint *a, const struct tick_endpoint *b)
{
	char h[64];

#define FIELD(f) if (a->f != b->f) diff(d, "%s." #f ": %llu/%llu", what, (unsigned long long)a->f, \
	(unsigned long long)b->f)
	FIELD(requests); FIELD(failed); FIELD(failed_status); FIELD(status_other); FIELD(bytes_sent);
	FIELD(bytes_received); FIELD(extract_failures); FIELD(extract_truncated);
#undef FIELD
	for (int e = 0; e < TICK_NERR; e++)
		if (a->errors[e] != b->errors[e])
			diff(d, "%s.errors.%s", what, tick_error_name((enum tick_error)e));
	for (int s = 0; s < TICK_NSTATUS; s++)
		if (a->status[s] != b->status[s])
			diff(d, "%s.status.%d: %llu/%llu", what, s, (unsigned long long)a->status[s],
			    (unsigned long long)b->status[s]);
	for (int p = 0; p < TICK_NPHASE; p++)
		if (a->phase_sum_us[p] != b->phase_sum_us[p])
			diff(d, "%s.phase_sum_us[%d]", what, p);
	snprintf(h, sizeof h, "%s.duration", what);
	hist_diff(d, h, a->duration, b->duration);
	snprintf(h, sizeof h, "%s.service", what);
	hist_diff(d, h, a->service, b->service);
}

/*
 * What differs between got and want (of the same plan), "" when nothing: every field the message
 * carries. want's failure seconds that are unknown (-1) are taken as `second`, as an add sets them.
 */
static char *
tick_diff(const struct tick *got, const struct tick *want, int64_t second)
{
	GString *d = g_string_new("");
	char what[64];

#define FIELD(f) if (got->f != want->f) diff(d, #f ": %lld/%lld", (long long)got->f, (long long)want->f)
	FIELD(second); FIELD(vus); FIELD(vus_max); FIELD(iterations); FIELD(interrupted_iterations);
	FIELD(dropped_iterations); FIELD(late_starts); FIELD(loop_lag_max_us);
#undef FIELD
	if (got->cpu_pct != want->cpu_pct)
		diff(d, "cpu_pct: %g/%g", got->cpu_pct, want->cpu_pct);
	hist_diff(d, "iteration_duration", got->iteration_duration, want->iteration_duration);
	endpoint_diff(d, "total", &got->total, &want->total);
	for (int i = 0; i < want->nendpoints; i++) {
		snprintf(what, sizeof what, "endpoints[%d]", i);
		endpoint_diff(d, what, &got->endpoints[i], &want->endpoints[i]);
	}
	for (int i = 0; i < want->nseries; i++) {
		snprintf(what, sizeof what, "series[%d]", i);
		endpoint_diff(d, what, &got->series[i], &want->series[i]);
	}
	for (int i = 0; i < want->nchecks; i++)
		if (got->checks[i].passes != want->checks[i].passes || got->checks[i].fails != want->checks[i].fails)
			diff(d, "checks[%d]", i);
	for (int i = 0; i < want->ncustom; i++) {
		const struct tick_custom *g = &got->custom[i], *w = &want->custom[i];
		if (g->n != w->n || g->sum != w->sum || g->nonzero != w->nonzero || g->missing != w->missing ||
		    g->last != w->last || (w->n > 0 && (g->min != w->min || g->max != w->max)))
			diff(d, "custom[%d]: n %llu/%llu sum %g/%g min %g/%g max %g/%g last %g/%g", i,
			    (unsigned long long)g->n, (unsigned long long)w->n, g->sum, w->sum, g->min, w->min,
			    g->max, w->max, g->last, w->last);
		snprintf(what, sizeof what, "custom[%d].h", i);
		hist_diff(d, what, g->h, w->h);
	}
	for (int i = 0; i < want->ngroups_dur; i++) {
		snprintf(what, sizeof what, "group_duration[%d]", i);
		hist_diff(d, what, got->group_duration[i], want->group_duration[i]);
	}
	hist_diff(d, "group_duration_all", got->group_duration_all, want->group_duration_all);
	for (int i = 0; i < want->ngroups; i++) {
		const struct tick_group *g = &got->groups[i], *w = &want->groups[i];
		if (g->n != w->n || g->other != w->other || g->missing != w->missing)
			diff(d, "groups[%d]: n %d/%d other %llu/%llu missing %llu/%llu", i, g->n, w->n,
			    (unsigned long long)g->other, (unsigned long long)w->other,
			    (unsigned long long)g->missing, (unsigned long long)w->missing);
		for (int k = 0; k < g->n && k < w->n; k++)
			if (g->v[k].len != w->v[k].len || g->v[k].count != w->v[k].count ||
			    memcmp(g->v[k].value, w->v[k].value, w->v[k].len) != 0)
				diff(d, "groups[%d].values[%d]: \"%.*s\" %llu/\"%.*s\" %llu", i, k,
				    (int)g->v[k].len, g->v[k].value, (unsigned long long)g->v[k].count,
				    (int)w->v[k].len, w->v[k].value, (unsigned long long)w->v[k].count);
	}
	if (failures_n(got->failures) != failures_n(want->failures) ||
	    failures_total(got->failures) != failures_total(want->failures))
		diff(d, "failures: %d/%d entries, %llu/%llu counted", failures_n(got->failures),
		    failures_n(want->failures), (unsigned long long)failures_total(got->failures),
		    (unsigned long long)failures_total(want->failures));
	for (int i = 0; i < failures_n(want->failures); i++) {
		const struct failure *w = failures_get(want->failures, i);
		const struct failure *g = failures_find(got->failures, w);
		int64_t first = w->first >= 0 ? w->first : second, last = w->last >= 0 ? w->last : second;
		if (g == NULL || g->count != w->count || g->other != w->other || g->first != first ||
		    g->last != last || strcmp(g->message, w->message) != 0)
			diff(d, "failures: \"%s\" of endpoint %d", w->message, w->endpoint);
	}
	return g_string_free(d, FALSE);
}

static void
test_tick_round_trip(void)
{
	struct plan *plan = rich_plan();
	struct tick *t, *back;
	char *cause = NULL, *d;
	json_t *m;
	int others = 0;

	ok(plan != NULL, "round trip: a plan with endpoints, groups, checks, custom metrics, series");
	if (plan == NULL)
		return;
	/* the plan has what the test means to carry, so no field is compared empty to empty */
	ok(plan->nendpoints == 4 && plan->nchecks == 2 && plan->nmetric_slots == 5 &&
	    plan->nseries >= 1 && plan->nstep_groups == 2 && plan->ngroups == 2, "round trip: the "
	    "plan's shape (endpoints %d, checks %d, custom %d, series %d, groups %d, groupBy %d)",
	    plan->nendpoints, plan->nchecks, plan->nmetric_slots, plan->nseries, plan->nstep_groups,
	    plan->ngroups);
	t = tick_new(plan, 0);
	fill_tick(plan, t, 42, 17);
	for (int i = 0; i < failures_n(t->failures); i++)
		others += failures_get(t->failures, i)->other;
	ok(others > 0 && t->total.requests > 100 && t->custom[0].n > 0,
	    "round trip: the tick has \"(other messages)\", many requests, custom values");
	ok(t->groups[0].n >= 3 && t->groups[1].n >= 40 && t->groups[0].missing + t->groups[1].missing > 0,
	    "round trip: groupBy values in both (%d, %d), some missing", t->groups[0].n, t->groups[1].n);
	m = agent_msg_tick(plan, t);
	{
		/* in plan order, by step name; the value that is not UTF-8 goes as base64 */
		json_t *g = json_object_get(m, "groups"), *v0 = json_object_get(json_array_get(g, 0), "values");
		size_t k;
		json_t *e;
		int b64 = 0;
		json_array_foreach(v0, k, e)
			b64 += json_object_get(e, "value_b64") != NULL;
		is_str(json_string_value(json_object_get(json_array_get(g, 1), "name")), "list",
		    "round trip: groups[1] is list's groupBy");
		is_int(b64, 1, "round trip: one value sent as value_b64 (not UTF-8)");
	}
	back = tick_new(plan, 0);
	is_int(agent_msg_tick_add(plan, m, back, &cause), 0, "round trip: the message is added");
	is_str(cause, NULL, "round trip: no cause");
	free(cause);
	d = tick_diff(back, t, 17);
	is_str(d, "", "round trip: every field equal (histograms by count, p50, p99, max and buckets)");
	g_free(d);
	json_decref(m);
	tick_free(back);
	tick_free(t);
	plan_free(plan);
}

static void
test_tick_three_agents(void)
{
	struct plan *plan = rich_plan();
	struct tick *t[3], *want, *got, *summed, *one;
	char *cause = NULL, *d;
	int rc = 0, vus = 0, vus_max = 0;

	if (plan == NULL) {
		ok(0, "three agents: a plan");
		return;
	}
	want = tick_new(plan, 0);
	got = tick_new(plan, 0);
	summed = tick_new(plan, 0);
	one = tick_new(plan, 0);
	for (int a = 0; a < 3; a++) {
		json_t *m;
		t[a] = tick_new(plan, 0);
		fill_tick(plan, t[a], 1000 + (uint64_t)a * 77, 9);
		if (a == 1)   /* an agent without custom values: its min and max (sent as 0) are not values */
			for (int i = 0; i < t[a]->ncustom; i++) {
				struct hist *h = t[a]->custom[i].h;
				if (h != NULL)
					hist_reset(h);
				t[a]->custom[i] = (struct tick_custom){ .h = h };
			}
		vus += t[a]->vus;
		vus_max += t[a]->vus_max;
		tick_merge(want, t[a]);
		m = agent_msg_tick(plan, t[a]);
		rc |= agent_msg_tick_add(plan, m, got, &cause);
		/* the daemon's way: each message read alone, then summed */
		tick_reset(one);
		rc |= agent_msg_tick_add(plan, m, one, &cause);
		agent_msg_tick_sum(summed, one);
		json_decref(m);
	}
	is_int(rc, 0, "three agents: each message added");
	free(cause);
	is_int(got->vus, vus, "three agents: vus is the sum of the agents' (%d)", vus);
	is_int(got->vus_max, vus_max, "three agents: vus_max is the sum");
	ok(got->vus > want->vus, "three agents: more than tick_merge's max (%d)", want->vus);
	/* what the add does otherwise: the second is the message's; vus add up, a custom gauge's last is
	   the sum of the lasts */
	want->second = 9;
	want->vus = vus;
	want->vus_max = vus_max;
	for (int i = 0; i < want->ncustom; i++)
		want->custom[i].last = t[0]->custom[i].last + t[1]->custom[i].last + t[2]->custom[i].last;
	d = tick_diff(got, want, 9);
	is_str(d, "", "three agents: the rest equals tick_merge of the three ticks");
	g_free(d);
	d = tick_diff(summed, got, 9);
	is_str(d, "", "three agents: each read alone and summed (agent_msg_tick_sum) equals them added");
	g_free(d);
	{
		/* list's values of the three agents pass the table's 100: the rest count as other, as a
		   merge counts them; nothing is lost */
		uint64_t sent = 0, kept = got->groups[1].other;
		for (int a = 0; a < 3; a++) {
			sent += t[a]->groups[1].other;
			for (int k = 0; k < t[a]->groups[1].n; k++)
				sent += t[a]->groups[1].v[k].count;
		}
		for (int k = 0; k < got->groups[1].n; k++)
			kept += got->groups[1].v[k].count;
		ok(got->groups[1].n == TICK_GROUP_MAX && got->groups[1].other >
		    t[0]->groups[1].other + t[1]->groups[1].other + t[2]->groups[1].other,
		    "three agents: groupBy full (%d values), the values without room counted as other (%llu)",
		    got->groups[1].n, (unsigned long long)got->groups[1].other);
		is_int(kept, sent, "three agents: groupBy counts add up (%llu)", (unsigned long long)sent);
	}
	for (int a = 0; a < 3; a++)
		tick_free(t[a]);
	tick_free(want);
	tick_free(got);
	tick_free(summed);
	tick_free(one);
	plan_free(plan);
}

/* Adds msg to a fresh tick: the cause's text when refused (caller frees), NULL when added. */
static char *
add_cause(const struct plan *plan, const json_t *msg)
{
	struct tick *t = tick_new(plan, 0);
	char *cause = NULL;
	int rc = agent_msg_tick_add(plan, msg, t, &cause);

	tick_free(t);
	if (rc == 0) {
		free(cause);
		return NULL;
	}
	return cause != NULL ? cause : xstrdup("(-1 without a cause)");
}

/* msg refused with a cause that starts with want. */
static void
refused(const struct plan *plan, json_t *msg, const char *want, const char *what)
{
	char *cause = add_cause(plan, msg);

	ok(cause != NULL && strncmp(cause, want, strlen(want)) == 0, "malformed: %s (%s)", what,
	    cause != NULL ? cause : "accepted");
	free(cause);
	json_decref(msg);
}

/* Replaces every value under node, one at a time, with each of a few wrong ones; counts the
   calls and the ones whose result and cause disagree (-1 without a cause, 0 with one). */
static void
mutate_all(const struct plan *plan, json_t *root, json_t *node, int *calls, int *odd)
{
	json_t *bads[] = { json_null(), json_string("x"), json_string(""), json_integer(-1), json_real(1.5),
		json_array(), json_object(), json_integer(INT64_C(9223372036854775807)) };
	size_t nb = sizeof bads / sizeof bads[0];

	if (json_is_object(node)) {
		const char *k;
		json_t *v;
		void *tmp;
		json_object_foreach_safe(node, tmp, k, v) {
			json_t *keep = json_incref(v);
			for (size_t b = 0; b < nb; b++) {
				struct tick *t = tick_new(plan, 0);
				char *cause = NULL;
				json_object_set(node, k, bads[b]);
				int rc = agent_msg_tick_add(plan, root, t, &cause);
				*odd += (rc == 0) != (cause == NULL);
				++*calls;
				free(cause);
				tick_free(t);
			}
			json_object_set(node, k, keep);
			json_decref(keep);
			mutate_all(plan, root, keep, calls, odd);
		}
	} else if (json_is_array(node)) {
		for (size_t i = 0; i < json_array_size(node) && i < 3; i++) {
			json_t *keep = json_incref(json_array_get(node, i));
			for (size_t b = 0; b < nb; b++) {
				struct tick *t = tick_new(plan, 0);
				char *cause = NULL;
				json_array_set(node, i, bads[b]);
				int rc = agent_msg_tick_add(plan, root, t, &cause);
				*odd += (rc == 0) != (cause == NULL);
				++*calls;
				free(cause);
				tick_free(t);
			}
			json_array_set(node, i, keep);
			json_decref(keep);
			mutate_all(plan, root, keep, calls, odd);
		}
	}
	for (size_t b = 0; b < nb; b++)
		json_decref(bads[b]);
}

static void
test_tick_malformed(void)
{
	struct plan *plan = rich_plan();
	struct tick *t;
	json_t *good, *m;
	char *cause;
	int calls = 0, odd = 0, rc;

	if (plan == NULL) {
		ok(0, "malformed: a plan");
		return;
	}
	t = tick_new(plan, 0);
	fill_tick(plan, t, 7, 3);
	good = agent_msg_tick(plan, t);
	tick_free(t);
	cause = add_cause(plan, good);
	is_str(cause, NULL, "malformed: the unchanged message is added");
	free(cause);

#define COPY() json_deep_copy(good)
#define EP(m, i) json_array_get(json_object_get((m), "endpoints"), (i))
	m = COPY();
	json_object_set_new(EP(m, 1), "name", json_string("nope"));
	refused(plan, m, "endpoints[1].name: \"nope\", the plan's is", "an endpoint of another name");
	m = COPY();
	json_array_append_new(json_object_get(m, "checks"), json_pack("{s:s, s:i, s:i}", "name", "x",
	    "passes", 1, "fails", 0));
	refused(plan, m, "checks: 3 entries, the plan has 2", "a check too many");
	m = COPY();
	json_array_remove(json_object_get(m, "endpoints"), 3);
	refused(plan, m, "endpoints: 3 entries, the plan has 4", "an endpoint too few");
	m = COPY();
	json_object_set_new(EP(m, 2), "duration", json_string("*** not base64 ***"));
	refused(plan, m, "endpoints[2].duration: not a histogram blob", "a blob that is not base64");
	m = COPY();
	json_object_set_new(EP(m, 0), "service", json_string("SAEAAAAAAA=="));
	refused(plan, m, "endpoints[0].service: not a histogram blob", "base64 that is not a histogram");
	m = COPY();
	json_array_set_new(json_object_get(m, "group_duration"), 1, json_integer(3));
	refused(plan, m, "group_duration[1]: not a histogram blob", "a group's blob a number");
	m = COPY();
	json_object_set_new(json_array_get(json_object_get(m, "custom"), 0), "h", json_null());
	refused(plan, m, "custom[0].h: not a histogram blob", "a trend without its histogram");
	m = COPY();
	json_object_set_new(json_object_get(m, "total"), "requests", json_string("5"));
	refused(plan, m, "total.requests: expected a non-negative integer", "a string where a number is");
	m = COPY();
	json_object_set_new(json_array_get(json_object_get(m, "custom"), 1), "sum", json_string("1"));
	refused(plan, m, "custom[1].sum: expected a number", "a custom sum that is a string");
	m = COPY();
	json_object_set_new(m, "iterations", json_integer(-1));
	refused(plan, m, "iterations: expected a non-negative integer", "negative iterations");
	m = COPY();
	json_object_set_new(json_object_get(EP(m, 0), "status"), "200", json_integer(-3));
	refused(plan, m, "endpoints[0].status.200: expected a non-negative integer", "a negative status count");
	m = COPY();
	json_object_set_new(json_object_get(EP(m, 0), "status"), "600", json_integer(1));
	refused(plan, m, "endpoints[0].status.600: not a status code", "status 600");
	m = COPY();
	json_object_set_new(json_object_get(EP(m, 0), "status"), "020", json_integer(1));
	refused(plan, m, "endpoints[0].status.020: not a status code", "status 020");
	m = COPY();
	json_object_set_new(json_object_get(EP(m, 0), "errors"), "none", json_integer(1));
	refused(plan, m, "endpoints[0].errors.none: not an error kind", "error kind none");
	m = COPY();
	json_object_set_new(json_array_get(json_object_get(m, "checks"), 0), "fails", json_integer(-2));
	refused(plan, m, "checks[0].fails: expected a non-negative integer", "negative check fails");
	m = COPY();
	json_object_del(m, "total");
	refused(plan, m, "total: missing", "no total");
	m = COPY();
	json_object_del(json_array_get(json_object_get(m, "series"), 0), "failed");
	refused(plan, m, "series[0].failed: missing", "a series without failed");
	m = COPY();
	json_object_set_new(json_array_get(json_object_get(m, "failures"), 0), "endpoint", json_integer(4));
	refused(plan, m, "failures[0].endpoint", "a failure of endpoint 4 of 4");
	m = COPY();
	json_object_set_new(json_array_get(json_object_get(m, "failures"), 0), "kind", json_string("x"));
	refused(plan, m, "failures[0].kind", "a failure of no kind");

	/* groupBy */
#define GR(m, i) json_array_get(json_object_get((m), "groups"), (i))
#define GV(m, i, k) json_array_get(json_object_get(GR(m, i), "values"), (k))
	m = COPY();
	json_object_set_new(GR(m, 1), "name", json_string("home"));
	refused(plan, m, "groups[1].name: \"home\", the plan's is \"list\"", "a groupBy of another step");
	m = COPY();
	json_array_remove(json_object_get(m, "groups"), 1);
	refused(plan, m, "groups: 1 entries, the plan has 2", "a groupBy too few");
	m = COPY();
	json_object_set_new(m, "groups", json_object());
	refused(plan, m, "groups: expected an array", "groups an object");
	m = COPY();
	json_object_set_new(GR(m, 0), "values", json_string("x"));
	refused(plan, m, "groups[0].values: expected an array", "a groupBy's values a string");
	m = COPY();
	json_object_del(GR(m, 1), "missing");
	refused(plan, m, "groups[1].missing: missing", "a groupBy without missing");
	m = COPY();
	json_object_set_new(GR(m, 0), "other", json_integer(-4));
	refused(plan, m, "groups[0].other: expected a non-negative integer", "a negative other");
	m = COPY();
	json_object_set_new(GV(m, 0, 0), "count", json_integer(-1));
	refused(plan, m, "groups[0].values[0].count: expected a non-negative integer", "a negative value count");
	m = COPY();
	json_object_set_new(GV(m, 0, 1), "value", json_integer(7));
	refused(plan, m, "groups[0].values[1].value: expected a string", "a value that is a number");
	m = COPY();
	json_object_set_new(GV(m, 0, 0), "value_b64", json_string("AAAA"));
	refused(plan, m, "groups[0].values[0].value: expected either", "both value and value_b64");
	m = COPY();
	json_object_del(GV(m, 0, 0), "value");
	refused(plan, m, "groups[0].values[0].value: expected either", "neither value nor value_b64");
	m = COPY();
	json_object_set_new(GV(m, 1, 2), "value", json_string("0123456789012345678901234567890123456789"
	    "0123456789012345678901234"));
	refused(plan, m, "groups[1].values[2].value: longer than", "a value of 65 bytes");
	m = COPY();
	json_array_set_new(json_object_get(GR(m, 0), "values"), 0, json_pack("{s:s, s:i}", "value_b64",
	    "not base64!", "count", 1));
	refused(plan, m, "groups[0].values[0].value_b64: expected a base64 string", "value_b64 not base64");
	{
		char big[TICK_GROUP_VALUE_MAX + 1];
		gchar *b;
		memset(big, 'z', sizeof big);
		b = g_base64_encode((const guchar *)big, sizeof big);
		m = COPY();
		json_array_set_new(json_object_get(GR(m, 0), "values"), 0, json_pack("{s:s, s:i}",
		    "value_b64", b, "count", 1));
		g_free(b);
		refused(plan, m, "groups[0].values[0].value_b64: longer than", "value_b64 of 65 bytes");
	}
	m = COPY();
	for (int k = 0; k < TICK_GROUP_MAX + 1; k++)
		json_array_append_new(json_object_get(GR(m, 1), "values"), json_pack("{s:s, s:i}", "value",
		    "v", "count", 1));
	refused(plan, m, "groups[1].values: ", "more values than a groupBy keeps");
	m = COPY();
	json_array_set_new(json_object_get(m, "groups"), 1, json_integer(1));
	refused(plan, m, "groups[1]: expected an object", "a groupBy that is a number");
	/* refused whole: a bad groups[1] leaves groups[0] unadded */
	m = COPY();
	json_object_set_new(GV(m, 1, 0), "count", json_string("1"));
	t = tick_new(plan, 0);
	cause = NULL;
	rc = agent_msg_tick_add(plan, m, t, &cause);
	ok(rc != 0 && t->groups[0].n == 0 && t->groups[0].missing == 0,
	    "malformed: a bad groups[1] adds nothing of groups[0] (%s)", cause != NULL ? cause : "accepted");
	free(cause);
	tick_free(t);
	json_decref(m);
	/* the same value as text and as base64 is one value */
	m = COPY();
	json_object_set_new(GR(m, 0), "values", json_pack("[{s:s, s:i}, {s:s, s:i}]", "value_b64",
	    "bm9kZS1h", "count", 3, "value", "node-a", "count", 2));
	t = tick_new(plan, 0);
	cause = NULL;
	rc = agent_msg_tick_add(plan, m, t, &cause);
	ok(rc == 0 && t->groups[0].n == 1 && t->groups[0].v[0].count == 5 &&
	    t->groups[0].v[0].len == 6 && memcmp(t->groups[0].v[0].value, "node-a", 6) == 0,
	    "malformed: value_b64 \"bm9kZS1h\" and value \"node-a\" count as one value (5)");
	free(cause);
	tick_free(t);
	json_decref(m);
	/* an older agent's tick, without groups: accepted, no groupBy counts */
	m = COPY();
	json_object_del(m, "groups");
	t = tick_new(plan, 0);
	cause = NULL;
	rc = agent_msg_tick_add(plan, m, t, &cause);
	ok(rc == 0 && t->groups[0].n == 0 && t->groups[1].n == 0 &&
	    t->groups[1].missing == 0 && t->total.requests > 0,
	    "malformed: a tick without groups (an older agent's) is added, with no groupBy counts (%s)",
	    cause != NULL ? cause : "no cause");
	free(cause);
	tick_free(t);
	json_decref(m);
#undef GV
#undef GR

	m = COPY();
	json_object_set_new(m, "vus", json_integer(INT_MAX));
	t = tick_new(plan, 0);
	cause = NULL;
	calls = agent_msg_tick_add(plan, good, t, &cause) == 0 && agent_msg_tick_add(plan, m, t, &cause) != 0;
	ok(calls && cause != NULL && strncmp(cause, "vus:", 4) == 0,
	    "malformed: vus that would add past INT_MAX (%s)", cause != NULL ? cause : "accepted");
	calls = 0;
	free(cause);
	tick_free(t);
	json_decref(m);
	m = COPY();
	json_object_set_new(m, "type", json_string("done"));
	refused(plan, m, "type", "not a tick");
	refused(plan, json_integer(3), "expected a tick message", "not an object");
#undef EP
#undef COPY

	/* never crashes on any JSON: each value in turn null, "x", "", -1, 1.5, [], {}, INT64_MAX */
	mutate_all(plan, good, good, &calls, &odd);
	ok(calls > 500, "malformed: %d messages with one value replaced", calls);
	is_int(odd, 0, "malformed: each one added with no cause or refused with one");
	json_decref(good);
	plan_free(plan);
}

int
main(void)
{
	test_offset();
	test_time_read();
	test_messages();
	test_tick();
	test_tick_round_trip();
	test_tick_three_agents();
	test_tick_malformed();
	return done_testing();
}
