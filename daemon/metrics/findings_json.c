/*
 * findings_json.c: the per-second series a run keeps for its findings, and the findings in words
 * and numbers (findings.h). findings_series_add runs on the thread that receives the engine's ticks
 * (the controller's on_tick), once a second: it reads the second's tick and appends 20 bytes, never
 * touching the per-request path; findings_json and findings_print run on the caller's thread at the
 * end of the run.
 */
#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "metrics/findings.h"
#include "metrics/hist.h"
#include "metrics/summary.h"
#include "metrics/tick.h"
#include "testdef/plan.h"
#include "testdef/threshold_plan.h"

#define NS 1000000000.0
#define MAX_STAGES 8               /* steady stages whose drift is reported */
#define MAX_MEMORY 4               /* monitored memory series whose drift is judged */

struct findings_series {
	const struct plan *plan;
	struct findings_second *s;
	int64_t n, cap;
	int64_t dropped;           /* seconds past FINDINGS_MAX_SECONDS */
	int nmem;                  /* monitored memory series (plan->monitor_values[mem[i]]) */
	int mem[MAX_MEMORY];
	float *memv[MAX_MEMORY];   /* [cap]: each second's value, NaN: none */
};

/* Whether a monitored value looks like memory: its name or selector says rss, memory, heap or
   bytes (process_resident_memory_bytes, go_memstats_heap_inuse_bytes, node_memory_...). */
static bool
is_memory(const struct plan_monitor_value *v)
{
	static const char *const words[] = { "rss", "memory", "heap", "bytes", NULL };

	for (int i = 0; words[i] != NULL; i++)
		if (strcasestr(v->name, words[i]) != NULL || strcasestr(v->selector, words[i]) != NULL)
			return true;
	return false;
}

struct findings_series *
findings_series_new(const struct plan *plan)
{
	struct findings_series *fs = xcalloc(1, sizeof *fs);

	fs->plan = plan;
	for (int i = 0; i < plan->nmonitor_values && fs->nmem < MAX_MEMORY; i++)
		if (is_memory(&plan->monitor_values[i]))
			fs->mem[fs->nmem++] = i;
	return fs;
}

void
findings_series_free(struct findings_series *fs)
{
	if (fs == NULL)
		return;
	free(fs->s);
	for (int i = 0; i < fs->nmem; i++)
		free(fs->memv[i]);
	free(fs);
}

/* The target of stages starting at `from` (value at 0) at t_ns into them; the last value after. */
static double
stages_at(double from, const struct plan_stage *st, int n, int64_t t_ns)
{
	double v = from;

	for (int i = 0; i < n; i++) {
		if (t_ns < st[i].duration_ns)
			return v + (st[i].target - v) * (double)t_ns / (double)st[i].duration_ns;
		t_ns -= st[i].duration_ns;
		v = st[i].target;
	}
	return -1;     /* past the stages: no load */
}

double
findings_load_at(const struct plan *plan, int64_t t_ns)
{
	double load = 0;
	int closed = 0, open = 0;

	for (int i = 0; i < plan->nscenarios; i++) {
		const struct plan_scenario *sc = &plan->scenarios[i];
		int64_t t = t_ns - sc->start_time_ns;
		double v = -1, per_s = sc->time_unit_ns > 0 ? NS / (double)sc->time_unit_ns : 1;

		switch (sc->executor) {
		case PLAN_CONSTANT_VUS:
			closed++;
			v = t >= 0 && t < sc->duration_ns ? sc->vus : -1;
			break;
		case PLAN_RAMPING_VUS:
			closed++;
			v = t >= 0 ? stages_at(sc->start_vus, sc->stages, sc->nstages, t) : -1;
			break;
		case PLAN_CONSTANT_ARRIVAL_RATE:
			open++;
			v = t >= 0 && t < sc->duration_ns ? sc->rate * per_s : -1;
			break;
		case PLAN_RAMPING_ARRIVAL_RATE:
			open++;
			v = t >= 0 ? stages_at(sc->start_rate, sc->stages, sc->nstages, t) : -1;
			if (v > 0)
				v *= per_s;
			break;
		default:
			return -1;     /* iteration executors: their load has no shape in time */
		}
		if (v > 0)
			load += v;
	}
	return closed > 0 && open > 0 ? -1 : load;
}

void
findings_series_add(struct findings_series *fs, const struct tick *sec)
{
	struct findings_second *o;
	const struct tick_endpoint *t = &sec->total;
	uint64_t unavail = tick_unavailable(&sec->total);

	if (sec->second < 0)
		return;
	if (sec->second >= FINDINGS_MAX_SECONDS) {
		fs->dropped++;
		return;
	}
	if (sec->second >= fs->cap) {
		int64_t cap = fs->cap > 0 ? fs->cap : 64;
		while (cap <= sec->second)
			cap *= 2;
		if (cap > FINDINGS_MAX_SECONDS)
			cap = FINDINGS_MAX_SECONDS;
		fs->s = xrealloc(fs->s, (size_t)cap * sizeof *fs->s);
		memset(fs->s + fs->cap, 0, (size_t)(cap - fs->cap) * sizeof *fs->s);
		for (int i = 0; i < fs->nmem; i++) {
			fs->memv[i] = xreallocarray(fs->memv[i], (size_t)cap, sizeof *fs->memv[i]);
			for (int64_t k = fs->cap; k < cap; k++)
				fs->memv[i][k] = NAN;
		}
		fs->cap = cap;
	}
	/* seconds without a tick keep their zeros but get their load */
	for (int64_t k = fs->n; k <= sec->second; k++)
		fs->s[k].load = (float)findings_load_at(fs->plan, (int64_t)((k + 0.5) * NS));
	if (fs->n <= sec->second)
		fs->n = sec->second + 1;
	o = &fs->s[sec->second];
	o->requests = (uint32_t)(t->requests > UINT32_MAX ? UINT32_MAX : t->requests);
	o->failed = (uint32_t)(t->failed > UINT32_MAX ? UINT32_MAX : t->failed);
	o->unavailable = (uint32_t)(unavail > UINT32_MAX ? UINT32_MAX : unavail);
	o->p95_ms = t->duration != NULL ? (float)(hist_percentile(t->duration, 95) / 1000.0) : 0;
	for (int i = 0; i < fs->nmem; i++) {
		const struct tick_monitor *m = fs->mem[i] < sec->nmonitors ? &sec->monitors[fs->mem[i]] : NULL;
		fs->memv[i][sec->second] = m != NULL && m->n > 0 ? (float)m->last : NAN;
	}
}

/* ---- wording */

static const char *const SEV_GOOD = "good sign", *const SEV_WARN = "warning sign",
    *const SEV_RED = "red flag";

/* Appends one finding. Takes ownership of numbers. */
static void
add(json_t *list, const char *id, const char *kind, const char *severity, json_t *numbers,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void
add(json_t *list, const char *id, const char *kind, const char *severity, json_t *numbers,
    const char *fmt, ...)
{
	va_list ap;
	char sentence[512];

	va_start(ap, fmt);
	vsnprintf(sentence, sizeof sentence, fmt, ap);
	va_end(ap);
	json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", id, "kind", kind,
	    "severity", severity, "sentence", sentence, "numbers", numbers));
}

static double
r2(double v)
{
	return isfinite(v) ? round(v * 100) / 100 : 0;
}

/* The unit of load: "VUs" or "it/s". */
static const char *
load_unit(const struct plan *plan)
{
	return summary_open_model(plan) ? "it/s" : "VUs";
}

/* Whether the second s meets threshold d, for the thresholds a second's figures can judge: untagged
   p(95) of http_req_duration, http_req_failed's and availability's rate, each as a bound.
   Sets *judged when d is one of them. */
static bool
meets(const struct threshold_def *d, const struct findings_second *s, bool *judged)
{
	const struct threshold_expr *e = &d->expr;
	double v;

	*judged = false;
	if (d->endpoint >= 0 || d->series >= 0 || e->relative || e->op == THRESHOLD_EQ || e->op == THRESHOLD_NE)
		return true;
	if (d->metric == METRIC_HTTP_REQ_DURATION && e->agg == THRESHOLD_PCT && e->pct == 95)
		v = s->p95_ms;
	else if (d->metric == METRIC_HTTP_REQ_FAILED && e->agg == THRESHOLD_RATE)
		v = s->requests > 0 ? (double)s->failed / s->requests : 0;
	else if (d->metric == METRIC_AVAILABILITY && e->agg == THRESHOLD_RATE)
		v = s->requests > 0 ? 1 - (double)s->unavailable / s->requests : 1;
	else
		return true;
	*judged = true;
	switch (e->op) {
	case THRESHOLD_LT: return v < e->value;
	case THRESHOLD_LE: return v <= e->value;
	case THRESHOLD_GT: return v > e->value;
	case THRESHOLD_GE: return v >= e->value;
	default: return true;
	}
}

/* With thresholds: the highest load of the ramp before the seconds broke those a second can judge
   ("sustains 4,200 req/s at p(95)<200"), broken from the first of 3 bad seconds in a row. */
static void
sustained(json_t *list, const struct findings_series *fs, const struct plan *plan,
    const struct findings_knee *k)
{
	const struct threshold_plan *tp = plan->thresholds;
	char names[256] = "";
	size_t len = 0;
	int used = 0;
	int64_t last_good = -1, broke = -1;

	if (tp == NULL)
		return;
	for (int i = 0; i < tp->n; i++) {
		bool judged;
		meets(&tp->v[i], &fs->s[k->ramp_start], &judged);
		if (judged && len < sizeof names) {
			len += (size_t)snprintf(names + len, sizeof names - len, "%s%s %s", used ? ", " : "",
			    tp->v[i].key, tp->v[i].source);
			used++;
		}
	}
	if (used == 0)
		return;
	/* broken as p95 and errors are crossed: from the first of 3 bad seconds in a row */
	int64_t run = 0, good_before = -1, first_bad = -1;
	for (int64_t t = k->ramp_start; t <= k->ramp_end && broke < 0; t++) {
		bool ok = true, judged;
		if (fs->s[t].requests == 0)
			continue;
		for (int i = 0; i < tp->n; i++)
			ok = meets(&tp->v[i], &fs->s[t], &judged) && ok;
		if (ok) {
			last_good = t;
			run = 0;
		} else if (run++ == 0) {
			good_before = last_good;
			first_bad = t;
		}
		if (run == 3) {      /* seconds without requests in between do not count */
			broke = first_bad;
			last_good = good_before;
		}
	}
	json_t *num = json_pack("{s:s, s:s}", "load_unit", load_unit(plan), "thresholds", names);
	json_object_set_new(num, "broke_second", broke >= 0 ? json_integer(broke) : json_null());
	json_object_set_new(num, "met_second", last_good >= 0 ? json_integer(last_good) : json_null());
	if (last_good < 0) {
		add(list, "capacity-thresholds", "capacity", SEV_RED, num, "No second of the ramp met "
		    "the thresholds (%s).", names);
		return;
	}
	const struct findings_second *g = &fs->s[last_good];
	json_object_set_new(num, "met_load", json_real(r2(g->load)));
	json_object_set_new(num, "met_rps", json_integer(g->requests));
	if (broke < 0)
		add(list, "capacity-thresholds", "capacity", SEV_GOOD, num, "Sustains %u req/s at %.1f "
		    "%s, the top of the ramp, within the thresholds (%s).", g->requests, g->load,
		    load_unit(plan), names);
	else
		add(list, "capacity-thresholds", "capacity", SEV_WARN, num, "Sustains %u req/s at %.1f "
		    "%s within the thresholds (%s); from %.1f %s (second %lld) they broke.",
		    g->requests, g->load, load_unit(plan), names, fs->s[broke].load, load_unit(plan),
		    (long long)broke);
}

static void
capacity(json_t *list, const struct findings_series *fs, const struct plan *plan)
{
	struct findings_knee k;
	const char *u = load_unit(plan);
	bool ramping = false;

	for (int i = 0; i < plan->nscenarios; i++)
		ramping |= plan->scenarios[i].executor == PLAN_RAMPING_VUS ||
		    plan->scenarios[i].executor == PLAN_RAMPING_ARRIVAL_RATE;
	if (!ramping || !findings_knee(fs->s, fs->n, &k))
		return;
	json_t *num = json_pack("{s:s, s:I, s:I, s:f, s:f}", "load_unit", u, "ramp_start_s",
	    (json_int_t)k.ramp_start, "ramp_end_s", (json_int_t)k.ramp_end, "low_load_slope",
	    r2(k.low_slope), "low_load_p95_ms", r2(k.low_p95_ms));
	if (k.knee_second >= 0) {
		json_object_set_new(num, "knee_second", json_integer(k.knee_second));
		json_object_set_new(num, "knee_load", json_real(r2(k.knee_load)));
		json_object_set_new(num, "knee_rps", json_real(r2(k.knee_rps)));
		json_object_set_new(num, "slope_after", json_real(r2(k.high_slope)));
		add(list, "capacity-knee", "capacity", SEV_WARN, num,
		    "Throughput stopped rising with load at %.1f %s (second %lld): about %.0f req/s, "
		    "%.0f%% of the low-load slope past it.", k.knee_load, u, (long long)k.knee_second,
		    k.knee_rps, k.low_slope > 0 ? 100 * k.high_slope / k.low_slope : 0);
	} else {
		add(list, "capacity-knee", "capacity", SEV_GOOD, num,
		    "Throughput rose in proportion to load over the whole ramp, up to %.1f %s.",
		    (double)fs->s[k.ramp_end].load, u);
	}
	if (k.p95_second >= 0)
		add(list, "capacity-latency", "capacity", SEV_WARN, json_pack("{s:s, s:I, s:f, s:f, s:f}",
		    "load_unit", u, "second", (json_int_t)k.p95_second, "load", r2(k.p95_load), "p95_ms",
		    r2(k.p95_ms), "low_load_p95_ms", r2(k.low_p95_ms)),
		    "p95 first exceeded 3x its low-load value at %.1f %s (second %lld): %.1f ms against "
		    "%.1f ms.", k.p95_load, u, (long long)k.p95_second, k.p95_ms, k.low_p95_ms);
	if (k.err_second >= 0)
		add(list, "capacity-errors", "capacity", SEV_RED, json_pack("{s:s, s:I, s:f, s:f}",
		    "load_unit", u, "second", (json_int_t)k.err_second, "load", r2(k.err_load),
		    "error_rate", r2(100 * k.err_rate) / 100),
		    "The error rate first exceeded 1%% at %.1f %s (second %lld): %.1f%%.", k.err_load, u,
		    (long long)k.err_second, 100 * k.err_rate);
	sustained(list, fs, plan, &k);
}

static void
spike(json_t *list, const struct findings_series *fs, const struct plan *plan)
{
	struct findings_spike sp;

	if (!findings_spike(fs->s, fs->n, &sp))
		return;
	json_t *num = json_pack("{s:s, s:f, s:f, s:I, s:I, s:f, s:f, s:I}", "load_unit",
	    load_unit(plan), "base_load", r2(sp.base_load), "peak_load", r2(sp.peak_load),
	    "rise_second", (json_int_t)sp.rise, "end_second", (json_int_t)sp.end, "pre_p95_ms",
	    r2(sp.pre_p95_ms), "pre_error_rate", sp.pre_err, "observed_after_s", (json_int_t)sp.after_s);
	json_object_set_new(num, "recovery_s", sp.recovery_s >= 0 ? json_integer(sp.recovery_s) :
	    json_null());
	if (sp.recovery_s < 0)
		add(list, "spike-recovery", "spike", SEV_RED, num,
		    "Did not recover after the spike to %.0f %s: p95 and errors did not return to their "
		    "pre-spike level (%.1f ms, %.2f%%) for %d s in a row in the %lld s observed after it.",
		    sp.peak_load, load_unit(plan), sp.pre_p95_ms, 100 * sp.pre_err, FINDINGS_RECOVERY_RUN,
		    (long long)sp.after_s);
	else
		add(list, "spike-recovery", "spike", sp.recovery_s <= 30 ? SEV_GOOD : SEV_WARN, num,
		    "Recovered %lld s after the spike to %.0f %s ended: p95 back near %.1f ms and errors "
		    "near %.2f%%.", (long long)sp.recovery_s, sp.peak_load, load_unit(plan),
		    sp.pre_p95_ms, 100 * sp.pre_err);
}

static json_t *
slope_json(const struct findings_slope *s)
{
	return json_pack("{s:f, s:f, s:f, s:f, s:f, s:b}", "per_hour", r2(s->slope), "low",
	    r2(s->lo), "high", r2(s->hi), "level", r2(s->level), "change", r2(s->change),
	    "significant", s->significant);
}

/* The drift of each monitored memory series over steady stage x (the i-th). */
static void
drift_memory(json_t *list, const struct findings_series *fs, const struct plan *plan,
    const struct findings_drift *x, int i)
{
	for (int k = 0; k < fs->nmem; k++) {
		const char *name = plan->monitor_values[fs->mem[k]].name;
		struct findings_slope sl;
		char id[96];

		/* at least 1 MB over the stage, besides 10% of the level */
		if (!findings_drift_of(fs->memv[k], fs->n, x, 1e6, &sl))
			continue;
		snprintf(id, sizeof id, "drift-%d-%s", i + 1, name);
		json_t *num = json_pack("{s:s, s:I, s:I, s:o}", "monitor", name, "start_s", (json_int_t)x->start,
		    "end_s", (json_int_t)x->end, "value", slope_json(&sl));
		if (sl.significant && sl.slope > 0)
			add(list, id, "drift", SEV_WARN, num, "Over the steady stage at %.0f %s (%lld-%lld s) "
			    "%s grows %.1f MB/h (from about %.1f MB): possible leak.", x->load, load_unit(plan),
			    (long long)x->start, (long long)x->end, name, sl.slope / 1e6, sl.level / 1e6);
		else
			add(list, id, "drift", SEV_GOOD, num, "Over the steady stage at %.0f %s (%lld-%lld s) "
			    "%s stays within noise (about %.1f MB).", x->load, load_unit(plan),
			    (long long)x->start, (long long)x->end, name, sl.level / 1e6);
	}
}

static void
drift(json_t *list, const struct findings_series *fs, const struct plan *plan)
{
	struct findings_drift d[MAX_STAGES];
	int64_t min_s = (plan->drift_min_steady_ns > 0 ? plan->drift_min_steady_ns :
	    FINDINGS_DRIFT_MIN_STEADY_NS) / 1000000000LL;
	int nd = findings_drift(fs->s, fs->n, min_s, d, MAX_STAGES);

	for (int i = 0; i < nd; i++) {
		const struct findings_drift *x = &d[i];
		char id[32];
		const char *sev = SEV_GOOD;
		json_t *num = json_pack("{s:I, s:I, s:f, s:s, s:i, s:i, s:o, s:o, s:o}", "start_s",
		    (json_int_t)x->start, "end_s", (json_int_t)x->end, "load", r2(x->load), "load_unit",
		    load_unit(plan), "window_s", x->window_s, "points", x->points, "p95_ms",
		    slope_json(&x->p95_ms), "rps", slope_json(&x->rps), "error_pct",
		    slope_json(&x->err_pct));
		char what[256] = "";
		size_t len = 0;

		snprintf(id, sizeof id, "drift-%d", i + 1);
		if (x->err_pct.significant && x->err_pct.slope > 0) {
			sev = SEV_RED;
			len += (size_t)snprintf(what + len, sizeof what - len, "%serrors grow %.2f points/h",
			    len ? ", " : "", x->err_pct.slope);
		}
		if (x->p95_ms.significant && x->p95_ms.slope > 0) {
			sev = sev == SEV_RED ? sev : SEV_WARN;
			len += (size_t)snprintf(what + len, sizeof what - len, "%sp95 grows %.1f ms/h",
			    len ? ", " : "", x->p95_ms.slope);
		}
		if (x->rps.significant && x->rps.slope < 0 && len < sizeof what) {
			sev = sev == SEV_RED ? sev : SEV_WARN;
			snprintf(what + len, sizeof what - len, "%sthroughput falls %.1f req/s per hour",
			    len ? ", " : "", -x->rps.slope);
		}
		if (sev == SEV_GOOD)
			add(list, id, "drift", sev, num, "No drift over the steady stage at %.0f %s "
			    "(%lld-%lld s): p95, throughput and errors stay within noise.", x->load,
			    load_unit(plan), (long long)x->start, (long long)x->end);
		else
			add(list, id, "drift", sev, num, "Over the steady stage at %.0f %s (%lld-%lld s) %s: "
			    "gradual degradation.", x->load, load_unit(plan), (long long)x->start,
			    (long long)x->end, what);
		drift_memory(list, fs, plan, x, i);
	}
}

static uint64_t
unavailable(const struct tick_endpoint *ep)
{
	return tick_unavailable(ep);
}

static void
availability(json_t *list, const struct summary_run *run)
{
	const struct tick *w = run->whole;
	uint64_t n = w->total.requests, u = unavailable(&w->total);
	json_t *eps;
	const char *worst = NULL;
	double worst_a = 2;

	if (n == 0)
		return;
	eps = json_array();
	for (int i = 0; i < w->nendpoints && i < run->plan->nendpoints; i++) {
		const struct tick_endpoint *ep = &w->endpoints[i];
		uint64_t eu = unavailable(ep);
		double a;
		if (ep->requests == 0)
			continue;
		a = 1.0 - (double)eu / (double)ep->requests;
		json_array_append_new(eps, json_pack("{s:s, s:I, s:I, s:f}", "name",
		    run->plan->endpoints[i].name, "requests", (json_int_t)ep->requests, "unavailable",
		    (json_int_t)eu, "availability", a));
		if (a < worst_a) {
			worst_a = a;
			worst = run->plan->endpoints[i].name;
		}
	}
	double a = 1.0 - (double)u / (double)n;
	const char *sev = a >= 0.999 ? SEV_GOOD : a >= 0.99 ? SEV_WARN : SEV_RED;
	json_t *num = json_pack("{s:I, s:I, s:f, s:o}", "requests", (json_int_t)n, "unavailable",
	    (json_int_t)u, "availability", a, "endpoints", eps);
	if (u > 0 && worst != NULL && json_array_size(eps) > 1)
		add(list, "availability", "availability", sev, num, "Availability %.3f%%: %llu of %llu "
		    "requests got a 5xx or no response; lowest on %s (%.3f%%).", 100 * a,
		    (unsigned long long)u, (unsigned long long)n, worst, 100 * worst_a);
	else
		add(list, "availability", "availability", sev, num, "Availability %.3f%%: %llu of %llu "
		    "requests got a 5xx or no response.", 100 * a, (unsigned long long)u,
		    (unsigned long long)n);
}

static void
distribution(json_t *list, const struct summary_run *run)
{
	const struct tick *w = run->whole;

	for (int i = 0; i < run->plan->ngroups && i < w->ngroups; i++) {
		const struct tick_group *g = &w->groups[i];
		uint64_t total = 0, max = 0, min = UINT64_MAX;
		int imax = 0;
		char id[80];
		json_t *shares;

		if (g->n < 2)
			continue;
		for (int k = 0; k < g->n; k++) {
			total += g->v[k].count;
			if (g->v[k].count > max) {
				max = g->v[k].count;
				imax = k;
			}
			if (g->v[k].count < min)
				min = g->v[k].count;
		}
		if (total == 0)
			continue;
		shares = json_object();    /* after the continues: a one-value group leaked it (ASan, 135) */
		for (int k = 0; k < g->n; k++) {
			char v[TICK_GROUP_VALUE_MAX + 1];
			memcpy(v, g->v[k].value, g->v[k].len);
			v[g->v[k].len] = '\0';
			json_t *valid = json_string(v);    /* NULL when not UTF-8 */
			json_object_set_new(shares, valid != NULL ? v : "(not UTF-8)",
			    json_real((double)g->v[k].count / (double)total));
			json_decref(valid);
		}
		char top[TICK_GROUP_VALUE_MAX + 1];
		memcpy(top, g->v[imax].value, g->v[imax].len);
		top[g->v[imax].len] = '\0';
		double even = 1.0 / g->n, share = (double)max / (double)total;
		double ratio = min > 0 ? (double)max / (double)min : INFINITY;
		bool uneven = share > 1.5 * even;
		snprintf(id, sizeof id, "distribution-%d", i + 1);
		json_t *num = json_pack("{s:s, s:i, s:I, s:o, s:f}", "group", run->plan->groups[i].name,
		    "values", g->n, "responses", (json_int_t)total, "shares", shares, "even_share", even);
		json_object_set_new(num, "max_min_ratio", isfinite(ratio) ? json_real(r2(ratio)) : json_null());
		if (uneven)
			add(list, id, "distribution", SEV_WARN, num, "%s: %s took %.0f%% of %d values' "
			    "responses, more than 1.5x its even share (%.0f%%); max/min %.2f.",
			    run->plan->groups[i].name, top, 100 * share, g->n, 100 * even, ratio);
		else
			add(list, id, "distribution", SEV_GOOD, num, "%s: %d values share the responses "
			    "evenly (largest %.0f%%, even %.0f%%; max/min %.2f).", run->plan->groups[i].name,
			    g->n, 100 * share, 100 * even, ratio);
	}
}

static void
generator(json_t *list, const struct summary_run *run)
{
	char why[512];
	enum summary_gen g;

	if (run->series == NULL || (g = summary_verdict(run->series, why, sizeof why)) == SUMMARY_GEN_OK)
		return;
	add(list, "generator", "generator", SEV_RED, json_pack("{s:s, s:I, s:I}", "verdict",
	    summary_gen_name(g), "bad_seconds", (json_int_t)run->series->bad_seconds, "judged_seconds",
	    (json_int_t)run->series->judged_seconds),
	    "%s: the findings above may describe the load generator, not the target.",
	    g == SUMMARY_GEN_SATURATED ? "The load generator was the bottleneck" :
	    "The host was busy with other work");
}

json_t *
findings_json(const struct findings_series *fs, const struct summary_run *run)
{
	json_t *list = json_array();

	if (fs != NULL && fs->n > 0) {
		capacity(list, fs, run->plan);
		spike(list, fs, run->plan);
		drift(list, fs, run->plan);
	}
	availability(list, run);
	distribution(list, run);
	generator(list, run);
	if (fs != NULL && fs->dropped > 0)
		add(list, "series-cut", "generator", SEV_WARN, json_pack("{s:I, s:I}", "kept_s",
		    (json_int_t)FINDINGS_MAX_SECONDS, "not_analysed_s", (json_int_t)fs->dropped),
		    "Only the first %d s were analysed for findings; %lld s after them were not.",
		    FINDINGS_MAX_SECONDS, (long long)fs->dropped);
	return list;
}

void
findings_print(FILE *f, const json_t *findings)
{
	size_t i;
	json_t *x;

	if (json_array_size(findings) == 0)
		return;
	fprintf(f, "\n  findings\n");
	json_array_foreach(findings, i, x)
		fprintf(f, "    [%s] %s\n", json_string_value(json_object_get(x, "severity")),
		    json_string_value(json_object_get(x, "sentence")));
}
