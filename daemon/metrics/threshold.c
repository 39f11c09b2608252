/*
 * threshold: see threshold.h. Parsing is testdef's (testdef/threshold_plan.c); this file records
 * into the tagged series and judges.
 *
 * Values are read from the same ticks the summary is built from, so a threshold and the summary
 * line beside it always agree: percentiles are hist_percentile's (HdrHistogram semantics, within
 * 0.4%), not k6's linear interpolation.
 *
 * Windows: each windowed threshold keeps a ring of its last W seconds. Counters and rates keep a
 * numerator and denominator per second plus running sums (subtracting the second that leaves is
 * exact). Trends keep a running merged histogram plus each second's histogram encoded as a blob
 * (hundreds of bytes; ~1.5 KB at 10,000 requests/s with a wide spread, so an hour-long window takes
 * a few MB, not 3600 x 26 KB); a leaving second is decoded into a scratch histogram and subtracted
 * (hist_subtract). Per second that is one encode and one decode, each in proportion to the second's
 * range of values, whatever W is (measured: 25-35 µs). The window's min and max are
 * exact: each second's are kept beside the blob and scanned (W integers).
 *
 * A threshold_set runs on one thread at a time; threshold_record on a worker thread.
 */
#include <config.h>

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "metrics/hist.h"
#include "metrics/threshold.h"
#include "metrics/tick.h"
#include "testdef/metric.h"
#include "testdef/plan.h"
#include "testdef/threshold_plan.h"

/* testdef cannot include tick.h: a status tag must be a status the ticks count, and the metric
   table numbers the timing phases as the ticks do (test_threshold checks their names). */
_Static_assert(THRESHOLD_NSTATUS <= TICK_NSTATUS, "status tags beyond the ticks' statuses");
_Static_assert(TICK_PHASE_BLOCKED == 0 && TICK_PHASE_CONNECTING == 1 && TICK_PHASE_TLS == 2 &&
    TICK_PHASE_SENDING == 3 && TICK_PHASE_WAITING == 4 && TICK_PHASE_RECEIVING == 5 &&
    TICK_NPHASE == METRIC_NPHASE,
    "testdef/metric.h numbers the timing phases as enum tick_phase");

/* ---- recording (worker thread, per request) */

void
threshold_record(struct tick *t, const struct plan_step *st, const struct tick_sample *s)
{
	for (int i = 0; i < st->nseries; i++) {
		const struct threshold_series_ref *ref = &st->series[i];

		if ((ref->status >= 0 && ref->status != s->status) ||
		    (ref->expected >= 0 && ref->expected == (int)s->failed))
			continue;
		assert(ref->series < t->nseries);
		tick_record(&t->series[ref->series], NULL, s);
	}
}

/* ---- evaluation */

/* A windowed threshold's last W seconds. */
struct window {
	int64_t w;                 /* seconds */
	int64_t n;                 /* seconds pushed so far */
	uint64_t *num, *den;       /* [w]: counters (num), rates and phase means (num / den) */
	uint64_t sum_num, sum_den;
	int *g;                    /* [w]: gauges */
	struct hist *run;          /* trends: the window's samples */
	unsigned char **blob;      /* [w]: each second's histogram, encoded */
	size_t *blen, *bcap;
	uint64_t *mn, *mx;         /* [w]: each second's exact min and max (mn UINT64_MAX: empty) */
};

struct tstate {
	struct window *win;        /* windowed thresholds */
	bool judged;               /* a value was judged */
	bool ok;
	bool window_failed;        /* a window broke it (sticky) */
	bool aborted;              /* stopped the run (sticky failure) */
	bool final;
	double value;
	int64_t start;             /* window start of value, -1 */
	bool have_base;            /* relative: the baseline's value is known */
	double base;               /* relative: the baseline's value (ms for times) */
	bool skipped;              /* relative: judged without a baseline (not required): skipped */
	double *vals;              /* a monitored value's p(N) or med: each second's value, judged at
	                              the end (at most MONITOR_MAX_SECONDS) */
	int64_t nvals, capvals;
};

#define MONITOR_MAX_SECONDS (48 * 3600)    /* 1.4 MB per such threshold */

/* Whether d is a percentile of a monitored value (kept per second, judged at the end). */
static bool
monitor_pct(const struct threshold_def *d)
{
	return d->monitor >= 0 && (d->expr.agg == THRESHOLD_PCT || d->expr.agg == THRESHOLD_MED);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The p-th percentile (nearest rank) of st's values; false when there are none. */
static bool
vals_percentile(struct tstate *st, double p, double *out)
{
	int64_t k;

	if (st->nvals == 0)
		return false;
	qsort(st->vals, (size_t)st->nvals, sizeof *st->vals, cmp_double);
	k = (int64_t)ceil(p / 100.0 * (double)st->nvals) - 1;
	*out = st->vals[k < 0 ? 0 : k >= st->nvals ? st->nvals - 1 : k];
	return true;
}

struct gauge_track {
	bool have;
	int last, min, max;
};

struct threshold_set {
	const struct plan *plan;
	const struct threshold_plan *tp;
	struct tstate *st;
	int n;
	int64_t next;              /* the next second expected */
	struct gauge_track vus, vus_max;
	struct hist *scratch, *empty;
	bool aborted;
};

/* The numbers one threshold reads from a tick, or from a window. */
struct input {
	uint64_t count;            /* counters */
	double span_s;             /* seconds the count covers (counter rate) */
	uint64_t num, den;         /* rates; phase means (µs sums / requests) */
	const struct hist *h;      /* trends (NULL: only num/den) */
	bool exact;                /* min_us/max_us below are exact (windows) */
	uint64_t min_us, max_us;
	struct gauge_track g;      /* gauges */
	const struct tick_custom *cust;    /* a custom metric's series in a tick (NULL: a window) */
	const struct tick_monitor *mon;    /* a monitored value in a tick */
};

/* The type of d's metric, built-in or custom. */
static enum metric_type
type_of(const struct threshold_def *d)
{
	if (d->monitor >= 0)
		return METRIC_GAUGE;
	return d->custom >= 0 ? d->custom_type : metric_get(d->metric)->type;
}

/* The timing phase of d's metric, or -1 (custom metrics have none). */
static int
phase_of(const struct threshold_def *d)
{
	return d->custom >= 0 || d->monitor >= 0 ? -1 : metric_get(d->metric)->phase;
}

static const struct tick_endpoint *
ep_of(const struct threshold_def *d, const struct tick *t)
{
	if (d->endpoint >= 0)
		return d->endpoint < t->nendpoints ? &t->endpoints[d->endpoint] : NULL;
	if (d->series >= 0)
		return d->series < t->nseries ? &t->series[d->series] : NULL;
	return &t->total;
}

/* Fills in from one tick (a second or the whole run); gauges come from the caller. */
static void
input_of(const struct plan *plan, const struct threshold_def *d, const struct tick *t, struct input *in)
{
	const struct metric *m;
	const struct tick_endpoint *ep;

	memset(in, 0, sizeof *in);
	if (d->monitor >= 0) {
		if (d->monitor < t->nmonitors)
			in->mon = &t->monitors[d->monitor];
		return;
	}
	if (d->custom >= 0) {
		if (d->custom < t->ncustom) {
			in->cust = &t->custom[d->custom];
			in->num = in->cust->nonzero;
			in->den = in->cust->n;
			in->h = in->cust->h;
		}
		return;
	}
	m = metric_get(d->metric);
	ep = ep_of(d, t);
	if (ep == NULL)
		return;
	switch (d->metric) {
	case METRIC_HTTP_REQS: in->count = ep->requests; break;
	case METRIC_DATA_SENT: in->count = ep->bytes_sent; break;
	case METRIC_DATA_RECEIVED: in->count = ep->bytes_received; break;
	case METRIC_ITERATIONS: in->count = t->iterations; break;
	case METRIC_DROPPED_ITERATIONS: in->count = t->dropped_iterations; break;
	case METRIC_HTTP_REQ_FAILED: in->num = ep->failed; in->den = ep->requests; break;
	case METRIC_AVAILABILITY: in->num = ep->requests - tick_unavailable(ep); in->den = ep->requests; break;
	case METRIC_CHECKS:
		for (int i = 0; i < t->nchecks; i++) {
			/* checks{check:NAME}: every check of that name, in whichever group (k6's tag) */
			if (d->check >= 0 && i != d->check && (i >= plan->nchecks ||
			    strcmp(plan->check_names[i], plan->check_names[d->check]) != 0))
				continue;
			in->num += t->checks[i].passes;
			in->den += t->checks[i].passes + t->checks[i].fails;
		}
		break;
	case METRIC_HTTP_REQ_DURATION: in->h = ep->duration; break;
	case METRIC_ITERATION_DURATION: in->h = t->iteration_duration; break;
	case METRIC_GROUP_DURATION:
		in->h = d->step_group < 0 ? t->group_duration_all :
		    d->step_group < t->ngroups_dur ? t->group_duration[d->step_group] : NULL;
		break;
	default:
		if (m->phase >= 0) {
			in->h = ep->phase[m->phase];
			in->num = (uint64_t)(ep->phase_sum_us[m->phase] > 0 ? ep->phase_sum_us[m->phase] : 0);
			in->den = ep->requests;
		}
		break;
	}
}

/* value_of for a custom metric: values as recorded (a trend's histogram holds thousandths). */
static bool
custom_value_of(const struct threshold_def *d, const struct input *in, double *out)
{
	const struct threshold_expr *e = &d->expr;
	const struct tick_custom *c = in->cust;
	double count;

	switch (d->custom_type) {
	case METRIC_COUNTER:
		count = c != NULL ? c->sum : 0.0;
		*out = e->agg == THRESHOLD_COUNT ? count : in->span_s > 0 ? count / in->span_s : 0.0;
		return true;
	case METRIC_RATE:
		if (in->den == 0)
			return false;
		*out = (double)in->num / (double)in->den;
		return true;
	case METRIC_GAUGE:
		if (c == NULL || c->n == 0)
			return false;
		*out = e->agg == THRESHOLD_MIN ? c->min : e->agg == THRESHOLD_MAX ? c->max : c->last;
		return true;
	case METRIC_TREND:
		break;
	}
	if (c != NULL) {           /* a tick: count, sum, min and max are exact */
		if (c->n == 0)
			return false;
		if (e->agg == THRESHOLD_AVG || e->agg == THRESHOLD_MIN || e->agg == THRESHOLD_MAX) {
			*out = e->agg == THRESHOLD_AVG ? c->sum / (double)c->n :
			    e->agg == THRESHOLD_MIN ? c->min : c->max;
			return true;
		}
	} else if (in->h == NULL || hist_count(in->h) == 0) {
		return false;
	}
	switch (e->agg) {
	case THRESHOLD_AVG: *out = hist_mean(in->h); break;
	case THRESHOLD_MIN: *out = (double)(in->exact ? in->min_us : hist_min(in->h)); break;
	case THRESHOLD_MAX: *out = (double)(in->exact ? in->max_us : hist_max(in->h)); break;
	case THRESHOLD_MED: *out = (double)hist_percentile(in->h, 50.0); break;
	case THRESHOLD_PCT: *out = (double)hist_percentile(in->h, e->pct); break;
	default: assert(!"aggregation checked at parse time"); return false;
	}
	*out /= 1000.0;
	return true;
}

/* The observed value of d on in. False when there are no samples (not judged, as in k6). */
static bool
value_of(const struct threshold_def *d, const struct input *in, double *out)
{
	const struct metric *m;
	const struct threshold_expr *e = &d->expr;

	if (d->monitor >= 0) {
		const struct tick_monitor *mo = in->mon;
		if (mo == NULL || mo->n == 0)
			return false;
		*out = e->agg == THRESHOLD_MIN ? mo->min : e->agg == THRESHOLD_MAX ? mo->max :
		    e->agg == THRESHOLD_AVG ? mo->sum / (double)mo->n : mo->last;
		return true;
	}
	if (d->custom >= 0)
		return custom_value_of(d, in, out);
	m = metric_get(d->metric);

	switch (m->type) {
	case METRIC_COUNTER:
		*out = e->agg == THRESHOLD_COUNT ? (double)in->count :
		    in->span_s > 0 ? (double)in->count / in->span_s : 0.0;
		return true;
	case METRIC_RATE:
		if (in->den == 0)
			return false;
		*out = (double)in->num / (double)in->den;
		return true;
	case METRIC_GAUGE:
		if (!in->g.have)
			return false;
		*out = e->agg == THRESHOLD_MIN ? in->g.min : e->agg == THRESHOLD_MAX ? in->g.max : in->g.last;
		return true;
	case METRIC_TREND:
		break;
	}
	if (m->phase >= 0 && e->agg == THRESHOLD_AVG) {
		if (in->den == 0)
			return false;
		*out = (double)in->num / (double)in->den / 1000.0;
		return true;
	}
	if (in->h == NULL || hist_count(in->h) == 0)
		return false;
	switch (e->agg) {
	case THRESHOLD_AVG: *out = hist_mean(in->h); break;
	case THRESHOLD_MIN: *out = (double)(in->exact ? in->min_us : hist_min(in->h)); break;
	case THRESHOLD_MAX: *out = (double)(in->exact ? in->max_us : hist_max(in->h)); break;
	case THRESHOLD_MED: *out = (double)hist_percentile(in->h, 50.0); break;
	case THRESHOLD_PCT: *out = (double)hist_percentile(in->h, e->pct); break;
	default: assert(!"aggregation checked at parse time"); return false;
	}
	*out /= 1000.0;
	return true;
}

static bool
compare(double v, enum threshold_op op, double x)
{
	switch (op) {
	case THRESHOLD_LT: return v < x;
	case THRESHOLD_LE: return v <= x;
	case THRESHOLD_GT: return v > x;
	case THRESHOLD_GE: return v >= x;
	case THRESHOLD_EQ: return v == x;
	case THRESHOLD_NE: return v != x;
	}
	return false;
}

/* True when a is further from passing than b (the worst window is the one to show). */
static bool
worse(double a, double b, enum threshold_op op)
{
	switch (op) {
	case THRESHOLD_LT: case THRESHOLD_LE: return a > b;
	case THRESHOLD_GT: case THRESHOLD_GE: return a < b;
	default: return false;
	}
}

static struct window *
window_new(const struct threshold_def *d)
{
	struct window *w = xcalloc(1, sizeof *w);
	size_t n = (size_t)d->expr.window_s;

	w->w = d->expr.window_s;
	if (type_of(d) == METRIC_GAUGE) {
		w->g = xcalloc(n, sizeof *w->g);
	} else if (type_of(d) == METRIC_TREND && phase_of(d) < 0) {
		w->run = hist_new();
		w->blob = xcalloc(n, sizeof *w->blob);
		w->blen = xcalloc(n, sizeof *w->blen);
		w->bcap = xcalloc(n, sizeof *w->bcap);
		w->mn = xcalloc(n, sizeof *w->mn);
		w->mx = xcalloc(n, sizeof *w->mx);
	} else {
		w->num = xcalloc(n, sizeof *w->num);
		w->den = xcalloc(n, sizeof *w->den);
	}
	return w;
}

static void
window_free(struct window *w)
{
	if (w == NULL)
		return;
	free(w->num);
	free(w->den);
	free(w->g);
	hist_free(w->run);
	if (w->blob != NULL)
		for (int64_t i = 0; i < w->w; i++)
			free(w->blob[i]);
	free(w->blob);
	free(w->blen);
	free(w->bcap);
	free(w->mn);
	free(w->mx);
	free(w);
}

/* Adds one second (in: that second's numbers; g: its gauges) to the window, dropping the oldest. */
static void
window_push(struct threshold_set *s, const struct threshold_def *d, struct window *w, const struct input *in,
    const struct gauge_track *g)
{
	int64_t slot = w->n % w->w;
	bool full = w->n >= w->w;

	if (w->g != NULL) {
		w->g[slot] = g->have ? g->last : 0;
	} else if (w->run != NULL) {
		const struct hist *h = in->h != NULL ? in->h : s->empty;
		size_t need;

		if (full && w->blen[slot] > 0 && hist_count(w->run) > 0) {
			int rc = hist_decode(s->scratch, w->blob[slot], w->blen[slot], NULL);
			assert(rc == 0);
			(void)rc;
			hist_subtract(w->run, s->scratch);
		}
		need = hist_encode(h, NULL, 0);
		if (need > w->bcap[slot]) {
			w->blob[slot] = xrealloc(w->blob[slot], need);
			w->bcap[slot] = need;
		}
		w->blen[slot] = hist_encode(h, w->blob[slot], w->bcap[slot]);
		hist_merge(w->run, h);
		w->mn[slot] = hist_count(h) > 0 ? hist_min(h) : UINT64_MAX;
		w->mx[slot] = hist_count(h) > 0 ? hist_max(h) : 0;
	} else {
		uint64_t num = type_of(d) == METRIC_COUNTER ? in->count : in->num;
		if (full) {
			w->sum_num -= w->num[slot];
			w->sum_den -= w->den[slot];
		}
		w->num[slot] = num;
		w->den[slot] = in->den;
		w->sum_num += num;
		w->sum_den += in->den;
	}
	w->n++;
}

/* The numbers of a complete window. */
static void
window_input(const struct window *w, struct input *in)
{
	memset(in, 0, sizeof *in);
	if (w->g != NULL) {
		in->g.have = true;
		in->g.last = in->g.min = in->g.max = w->g[(w->n - 1) % w->w];
		for (int64_t i = 0; i < w->w; i++) {
			if (w->g[i] < in->g.min)
				in->g.min = w->g[i];
			if (w->g[i] > in->g.max)
				in->g.max = w->g[i];
		}
	} else if (w->run != NULL) {
		in->h = w->run;
		in->exact = true;
		in->min_us = UINT64_MAX;
		for (int64_t i = 0; i < w->w; i++) {
			if (w->mn[i] < in->min_us)
				in->min_us = w->mn[i];
			if (w->mx[i] > in->max_us)
				in->max_us = w->mx[i];
		}
	} else {
		in->count = in->num = w->sum_num;
		in->den = w->sum_den;
		in->span_s = (double)w->w;
	}
}

struct threshold_set *
threshold_set_new(const struct plan *plan)
{
	struct threshold_set *s = xcalloc(1, sizeof *s);

	s->plan = plan;
	s->tp = plan->thresholds;
	s->n = s->tp != NULL ? s->tp->n : 0;
	s->st = xcalloc(s->n > 0 ? (size_t)s->n : 1, sizeof *s->st);
	for (int i = 0; i < s->n; i++) {
		s->st[i].ok = true;
		s->st[i].start = -1;
		if (s->tp->v[i].expr.window_s > 0)
			s->st[i].win = window_new(&s->tp->v[i]);
	}
	s->scratch = hist_new();
	s->empty = hist_new();
	return s;
}

void
threshold_set_free(struct threshold_set *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < s->n; i++)
		window_free(s->st[i].win);
	for (int i = 0; i < s->n; i++)
		free(s->st[i].vals);
	free(s->st);
	hist_free(s->scratch);
	hist_free(s->empty);
	free(s);
}

static void
gauge_add(struct gauge_track *g, int v)
{
	if (!g->have) {
		g->have = true;
		g->min = g->max = v;
	}
	if (v < g->min)
		g->min = v;
	if (v > g->max)
		g->max = v;
	g->last = v;
}

/* The gauges of d's metric, tracked over the seconds. */
static const struct gauge_track *
gauges_of(const struct threshold_set *s, const struct threshold_def *d)
{
	return d->metric == METRIC_VUS_MAX ? &s->vus_max : &s->vus;
}

/* Records a window's verdict: the first failing window stays; while passing, the worst one. */
static bool
judge_window(struct tstate *st, const struct threshold_def *d, double v, int64_t start)
{
	bool pass = compare(v, d->expr.op, d->expr.value);

	if (!pass) {
		if (!st->window_failed) {
			st->window_failed = true;
			st->value = v;
			st->start = start;
		}
		st->ok = false;
	} else if (!st->window_failed && (!st->judged || worse(v, st->value, d->expr.op))) {
		st->value = v;
		st->start = start;
	}
	st->judged = true;
	return pass;
}

/* Pushes one second (t; NULL: an empty one) into every window and judges the complete ones.
   Returns true when an abort became due. */
static bool
add_second(struct threshold_set *s, int64_t sec, const struct tick *t, const struct tick *whole)
{
	struct gauge_track g = { 0 };
	bool abort = false;

	if (t != NULL) {
		gauge_add(&s->vus, t->vus);
		gauge_add(&s->vus_max, t->vus_max);
	}
	for (int i = 0; i < s->n; i++) {
		const struct threshold_def *d = &s->tp->v[i];
		struct tstate *st = &s->st[i];
		struct input in;
		double v;
		bool pass = true, judged = false;

		if (monitor_pct(d)) {
			const struct tick_monitor *mo = t != NULL && d->monitor < t->nmonitors ?
			    &t->monitors[d->monitor] : NULL;
			if (mo != NULL && mo->n > 0 && st->nvals < MONITOR_MAX_SECONDS) {
				if (st->nvals == st->capvals) {
					st->capvals = st->capvals ? st->capvals * 2 : 64;
					st->vals = xreallocarray(st->vals, (size_t)st->capvals, sizeof *st->vals);
				}
				st->vals[st->nvals++] = mo->last;
			}
			continue;      /* judged at the end */
		}
		if (st->win != NULL) {
			if (t != NULL) {
				input_of(s->plan, d, t, &in);
				g.have = true;
				g.last = d->metric == METRIC_VUS_MAX ? t->vus_max : t->vus;
			} else {
				memset(&in, 0, sizeof in);
				g.have = false;
			}
			window_push(s, d, st->win, &in, &g);
			if (st->win->n >= st->win->w) {
				window_input(st->win, &in);
				if (value_of(d, &in, &v)) {
					pass = judge_window(st, d, v, sec - st->win->w + 1);
					judged = true;
				}
			}
		} else if (whole != NULL && !st->aborted && !d->expr.relative) {
			input_of(s->plan, d, whole, &in);
			in.span_s = (double)(sec + 1);
			in.g = *gauges_of(s, d);
			/* Phase histograms of the whole run are filled when it ends: only their mean is
			   known before (parsing allows nothing else live with abortOnFail). */
			if (phase_of(d) >= 0 && d->expr.agg != THRESHOLD_AVG)
				continue;
			if (value_of(d, &in, &v)) {
				pass = compare(v, d->expr.op, d->expr.value);
				st->judged = judged = true;
				st->value = v;
				st->ok = pass;
			}
		}
		if (judged && !pass && d->abort_on_fail && !s->aborted &&
		    (sec + 1) * CLOCK_NS_PER_S > d->delay_abort_ns) {
			s->aborted = st->aborted = abort = true;
			st->ok = false;
		}
	}
	return abort;
}

bool
threshold_tick(struct threshold_set *s, const struct tick *second, const struct tick *whole)
{
	bool abort = false;

	if (second->second < s->next)
		return false;
	while (s->next < second->second)
		abort |= add_second(s, s->next++, NULL, NULL);
	abort |= add_second(s, s->next++, second, whole);
	return abort;
}

void
threshold_final(struct threshold_set *s, const struct tick *whole, int64_t duration_ns)
{
	for (int i = 0; i < s->n; i++) {
		const struct threshold_def *d = &s->tp->v[i];
		struct tstate *st = &s->st[i];
		struct gauge_track g = *gauges_of(s, d);
		struct input in;
		double v;

		st->final = true;
		if (st->win != NULL && st->win->n >= st->win->w) {
			st->ok = !st->window_failed && !st->aborted;
			continue;
		}
		/* Whole-run thresholds, and windows longer than the run: the run is the one window. */
		if (!g.have) {         /* shorter than a second: no per-second ticks */
			g.have = true;
			g.last = g.min = g.max = d->metric == METRIC_VUS_MAX ? whole->vus_max : whole->vus;
		}
		input_of(s->plan, d, whole, &in);
		in.span_s = (double)duration_ns / 1e9;
		in.g = g;
		if (d->expr.relative) {
			/* against the baseline's value; without one: skipped, or failed if required */
			st->judged = value_of(d, &in, &v);
			st->value = st->judged ? v : 0;
			st->start = -1;
			st->skipped = !st->have_base;
			if (!st->have_base)
				st->ok = !d->baseline_required;
			else
				st->ok = !st->judged || compare(v, d->expr.op, st->base * d->expr.value);
			continue;
		}
		if (monitor_pct(d) ? vals_percentile(st, d->expr.agg == THRESHOLD_MED ? 50.0 : d->expr.pct, &v) :
		    value_of(d, &in, &v)) {
			st->judged = true;
			st->value = v;
			st->start = st->win != NULL ? 0 : -1;
			st->ok = compare(v, d->expr.op, d->expr.value) && !st->aborted;
		} else {
			st->judged = false;
			st->ok = !st->aborted;
		}
	}
}

int
threshold_set_baselines(struct threshold_set *s, json_t *summary)
{
	json_t *metrics = json_object_get(summary, "metrics");
	int n = 0;

	for (int i = 0; i < s->n; i++) {
		const struct threshold_def *d = &s->tp->v[i];
		json_t *m, *v;
		char agg[32];
		if (!d->expr.relative)
			continue;
		threshold_agg_name(d->expr.agg, d->expr.pct, agg, sizeof agg);
		m = json_object_get(metrics, d->key);
		if (json_is_object(json_object_get(m, "values")))
			v = json_object_get(json_object_get(m, "values"), agg);
		else if (strcmp(agg, "rate") == 0 && json_object_get(m, "passes") != NULL)
			v = json_object_get(m, "value");   /* k6's file: a rate metric's rate */
		else
			v = json_object_get(m, agg);       /* k6's file: values at the top */
		if (json_is_number(v)) {
			s->st[i].have_base = true;
			s->st[i].base = json_number_value(v);
			n++;
		}
	}
	return n;
}

bool
threshold_has_relative(const struct threshold_set *s)
{
	for (int i = 0; i < s->n; i++)
		if (s->tp->v[i].expr.relative)
			return true;
	return false;
}

bool
threshold_passed(const struct threshold_set *s)
{
	for (int i = 0; i < s->n; i++)
		if (!s->st[i].ok)
			return false;
	return true;
}

bool
threshold_aborted(const struct threshold_set *s)
{
	return s->aborted;
}

int
threshold_count(const struct threshold_set *s)
{
	return s->n;
}

void
threshold_get(const struct threshold_set *s, int i, struct threshold_result *out)
{
	const struct threshold_def *d;
	const struct tstate *st;
	const struct metric *m;

	assert(i >= 0 && i < s->n);
	d = &s->tp->v[i];
	st = &s->st[i];
	memset(out, 0, sizeof *out);
	out->metric = d->key;
	if (d->monitor >= 0) {
		out->base = d->key;
		out->type = "gauge";
		out->contains = "default";
	} else if (d->custom >= 0) {
		const struct plan_metric *pm = &s->plan->metrics[s->plan->metric_slots[d->custom].metric];
		out->base = pm->name;
		out->type = metric_type_name(pm->type);
		out->contains = pm->is_time ? "time" : "default";
	} else {
		m = metric_get(d->metric);
		out->base = m->name;
		out->type = metric_type_name(m->type);
		out->contains = m->contains;
	}
	out->source = d->source;
	threshold_agg_name(d->expr.agg, d->expr.pct, out->agg, sizeof out->agg);
	out->ok = st->ok;
	out->judged = st->judged;
	out->value = st->judged ? st->value : 0.0;
	out->window_s = d->expr.window_s;
	out->window_start = st->judged ? st->start : -1;
	out->abort_on_fail = d->abort_on_fail;
	out->aborted = st->aborted;
	out->final = st->final;
	out->check = d->check;
	out->step_group = d->step_group;
	out->custom = d->custom;
}

const struct tick_endpoint *
threshold_sub_endpoint(const struct threshold_set *s, int i, const struct tick *t)
{
	const struct threshold_def *d;

	assert(i >= 0 && i < s->n);
	d = &s->tp->v[i];
	if (d->endpoint < 0 && d->series < 0)
		return NULL;
	return ep_of(d, t);
}

json_t *
threshold_results_json(const struct threshold_set *s)
{
	json_t *a = json_array();

	for (int i = 0; i < s->n; i++) {
		struct threshold_result r;
		json_t *o = json_object();

		threshold_get(s, i, &r);
		json_object_set_new(o, "metric", json_string(r.metric));
		json_object_set_new(o, "source", json_string(r.source));
		json_object_set_new(o, "ok", json_boolean(r.ok));
		json_object_set_new(o, "value", r.judged ? json_real(r.value) : json_null());
		json_object_set_new(o, "aggregation", json_string(r.agg));
		if (r.window_s > 0)
			json_object_set_new(o, "window_s", json_integer(r.window_s));
		json_object_set_new(o, "failed_window_start", r.window_s > 0 && !r.ok && r.window_start >= 0 ?
		    json_integer(r.window_start) : json_null());
		json_object_set_new(o, "abort_on_fail", json_boolean(r.abort_on_fail));
		json_object_set_new(o, "aborted", json_boolean(r.aborted));
		json_object_set_new(o, "final", json_boolean(r.final));
		if (s->tp->v[i].expr.relative) {
			const struct tstate *st = &s->st[i];
			json_object_set_new(o, "baseline", st->have_base ? json_real(st->base) : json_null());
			json_object_set_new(o, "limit", st->have_base ?
			    json_real(st->base * s->tp->v[i].expr.value) : json_null());
			json_object_set_new(o, "skipped", json_boolean(st->final && st->skipped &&
			    !s->tp->v[i].baseline_required));
			json_object_set_new(o, "baselineRequired",
			    json_boolean(s->tp->v[i].baseline_required));
		}
		json_array_append_new(a, o);
	}
	return a;
}
