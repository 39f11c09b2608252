/*
 * tick: see tick.h. Plain counters and histograms; every array is sized at tick_new so recording,
 * resetting and merging never allocate. Runs on whichever thread owns the tick at the moment (a
 * worker while it records, the controller while it merges).
 */
#include <config.h>

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "metrics/hist.h"
#include "metrics/tick.h"
#include "testdef/plan.h"

static const char *const error_names[TICK_NERR] = {
	[TICK_ERR_NONE] = "none",
	[TICK_ERR_CONNECT] = "connect",
	[TICK_ERR_TIMEOUT] = "timeout",
	[TICK_ERR_RESET] = "reset",
	[TICK_ERR_DNS] = "dns",
	[TICK_ERR_TLS] = "tls",
	[TICK_ERR_TOO_LARGE] = "too_large",
	[TICK_ERR_BLOCKED] = "blocked",
	[TICK_ERR_OTHER] = "other",
};

const char *
tick_error_name(enum tick_error e)
{
	assert(e >= 0 && e < TICK_NERR);
	return error_names[e];
}

static const enum failure_kind error_kinds[TICK_NERR] = {
	[TICK_ERR_CONNECT] = FAILURE_REFUSED,
	[TICK_ERR_TIMEOUT] = FAILURE_TIMEOUT,
	[TICK_ERR_RESET] = FAILURE_RESET,
	[TICK_ERR_DNS] = FAILURE_DNS,
	[TICK_ERR_TLS] = FAILURE_TLS,
	[TICK_ERR_TOO_LARGE] = FAILURE_TOO_LARGE,
	[TICK_ERR_BLOCKED] = FAILURE_BLOCKED,
	[TICK_ERR_OTHER] = FAILURE_OTHER,
};

enum failure_kind
tick_error_failure_kind(enum tick_error e)
{
	assert(e > TICK_ERR_NONE && e < TICK_NERR);
	return error_kinds[e];
}

static void
endpoint_init(struct tick_endpoint *ep, int whole_run)
{
	memset(ep, 0, sizeof *ep);
	ep->duration = hist_new();
	ep->service = hist_new();
	if (whole_run)
		for (int p = 0; p < TICK_NPHASE; p++)
			ep->phase[p] = hist_new();
}

static void
endpoint_fini(struct tick_endpoint *ep)
{
	hist_free(ep->duration);
	hist_free(ep->service);
	for (int p = 0; p < TICK_NPHASE; p++)
		hist_free(ep->phase[p]);
}

/* Zeroes the counters of ep, keeping its histograms (which the caller resets or not). */
static void
endpoint_zero_counters(struct tick_endpoint *ep)
{
	ep->extract_failures = 0;
	ep->extract_truncated = 0;
	ep->requests = 0;
	ep->failed = 0;
	memset(ep->errors, 0, sizeof ep->errors);
	ep->failed_status = 0;
	memset(ep->status, 0, sizeof ep->status);
	ep->status_other = 0;
	ep->bytes_sent = 0;
	ep->bytes_received = 0;
	memset(ep->phase_sum_us, 0, sizeof ep->phase_sum_us);
}

static void
endpoint_reset(struct tick_endpoint *ep)
{
	endpoint_zero_counters(ep);
	hist_reset(ep->duration);
	hist_reset(ep->service);
	for (int p = 0; p < TICK_NPHASE; p++)
		if (ep->phase[p] != NULL)
			hist_reset(ep->phase[p]);
}

/* dst += src, counters and histograms; phase histograms only where both sides have them. */
static void
endpoint_merge(struct tick_endpoint *dst, const struct tick_endpoint *src)
{
	dst->requests += src->requests;
	dst->failed += src->failed;
	for (int i = 0; i < TICK_NERR; i++)
		dst->errors[i] += src->errors[i];
	dst->failed_status += src->failed_status;
	for (int i = 0; i < TICK_NSTATUS; i++)
		dst->status[i] += src->status[i];
	dst->status_other += src->status_other;
	dst->bytes_sent += src->bytes_sent;
	dst->bytes_received += src->bytes_received;
	dst->extract_failures += src->extract_failures;
	dst->extract_truncated += src->extract_truncated;
	for (int p = 0; p < TICK_NPHASE; p++)
		dst->phase_sum_us[p] += src->phase_sum_us[p];
	hist_merge(dst->duration, src->duration);
	hist_merge(dst->service, src->service);
	for (int p = 0; p < TICK_NPHASE; p++)
		if (dst->phase[p] != NULL && src->phase[p] != NULL)
			hist_merge(dst->phase[p], src->phase[p]);
}

void
tick_record(struct tick_endpoint *ep, struct hist *const *phase, const struct tick_sample *s)
{
	const int64_t *ph = s->phase_us;   /* read once: the calls below could alias *s */

	ep->requests++;
	ep->failed += s->failed;
	if (s->error != TICK_ERR_NONE) {
		/* no complete response: a kind, and no status class even if a status line came */
		ep->errors[s->error]++;
		ep->status[0]++;
	} else {
		if (s->status >= 100 && s->status < TICK_NSTATUS)
			ep->status[s->status]++;
		else
			ep->status_other++;
		ep->failed_status += s->failed && (s->status < 200 || s->status > 399);
	}
	ep->bytes_sent += s->bytes_sent;
	ep->bytes_received += s->bytes_received;
	for (int p = 0; p < TICK_NPHASE; p++) {
		int64_t us = ph[p] > 0 ? ph[p] : 0;
		ep->phase_sum_us[p] += us;
		if (phase != NULL)
			hist_record(phase[p], (uint64_t)us);
	}
	hist_record(ep->service, (uint64_t)(s->service_us > 0 ? s->service_us : 0));
	hist_record(ep->duration, (uint64_t)(s->duration_us > 0 ? s->duration_us : 0));
}

struct tick *
tick_new(const struct plan *plan, int whole_run)
{
	struct tick *t = xcalloc(1, sizeof *t);

	t->second = whole_run ? -1 : 0;
	t->nendpoints = plan->nendpoints;
	t->endpoints = xcalloc(plan->nendpoints > 0 ? (size_t)plan->nendpoints : 1, sizeof *t->endpoints);
	for (int i = 0; i < t->nendpoints; i++)
		endpoint_init(&t->endpoints[i], whole_run);
	endpoint_init(&t->total, whole_run);
	t->nseries = plan->nseries;        /* thresholds' sub-metric series */
	t->series = xcalloc(plan->nseries > 0 ? (size_t)plan->nseries : 1, sizeof *t->series);
	for (int i = 0; i < t->nseries; i++)
		endpoint_init(&t->series[i], 0);
	t->iteration_duration = hist_new();
	t->nchecks = plan->nchecks;
	t->checks = xcalloc(plan->nchecks > 0 ? (size_t)plan->nchecks : 1, sizeof *t->checks);
	t->ngroups = plan->ngroups;
	t->groups = xcalloc(plan->ngroups > 0 ? (size_t)plan->ngroups : 1, sizeof *t->groups);
	t->ngroups_dur = plan->nstep_groups;
	t->group_duration = xcalloc((size_t)plan->nstep_groups + 1, sizeof *t->group_duration);
	for (int i = 0; i < t->ngroups_dur; i++)
		t->group_duration[i] = hist_new();
	t->group_duration_all = plan->nstep_groups > 0 ? hist_new() : NULL;   /* none: no cost per second */
	t->ncustom = plan->nmetric_slots;
	t->custom = xcalloc(plan->nmetric_slots > 0 ? (size_t)plan->nmetric_slots : 1, sizeof *t->custom);
	for (int i = 0; i < t->ncustom; i++)
		if (plan->metrics[plan->metric_slots[i].metric].type == METRIC_TREND)
			t->custom[i].h = hist_new();
	t->nmonitors = plan->nmonitor_values;
	t->monitors = xcalloc((size_t)plan->nmonitor_values + 1, sizeof *t->monitors);
	t->failures = failures_new(plan->nendpoints);
	return t;
}

void
tick_free(struct tick *t)
{
	if (t == NULL)
		return;
	for (int i = 0; i < t->nendpoints; i++)
		endpoint_fini(&t->endpoints[i]);
	free(t->endpoints);
	endpoint_fini(&t->total);
	for (int i = 0; i < t->nseries; i++)
		endpoint_fini(&t->series[i]);
	free(t->series);
	hist_free(t->iteration_duration);
	free(t->checks);
	free(t->groups);
	for (int i = 0; i < t->ncustom; i++)
		hist_free(t->custom[i].h);
	free(t->custom);
	free(t->monitors);
	for (int i = 0; i < t->ngroups_dur; i++)
		hist_free(t->group_duration[i]);
	free(t->group_duration);
	hist_free(t->group_duration_all);
	failures_free(t->failures);
	free(t);
}

void
tick_reset(struct tick *t)
{
	for (int i = 0; i < t->nendpoints; i++)
		endpoint_reset(&t->endpoints[i]);
	endpoint_reset(&t->total);
	for (int i = 0; i < t->nseries; i++)
		endpoint_reset(&t->series[i]);
	t->iterations = 0;
	t->interrupted_iterations = 0;
	t->dropped_iterations = 0;
	t->late_starts = 0;
	hist_reset(t->iteration_duration);
	t->vus = 0;
	t->vus_max = 0;
	t->cpu_pct = 0;
	t->host_cpu_pct = 0;
	t->loop_lag_max_us = 0;
	t->loop_lag_over_10ms = 0;
	memset(t->checks, 0, (size_t)t->nchecks * sizeof *t->checks);
	for (int i = 0; i < t->ngroups; i++) {
		t->groups[i].n = 0;    /* the values' bytes need no clearing */
		t->groups[i].other = 0;
		t->groups[i].missing = 0;
	}
	for (int i = 0; i < t->ngroups_dur; i++)
		hist_reset(t->group_duration[i]);
	if (t->group_duration_all != NULL)
		hist_reset(t->group_duration_all);
	for (int i = 0; i < t->ncustom; i++) {
		struct hist *h = t->custom[i].h;
		if (h != NULL)
			hist_reset(h);
		t->custom[i] = (struct tick_custom){ .h = h };
	}
	memset(t->monitors, 0, (size_t)t->nmonitors * sizeof *t->monitors);
	failures_reset(t->failures);
}

static void
custom_merge(struct tick_custom *d, const struct tick_custom *s)
{
	if (s->n > 0) {
		if (d->n == 0 || s->min < d->min)
			d->min = s->min;
		if (d->n == 0 || s->max > d->max)
			d->max = s->max;
		if (d->n == 0 || s->last_ns >= d->last_ns) {
			d->last = s->last;
			d->last_ns = s->last_ns;
		}
	}
	d->n += s->n;
	d->sum += s->sum;
	d->nonzero += s->nonzero;
	d->missing += s->missing;
	if (d->h != NULL && s->h != NULL)
		hist_merge(d->h, s->h);
}

static void
monitor_merge(struct tick_monitor *d, const struct tick_monitor *s)
{
	if (s->n > 0) {
		if (d->n == 0 || s->min < d->min)
			d->min = s->min;
		if (d->n == 0 || s->max > d->max)
			d->max = s->max;
		if (d->n == 0 || s->last_second >= d->last_second) {
			d->last = s->last;
			d->last_second = s->last_second;
		}
		d->rate = s->rate;
	}
	d->n += s->n;
	d->sum += s->sum;
	d->scrapes += s->scrapes;
	d->gaps += s->gaps;
}

void
tick_monitor_set(struct tick_monitor *m, int64_t second, bool has_value, double v, bool rate,
    uint64_t scrapes, uint64_t gaps)
{
	*m = (struct tick_monitor){ .scrapes = scrapes, .gaps = gaps, .last_second = second };
	if (has_value) {
		m->n = 1;
		m->sum = m->min = m->max = m->last = v;
		m->rate = rate;
	}
}

void
tick_custom_add(struct tick_custom *c, int type, double v, int64_t now_ns)
{
	if (c->n == 0 || v < c->min)
		c->min = v;
	if (c->n == 0 || v > c->max)
		c->max = v;
	c->n++;
	c->sum += v;
	c->last = v;
	c->last_ns = now_ns;
	if (v != 0)
		c->nonzero++;
	if (type == METRIC_TREND && c->h != NULL)
		hist_record(c->h, v <= 0 ? 0 : v * 1000.0 >= (double)HIST_MAX_US ? HIST_MAX_US :
		    (uint64_t)llround(v * 1000.0));
}

void
tick_merge(struct tick *dst, const struct tick *src)
{
	assert(dst->nendpoints == src->nendpoints);
	for (int i = 0; i < dst->nendpoints; i++)
		endpoint_merge(&dst->endpoints[i], &src->endpoints[i]);
	endpoint_merge(&dst->total, &src->total);
	assert(dst->nseries == src->nseries);
	for (int i = 0; i < dst->nseries; i++)
		endpoint_merge(&dst->series[i], &src->series[i]);
	dst->iterations += src->iterations;
	dst->interrupted_iterations += src->interrupted_iterations;
	dst->dropped_iterations += src->dropped_iterations;
	dst->late_starts += src->late_starts;
	dst->loop_lag_over_10ms += src->loop_lag_over_10ms;
	hist_merge(dst->iteration_duration, src->iteration_duration);
	if (src->vus > dst->vus)
		dst->vus = src->vus;
	if (src->vus_max > dst->vus_max)
		dst->vus_max = src->vus_max;
	if (src->cpu_pct > dst->cpu_pct)
		dst->cpu_pct = src->cpu_pct;
	if (src->host_cpu_pct > dst->host_cpu_pct)
		dst->host_cpu_pct = src->host_cpu_pct;
	if (src->loop_lag_max_us > dst->loop_lag_max_us)
		dst->loop_lag_max_us = src->loop_lag_max_us;
	assert(dst->nchecks == src->nchecks && dst->ngroups == src->ngroups);
	for (int i = 0; i < dst->nchecks; i++) {
		dst->checks[i].passes += src->checks[i].passes;
		dst->checks[i].fails += src->checks[i].fails;
	}
	for (int i = 0; i < dst->ngroups; i++) {
		const struct tick_group *g = &src->groups[i];
		for (int k = 0; k < g->n; k++)
			tick_group_add(&dst->groups[i], g->v[k].value, g->v[k].len, g->v[k].count);
		dst->groups[i].other += g->other;
		dst->groups[i].missing += g->missing;
	}
	assert(dst->ngroups_dur == src->ngroups_dur);
	for (int i = 0; i < dst->ngroups_dur; i++)
		hist_merge(dst->group_duration[i], src->group_duration[i]);
	if (dst->group_duration_all != NULL && src->group_duration_all != NULL)
		hist_merge(dst->group_duration_all, src->group_duration_all);
	assert(dst->ncustom == src->ncustom);
	for (int i = 0; i < dst->ncustom; i++)
		custom_merge(&dst->custom[i], &src->custom[i]);
	assert(dst->nmonitors == src->nmonitors);
	for (int i = 0; i < dst->nmonitors; i++)
		monitor_merge(&dst->monitors[i], &src->monitors[i]);
	failures_merge(dst->failures, src->failures, src->second);
}

/* FNV-1a: cheap, and good enough to skip most byte comparisons. */
static uint32_t
hash_of(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

void
tick_group_add(struct tick_group *g, const char *s, size_t len, uint64_t count)
{
	uint32_t h;

	if (len > TICK_GROUP_VALUE_MAX)
		len = TICK_GROUP_VALUE_MAX;
	h = hash_of(s, len);
	for (int i = 0; i < g->n; i++) {
		struct tick_group_value *v = &g->v[i];
		if (v->hash == h && v->len == len && memcmp(v->value, s, len) == 0) {
			v->count += count;
			return;
		}
	}
	if (g->n == TICK_GROUP_MAX) {
		g->other += count;
		return;
	}
	g->v[g->n].hash = h;
	g->v[g->n].len = (uint8_t)len;
	memcpy(g->v[g->n].value, s, len);
	g->v[g->n].count = count;
	g->n++;
}

void
tick_sum_total(struct tick *t)
{
	endpoint_reset(&t->total);
	for (int i = 0; i < t->nendpoints; i++)
		endpoint_merge(&t->total, &t->endpoints[i]);
}

uint64_t
tick_unavailable(const struct tick_endpoint *ep)
{
	uint64_t u = 0;

	for (int e = TICK_ERR_NONE + 1; e < TICK_NERR; e++)
		u += ep->errors[e];
	for (int c = 500; c < 600; c++)
		u += ep->status[c];
	return u;
}
