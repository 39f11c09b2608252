/*
 * summary_json: the end of a run as k6's handleSummary() argument (see summary.h), so that k6
 * reporting tools read it unchanged: grafana/k6 internal/js/summary.go, summarizeMetricsToObject.
 * Metric entries, root_group with the checks, options and state, then Rampage's own extras under
 * "rampage", then each threshold's verdict in its metric's entry.
 *
 * Ids of groups and checks are k6's: the MD5 of the path, in hex (GLib's checksum).
 *
 * Runs on the caller's thread after the run.
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "core/segment.h"
#include "core/xmalloc.h"
#include "metrics/failures.h"
#include "metrics/hist.h"
#include "testdef/metric.h"
#include "metrics/findings.h"
#include "metrics/summary.h"
#include "metrics/summary_priv.h"
#include "metrics/threshold.h"
#include "metrics/tick.h"
#include "testdef/plan.h"

/* Builds k6 trend values (ms) in summaryTrendStats order. */
json_t *
summary_trend_values(const struct summary_trend *t)
{
	json_t *v = json_object();

	json_object_set_new(v, "avg", json_real(t->avg));
	json_object_set_new(v, "min", json_real(t->min));
	json_object_set_new(v, "med", json_real(t->med));
	json_object_set_new(v, "max", json_real(t->max));
	json_object_set_new(v, "p(90)", json_real(t->p90));
	json_object_set_new(v, "p(95)", json_real(t->p95));
	json_object_set_new(v, "p(99)", json_real(t->p99));
	return v;
}

/* Adds one metric entry; takes ownership of values. Thresholds are added to the entry afterwards
   (add_thresholds), as "thresholds": {"<source as written>": {"ok": bool}}. */
static void
add_metric(json_t *metrics, const char *name, const char *type, const char *contains, json_t *values)
{
	json_t *m = json_object();

	json_object_set_new(m, "type", json_string(type));
	json_object_set_new(m, "contains", json_string(contains));
	json_object_set_new(m, "values", values);
	json_object_set_new(metrics, name, m);
}

/*
 * Adds the entry `name` (metric id's own name, or a sub-metric's key) from its values, as k6 shapes
 * each type: a trend's stats in ms (a tagged series' timing phase has only its sum: its avg); a
 * counter's count and rate over the run; a rate's share of non-zero samples, passes (the non-zero
 * ones: for http_req_failed, the failures) and fails; a gauge's last value, min and max.
 */
static void
add_value(json_t *metrics, const char *name, enum metric_id id, const struct summary_value *v,
    int64_t dur_ns)
{
	const struct metric *m = metric_get(id);
	struct summary_trend t;
	json_t *o;

	switch (m->type) {
	case METRIC_TREND:
		if (v->h == NULL) {
			o = json_object();
			json_object_set_new(o, "avg", json_real(v->mean_us / 1000.0));
			break;
		}
		summary_trend_of(v->h, &t);
		o = summary_trend_values(&t);
		break;
	case METRIC_COUNTER:
		o = json_object();
		json_object_set_new(o, "count", json_integer((json_int_t)v->count));
		json_object_set_new(o, "rate", json_real(summary_per_second((double)v->count, dur_ns)));
		break;
	case METRIC_RATE:
		o = json_object();
		json_object_set_new(o, "rate", json_real(v->total > 0 ? (double)v->count / (double)v->total : 0.0));
		json_object_set_new(o, "passes", json_integer((json_int_t)v->count));
		json_object_set_new(o, "fails", json_integer((json_int_t)(v->total - v->count)));
		break;
	case METRIC_GAUGE:
	default:
		o = json_object();
		json_object_set_new(o, "value", json_integer(v->value));
		json_object_set_new(o, "min", json_integer(v->min));
		json_object_set_new(o, "max", json_integer(v->max));
		break;
	}
	add_metric(metrics, name, metric_type_name(m->type), m->contains, o);
}

/* Status codes seen, as {"200": n, ...}; 0 is "no response", "other" a status outside 100-599. */
static json_t *
status_object(const struct tick_endpoint *ep)
{
	json_t *o = json_object();
	char code[8];

	for (int i = 0; i < TICK_NSTATUS; i++) {
		if (ep->status[i] == 0)
			continue;
		snprintf(code, sizeof code, "%d", i);
		json_object_set_new(o, code, json_integer((json_int_t)ep->status[i]));
	}
	if (ep->status_other != 0)
		json_object_set_new(o, "other", json_integer((json_int_t)ep->status_other));
	return o;
}

/* Transport errors by kind, as {"connect": n, ...}. */
static json_t *
errors_object(const struct tick_endpoint *ep)
{
	json_t *o = json_object();

	for (int i = TICK_ERR_NONE + 1; i < TICK_NERR; i++)
		if (ep->errors[i] != 0)
			json_object_set_new(o, tick_error_name(i), json_integer((json_int_t)ep->errors[i]));
	return o;
}

/* One failure entry as JSON: {kind, message, count, first_second, last_second[, other]}. */
static json_t *
failure_json(const struct failure *e)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I}", "kind", failure_kind_name(e->kind),
	    "message", e->message, "count", (json_int_t)e->count, "first_second", (json_int_t)e->first,
	    "last_second", (json_int_t)e->last);

	if (o == NULL)             /* not UTF-8: a target's bytes in libcurl's words */
		o = json_pack("{s:s, s:s, s:I, s:I, s:I}", "kind", failure_kind_name(e->kind),
		    "message", "(not UTF-8)", "count", (json_int_t)e->count,
		    "first_second", (json_int_t)e->first, "last_second", (json_int_t)e->last);
	if (e->other)
		json_object_set_new(o, "other", json_true());
	return o;
}

/* The failure messages of endpoint idx (0-based), by count. */
static json_t *
failures_json(const struct tick *w, int idx)
{
	const struct failure **order = xcalloc((size_t)failures_n(w->failures) + 1, sizeof *order);
	int n = failures_order(w->failures, order, false);
	json_t *a = json_array();

	for (int i = 0; i < n; i++)
		if (order[i]->endpoint == idx)
			json_array_append_new(a, failure_json(order[i]));
	free(order);
	return a;
}

/* rampage.failure_alarm: the early warning that every request fails, or null. */
static json_t *
alarm_json(const struct summary_run *run)
{
	const struct failures_alarm *a = run->alarm;
	const struct failure *d;

	if (a == NULL || !a->fired)
		return json_null();
	d = &a->dominant;
	return json_pack("{s:s, s:I, s:I, s:I, s:s, s:s, s:s?}", "text", a->text,
	    "second", (json_int_t)a->second, "requests", (json_int_t)a->requests,
	    "failures", (json_int_t)a->failures, "kind", failure_kind_name(d->kind),
	    "message", d->message, "endpoint", d->endpoint < run->plan->nendpoints ?
	    run->plan->endpoints[d->endpoint].name : NULL);
}

/* Builds one endpoint (or the total) of rampage.endpoints. */
static json_t *
endpoint_json(const struct summary_run *run, const char *name, const char *method,
    const struct tick_endpoint *ep, int idx, bool open)
{
	json_t *o = json_object();
	struct summary_trend t;

	json_object_set_new(o, "name", json_string(name));
	if (method != NULL)
		json_object_set_new(o, "method", json_string(method));
	json_object_set_new(o, "requests", json_integer((json_int_t)ep->requests));
	json_object_set_new(o, "failed", json_integer((json_int_t)ep->failed));
	json_object_set_new(o, "rate", json_real(summary_per_second((double)ep->requests, run->duration_ns)));
	json_object_set_new(o, "bytes_sent", json_integer((json_int_t)ep->bytes_sent));
	json_object_set_new(o, "bytes_received", json_integer((json_int_t)ep->bytes_received));
	summary_trend_of(ep->duration, &t);
	json_object_set_new(o, "duration", summary_trend_values(&t));
	if (open) {
		summary_trend_of(ep->service, &t);
		json_object_set_new(o, "service_time", summary_trend_values(&t));
	}
	json_object_set_new(o, "status", status_object(ep));
	json_object_set_new(o, "errors", errors_object(ep));
	if (idx >= 0)          /* the total's messages are its endpoints' */
		json_object_set_new(o, "failures", failures_json(run->whole, idx));
	json_object_set_new(o, "extract_failures", json_integer((json_int_t)ep->extract_failures));
	json_object_set_new(o, "extract_truncated", json_integer((json_int_t)ep->extract_truncated));
	return o;
}

/* ---- checks and groupBy */

/* k6's id of a group or check: the MD5 of its path ("" for the root group, "::name" for a check),
   in hex. */
static json_t *
k6_id(const char *path)
{
	gchar *hex = g_compute_checksum_for_data(G_CHECKSUM_MD5, (const guchar *)path, strlen(path));
	json_t *id = json_string(hex);

	g_free(hex);
	return id;
}

/* A group's checks, as k6 has them: [{name, path, id, passes, fails}], in definition order (group:
   the index in plan->step_groups; -1: the root group). */
static json_t *
checks_json(const struct summary_run *run, int group)
{
	const struct plan *plan = run->plan;
	const struct tick *w = run->whole;
	json_t *a = json_array();

	for (int i = 0; i < plan->nchecks && i < w->nchecks; i++) {
		int g = plan->check_group != NULL ? plan->check_group[i] : -1;
		char *path;

		if (g != group)
			continue;
		path = xasprintf("%s::%s", g >= 0 ? plan->step_groups[g].path : "", plan->check_names[i]);
		json_array_append_new(a, json_pack("{s:s,s:s,s:o,s:I,s:I}", "name", plan->check_names[i],
		    "path", path, "id", k6_id(path), "passes", (json_int_t)w->checks[i].passes,
		    "fails", (json_int_t)w->checks[i].fails));
		free(path);
	}
	return a;
}

/* The groups whose parent is `parent` (-1: the root), k6's shape: [{name, path, id, groups, checks}]. */
static json_t *
groups_tree_json(const struct summary_run *run, int parent)
{
	const struct plan *plan = run->plan;
	json_t *a = json_array();

	for (int i = 0; i < plan->nstep_groups; i++) {
		const struct plan_step_group *g = &plan->step_groups[i];
		if (g->parent != parent)
			continue;
		json_array_append_new(a, json_pack("{s:s, s:s, s:o, s:o, s:o}", "name", g->name, "path", g->path,
		    "id", k6_id(g->path), "groups", groups_tree_json(run, i), "checks", checks_json(run, i)));
	}
	return a;
}

/* A groupBy value as a JSON string; a value cut inside a UTF-8 character loses that character. */
static json_t *
group_value(const struct tick_group_value *v)
{
	json_t *s = NULL;

	for (size_t n = v->len, cut = 0; s == NULL && cut < 4 && cut <= n; cut++)
		s = json_stringn(v->value, n - cut);
	return s != NULL ? s : json_string("(not UTF-8)");
}

/* rampage.groupBy: {"<step name>": {source, total, values: {value: count}, other, missing}}, values
   by count, largest first. */
static json_t *
groups_json(const struct summary_run *run)
{
	const struct plan *plan = run->plan;
	const struct tick *w = run->whole;
	json_t *o = json_object();

	for (int i = 0; i < plan->ngroups && i < w->ngroups; i++) {
		const struct tick_group *g = &w->groups[i];
		json_t *values = json_object();
		int order[TICK_GROUP_MAX];
		uint64_t total = summary_group_order(g, order);

		for (int k = 0; k < g->n; k++) {
			json_t *key = group_value(&g->v[order[k]]);
			json_object_set_new(values, json_string_value(key),
			    json_integer((json_int_t)g->v[order[k]].count));
			json_decref(key);
		}
		json_object_set_new(o, plan->groups[i].name, json_pack("{s:s,s:I,s:o,s:I,s:I}",
		    "source", plan->groups[i].source, "total", (json_int_t)total, "values", values,
		    "other", (json_int_t)g->other, "missing", (json_int_t)g->missing));
	}
	return o;
}

/* Builds rampage.generator: the verdict and what it rests on. */
static json_t *
generator_json(const struct summary_series *s)
{
	json_t *o = json_object();
	char line[512];
	enum summary_gen g = summary_verdict(s, line, sizeof line);

	json_object_set_new(o, "verdict", json_string(summary_gen_name(g)));
	json_object_set_new(o, "message", json_string(line));
	json_object_set_new(o, "workers", json_integer(s->workers));
	json_object_set_new(o, "seconds", json_integer(s->seconds));
	json_object_set_new(o, "judged_seconds", json_integer(s->judged_seconds));
	json_object_set_new(o, "saturated_seconds", json_integer(s->bad_seconds));
	json_object_set_new(o, "saturated_pct", json_real(summary_bad_pct(s)));
	json_object_set_new(o, "cpu_saturated_seconds", json_integer(s->cpu_saturated_seconds));
	json_object_set_new(o, "late_start_seconds", json_integer(s->late_seconds));
	json_object_set_new(o, "loop_lag_seconds", json_integer(s->lag_seconds));
	json_object_set_new(o, "host_busy_seconds", json_integer(s->host_busy_seconds));
	json_object_set_new(o, "cpu_max_pct", json_real(s->cpu_max_pct));
	json_object_set_new(o, "cpu_mean_pct",
	    json_real(s->seconds > 0 ? s->cpu_sum_pct / (double)s->seconds : 0.0));
	json_object_set_new(o, "host_cpu_max_pct",
	    s->host_cpu_max_pct < 0 ? json_null() : json_real(s->host_cpu_max_pct));
	json_object_set_new(o, "loop_lag_max_ms", json_real((double)s->lag_max_us / 1000.0));
	json_object_set_new(o, "cpu_saturated_threshold_pct", json_real(SUMMARY_CPU_SATURATED_PCT));
	json_object_set_new(o, "loop_lag_threshold_ms", json_real(SUMMARY_LAG_LIMIT_US / 1000.0));
	json_object_set_new(o, "host_busy_threshold_pct", json_real(SUMMARY_HOST_BUSY_PCT));
	return o;
}

json_t *
summary_hist_b64(const struct hist *h)
{
	size_t n = hist_encode(h, NULL, 0);
	unsigned char *blob = xmalloc(n);
	gchar *b64;
	json_t *s;

	hist_encode(h, blob, n);
	b64 = g_base64_encode(blob, n);
	s = json_string(b64);
	g_free(b64);
	free(blob);
	return s;
}

/* One endpoint's histograms: duration, and service_time when the run has an open model. */
static json_t *
endpoint_hists(const struct tick_endpoint *ep, bool open)
{
	json_t *o = json_object();

	json_object_set_new(o, "duration", summary_hist_b64(ep->duration));
	if (open)
		json_object_set_new(o, "service_time", summary_hist_b64(ep->service));
	return o;
}

json_t *
summary_histograms_json(const struct summary_run *run)
{
	const struct plan *plan = run->plan;
	const struct tick *w = run->whole;
	bool open = summary_open_model(plan);
	json_t *o = json_object(), *m = json_object(), *e = json_object();

	json_object_set_new(o, "encoding", json_string(SUMMARY_HIST_ENCODING));
	for (int i = 0; i < METRIC_N; i++) {
		struct summary_value v;
		if (metric_get(i)->type != METRIC_TREND || !metric_measured(i))
			continue;
		summary_value_of(run, i, &v);
		if (v.h != NULL)
			json_object_set_new(m, metric_get(i)->name, summary_hist_b64(v.h));
	}
	json_object_set_new(o, "metrics", m);
	for (int i = 0; i < plan->nendpoints && i < w->nendpoints; i++)
		json_object_set_new(e, plan->endpoints[i].name, endpoint_hists(&w->endpoints[i], open));
	json_object_set_new(o, "endpoints", e);
	json_object_set_new(o, "total", endpoint_hists(&w->total, open));
	return o;
}

/* Builds the "rampage" extras. */
static json_t *
rampage_json(const struct summary_run *run)
{
	const struct plan *plan = run->plan;
	const struct tick *w = run->whole;
	bool open = summary_open_model(plan);
	json_t *o = json_object(), *a, *om;
	struct summary_trend t;

	json_object_set_new(o, "version", json_string(PACKAGE_VERSION));
	json_object_set_new(o, "name", plan->name != NULL ? json_string(plan->name) : json_null());
	json_object_set_new(o, "interrupted", json_boolean(run->interrupted));
	/* the per-second history in the daemon's database lacks some seconds; the totals here do not */
	json_object_set_new(o, "incomplete", json_boolean(run->missing_seconds > 0));
	json_object_set_new(o, "missing_seconds", json_integer((json_int_t)run->missing_seconds));
	a = json_array();
	for (int i = 0; i < plan->nscenarios; i++) {
		json_t *sc = json_object();
		json_object_set_new(sc, "name", json_string(plan->scenarios[i].name));
		json_object_set_new(sc, "executor", json_string(plan_executor_name(plan->scenarios[i].executor)));
		json_array_append_new(a, sc);
	}
	json_object_set_new(o, "scenarios", a);

	a = json_array();
	for (int i = 0; i < plan->nendpoints && i < w->nendpoints; i++)
		json_array_append_new(a, endpoint_json(run, plan->endpoints[i].name, plan->endpoints[i].method,
		    &w->endpoints[i], i, open));
	json_object_set_new(o, "endpoints", a);
	json_object_set_new(o, "total", endpoint_json(run, "total", NULL, &w->total, -1, open));
	json_object_set_new(o, "failure_alarm", alarm_json(run));

	a = json_object();
	json_object_set_new(a, "completed", json_integer((json_int_t)w->iterations));
	json_object_set_new(a, "interrupted", json_integer((json_int_t)w->interrupted_iterations));
	json_object_set_new(a, "dropped", json_integer((json_int_t)w->dropped_iterations));
	json_object_set_new(a, "late_starts", json_integer((json_int_t)w->late_starts));
	json_object_set_new(o, "iterations", a);

	json_object_set_new(o, "generator", generator_json(run->series));

	om = json_object();
	json_object_set_new(om, "used", json_boolean(open));
	if (open) {
		json_object_set_new(om, "note", json_string(
		    "http_req_duration and iteration latency are measured from each iteration's intended "
		    "start time, so time spent waiting for a free VU counts (no coordinated omission); "
		    "service_time is measured from the actual send"));
		summary_trend_of(w->total.service, &t);
		json_object_set_new(om, "service_time", summary_trend_values(&t));
		json_object_set_new(om, "dropped_iterations", json_integer((json_int_t)w->dropped_iterations));
		json_object_set_new(om, "late_starts", json_integer((json_int_t)w->late_starts));
	}
	json_object_set_new(o, "open_model", om);
	json_object_set_new(o, "groupBy", groups_json(run));
	json_object_set_new(o, "execution_segment", run->segment == NULL || segment_is_whole(run->segment) ?
	    json_null() : json_pack("{s:s,s:s}", "segment", segment_string(run->segment),
	    "sequence", segment_sequence_string(run->segment)));
	if (run->histograms)
		json_object_set_new(o, "histograms", summary_histograms_json(run));
	return o;
}

/* ---- thresholds (JSON) */

/* Adds the entry of a sub-metric a threshold names, from the tick data it reads. */
static void
add_sub_metric(json_t *metrics, const struct summary_run *run, int i, const struct threshold_result *r)
{
	const struct tick_endpoint *ep = threshold_sub_endpoint(run->thresholds, i, run->whole);
	const struct tick *w = run->whole;
	int id = metric_find(r->base, strlen(r->base));
	struct summary_value v = { 0 };
	int slot = r->custom;      /* the series, however its tags were spelt */

	if (slot >= 0) {
		json_object_set_new(metrics, r->metric, summary_custom_entry(run, slot));
	} else if (r->step_group >= 0 && r->step_group < w->ngroups_dur) {
		v.h = w->group_duration[r->step_group];
		add_value(metrics, r->metric, METRIC_GROUP_DURATION, &v, run->duration_ns);
	} else if (r->check >= 0 && r->check < w->nchecks) {
		for (int k = 0; k < w->nchecks && k < run->plan->nchecks; k++) {
			if (strcmp(run->plan->check_names[k], run->plan->check_names[r->check]) != 0)
				continue;      /* the name in every group, as the threshold counts it */
			v.count += w->checks[k].passes;
			v.total += w->checks[k].passes + w->checks[k].fails;
		}
		add_value(metrics, r->metric, METRIC_CHECKS, &v, run->duration_ns);
	} else if (ep != NULL && id >= 0 && metric_get(id)->per_request) {
		summary_value_of_endpoint(ep, id, &v);
		add_value(metrics, r->metric, id, &v, run->duration_ns);
	} else {
		add_metric(metrics, r->metric, r->type, r->contains, json_object());
	}
}

/* Puts each threshold's verdict into its metric's entry (k6's handleSummary() shape), and the full
   results under rampage.thresholds. */
static void
add_thresholds(json_t *root, json_t *metrics, const struct summary_run *run)
{
	int n = run->thresholds != NULL ? threshold_count(run->thresholds) : 0;

	for (int i = 0; i < n; i++) {
		struct threshold_result r;
		json_t *m, *th;

		threshold_get(run->thresholds, i, &r);
		if ((m = json_object_get(metrics, r.metric)) == NULL) {
			add_sub_metric(metrics, run, i, &r);
			m = json_object_get(metrics, r.metric);
		}
		if ((th = json_object_get(m, "thresholds")) == NULL) {
			th = json_object();
			json_object_set_new(m, "thresholds", th);
		}
		json_object_set_new(th, r.source, json_pack("{s:b}", "ok", r.ok));
	}
	if (run->thresholds != NULL)
		json_object_set_new(json_object_get(root, "rampage"), "thresholds",
		    threshold_results_json(run->thresholds));
}

/* Builds the handleSummary() object. */
json_t *
summary_json(const struct summary_run *run)
{
	int64_t dur = run->duration_ns;
	json_t *root = json_object(), *metrics = json_object(), *g, *a;
	static const char *stats[] = { "avg", "min", "med", "max", "p(90)", "p(95)", "p(99)" };

	g = json_object();
	json_object_set_new(g, "name", json_string(""));
	json_object_set_new(g, "path", json_string(""));
	json_object_set_new(g, "id", k6_id(""));
	json_object_set_new(g, "groups", groups_tree_json(run, -1));
	json_object_set_new(g, "checks", checks_json(run, -1));
	json_object_set_new(root, "root_group", g);

	g = json_object();
	a = json_array();
	for (size_t i = 0; i < sizeof stats / sizeof stats[0]; i++)
		json_array_append_new(a, json_string(stats[i]));
	json_object_set_new(g, "summaryTrendStats", a);
	json_object_set_new(g, "summaryTimeUnit", json_string(""));
	json_object_set_new(g, "noColor", json_true());
	json_object_set_new(root, "options", g);

	g = json_object();
	json_object_set_new(g, "isStdOutTTY", json_boolean(run->stdout_tty));
	json_object_set_new(g, "isStdErrTTY", json_boolean(run->stderr_tty));
	json_object_set_new(g, "testRunDurationMs", json_real((double)dur / 1e6));
	json_object_set_new(root, "state", g);

	for (int i = 0; i < METRIC_N; i++) {
		struct summary_value v;
		if (i == METRIC_CHECKS && run->plan->nchecks == 0)
			continue;      /* as k6: no checks metric in a test without checks */
		if (i == METRIC_GROUP_DURATION && run->plan->nstep_groups == 0)
			continue;      /* nor group_duration without groups */
		if (!summary_listed(run, i))
			continue;      /* not measured by this build: absent, never a constant; or not k6's
			                  and no threshold names it */
		summary_value_of(run, i, &v);
		add_value(metrics, metric_get(i)->name, i, &v, dur);
	}
	json_object_set_new(root, "metrics", metrics);

	json_object_set_new(root, "rampage", rampage_json(run));
	if (json_array_size(run->events) > 0)
		json_object_set_new(json_object_get(root, "rampage"), "events",
		    json_deep_copy(run->events));
	summary_custom_json(json_object_get(root, "rampage"), metrics, run);
	summary_monitors_json(root, metrics, run);
	add_thresholds(root, metrics, run);
	json_object_set_new(root, "findings", findings_json(run->findings, run));
	return root;
}

/* Writes summary_json to path. */
int
summary_export(const struct summary_run *run, const char *path, char **cause)
{
	json_t *root = summary_json(run);
	int rc = 0;

	if (json_dump_file(root, path, JSON_INDENT(4) | JSON_REAL_PRECISION(12)) != 0) {
		*cause = xasprintf("%s: cannot write the summary: %s", path, strerror(errno ? errno : EIO));
		rc = -1;
	}
	json_decref(root);
	return rc;
}

json_t *
summary_spectrum(const struct hist *h)
{
	json_t *pts = json_array();
	uint64_t n = hist_count(h);

	for (int k = 0; n > 0; k++) {
		double p = round(100.0 * (1.0 - pow(2.0, -k / 2.0)) * 1e4) / 1e4;
		/* the stated p, not the exact power of two, must leave a request beyond it */
		if ((1.0 - p / 100.0) * (double)n < 1.0)
			break;
		json_array_append_new(pts, json_pack("{s:f, s:I}", "p", p, "us",
		    (json_int_t)(k == 0 ? hist_min(h) : hist_percentile(h, p))));
	}
	if (n > 0)
		json_array_append_new(pts, json_pack("{s:f, s:I}", "p", 100.0, "us",
		    (json_int_t)hist_max(h)));
	return pts;
}
