/*
 * compare: see compare.h. Pure statistics; any thread.
 *
 * The bootstrap resamples windows (a block bootstrap whose blocks are the windows), and computes
 * on each resample the statistic whose value is shown: pooled counts for rates and throughput
 * (sum of failures over sum of requests, ...), and the request-weighted mean of the windows'
 * values for latency. For latency, the value shown is the percentile of the merged histogram,
 * which is not the mean of the windows' percentiles; the interval keeps the resampled spread and
 * is centred on the value shown (the interval of the windowed ratio, scaled by shown/windowed).
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "metrics/hist.h"
#include "runs/compare.h"

static const char *const metric_names[COMPARE_NMETRICS] = {
	[COMPARE_RPS] = "rps",
	[COMPARE_ERROR_RATE] = "error_rate",
	[COMPARE_P50] = "p50_us",
	[COMPARE_P90] = "p90_us",
	[COMPARE_P95] = "p95_us",
	[COMPARE_P99] = "p99_us",
	[COMPARE_MAX] = "max_us",
	[COMPARE_MEAN] = "mean_us",
	[COMPARE_BLOCKED] = "blocked_us",
	[COMPARE_CONNECTING] = "connecting_us",
	[COMPARE_TLS] = "tls_us",
	[COMPARE_SENDING] = "sending_us",
	[COMPARE_WAITING] = "waiting_us",
	[COMPARE_RECEIVING] = "receiving_us",
	[COMPARE_CHECKS] = "checks_rate",
};

const char *
compare_metric_name(enum compare_metric m)
{
	return metric_names[m];
}

bool
compare_higher_is_worse(enum compare_metric m)
{
	return m != COMPARE_RPS && m != COMPARE_CHECKS;
}

bool
compare_is_rate(enum compare_metric m)
{
	return m == COMPARE_ERROR_RATE || m == COMPARE_CHECKS;
}

bool
compare_is_primary(enum compare_metric m)
{
	return m == COMPARE_RPS || m == COMPARE_ERROR_RATE || m == COMPARE_P95;
}

const char *
compare_verdict_name(enum compare_verdict v)
{
	switch (v) {
	case COMPARE_UNCHANGED: return "unchanged";
	case COMPARE_IMPROVED: return "improved";
	case COMPARE_REGRESSED: return "regressed";
	case COMPARE_INCONCLUSIVE: return "inconclusive";
	case COMPARE_NONE: break;
	}
	return NULL;
}

void
compare_floors_default(struct compare_floors *f)
{
	f->latency = 0.05;
	f->throughput = 0.03;
	f->error_rate = 0.001;
}

double
compare_floor(const struct compare_floors *f, enum compare_metric m)
{
	if (compare_is_rate(m))
		return f->error_rate;
	if (m == COMPARE_RPS)
		return f->throughput;
	return f->latency;
}

void
compare_window_fill(struct compare_window *w, const struct hist *h, double seconds,
    double requests, double failures, double checks_passed, double checks_failed,
    const double *phase_us)
{
	bool lat = h != NULL && hist_count(h) > 0;

	memset(w, 0, sizeof *w);
	w->seconds = seconds;
	w->requests = requests;
	w->failures = failures;
	w->checks_passed = checks_passed;
	w->checks_failed = checks_failed;
	w->v[COMPARE_RPS] = seconds > 0 ? requests / seconds : NAN;
	w->v[COMPARE_ERROR_RATE] = requests > 0 ? failures / requests : NAN;
	w->v[COMPARE_P50] = lat ? (double)hist_percentile(h, 50) : NAN;
	w->v[COMPARE_P90] = lat ? (double)hist_percentile(h, 90) : NAN;
	w->v[COMPARE_P95] = lat ? (double)hist_percentile(h, 95) : NAN;
	w->v[COMPARE_P99] = lat ? (double)hist_percentile(h, 99) : NAN;
	w->v[COMPARE_MAX] = lat ? (double)hist_max(h) : NAN;
	w->v[COMPARE_MEAN] = lat ? hist_mean(h) : NAN;
	for (int i = 0; i <= COMPARE_RECEIVING - COMPARE_BLOCKED; i++)
		w->v[COMPARE_BLOCKED + i] = phase_us != NULL && requests > 0 ? phase_us[i] / requests :
		    NAN;
	w->v[COMPARE_CHECKS] = checks_passed + checks_failed > 0 ?
	    checks_passed / (checks_passed + checks_failed) : NAN;
}

int
compare_window_seconds(int64_t steady_s)
{
	int64_t w;

	if (steady_s >= (int64_t)COMPARE_WINDOW_S * COMPARE_MIN_WINDOWS)
		return COMPARE_WINDOW_S;
	w = steady_s / COMPARE_MIN_WINDOWS;
	return w < 1 ? 1 : (int)w;
}

/* splitmix64: a small, well-mixed generator; the seed fixes the whole sequence. */
static uint64_t
next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/*
 * The statistic of metric m over the windows idx[0..n) of win (idx NULL: all in order): pooled
 * counts for rps and rates, the request-weighted mean of the windows' values otherwise. NAN when
 * nothing counts.
 */
static double
statistic(enum compare_metric m, const struct compare_window *win, const int *idx, int n)
{
	double num = 0, den = 0;

	for (int k = 0; k < n; k++) {
		const struct compare_window *w = &win[idx != NULL ? idx[k] : k];
		switch (m) {
		case COMPARE_RPS:
			num += w->requests;
			den += w->seconds;
			break;
		case COMPARE_ERROR_RATE:
			num += w->failures;
			den += w->requests;
			break;
		case COMPARE_CHECKS:
			num += w->checks_passed;
			den += w->checks_passed + w->checks_failed;
			break;
		default:
			if (!isnan(w->v[m]) && w->requests > 0) {
				num += w->v[m] * w->requests;
				den += w->requests;
			}
			break;
		}
	}
	return den > 0 ? num / den : NAN;
}

/* How many windows of s have a value of m. */
static int
windows_with_value(enum compare_metric m, const struct compare_side *s)
{
	int n = 0;

	for (int i = 0; i < s->nwin; i++)
		n += !isnan(s->win[i].v[m]);
	return n;
}

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* The q-quantile (0..1) of sorted v[n], linearly interpolated. */
static double
quantile(const double *v, int n, double q)
{
	double pos = q * (n - 1);
	int i = (int)pos;

	if (i >= n - 1)
		return v[n - 1];
	return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

/*
 * How much to widen a percentile-bootstrap interval drawn from n windows: the bootstrap's spread
 * is that of a sample of n with divisor n, not n - 1, and its normal-like quantiles are too
 * narrow for a handful of windows; Student's t with n - 1 degrees of freedom corrects both
 * (sqrt(n / (n - 1)) * t(0.975, n - 1) / 1.96). 1 for many windows.
 */
static double
small_sample_widening(int n)
{
	static const double t975[] = { 0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
	    2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080,
	    2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042 };
	double t = n - 1 < (int)(sizeof t975 / sizeof t975[0]) ? t975[n - 1] : 1.96;

	return sqrt((double)n / (n - 1)) * t / 1.96;
}

/* The effect (ratio or difference) of b over a. */
static double
effect(bool rate, double a, double b)
{
	if (rate)
		return b - a;
	return a > 0 ? b / a : NAN;
}

/*
 * The 95% bootstrap interval of the effect into *lo, *hi, centred on shown (the effect of the
 * values shown). false when it cannot be computed.
 */
static bool
interval(enum compare_metric m, const struct compare_side *a, const struct compare_side *b,
    double shown, uint64_t seed, double *lo, double *hi)
{
	bool rate = compare_is_rate(m);
	double point = effect(rate, statistic(m, a->win, NULL, a->nwin),
	    statistic(m, b->win, NULL, b->nwin));
	double *boot;
	int *ia, *ib, nboot = 0;
	uint64_t s = seed;

	if (isnan(point) || isnan(shown))
		return false;
	boot = xcalloc(COMPARE_BOOTSTRAP, sizeof *boot);
	ia = xcalloc((size_t)a->nwin, sizeof *ia);
	ib = xcalloc((size_t)b->nwin, sizeof *ib);
	for (int r = 0; r < COMPARE_BOOTSTRAP; r++) {
		double e;
		for (int k = 0; k < a->nwin; k++)
			ia[k] = (int)(next_rand(&s) % (uint64_t)a->nwin);
		for (int k = 0; k < b->nwin; k++)
			ib[k] = (int)(next_rand(&s) % (uint64_t)b->nwin);
		e = effect(rate, statistic(m, a->win, ia, a->nwin), statistic(m, b->win, ib, b->nwin));
		if (!isnan(e))
			boot[nboot++] = e;
	}
	if (nboot >= COMPARE_BOOTSTRAP / 2) {
		qsort(boot, (size_t)nboot, sizeof *boot, cmp_double);
		double widen = small_sample_widening(a->nwin < b->nwin ? a->nwin : b->nwin);
		double q025 = quantile(boot, nboot, 0.025), q975 = quantile(boot, nboot, 0.975);
		if (!rate && point > 0 && q025 > 0) {
			/* a ratio is widened on the log scale, where it is symmetric: the interval stays
			   above 0 (on the linear scale a few windows gave "[-9.05, 136.4]" for 11x) */
			double lp = log(point);
			*lo = exp(lp - (lp - log(q025)) * widen);
			*hi = exp(lp + (log(q975) - lp) * widen);
		} else {
			*lo = point - (point - q025) * widen;
			*hi = point + (q975 - point) * widen;
		}
		if (rate) {
			*lo += shown - point;
			*hi += shown - point;
		} else if (point > 0) {
			*lo *= shown / point;
			*hi *= shown / point;
		}
	}
	free(boot);
	free(ia);
	free(ib);
	return nboot >= COMPARE_BOOTSTRAP / 2;
}

/* The verdict of an interval [lo, hi] of the effect against floor. */
static enum compare_verdict
judge_interval(enum compare_metric m, double lo, double hi, double floor)
{
	double one = compare_is_rate(m) ? 0.0 : 1.0;
	bool worse_up = compare_higher_is_worse(m);

	if (lo >= one - floor && hi <= one + floor)
		return COMPARE_UNCHANGED;
	if (lo > one + floor)
		return worse_up ? COMPARE_REGRESSED : COMPARE_IMPROVED;
	if (hi < one - floor)
		return worse_up ? COMPARE_IMPROVED : COMPARE_REGRESSED;
	return COMPARE_INCONCLUSIVE;
}

void
compare_metric(enum compare_metric m, const struct compare_side *a, const struct compare_side *b,
    double floor, bool judge, bool practical_only, uint64_t seed, struct compare_result *out)
{
	bool rate = compare_is_rate(m);
	double shown;

	memset(out, 0, sizeof *out);
	out->a = a->shown;
	out->b = b->shown;
	out->diff = b->shown - a->shown;
	out->ratio = a->shown > 0 ? b->shown / a->shown : NAN;
	out->lo = out->hi = NAN;
	out->verdict = COMPARE_NONE;
	shown = effect(rate, a->shown, b->shown);
	if (isnan(shown)) {
		if (judge)
			out->verdict = COMPARE_INCONCLUSIVE;
		return;
	}
	if (!judge)
		return;    /* description: no interval (it is most of the cost) */
	if (!practical_only && windows_with_value(m, a) >= 2 && windows_with_value(m, b) >= 2 &&
	    interval(m, a, b, shown, seed, &out->lo, &out->hi)) {
		out->verdict = judge_interval(m, out->lo, out->hi, floor);
		return;
	}
	out->practical_only = true;
	out->verdict = judge_interval(m, shown, shown, floor);
}

enum compare_verdict
compare_overall(const enum compare_verdict *v, int n)
{
	bool any = false, improved = false, all_unchanged = true;

	for (int i = 0; i < n; i++) {
		if (v[i] == COMPARE_NONE)
			continue;
		any = true;
		if (v[i] == COMPARE_REGRESSED)
			return COMPARE_REGRESSED;
		improved |= v[i] == COMPARE_IMPROVED;
		all_unchanged &= v[i] == COMPARE_UNCHANGED;
	}
	if (!any)
		return COMPARE_NONE;
	if (improved)
		return COMPARE_IMPROVED;
	return all_unchanged ? COMPARE_UNCHANGED : COMPARE_INCONCLUSIVE;
}
