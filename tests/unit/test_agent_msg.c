/*
 * test_agent_msg: the agent protocol's pure parts: NTP-style offset and delay, the wall-to-monotonic
 * conversion of the start instant, the hello and time answers, prepare's field errors, and a tick
 * message whose histogram blobs decode to the counts recorded.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <jansson.h>

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

int
main(void)
{
	test_offset();
	test_messages();
	test_tick();
	return done_testing();
}
