/*
 * agent_msg: see agent_msg.h. Pure: builds and reads JSON, nothing else.
 */
#include <config.h>

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

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

int
agent_msg_time_read(const json_t *msg, int64_t t0, int64_t t3, int64_t *offset_ns, int64_t *delay_ns,
    char **cause)
{
	json_t *j1 = json_object_get(msg, "t1"), *j2 = json_object_get(msg, "t2");
	int64_t t1, t2;

	if (!json_is_integer(j1) || !json_is_integer(j2)) {
		*cause = xstrdup("a time answer without t1 and t2 (integers, ns)");
		return -1;
	}
	t1 = json_integer_value(j1);
	t2 = json_integer_value(j2);
	if (t2 < t1 || t1 < t0 - AGENT_CLOCK_SANE_NS || t1 > t0 + AGENT_CLOCK_SANE_NS ||
	    t2 < t3 - AGENT_CLOCK_SANE_NS || t2 > t3 + AGENT_CLOCK_SANE_NS) {
		*cause = xasprintf("its clock answer is not believable (t1 %lld, t2 %lld: more than a day "
		    "off, or answered before asked)", (long long)t1, (long long)t2);
		return -1;
	}
	agent_clock_offset(t0, t1, t2, t3, offset_ns, delay_ns);
	if (*delay_ns < 0)
		*delay_ns = 0;   /* the clocks' resolution: the answer was as fast as can be told */
	return 0;
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

/* A groupBy value: {"value": string} when its bytes are UTF-8, else {"value_b64": base64} (a value
   cut at TICK_GROUP_VALUE_MAX bytes may end inside a character); the bytes go over exactly, so the
   same value from two agents is one value on the controller. */
static json_t *
group_value_json(const struct tick_group_value *v)
{
	json_t *s = json_stringn(v->value, v->len);
	json_t *o;

	if (s != NULL)
		return json_pack("{s:o, s:I}", "value", s, "count", (json_int_t)v->count);
	{
		gchar *b = g_base64_encode((const guchar *)v->value, v->len);
		o = json_pack("{s:s, s:I}", "value_b64", b, "count", (json_int_t)v->count);
		g_free(b);
	}
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
	a = json_array();
	for (int i = 0; i < t->ngroups && i < plan->ngroups; i++) {
		const struct tick_group *g = &t->groups[i];
		json_t *vals = json_array();
		for (int k = 0; k < g->n; k++)
			json_array_append_new(vals, group_value_json(&g->v[k]));
		json_array_append_new(a, json_pack("{s:s, s:o, s:I, s:I}", "name", plan->groups[i].name,
		    "values", vals, "other", (json_int_t)g->other, "missing", (json_int_t)g->missing));
	}
	json_object_set_new(o, "groups", a);
	return o;
}

/*
 * Reading a tick back. Every field is checked before it is added: the message comes over the
 * network from an agent, so a wrong type, a negative count or a blob that is not one is refused
 * with the field's path ("endpoints[2].duration") rather than trusted.
 */

/* Sets *cause to "<at>.<key>: <why>" (or "<key>: <why>" at the top) and returns -1. */
static int
bad(char **cause, const char *at, const char *key, const char *why)
{
	*cause = xasprintf("%s%s%s: %s", at != NULL ? at : "", at != NULL ? "." : "", key, why);
	return -1;
}

/* A count: a non-negative integer, required. */
static int
get_count(const json_t *o, const char *at, const char *key, uint64_t *out, char **cause)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL)
		return bad(cause, at, key, "missing");
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return bad(cause, at, key, "expected a non-negative integer");
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* A number (integer or real), finite, required. */
static int
get_number(const json_t *o, const char *at, const char *key, double *out, char **cause)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL)
		return bad(cause, at, key, "missing");
	if (!json_is_number(v) || !isfinite(json_number_value(v)))
		return bad(cause, at, key, "expected a number");
	*out = json_number_value(v);
	return 0;
}

/* Adds the base64 blob v (the field at.key) into h, and into also when not NULL (the same
   samples). */
static int
add_blob(const json_t *v, const char *at, const char *key, struct hist *h, struct hist *also,
    char **cause)
{
	gsize len = 0;
	guchar *blob;
	char *why = NULL;
	int rc = 0;

	if (!json_is_string(v))
		return bad(cause, at, key, "not a histogram blob (expected a base64 string)");
	/* GLib skips what is not base64; hist_merge_blob's checksum then refuses the rest */
	blob = g_base64_decode(json_string_value(v), &len);
	if (hist_merge_blob(h, blob, len, &why) != 0) {
		*cause = xasprintf("%s%s%s: not a histogram blob (%s)", at != NULL ? at : "",
		    at != NULL ? "." : "", key, why != NULL ? why : "refused");
		rc = -1;
	} else if (also != NULL)
		(void)hist_merge_blob(also, blob, len, NULL);   /* the same blob: it decodes again */
	free(why);
	g_free(blob);
	return rc;
}

/* The error kind named s (not "none"); -1 for none. */
static int
error_of_name(const char *s)
{
	for (int k = TICK_ERR_NONE + 1; k < TICK_NERR; k++)
		if (strcmp(tick_error_name((enum tick_error)k), s) == 0)
			return k;
	return -1;
}

/* The status code of key s: "0".."599" in plain decimal; -1 for anything else. */
static int
status_of_key(const char *s)
{
	int v = 0;

	if (*s == '\0' || strlen(s) > 3 || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v < TICK_NSTATUS ? v : -1;
}

/* A uint64_t count of a struct, by its key in the message. */
struct count_field {
	const char *key;
	size_t off;
};

/* Adds the counts fields[0..n-1] of o into the struct at base. */
static int
add_counts(const json_t *o, const char *at, void *base, const struct count_field *fields, size_t n,
    char **cause)
{
	uint64_t v;

	for (size_t i = 0; i < n; i++) {
		if (get_count(o, at, fields[i].key, &v, cause) != 0)
			return -1;
		*(uint64_t *)(void *)((char *)base + fields[i].off) += v;
	}
	return 0;
}

/* Adds endpoint_json's object (o, at its path `at`) into ep. */
static int
endpoint_add(struct tick_endpoint *ep, const json_t *o, const char *at, char **cause)
{
	static const struct count_field counts[] = {
		{ "requests", offsetof(struct tick_endpoint, requests) },
		{ "failed", offsetof(struct tick_endpoint, failed) },
		{ "failed_status", offsetof(struct tick_endpoint, failed_status) },
		{ "status_other", offsetof(struct tick_endpoint, status_other) },
		{ "bytes_sent", offsetof(struct tick_endpoint, bytes_sent) },
		{ "bytes_received", offsetof(struct tick_endpoint, bytes_received) },
		{ "extract_failures", offsetof(struct tick_endpoint, extract_failures) },
		{ "extract_truncated", offsetof(struct tick_endpoint, extract_truncated) },
	};
	char sub[96];
	const char *k;
	json_t *m, *v;
	uint64_t n;

	if (!json_is_object(o)) {
		*cause = xasprintf("%s: %s", at, o == NULL ? "missing" : "expected an endpoint object");
		return -1;
	}
	if (add_counts(o, at, ep, counts, sizeof counts / sizeof counts[0], cause) != 0)
		return -1;
	if (!json_is_object(m = json_object_get(o, "errors")))
		return bad(cause, at, "errors", "expected an object (kind: count)");
	snprintf(sub, sizeof sub, "%s.errors", at);
	json_object_foreach(m, k, v) {
		int e = error_of_name(k);
		if (e < 0)
			return bad(cause, sub, k, "not an error kind");
		if (get_count(m, sub, k, &n, cause) != 0)
			return -1;
		ep->errors[e] += n;
	}
	if (!json_is_object(m = json_object_get(o, "status")))
		return bad(cause, at, "status", "expected an object (code: count)");
	snprintf(sub, sizeof sub, "%s.status", at);
	json_object_foreach(m, k, v) {
		int s = status_of_key(k);
		if (s < 0)
			return bad(cause, sub, k, "not a status code (0..599)");
		if (get_count(m, sub, k, &n, cause) != 0)
			return -1;
		ep->status[s] += n;
	}
	if (!json_is_object(m = json_object_get(o, "phase_sum_us")))
		return bad(cause, at, "phase_sum_us", "expected an object (phase: µs)");
	snprintf(sub, sizeof sub, "%s.phase_sum_us", at);
	for (int p = 0; p < TICK_NPHASE; p++) {
		if (get_count(m, sub, phase_names[p], &n, cause) != 0)
			return -1;
		ep->phase_sum_us[p] += (int64_t)n;
	}
	if (add_blob(json_object_get(o, "duration"), at, "duration", ep->duration, NULL, cause) != 0 ||
	    add_blob(json_object_get(o, "service"), at, "service", ep->service, NULL, cause) != 0)
		return -1;
	return 0;
}

/* msg[key] as an array of exactly want entries. */
static const json_t *
get_array(const json_t *msg, const char *key, int want, char **cause)
{
	json_t *a = json_object_get(msg, key);

	if (!json_is_array(a)) {
		bad(cause, NULL, key, "expected an array");
		return NULL;
	}
	if (json_array_size(a) != (size_t)want) {
		*cause = xasprintf("%s: %zu entries, the plan has %d", key, json_array_size(a), want);
		return NULL;
	}
	return a;
}

/* a[i] is an object whose `key` is the string `want` (the plan's name for index i). */
static int
check_name(const json_t *a, int i, const char *what, const char *key, const char *want,
    char **cause)
{
	json_t *o = json_array_get(a, (size_t)i);
	const char *got = json_string_value(json_object_get(o, key));

	if (!json_is_object(o)) {
		*cause = xasprintf("%s[%d]: expected an object", what, i);
		return -1;
	}
	if (got == NULL || strcmp(got, want) != 0) {
		*cause = xasprintf("%s[%d].%s: \"%s\", the plan's is \"%s\"", what, i, key,
		    got != NULL ? got : "(not a string)", want);
		return -1;
	}
	return 0;
}

/* Adds a custom entry of the message (o, at its path `at`) into c. */
static int
custom_add(struct tick_custom *c, const json_t *o, const char *at, char **cause)
{
	uint64_t n, nonzero, missing;
	double sum, min, max, last;
	json_t *h = json_object_get(o, "h");

	if (get_count(o, at, "n", &n, cause) != 0 || get_count(o, at, "nonzero", &nonzero, cause) != 0 ||
	    get_count(o, at, "missing", &missing, cause) != 0 ||
	    get_number(o, at, "sum", &sum, cause) != 0 || get_number(o, at, "min", &min, cause) != 0 ||
	    get_number(o, at, "max", &max, cause) != 0 || get_number(o, at, "last", &last, cause) != 0)
		return -1;
	if (c->h != NULL) {
		if (add_blob(h, at, "h", c->h, NULL, cause) != 0)
			return -1;
	} else if (h != NULL && !json_is_null(h))
		return bad(cause, at, "h", "expected null (the plan's metric is not a trend)");
	/* min and max mean something only when the message counted values (agent_msg_tick sends 0) */
	if (n > 0) {
		if (c->n == 0 || min < c->min)
			c->min = min;
		if (c->n == 0 || max > c->max)
			c->max = max;
	}
	c->n += n;
	c->sum += sum;
	c->nonzero += nonzero;
	c->missing += missing;
	c->last += last;    /* a gauge: the agents' shares side by side (last_ns is not sent) */
	return 0;
}

/* Adds the failures array of the message into f, the unknown seconds taken as `second`. */
static int
failures_add_msg(struct failures *f, const struct plan *plan, const json_t *a, int64_t second,
    char **cause)
{
	char at[32];
	size_t i;
	json_t *o;

	if (!json_is_array(a))
		return bad(cause, NULL, "failures", "expected an array");
	json_array_foreach(a, i, o) {
		json_t *ep = json_object_get(o, "endpoint"), *other = json_object_get(o, "other");
		json_t *m = json_object_get(o, "message");
		const char *kname = json_string_value(json_object_get(o, "kind"));
		int kind = kname != NULL ? failure_kind_from_name(kname) : -1;
		uint64_t count;

		snprintf(at, sizeof at, "failures[%zu]", i);
		if (!json_is_object(o)) {
			*cause = xasprintf("%s: expected an object", at);
			return -1;
		}
		if (!json_is_integer(ep) || json_integer_value(ep) < 0 ||
		    json_integer_value(ep) >= plan->nendpoints)
			return bad(cause, at, "endpoint", "expected an index into endpoints");
		if (kind < 0)
			return bad(cause, at, "kind", "not a failure kind");
		if (!json_is_boolean(other))
			return bad(cause, at, "other", "expected a boolean");
		if (!json_is_string(m))
			return bad(cause, at, "message", "expected a string");
		if (get_count(o, at, "count", &count, cause) != 0)
			return -1;
		if (count == 0)
			continue;
		if (json_is_true(other))
			failures_add_other(f, (int)json_integer_value(ep), (enum failure_kind)kind, count,
			    second, second);
		else
			failures_add(f, (int)json_integer_value(ep), (enum failure_kind)kind,
			    json_string_value(m), json_string_length(m), count, second, second);
	}
	return 0;
}

/* Standard base64 with its padding, nothing else (GLib's decoder skips what is not base64). */
static bool
is_base64(const char *s, size_t n)
{
	size_t pad = 0;

	if (n % 4 != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=') {
			if (i + 2 < n)
				return false;
			pad++;
		} else if (pad > 0 || !(g_ascii_isalnum(s[i]) || s[i] == '+' || s[i] == '/'))
			return false;
	}
	return true;
}

/* Reads the groups entry o (at its path `at`: "groups[1]"): every field checked; added into g when g
   is not NULL (the caller's second pass, after a first with NULL found every entry valid), each value
   as tick_merge adds one: tick_group_add (a value with no room left counts as `other`). */
static int
group_read(const json_t *o, const char *at, struct tick_group *g, char **cause)
{
	json_t *vals = json_object_get(o, "values"), *e;
	uint64_t other, missing, count;
	char sub[64];
	size_t k;

	if (get_count(o, at, "other", &other, cause) != 0 ||
	    get_count(o, at, "missing", &missing, cause) != 0)
		return -1;
	if (!json_is_array(vals))
		return bad(cause, at, "values", vals == NULL ? "missing" : "expected an array");
	if (json_array_size(vals) > TICK_GROUP_MAX) {
		*cause = xasprintf("%s.values: %zu entries, at most %d", at, json_array_size(vals),
		    TICK_GROUP_MAX);
		return -1;
	}
	json_array_foreach(vals, k, e) {
		json_t *v = json_object_get(e, "value"), *b = json_object_get(e, "value_b64");
		const char *bytes;
		size_t len;
		guchar *dec = NULL;
		gsize dlen = 0;

		snprintf(sub, sizeof sub, "%s.values[%zu]", at, k);
		if (!json_is_object(e)) {
			*cause = xasprintf("%s: expected an object", sub);
			return -1;
		}
		if (get_count(e, sub, "count", &count, cause) != 0)
			return -1;
		if ((v != NULL) == (b != NULL))
			return bad(cause, sub, "value", "expected either value (a string) or value_b64");
		if (v != NULL) {
			if (!json_is_string(v))
				return bad(cause, sub, "value", "expected a string");
			bytes = json_string_value(v);
			len = json_string_length(v);
		} else {
			if (!json_is_string(b) || !is_base64(json_string_value(b), json_string_length(b)))
				return bad(cause, sub, "value_b64", "expected a base64 string");
			dec = g_base64_decode(json_string_value(b), &dlen);
			bytes = (const char *)dec;
			len = dlen;
		}
		if (len > TICK_GROUP_VALUE_MAX) {
			g_free(dec);
			return bad(cause, sub, v != NULL ? "value" : "value_b64",
			    "longer than a groupBy value's 64 bytes");
		}
		if (g != NULL && count > 0)
			tick_group_add(g, bytes, len, count);
		g_free(dec);
	}
	if (g != NULL) {
		g->other += other;
		g->missing += missing;
	}
	return 0;
}

/* A gauge that adds across agents: a non-negative int, the sum bounded by INT_MAX. */
static int
add_int_gauge(const json_t *msg, const char *key, int *dst, char **cause)
{
	json_t *v = json_object_get(msg, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > INT_MAX - *dst)
		return bad(cause, NULL, key, v == NULL ? "missing" : "expected a non-negative integer");
	*dst += (int)json_integer_value(v);
	return 0;
}

int
agent_msg_tick_add(const struct plan *plan, const json_t *msg, struct tick *dst, char **cause)
{
	static const struct count_field counts[] = {
		{ "iterations", offsetof(struct tick, iterations) },
		{ "interrupted_iterations", offsetof(struct tick, interrupted_iterations) },
		{ "dropped_iterations", offsetof(struct tick, dropped_iterations) },
		{ "late_starts", offsetof(struct tick, late_starts) },
	}, check_counts[] = {
		{ "passes", offsetof(struct tick_check, passes) },
		{ "fails", offsetof(struct tick_check, fails) },
	};
	const json_t *a;
	char at[32];
	uint64_t n;
	double cpu;
	json_t *sec = json_object_get(msg, "second");

	assert(dst->nendpoints == plan->nendpoints && dst->nchecks == plan->nchecks &&
	    dst->ncustom == plan->nmetric_slots && dst->nseries == plan->nseries &&
	    dst->ngroups_dur == plan->nstep_groups && dst->ngroups == plan->ngroups);
	*cause = NULL;
	if (!json_is_object(msg)) {
		*cause = xstrdup("expected a tick message (an object)");
		return -1;
	}
	if (!json_is_string(json_object_get(msg, "type")) ||
	    strcmp(json_string_value(json_object_get(msg, "type")), "tick") != 0)
		return bad(cause, NULL, "type", "expected \"tick\"");
	if (!json_is_integer(sec) || json_integer_value(sec) < 0)
		return bad(cause, NULL, "second", "expected a non-negative integer");
	dst->second = (int64_t)json_integer_value(sec);
	if (add_int_gauge(msg, "vus", &dst->vus, cause) != 0 ||
	    add_int_gauge(msg, "vus_max", &dst->vus_max, cause) != 0)
		return -1;
	if (add_counts(msg, NULL, dst, counts, sizeof counts / sizeof counts[0], cause) != 0)
		return -1;
	if (add_blob(json_object_get(msg, "iteration_duration"), NULL, "iteration_duration",
	    dst->iteration_duration, NULL, cause) != 0)
		return -1;
	if (get_number(msg, NULL, "cpu_pct", &cpu, cause) != 0)
		return -1;
	if (cpu < 0)
		return bad(cause, NULL, "cpu_pct", "expected a non-negative number");
	if (cpu > dst->cpu_pct)
		dst->cpu_pct = cpu;
	if (get_count(msg, NULL, "loop_lag_max_us", &n, cause) != 0)
		return -1;
	if ((int64_t)n > dst->loop_lag_max_us)
		dst->loop_lag_max_us = (int64_t)n;
	if (endpoint_add(&dst->total, json_object_get(msg, "total"), "total", cause) != 0)
		return -1;
	if ((a = get_array(msg, "endpoints", plan->nendpoints, cause)) == NULL)
		return -1;
	for (int i = 0; i < plan->nendpoints; i++) {
		snprintf(at, sizeof at, "endpoints[%d]", i);
		if (check_name(a, i, "endpoints", "name", plan->endpoints[i].name, cause) != 0 ||
		    endpoint_add(&dst->endpoints[i], json_array_get(a, (size_t)i), at, cause) != 0)
			return -1;
	}
	if ((a = get_array(msg, "checks", plan->nchecks, cause)) == NULL)
		return -1;
	for (int i = 0; i < plan->nchecks; i++) {
		snprintf(at, sizeof at, "checks[%d]", i);
		if (check_name(a, i, "checks", "name", plan->check_names[i], cause) != 0 ||
		    add_counts(json_array_get(a, (size_t)i), at, &dst->checks[i], check_counts, 2,
		    cause) != 0)
			return -1;
	}
	if ((a = get_array(msg, "custom", plan->nmetric_slots, cause)) == NULL)
		return -1;
	for (int i = 0; i < plan->nmetric_slots; i++) {
		snprintf(at, sizeof at, "custom[%d]", i);
		if (check_name(a, i, "custom", "key", plan->metric_slots[i].key, cause) != 0 ||
		    custom_add(&dst->custom[i], json_array_get(a, (size_t)i), at, cause) != 0)
			return -1;
	}
	if ((a = get_array(msg, "series", plan->nseries, cause)) == NULL)
		return -1;
	for (int i = 0; i < plan->nseries; i++) {
		snprintf(at, sizeof at, "series[%d]", i);
		if (endpoint_add(&dst->series[i], json_array_get(a, (size_t)i), at, cause) != 0)
			return -1;
	}
	if ((a = get_array(msg, "group_duration", plan->nstep_groups, cause)) == NULL)
		return -1;
	for (int i = 0; i < plan->nstep_groups; i++) {
		/* every group's duration is also the untagged metric's (vu.c records both) */
		snprintf(at, sizeof at, "group_duration[%d]", i);
		if (add_blob(json_array_get(a, (size_t)i), NULL, at, dst->group_duration[i],
		    dst->group_duration_all, cause) != 0)
			return -1;
	}
	/* groupBy counts: absent from an older agent's tick (then none); else checked whole before
	   any is added */
	if (json_object_get(msg, "groups") != NULL) {
		if ((a = get_array(msg, "groups", plan->ngroups, cause)) == NULL)
			return -1;
		for (int pass = 0; pass < 2; pass++)
			for (int i = 0; i < plan->ngroups; i++) {
				snprintf(at, sizeof at, "groups[%d]", i);
				if (pass == 0 && check_name(a, i, "groups", "name", plan->groups[i].name,
				    cause) != 0)
					return -1;
				if (group_read(json_array_get(a, (size_t)i), at,
				    pass == 1 ? &dst->groups[i] : NULL, cause) != 0)
					return -1;
			}
	}
	return failures_add_msg(dst->failures, plan, json_object_get(msg, "failures"), dst->second,
	    cause);
}

void
agent_msg_tick_sum(struct tick *dst, const struct tick *src)
{
	int64_t vus = (int64_t)dst->vus + src->vus, vus_max = (int64_t)dst->vus_max + src->vus_max;
	double *last = xcalloc((size_t)dst->ncustom + 1, sizeof *last);

	for (int i = 0; i < dst->ncustom; i++)
		last[i] = dst->custom[i].last + src->custom[i].last;
	tick_merge(dst, src);
	/* side by side: tick_merge keeps the larger or the latest of these */
	dst->second = src->second;
	dst->vus = vus > INT_MAX ? INT_MAX : (int)vus;
	dst->vus_max = vus_max > INT_MAX ? INT_MAX : (int)vus_max;
	for (int i = 0; i < dst->ncustom; i++)
		dst->custom[i].last = last[i];
	free(last);
}
