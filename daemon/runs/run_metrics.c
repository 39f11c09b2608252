/*
 * run_metrics: see run_metrics.h. Runs on a run's controller thread, once a second, inside
 * engine_sink.on_tick: both products are built whole there so the run manager's thread and the api
 * thread never touch a tick.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "metrics/hist.h"
#include "metrics/summary.h"
#include "metrics/threshold.h"
#include "metrics/tick.h"
#include "runs/run_failures.h"
#include "runs/run_metrics.h"
#include "runs/run_monitors.h"
#include "runs/run_store.h"
#include "testdef/metric.h"
#include "testdef/plan.h"

const double run_metrics_q[RUN_METRICS_NQ] = { 0.5, 0.9, 0.95, 0.99 };

const double run_metrics_le_s[RUN_METRICS_NLE] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

struct run_metrics *
run_metrics_new(int64_t run_id, const char *name, const struct plan *plan, const struct tick *sec,
    const struct tick *whole)
{
	struct run_metrics *m = xcalloc(1, sizeof *m);

	m->refs = 1;
	m->run_id = run_id;
	m->test = xstrdup(name);
	m->second = sec->second;
	m->vus = sec->vus;
	m->bytes_sent = whole->total.bytes_sent;
	m->bytes_received = whole->total.bytes_received;
	m->nendpoints = whole->nendpoints < plan->nendpoints ? whole->nendpoints : plan->nendpoints;
	m->endpoints = xcalloc((size_t)m->nendpoints + 1, sizeof *m->endpoints);
	for (int i = 0; i < m->nendpoints; i++) {
		const struct tick_endpoint *te = &whole->endpoints[i];
		struct run_metrics_endpoint *me = &m->endpoints[i];
		int n = 0;

		me->name = xstrdup(plan->endpoints[i].name);
		for (int c = 0; c < TICK_NSTATUS; c++)
			n += te->status[c] != 0;
		me->status = xcalloc((size_t)n + 2, sizeof *me->status);
		for (int c = 0; c < TICK_NSTATUS; c++)
			if (te->status[c] != 0)
				me->status[me->nstatus++] = (struct run_metrics_status){ c, te->status[c] };
		if (te->status_other != 0)
			me->status[me->nstatus++] = (struct run_metrics_status){ RUN_METRICS_STATUS_OTHER,
			    te->status_other };
		for (int b = 0; b < RUN_METRICS_NLE; b++)
			me->le[b] = hist_count_le(te->duration,
			    (uint64_t)(run_metrics_le_s[b] * 1e6 + 0.5));
		me->count = hist_count(te->duration);
		me->sum_us = hist_sum(te->duration);
	}
	m->ncustom = whole->ncustom < plan->nmetrics ? whole->ncustom : plan->nmetrics;
	m->custom = xcalloc((size_t)m->ncustom + 1, sizeof *m->custom);
	for (int i = 0; i < m->ncustom; i++) {
		const struct tick_custom *c = &whole->custom[i];
		struct run_metrics_custom *mc = &m->custom[i];
		mc->name = xstrdup(plan->metrics[i].name);
		mc->type = plan->metrics[i].type;
		mc->n = c->n;
		mc->sum = c->sum;
		mc->last = c->last;
		mc->nonzero = c->nonzero;
		for (int q = 0; q < RUN_METRICS_NQ; q++)
			mc->q[q] = c->h != NULL && hist_count(c->h) > 0 ?
			    (double)hist_percentile(c->h, run_metrics_q[q] * 100.0) / 1000.0 : 0.0;
	}
	m->nchecks = whole->nchecks < plan->nchecks ? whole->nchecks : plan->nchecks;
	m->check_names = xcalloc((size_t)m->nchecks + 1, sizeof *m->check_names);
	m->check_passes = xcalloc((size_t)m->nchecks + 1, sizeof *m->check_passes);
	m->check_fails = xcalloc((size_t)m->nchecks + 1, sizeof *m->check_fails);
	for (int i = 0; i < m->nchecks; i++) {
		m->check_names[i] = xstrdup(plan->check_names[i]);
		m->check_passes[i] = whole->checks[i].passes;
		m->check_fails[i] = whole->checks[i].fails;
	}
	return m;
}

void
run_metrics_free(struct run_metrics *m)
{
	if (m == NULL)
		return;
	for (int i = 0; i < m->nendpoints; i++) {
		free(m->endpoints[i].name);
		free(m->endpoints[i].status);
	}
	for (int i = 0; i < m->nchecks; i++)
		free(m->check_names[i]);
	for (int i = 0; i < m->ncustom; i++)
		free(m->custom[i].name);
	free(m->custom);
	free(m->endpoints);
	free(m->check_names);
	free(m->check_passes);
	free(m->check_fails);
	free(m->test);
	free(m);
}

char *
run_metrics_tick_json(int64_t run_id, const struct plan *plan, const struct threshold_set *th,
    const struct run_tick *rt, const struct tick *sec, const struct tick *whole, size_t *len)
{
	const struct run_row *total = &rt->rows[0];
	json_t *eps = json_array(), *m;
	char *text;
	double req = (double)total->v[RUN_COL_REQUESTS];

	for (int i = 1; i < rt->nrows; i++) {
		json_t *row = run_row_json(&rt->rows[i]);
		json_object_set_new(row, "idx", json_integer(i));
		json_object_set_new(row, "name", json_string(plan->endpoints[i - 1].name));
		json_object_set_new(row, "method", json_string(plan->endpoints[i - 1].method));
		json_array_append_new(eps, row);
	}
	m = json_pack("{s:s, s:I, s:I, s:I, s:i, s:i, s:f, s:o, s:o, s:{s:I, s:I, s:I, s:I}}",
	    "type", "tick",
	    "run_id", (json_int_t)run_id,
	    "second", (json_int_t)rt->second,
	    "elapsed_ms", (json_int_t)((rt->second + 1) * 1000),
	    "vus", sec->vus,
	    "vus_max", sec->vus_max,
	    "error_rate", req > 0 ? (double)total->v[RUN_COL_FAILURES] / req : 0.0,
	    "total", run_row_json(total),
	    "endpoints", eps,
	    "run", "requests", (json_int_t)whole->total.requests,
	    "failures", (json_int_t)whole->total.failed,
	    "iterations", (json_int_t)whole->iterations,
	    "dropped_iterations", (json_int_t)whole->dropped_iterations);
	/* the thresholds as judged so far (threshold_tick ran for this second) and every check name's
	   counts over the run so far: what a dashboard shows live */
	if (threshold_count(th) > 0)
		json_object_set_new(m, "thresholds", threshold_results_json(th));
	if (plan->nmetrics > 0) {
		/* custom metrics: this second's values and the run's so far, in the summary's shape */
		json_t *cm = json_array();
		for (int i = 0; i < plan->nmetrics; i++)
			json_array_append_new(cm, json_pack("{s:s, s:s, s:s, s:o, s:o}",
			    "name", plan->metrics[i].name,
			    "type", metric_type_name(plan->metrics[i].type),
			    "contains", plan->metrics[i].is_time ? "time" : "default",
			    "second", summary_custom_values(plan, sec, i, CLOCK_NS_PER_S),
			    "run", summary_custom_values(plan, whole, i, (rt->second + 1) * CLOCK_NS_PER_S)));
		json_object_set_new(m, "metrics", cm);
	}
	if (plan->nmonitor_values > 0)
		json_object_set_new(m, "monitors", run_monitors_tick_json(plan, sec));
	if (whole->nchecks > 0) {
		json_t *checks = json_array();
		for (int i = 0; i < whole->nchecks && i < plan->nchecks; i++)
			json_array_append_new(checks, json_pack("{s:s, s:I, s:I}",
			    "name", plan->check_names[i],
			    "passes", (json_int_t)whole->checks[i].passes,
			    "fails", (json_int_t)whole->checks[i].fails));
		json_object_set_new(m, "checks", checks);
	}
	/* why requests failed: the messages this second changed, with the run's counts so far; and,
	   once it has fired, the early warning that every request fails */
	if (rt->failures != NULL) {
		json_t *fa = json_array();
		for (int i = 0; i < rt->failures->n; i++)
			json_array_append_new(fa, run_failure_json(&rt->failures->v[i], plan));
		json_object_set_new(m, "failures", fa);
		if (rt->failures->alarm)
			json_object_set_new(m, "failure_alarm", run_failure_alarm_json(&rt->failures->a, plan));
	}
	text = json_dumps(m, JSON_COMPACT);
	json_decref(m);
	*len = text != NULL ? strlen(text) : 0;
	return text;
}
