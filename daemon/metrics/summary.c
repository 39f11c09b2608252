/*
 * summary: what both forms of the end-of-run summary share (see summary.h): trends in ms from the
 * histograms, the per-second series and the generator verdict, rates over the run, the checks'
 * totals and the groupBy order. The JSON document is summary_json.c, the text summary_text.c.
 *
 * Runs on the caller's thread after the run, except summary_series_add (see the header).
 */
#include <config.h>

#include <assert.h>
#include <string.h>

#include "metrics/hist.h"
#include "testdef/metric.h"
#include "metrics/summary.h"
#include "metrics/summary_priv.h"
#include "metrics/tick.h"
#include "testdef/plan.h"

/* Fills *out from a histogram of microseconds; NULL or empty gives all zeros. */
void
summary_trend_of(const struct hist *h, struct summary_trend *out)
{
	memset(out, 0, sizeof *out);
	if (h == NULL || hist_count(h) == 0)
		return;
	out->count = hist_count(h);
	out->avg = hist_mean(h) / 1000.0;
	out->min = (double)hist_min(h) / 1000.0;
	out->max = (double)hist_max(h) / 1000.0;
	out->med = (double)hist_percentile(h, 50.0) / 1000.0;
	out->p90 = (double)hist_percentile(h, 90.0) / 1000.0;
	out->p95 = (double)hist_percentile(h, 95.0) / 1000.0;
	out->p99 = (double)hist_percentile(h, 99.0) / 1000.0;
}

/* Starts an empty series. */
void
summary_series_init(struct summary_series *s, int workers)
{
	assert(workers >= 1);
	memset(s, 0, sizeof *s);
	s->workers = workers;
	s->host_cpu_max_pct = -1;
}

/* Adds one second's tick. */
void
summary_series_add(struct summary_series *s, const struct tick *t)
{
	bool cpu_bad, late_bad, lag_bad, host_busy;

	if (s->seconds == 0) {
		s->vus_min = s->vus_max = t->vus;
		s->vus_max_min = s->vus_max_max = t->vus_max;
	}
	s->seconds++;
	if (t->vus < s->vus_min)
		s->vus_min = t->vus;
	if (t->vus > s->vus_max)
		s->vus_max = t->vus;
	if (t->vus_max < s->vus_max_min)
		s->vus_max_min = t->vus_max;
	if (t->vus_max > s->vus_max_max)
		s->vus_max_max = t->vus_max;
	s->vus_last = t->vus;
	s->vus_max_last = t->vus_max;

	if (t->cpu_pct > s->cpu_max_pct)
		s->cpu_max_pct = t->cpu_pct;
	s->cpu_sum_pct += t->cpu_pct;
	if (t->host_cpu_pct > s->host_cpu_max_pct)
		s->host_cpu_max_pct = t->host_cpu_pct;
	if (s->seconds == 1)
		return;                    /* VU creation and connection set-up: not judged */
	s->judged_seconds++;
	if (t->loop_lag_max_us > s->lag_max_us)
		s->lag_max_us = t->loop_lag_max_us;
	s->late_starts += t->late_starts;

	cpu_bad = t->cpu_pct >= SUMMARY_CPU_SATURATED_PCT;
	late_bad = t->late_starts > 0 && 100.0 * (double)t->late_starts >=
	    SUMMARY_LATE_STARTS_PCT * (double)(t->iterations > t->late_starts ? t->iterations : t->late_starts);
	lag_bad = t->loop_lag_max_us > SUMMARY_LAG_LIMIT_US;
	/* late, but not by the workers' own doing: other processes held the cores */
	host_busy = (late_bad || lag_bad) && !cpu_bad && t->cpu_pct < SUMMARY_CPU_LOW_PCT &&
	    t->host_cpu_pct >= SUMMARY_HOST_BUSY_PCT;
	s->cpu_saturated_seconds += cpu_bad;
	s->late_seconds += late_bad;
	s->lag_seconds += lag_bad;
	s->host_busy_seconds += host_busy;
	s->bad_seconds += !host_busy && (cpu_bad || late_bad || lag_bad);
}

/* Share of the judged seconds when the generator was the bottleneck, in percent. */
double
summary_bad_pct(const struct summary_series *s)
{
	return s->judged_seconds > 0 ? 100.0 * (double)s->bad_seconds / (double)s->judged_seconds : 0.0;
}

const char *
summary_gen_name(enum summary_gen g)
{
	static const char *const names[] = {
		[SUMMARY_GEN_OK] = "ok",
		[SUMMARY_GEN_SATURATED] = "saturated",
		[SUMMARY_GEN_HOST_BUSY] = "host_busy",
	};
	assert(g >= 0 && g < (int)(sizeof names / sizeof names[0]));
	return names[g];
}

/* True when n of the judged seconds is a trend. */
static bool
sustained(const struct summary_series *s, int64_t n)
{
	return n >= SUMMARY_MIN_BAD_SECONDS &&
	    100.0 * (double)n >= SUMMARY_BAD_SECONDS_PCT * (double)s->judged_seconds;
}

/* Prints the host's CPU figure ("host cpu max 97%" or "host cpu unknown"). */
static void
host_figure(const struct summary_series *s, char *buf, size_t len)
{
	if (s->host_cpu_max_pct < 0)
		snprintf(buf, len, "host cpu unknown");
	else
		snprintf(buf, len, "host cpu max %.0f%%", s->host_cpu_max_pct);
}

/* Judges whether the load generator was the bottleneck. */
enum summary_gen
summary_verdict(const struct summary_series *s, char *buf, size_t len)
{
	char host[32];

	host_figure(s, host, sizeof host);
	if (sustained(s, s->bad_seconds)) {
		snprintf(buf, len, "WARNING: the load generator was the bottleneck in %lld of %lld s: "
		    "these numbers may describe Rampage, not the target (a worker's own cpu >= %.0f%% of "
		    "its core in %lld s, iterations started late in %lld s (%llu late), event loop > %d ms "
		    "late in %lld s; workers' cpu max %.0f%%, loop lag max %.1f ms, %s). Use fewer VUs per "
		    "worker, more workers or cores, or more daemons",
		    (long long)s->bad_seconds, (long long)s->judged_seconds, SUMMARY_CPU_SATURATED_PCT,
		    (long long)s->cpu_saturated_seconds, (long long)s->late_seconds,
		    (unsigned long long)s->late_starts, SUMMARY_LAG_LIMIT_US / 1000,
		    (long long)s->lag_seconds, s->cpu_max_pct, (double)s->lag_max_us / 1000.0, host);
		return SUMMARY_GEN_SATURATED;
	}
	if (sustained(s, s->host_busy_seconds)) {
		snprintf(buf, len, "WARNING: the host was busy in %lld of %lld s: other processes took the "
		    "cores, so sends may have gone out late (event loop > %d ms late or iterations started "
		    "late while the workers' own cpu was < %.0f%% and the host's >= %.0f%%; workers' cpu max "
		    "%.0f%%, loop lag max %.1f ms, %llu late starts, %s). Fewer VUs would not help: run on a "
		    "quieter host",
		    (long long)s->host_busy_seconds, (long long)s->judged_seconds, SUMMARY_LAG_LIMIT_US / 1000,
		    SUMMARY_CPU_LOW_PCT, SUMMARY_HOST_BUSY_PCT, s->cpu_max_pct,
		    (double)s->lag_max_us / 1000.0, (unsigned long long)s->late_starts, host);
		return SUMMARY_GEN_HOST_BUSY;
	}
	snprintf(buf, len, "generator: ok (workers' cpu max %.0f%%, loop lag max %.1f ms, %llu late "
	    "starts, %s; %lld s judged, the first second not)", s->cpu_max_pct,
	    (double)s->lag_max_us / 1000.0, (unsigned long long)s->late_starts, host,
	    (long long)s->judged_seconds);
	return SUMMARY_GEN_OK;
}

/* True when a scenario uses an arrival-rate executor. */
bool
summary_open_model(const struct plan *plan)
{
	for (int i = 0; i < plan->nscenarios; i++) {
		enum plan_executor e = plan->scenarios[i].executor;
		if (e == PLAN_CONSTANT_ARRIVAL_RATE || e == PLAN_RAMPING_ARRIVAL_RATE)
			return true;
	}
	return false;
}

/* Turns a count into a rate per second of the run. */
double
summary_per_second(double n, int64_t duration_ns)
{
	return duration_ns > 0 ? n * 1e9 / (double)duration_ns : 0.0;
}

/* Passes and fails over every check. */
void
summary_checks_total(const struct tick *w, uint64_t *passes, uint64_t *fails)
{
	*passes = *fails = 0;
	for (int i = 0; i < w->nchecks; i++) {
		*passes += w->checks[i].passes;
		*fails += w->checks[i].fails;
	}
}

/* The entries of g by count, largest first (ties: first seen first); returns the total. */
uint64_t
summary_group_order(const struct tick_group *g, int order[TICK_GROUP_MAX])
{
	uint64_t total = g->other + g->missing;

	for (int k = 0; k < g->n; k++) {
		int j = k;
		while (j > 0 && g->v[order[j - 1]].count < g->v[k].count) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = k;
		total += g->v[k].count;
	}
	return total;
}

void
summary_value_of_endpoint(const struct tick_endpoint *ep, enum metric_id id, struct summary_value *v)
{
	const struct metric *m = metric_get(id);

	assert(m->per_request);
	memset(v, 0, sizeof *v);
	switch (id) {
	case METRIC_HTTP_REQS: v->count = ep->requests; break;
	case METRIC_HTTP_REQ_FAILED: v->count = ep->failed; v->total = ep->requests; break;
	case METRIC_HTTP_REQ_DURATION: v->h = ep->duration; break;
	case METRIC_DATA_SENT: v->count = ep->bytes_sent; break;
	case METRIC_DATA_RECEIVED: v->count = ep->bytes_received; break;
	default:
		assert(m->phase >= 0);
		v->h = ep->phase[m->phase];
		v->mean_us = ep->requests > 0 ? (double)ep->phase_sum_us[m->phase] / (double)ep->requests : 0.0;
		break;
	}
}

void
summary_value_of(const struct summary_run *run, enum metric_id id, struct summary_value *v)
{
	const struct tick *w = run->whole;
	const struct summary_series *s = run->series;
	bool per_second = s->seconds > 0;  /* a run shorter than a second has only the whole-run gauges */

	if (metric_get(id)->per_request) {
		summary_value_of_endpoint(&w->total, id, v);
		return;
	}
	memset(v, 0, sizeof *v);
	switch (id) {
	case METRIC_ITERATIONS: v->count = w->iterations; break;
	case METRIC_ITERATION_DURATION: v->h = w->iteration_duration; break;
	case METRIC_GROUP_DURATION: v->h = w->group_duration_all; break;
	case METRIC_DROPPED_ITERATIONS: v->count = w->dropped_iterations; break;
	case METRIC_VUS:
		v->value = per_second ? s->vus_last : w->vus;
		v->min = per_second ? s->vus_min : w->vus;
		v->max = per_second ? s->vus_max : w->vus;
		break;
	case METRIC_VUS_MAX:
		v->value = w->vus_max;
		v->min = per_second ? s->vus_max_min : w->vus_max;
		v->max = per_second && s->vus_max_max > w->vus_max ? s->vus_max_max : w->vus_max;
		break;
	case METRIC_CHECKS:
		summary_checks_total(w, &v->count, &v->total);
		v->total += v->count;
		break;
	default:
		assert(!"every metric has its values");
	}
}
