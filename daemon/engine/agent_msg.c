/*
 * agent_msg: see agent_msg.h. Pure: builds and reads JSON, nothing else.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "engine/agent_msg.h"
#include "core/xmalloc.h"
#include "metrics/failures.h"
#include "metrics/hist.h"
#include "metrics/summary.h"
#include "metrics/tick.h"
#include "testdef/plan.h"

static const char *const phase_names[TICK_NPHASE] = {
	[TICK_PHASE_BLOCKED] = "blocked", [TICK_PHASE_CONNECTING] = "connecting",
	[TICK_PHASE_TLS] = "tls", [TICK_PHASE_SENDING] = "sending",
	[TICK_PHASE_WAITING] = "waiting", [TICK_PHASE_RECEIVING] = "receiving",
};

json_t *
agent_msg_hello(int cores, const char *state)
{
	return json_pack("{s:s, s:i, s:s, s:i, s:s}", "type", "hello", "protocol",
	    AGENT_PROTOCOL_VERSION, "version", PACKAGE_VERSION, "cores", cores, "state", state);
}

json_t *
agent_msg_time_reply(const json_t *req, int64_t t1_ns, int64_t t2_ns, char **cause)
{
	json_t *t0 = json_object_get(req, "t0");

	if (!json_is_integer(t0)) {
		*cause = xstrdup("t0: expected an integer (the controller's wall clock in ns)");
		return NULL;
	}
	return json_pack("{s:s, s:I, s:I, s:I}", "type", "time", "t0", json_integer_value(t0),
	    "t1", (json_int_t)t1_ns, "t2", (json_int_t)t2_ns);
}

void
agent_clock_offset(int64_t t0, int64_t t1, int64_t t2, int64_t t3, int64_t *offset_ns,
    int64_t *delay_ns)
{
	/* halves taken apart so that sums of two wall-clock readings cannot overflow */
	*offset_ns = (t1 - t0) / 2 + (t2 - t3) / 2;
	*delay_ns = (t3 - t0) - (t2 - t1);
}

int64_t
agent_mono_of_wall(int64_t at_wall_ns, int64_t now_wall_ns, int64_t now_mono_ns)
{
	return now_mono_ns + (at_wall_ns - now_wall_ns);
}

/* An optional string field: 0 (absent, null or a string), -1 when of another type. */
static int
opt_string(const json_t *msg, const char *key, const char **out)
{
	json_t *v = json_object_get(msg, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*out = json_string_value(v);
	return 0;
}

int
agent_msg_prepare_parse(const json_t *msg, struct agent_prepare *p, const char **field,
    char **cause)
{
	memset(p, 0, sizeof *p);
	p->definition = json_object_get(msg, "definition");
	if (!json_is_object(p->definition)) {
		*field = "definition";
		*cause = xstrdup("expected the test definition (an object)");
		goto fail;
	}
	if (opt_string(msg, "segment", &p->segment) != 0) {
		*field = "segment";
		*cause = xstrdup("expected a string like \"1/3:2/3\"");
		goto fail;
	}
	if (opt_string(msg, "sequence", &p->sequence) != 0) {
		*field = "sequence";
		*cause = xstrdup("expected a string like \"0,1/3,2/3,1\"");
		goto fail;
	}
	if (opt_string(msg, "allow_targets", &p->allow_targets) != 0 || p->allow_targets == NULL) {
		*field = "allow_targets";
		*cause = xstrdup("expected the controller's allow_targets (a string: CIDRs, IPs, names)");
		goto fail;
	}
	p->setup_data = json_object_get(msg, "setup_data");
	if (p->setup_data != NULL && json_is_null(p->setup_data))
		p->setup_data = NULL;
	if (p->setup_data != NULL && !json_is_object(p->setup_data)) {
		*field = "setup_data";
		*cause = xstrdup("expected an object (variable name: value)");
		goto fail;
	}
	return 0;
fail:
	memset(p, 0, sizeof *p);
	return -1;
}

int
agent_msg_start_parse(const json_t *msg, int64_t *at_wall_ns, char **cause)
{
	json_t *at = json_object_get(msg, "at_ns");

	if (!json_is_integer(at) || json_integer_value(at) <= 0) {
		*cause = xstrdup("at_ns: expected a positive integer (the start instant, wall clock in ns)");
		return -1;
	}
	*at_wall_ns = (int64_t)json_integer_value(at);
	return 0;
}

json_t *
agent_msg_error(const char *code, const char *field, const char *message)
{
	return json_pack("{s:s, s:s, s:o, s:s}", "type", "error", "code", code, "field",
	    field != NULL ? json_string(field) : json_null(), "message", message);
}

/* One endpoint's counters and histograms. */
static json_t *
endpoint_json(const char *name, const struct tick_endpoint *ep)
{
	json_t *o = json_object(), *errs = json_object(), *st = json_object(), *ph = json_object();

	if (name != NULL)
		json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "requests", json_integer((json_int_t)ep->requests));
	json_object_set_new(o, "failed", json_integer((json_int_t)ep->failed));
	json_object_set_new(o, "failed_status", json_integer((json_int_t)ep->failed_status));
	for (int k = TICK_ERR_NONE + 1; k < TICK_NERR; k++)
		if (ep->errors[k] > 0)
			json_object_set_new(errs, tick_error_name((enum tick_error)k),
			    json_integer((json_int_t)ep->errors[k]));
	json_object_set_new(o, "errors", errs);
	for (int s = 0; s < TICK_NSTATUS; s++)
		if (ep->status[s] > 0) {
			char key[8];
			snprintf(key, sizeof key, "%d", s);
			json_object_set_new(st, key, json_integer((json_int_t)ep->status[s]));
		}
	json_object_set_new(o, "status", st);
	json_object_set_new(o, "status_other", json_integer((json_int_t)ep->status_other));
	json_object_set_new(o, "bytes_sent", json_integer((json_int_t)ep->bytes_sent));
	json_object_set_new(o, "bytes_received", json_integer((json_int_t)ep->bytes_received));
	for (int p = 0; p < TICK_NPHASE; p++)
		json_object_set_new(ph, phase_names[p], json_integer((json_int_t)ep->phase_sum_us[p]));
	json_object_set_new(o, "phase_sum_us", ph);
	json_object_set_new(o, "extract_failures", json_integer((json_int_t)ep->extract_failures));
	json_object_set_new(o, "extract_truncated", json_integer((json_int_t)ep->extract_truncated));
	json_object_set_new(o, "duration", summary_hist_b64(ep->duration));
	json_object_set_new(o, "service", summary_hist_b64(ep->service));
	return o;
}

json_t *
agent_msg_tick(const struct plan *plan, const struct tick *t)
{
	json_t *o = json_object(), *a;

	json_object_set_new(o, "type", json_string("tick"));
	json_object_set_new(o, "second", json_integer((json_int_t)t->second));
	json_object_set_new(o, "vus", json_integer(t->vus));
	json_object_set_new(o, "vus_max", json_integer(t->vus_max));
	json_object_set_new(o, "iterations", json_integer((json_int_t)t->iterations));
	json_object_set_new(o, "interrupted_iterations",
	    json_integer((json_int_t)t->interrupted_iterations));
	json_object_set_new(o, "dropped_iterations", json_integer((json_int_t)t->dropped_iterations));
	json_object_set_new(o, "late_starts", json_integer((json_int_t)t->late_starts));
	json_object_set_new(o, "iteration_duration", summary_hist_b64(t->iteration_duration));
	json_object_set_new(o, "cpu_pct", json_real(t->cpu_pct));
	json_object_set_new(o, "loop_lag_max_us", json_integer((json_int_t)t->loop_lag_max_us));
	json_object_set_new(o, "total", endpoint_json(NULL, &t->total));
	a = json_array();
	for (int i = 0; i < t->nendpoints && i < plan->nendpoints; i++)
		json_array_append_new(a, endpoint_json(plan->endpoints[i].name, &t->endpoints[i]));
	json_object_set_new(o, "endpoints", a);
	a = json_array();
	for (int i = 0; i < t->nchecks && i < plan->nchecks; i++)
		json_array_append_new(a, json_pack("{s:s, s:I, s:I}", "name", plan->check_names[i],
		    "passes", (json_int_t)t->checks[i].passes, "fails", (json_int_t)t->checks[i].fails));
	json_object_set_new(o, "checks", a);
	a = json_array();
	for (int i = 0; i < t->ncustom && i < plan->nmetric_slots; i++) {
		const struct tick_custom *c = &t->custom[i];
		json_t *m = json_pack("{s:s, s:I, s:f, s:f, s:f, s:f, s:I, s:I}",
		    "key", plan->metric_slots[i].key, "n", (json_int_t)c->n, "sum", c->sum,
		    "min", c->n > 0 ? c->min : 0.0, "max", c->n > 0 ? c->max : 0.0, "last", c->last,
		    "nonzero", (json_int_t)c->nonzero, "missing", (json_int_t)c->missing);
		json_object_set_new(m, "h", c->h != NULL ? summary_hist_b64(c->h) : json_null());
		json_array_append_new(a, m);
	}
	json_object_set_new(o, "custom", a);
	a = json_array();
	for (int i = 0; i < t->nseries; i++)
		json_array_append_new(a, endpoint_json(NULL, &t->series[i]));
	json_object_set_new(o, "series", a);
	a = json_array();
	for (int i = 0; t->failures != NULL && i < failures_n(t->failures); i++) {
		const struct failure *f = failures_get(t->failures, i);
		json_array_append_new(a, json_pack("{s:i, s:s, s:b, s:s, s:I}", "endpoint", f->endpoint,
		    "kind", failure_kind_name(f->kind), "other", f->other, "message", f->message,
		    "count", (json_int_t)f->count));
	}
	json_object_set_new(o, "failures", a);
	a = json_array();
	for (int i = 0; i < t->ngroups_dur; i++)
		json_array_append_new(a, summary_hist_b64(t->group_duration[i]));
	json_object_set_new(o, "group_duration", a);
	return o;
}
