/*
 * summary_custom: the custom metrics (a definition's `metrics`, testdef/plan.h) in the summary:
 * their entries in handleSummary()'s `metrics` object, shaped as k6 shapes its own Trend, Counter,
 * Rate and Gauge (so the flattened --summary-export, summary_k6.c, needs nothing of its own), the
 * values that could not be read under rampage.metrics, and a CUSTOM block of the text summary.
 *
 * Runs on the caller's thread after the run.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"

#include "metrics/hist.h"
#include "metrics/summary.h"
#include "metrics/summary_priv.h"
#include "metrics/tick.h"
#include "testdef/metric.h"
#include "testdef/plan.h"

/* A count as k6 writes it: an integer when it is one. */
static json_t *
number(double v)
{
	if (v == floor(v) && fabs(v) < 9e15)
		return json_integer((json_int_t)v);
	return json_real(v);
}

/* A trend's percentile (the histogram holds thousandths of the recorded unit). */
static double
pct(const struct tick_custom *c, double p)
{
	return c->h != NULL && hist_count(c->h) > 0 ? (double)hist_percentile(c->h, p) / 1000.0 : 0.0;
}

json_t *
summary_custom_values(const struct plan *plan, const struct tick *t, int slot, int64_t duration_ns)
{
	const struct plan_metric *pm = &plan->metrics[plan->metric_slots[slot].metric];
	const struct tick_custom *c = slot < t->ncustom ? &t->custom[slot] : NULL;
	struct tick_custom zero = { 0 };
	json_t *v = json_object();

	if (c == NULL)
		c = &zero;
	switch (pm->type) {
	case METRIC_TREND:
		json_object_set_new(v, "avg", json_real(c->n > 0 ? c->sum / (double)c->n : 0.0));
		json_object_set_new(v, "min", json_real(c->n > 0 ? c->min : 0.0));
		json_object_set_new(v, "med", json_real(pct(c, 50.0)));
		json_object_set_new(v, "max", json_real(c->n > 0 ? c->max : 0.0));
		json_object_set_new(v, "p(90)", json_real(pct(c, 90.0)));
		json_object_set_new(v, "p(95)", json_real(pct(c, 95.0)));
		json_object_set_new(v, "p(99)", json_real(pct(c, 99.0)));
		break;
	case METRIC_COUNTER:
		json_object_set_new(v, "count", number(c->sum));
		json_object_set_new(v, "rate", json_real(summary_per_second(c->sum, duration_ns)));
		break;
	case METRIC_RATE:
		json_object_set_new(v, "rate", json_real(c->n > 0 ? (double)c->nonzero / (double)c->n : 0.0));
		json_object_set_new(v, "passes", json_integer((json_int_t)c->nonzero));
		json_object_set_new(v, "fails", json_integer((json_int_t)(c->n - c->nonzero)));
		break;
	case METRIC_GAUGE:
		json_object_set_new(v, "value", number(c->n > 0 ? c->last : 0.0));
		json_object_set_new(v, "min", number(c->n > 0 ? c->min : 0.0));
		json_object_set_new(v, "max", number(c->n > 0 ? c->max : 0.0));
		break;
	}
	return v;
}

json_t *
summary_custom_entry(const struct summary_run *run, int slot)
{
	const struct plan_metric *pm = &run->plan->metrics[run->plan->metric_slots[slot].metric];

	return json_pack("{s:s, s:s, s:o}", "type", metric_type_name(pm->type),
	    "contains", pm->is_time ? "time" : "default",
	    "values", summary_custom_values(run->plan, run->whole, slot, run->duration_ns));
}

void
summary_custom_json(json_t *rampage, json_t *metrics, const struct summary_run *run)
{
	const struct plan *plan = run->plan;
	json_t *extra = json_object();

	for (int i = 0; i < plan->nmetrics; i++) {
		const struct tick_custom *c = i < run->whole->ncustom ? &run->whole->custom[i] : NULL;
		json_object_set_new(metrics, plan->metrics[i].name, summary_custom_entry(run, i));
		json_object_set_new(extra, plan->metrics[i].name, json_pack("{s:I, s:I}",
		    "samples", (json_int_t)(c != NULL ? c->n : 0),
		    "missing", (json_int_t)(c != NULL ? c->missing : 0)));
	}
	json_object_set_new(rampage, "metrics", extra);
}

void
summary_custom_print(FILE *f, const struct summary_run *run)
{
	const struct plan *plan = run->plan;
	char a[48], b[48], m[48], x[48], p90[48], p95[48];

	if (plan->nmetrics == 0)
		return;
	fprintf(f, "\n  CUSTOM\n");
	for (int i = 0; i < plan->nmetrics; i++) {
		const struct plan_metric *pm = &plan->metrics[i];
		const struct tick_custom *c = &run->whole->custom[i];
		void (*fmt)(char *, size_t, double) = pm->is_time ? summary_fmt_ms : summary_fmt_num;
		char dots[64];
		int n = (int)strlen(pm->name);

		snprintf(dots, sizeof dots, "%s", n < 30 ? "..............................." + n : "");
		fprintf(f, "    %s%s: ", pm->name, dots);
		switch (pm->type) {
		case METRIC_TREND:
			fmt(a, sizeof a, c->n > 0 ? c->sum / (double)c->n : 0.0);
			fmt(b, sizeof b, c->n > 0 ? c->min : 0.0);
			fmt(m, sizeof m, pct(c, 50.0));
			fmt(x, sizeof x, c->n > 0 ? c->max : 0.0);
			fmt(p90, sizeof p90, pct(c, 90.0));
			fmt(p95, sizeof p95, pct(c, 95.0));
			fprintf(f, "avg=%s min=%s med=%s max=%s p(90)=%s p(95)=%s\n", a, b, m, x, p90, p95);
			break;
		case METRIC_COUNTER:
			summary_fmt_num(a, sizeof a, c->sum);
			summary_fmt_num(b, sizeof b, summary_per_second(c->sum, run->duration_ns));
			fprintf(f, "%s %s/s\n", a, b);
			break;
		case METRIC_RATE:
			fprintf(f, "%.2f%% %llu out of %llu\n", c->n > 0 ? 100.0 * (double)c->nonzero / (double)c->n :
			    0.0, (unsigned long long)c->nonzero, (unsigned long long)c->n);
			break;
		case METRIC_GAUGE:
			fmt(a, sizeof a, c->n > 0 ? c->last : 0.0);
			fmt(b, sizeof b, c->n > 0 ? c->min : 0.0);
			fmt(x, sizeof x, c->n > 0 ? c->max : 0.0);
			fprintf(f, "%s min=%s max=%s\n", a, b, x);
			break;
		}
		if (c->missing > 0)
			fprintf(f, "      (%llu values could not be read)\n", (unsigned long long)c->missing);
	}
}

void
summary_monitors_json(json_t *root, json_t *metrics, const struct summary_run *run)
{
	const struct plan *p = run->plan;
	json_t *mons;

	if (p->nmonitor_values == 0)
		return;
	mons = json_object();
	for (int i = 0; i < p->nmonitor_values && i < run->whole->nmonitors; i++) {
		const struct tick_monitor *m = &run->whole->monitors[i];
		const struct plan_monitor_value *pv = &p->monitor_values[i];
		json_t *avg = m->n > 0 ? json_real(m->sum / (double)m->n) : json_null();
		json_t *mn = m->n > 0 ? json_real(m->min) : json_null();
		json_t *mx = m->n > 0 ? json_real(m->max) : json_null();
		json_t *last = m->n > 0 ? json_real(m->last) : json_null();
		char *key = xasprintf("monitor:%s", pv->name);

		json_object_set_new(mons, pv->name, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:O, s:O, s:O, s:O}",
		    "monitor", p->monitors[pv->monitor].name,
		    "selector", pv->selector,
		    "kind", m->rate ? "rate" : "gauge",
		    "seconds", (json_int_t)m->n,
		    "scrapes", (json_int_t)m->scrapes,
		    "gaps", (json_int_t)m->gaps,
		    "avg", avg, "min", mn, "max", mx, "last", last));
		json_object_set_new(metrics, key, json_pack("{s:s, s:s, s:{s:o, s:o, s:o, s:o, s:O}}",
		    "type", "gauge", "contains", "default", "values",
		    "avg", avg, "min", mn, "max", mx, "last", last, "value", last));
		free(key);
	}
	json_object_set_new(root, "monitors", mons);
}

void
summary_monitors_print(FILE *f, const struct summary_run *run)
{
	const struct plan *p = run->plan;

	if (p->nmonitor_values == 0)
		return;
	fprintf(f, "\n  MONITORS\n");
	for (int i = 0; i < p->nmonitor_values && i < run->whole->nmonitors; i++) {
		const struct tick_monitor *m = &run->whole->monitors[i];
		const char *name = p->monitor_values[i].name;
		char dots[64], a[48], b[48], x[48], l[48];
		int n = (int)strlen(name);

		snprintf(dots, sizeof dots, "%s", n < 30 ? "..............................." + n : "");
		fprintf(f, "    %s%s: ", name, dots);
		if (m->n == 0) {
			fprintf(f, "no value");
		} else {
			summary_fmt_num(a, sizeof a, m->sum / (double)m->n);
			summary_fmt_num(b, sizeof b, m->min);
			summary_fmt_num(x, sizeof x, m->max);
			summary_fmt_num(l, sizeof l, m->last);
			fprintf(f, "avg=%s min=%s max=%s last=%s%s", a, b, x, l, m->rate ? " (per second)" : "");
		}
		if (m->gaps > 0)
			fprintf(f, " (%llu of %llu scrapes were gaps)", (unsigned long long)m->gaps,
			    (unsigned long long)m->scrapes);
		fprintf(f, "\n");
	}
}
