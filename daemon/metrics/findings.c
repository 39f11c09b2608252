/*
 * findings.c: the detectors of findings.h, pure functions of a per-second series. Any thread; no
 * clock, no I/O, no state. findings_json.c keeps the series during a run and words the results.
 *
 * The knee is a hinge fit (two joined line segments, least squares) of throughput against load over
 * the ramp, every second tried as the hinge (O(1) each with prefix sums): the hinge is a knee when
 * the slope past it is below 90% of the slope before it, which on a ramp of rising load is
 * "throughput stops rising in proportion", and the bend fits clearly better than one straight line
 * (an F statistic of at least HINGE_MIN_F), so that noise on a straight ramp is no knee.
 * Latency and errors are judged per second against the low-load seconds, needing three seconds in a
 * row so that one noisy second is not a knee.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "metrics/findings.h"

#define HINGE_TAIL 4               /* seconds past a knee, at least, for it to count */
#define HINGE_MIN_F 20.0           /* how much better than a straight line a bend must fit */
#define PERSIST 3                  /* seconds in a row that make a p95 or error-rate crossing */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of v[0..n) (sorts v). 0 when n == 0. */
static double
median(double *v, int64_t n)
{
	if (n <= 0)
		return 0;
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double
err_rate(const struct findings_second *s)
{
	return s->requests > 0 ? (double)s->failed / s->requests : 0;
}

/* ---- knee */

struct sums {
	double n, x, y, xx, xy, yy;
};

/* Residual sum of squares and slope of the least-squares line through the points in s. */
static double
sse(const struct sums *s, double *slope)
{
	double sxx = s->xx - s->x * s->x / s->n, sxy = s->xy - s->x * s->y / s->n;
	double syy = s->yy - s->y * s->y / s->n;

	if (s->n < 2 || sxx <= 1e-12) {
		*slope = 0;
		return syy > 0 ? syy : 0;
	}
	*slope = sxy / sxx;
	return syy - sxy * sxy / sxx > 0 ? syy - sxy * sxy / sxx : 0;
}

static void
sums_diff(const struct sums *a, const struct sums *b, struct sums *out)
{
	out->n = a->n - b->n;
	out->x = a->x - b->x;
	out->y = a->y - b->y;
	out->xx = a->xx - b->xx;
	out->xy = a->xy - b->xy;
	out->yy = a->yy - b->yy;
}

/*
 * Least squares of y on (1, x, h) with h = max(0, x - xk): `all` sums every point, `tail` those with
 * x > xk (the seconds past the hinge, where the load has risen past xk). Out: the slope before the
 * hinge b1, the change of slope c, the residual sum of squares. False when singular.
 */
static bool
hinge(const struct sums *all, const struct sums *tail, double xk, double *b1, double *c, double *e)
{
	double m = tail->n;
	double sh = tail->x - m * xk, shh = tail->xx - 2 * xk * tail->x + m * xk * xk;
	double shx = tail->xx - xk * tail->x, shy = tail->xy - xk * tail->y;
	/* normal equations A beta = v, A symmetric 3x3 over (1, x, h) */
	double a[3][3] = { { all->n, all->x, sh }, { all->x, all->xx, shx }, { sh, shx, shh } };
	double v[3] = { all->y, all->xy, shy }, beta[3], det;

	det = a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
	    a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
	    a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
	if (m < 1 || fabs(det) < 1e-9)
		return false;
	for (int j = 0; j < 3; j++) {
		double b[3][3];
		memcpy(b, a, sizeof b);
		for (int i = 0; i < 3; i++)
			b[i][j] = v[i];
		beta[j] = (b[0][0] * (b[1][1] * b[2][2] - b[1][2] * b[2][1]) -
		    b[0][1] * (b[1][0] * b[2][2] - b[1][2] * b[2][0]) +
		    b[0][2] * (b[1][0] * b[2][1] - b[1][1] * b[2][0])) / det;
	}
	*b1 = beta[1];
	*c = beta[2];
	*e = all->yy - (beta[0] * v[0] + beta[1] * v[1] + beta[2] * v[2]);
	if (*e < 0)
		*e = 0;
	return true;
}

/* The first second of PERSIST bad ones in a row in [from, to] (seconds without requests skipped):
   p95 above limit, or the error rate when err; -1 if none. */
static int64_t
first_run(const struct findings_second *s, int64_t from, int64_t to, double limit, int err)
{
	int64_t run = 0, first = -1;

	for (int64_t t = from; t <= to; t++) {
		bool bad = err ? err_rate(&s[t]) > limit : s[t].p95_ms > limit;
		if (s[t].requests == 0)
			continue;      /* a second without responses neither breaks nor extends a run */
		if (bad && run++ == 0)
			first = t;
		else if (!bad)
			run = 0;
		if (run == PERSIST)
			return first;
	}
	return -1;
}

bool
findings_knee(const struct findings_second *s, int64_t n, struct findings_knee *out)
{
	int64_t peak = -1, start, nlow = 0, best = -1;
	double peak_load = 0, min_load, best_sse = INFINITY, *tmp;

	struct sums *pre;

	memset(out, 0, sizeof *out);
	out->knee_second = out->p95_second = out->err_second = -1;
	for (int64_t t = 0; t < n; t++)
		if (s[t].load > peak_load) {
			peak_load = s[t].load;
			peak = t;
		}
	if (peak < 0)
		return false;
	/* the ramp: back from the peak while load does not rise, to its lowest point */
	start = peak;
	while (start > 0 && s[start - 1].load >= 0 && s[start - 1].load <= s[start].load)
		start--;
	/* seconds without load, or at the level before it rises, are not part of it */
	while (start < peak && (s[start].load <= 0 || s[start + 1].load <= s[start].load))
		start++;
	min_load = s[start].load;
	if (peak - start + 1 < 8 || peak_load < 2 * min_load)
		return false;
	out->ramp = true;
	out->ramp_start = start;
	out->ramp_end = peak;

	/* low load: the ramp's seconds in the lowest quarter of its range (at least 3) */
	tmp = xcalloc((size_t)(peak - start + 1), sizeof *tmp);
	double low_edge = min_load + 0.25 * (peak_load - min_load), rq = 0, ld = 0;
	for (int64_t t = start; t <= peak && (s[t].load <= low_edge || nlow < 3); t++) {
		if (s[t].requests > 0)
			tmp[nlow++] = s[t].p95_ms;
		rq += s[t].requests;
		ld += s[t].load;
	}
	out->low_p95_ms = median(tmp, nlow);
	free(tmp);

	/* a hinge at each candidate second k: y = a + b1 x, bending to slope b1 + c past x_k */
	pre = xcalloc((size_t)(peak - start + 2), sizeof *pre);
	for (int64_t t = start; t <= peak; t++) {
		struct sums *p = &pre[t - start + 1];
		double x = s[t].load, y = s[t].requests;
		*p = pre[t - start];
		p->n += 1;
		p->x += x;
		p->y += y;
		p->xx += x * x;
		p->xy += x * y;
		p->yy += y * y;
	}
	struct sums all;
	double lin_slope, lin_sse, best_b1 = 0, best_b2 = 0;
	sums_diff(&pre[peak - start + 1], &pre[0], &all);
	lin_sse = sse(&all, &lin_slope);
	for (int64_t k = start + 3; k <= peak - HINGE_TAIL; k++) {
		struct sums tl;
		double b1, c, e, xk = s[k].load;
		sums_diff(&pre[peak - start + 1], &pre[k - start + 1], &tl);   /* the seconds past k */
		if (!hinge(&all, &tl, xk, &b1, &c, &e))
			continue;
		if (e < best_sse) {
			best_sse = e;
			best = k;
			best_b1 = b1;
			best_b2 = b1 + c;
		}
	}
	free(pre);
	out->low_slope = ld > 0 ? rq / ld : 0;
	/* the bend must beat a straight line clearly (an F statistic, taken over every k tried) */
	double npts = (double)(peak - start + 1);
	double f = best >= 0 && best_sse > 0 ? (lin_sse - best_sse) / (best_sse / (npts - 3)) :
	    best >= 0 && lin_sse > 0 ? INFINITY : 0;
	if (best >= 0 && best_b1 > 0 && best_b2 < 0.9 * best_b1 && f >= HINGE_MIN_F) {
		double y = 0;
		out->knee_second = best;
		out->knee_load = s[best].load;
		for (int64_t t = best; t <= peak; t++)
			y += s[t].requests;
		out->knee_rps = y / (double)(peak - best + 1);
		out->high_slope = best_b2;
		out->low_slope = best_b1;
	} else {
		out->low_slope = lin_slope;
		out->high_slope = lin_slope;
	}

	if (out->low_p95_ms > 0 && (out->p95_second = first_run(s, start, peak, 3 * out->low_p95_ms, 0)) >= 0) {
		out->p95_load = s[out->p95_second].load;
		out->p95_ms = s[out->p95_second].p95_ms;
	}
	if ((out->err_second = first_run(s, start, peak, 0.01, 1)) >= 0) {
		out->err_load = s[out->err_second].load;
		out->err_rate = err_rate(&s[out->err_second]);
	}
	return true;
}

/* ---- spike */

bool
findings_spike(const struct findings_second *s, int64_t n, struct findings_spike *out)
{
	int64_t peak = -1, rise, end, npre = 0, run = 0;
	double peak_load = 0, base, tol_p95, tol_err, *tmp;
	uint64_t req = 0, fail = 0;

	memset(out, 0, sizeof *out);
	out->recovered_second = out->recovery_s = -1;
	for (int64_t t = 0; t < n; t++) {
		if (s[t].load < 0)
			return false;
		if (s[t].load > peak_load) {
			peak_load = s[t].load;
			peak = t;
		}
	}
	if (peak <= 0)
		return false;
	/* the level before: the lowest load before the peak, held for a while just before it rises */
	rise = peak;
	while (rise > 0 && s[rise - 1].load < s[rise].load)
		rise--;
	base = s[rise].load;
	if (base <= 0 || peak_load < 1.5 * base)
		return false;
	/* the end of the spike: the first second after the peak back within 10% of the rise */
	for (end = peak; end < n && s[end].load > base + 0.1 * (peak_load - base); end++)
		;
	if (end >= n || s[end].load <= 0)
		return false;
	/* before the spike: up to 30 s at the base level before the rise (the first second left out) */
	tmp = xcalloc((size_t)rise + 1, sizeof *tmp);
	for (int64_t t = rise; t >= 1 && rise - t < 30; t--) {
		if (fabs(s[t].load - base) > 0.1 * (peak_load - base))
			break;
		if (s[t].requests == 0)
			continue;
		tmp[npre++] = s[t].p95_ms;
		req += s[t].requests;
		fail += s[t].failed;
	}
	if (npre < 3) {
		free(tmp);
		return false;
	}
	out->spike = true;
	out->rise = rise;
	out->end = end;
	out->base_load = base;
	out->peak_load = peak_load;
	out->pre_p95_ms = median(tmp, npre);
	out->pre_err = req > 0 ? (double)fail / req : 0;
	free(tmp);
	out->after_s = n - end;
	tol_p95 = out->pre_p95_ms + fmax(0.2 * out->pre_p95_ms, 5.0);
	tol_err = out->pre_err + 0.005;
	for (int64_t t = end; t < n; t++) {
		bool good = s[t].requests > 0 && s[t].p95_ms <= tol_p95 && err_rate(&s[t]) <= tol_err;
		run = good ? run + 1 : 0;
		if (run == FINDINGS_RECOVERY_RUN) {
			out->recovered_second = t - run + 1;
			out->recovery_s = out->recovered_second - end;
			break;
		}
	}
	return true;
}

/* ---- drift */

void
findings_theil_sen(const double *x, const double *y, int n, double min_change, struct findings_slope *out)
{
	int64_t np = 0, cnt;
	double *sl, *lv, c;

	memset(out, 0, sizeof *out);
	if (n < 3)
		return;
	sl = xcalloc((size_t)n * (size_t)(n - 1) / 2, sizeof *sl);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (x[j] != x[i])
				sl[np++] = (y[j] - y[i]) / (x[j] - x[i]) * 3600.0;
	lv = xcalloc((size_t)n, sizeof *lv);
	memcpy(lv, y, (size_t)n * sizeof *lv);
	out->level = median(lv, n);
	free(lv);
	cnt = np;
	out->slope = median(sl, np);   /* sorts sl */
	/* Sen (1968): the interval's ranks from the variance of Kendall's S (ties ignored) */
	c = 1.96 * sqrt((double)n * (n - 1) * (2.0 * n + 5) / 18.0);
	int64_t lo = (int64_t)floor((double)(cnt - c) / 2.0), hi = (int64_t)ceil((double)(cnt + c) / 2.0);
	out->lo = lo >= 0 && lo < cnt ? sl[lo] : -INFINITY;
	out->hi = hi >= 0 && hi < cnt ? sl[hi] : INFINITY;
	free(sl);
	out->change = out->slope * (x[n - 1] - x[0]) / 3600.0;
	out->significant = (out->lo > 0 || out->hi < 0) && fabs(out->change) >= 0.1 * fabs(out->level) &&
	    fabs(out->change) >= min_change;
}

int
findings_drift(const struct findings_second *s, int64_t n, int64_t min_steady_s,
    struct findings_drift *out, int max)
{
	int found = 0;

	if (min_steady_s < 1)
		min_steady_s = 1;
	for (int64_t a = 0; a < n && found < max;) {
		int64_t b = a;
		while (b < n && s[b].load > 0 && s[b].load == s[a].load)
			b++;
		if (b == a) {
			a++;
			continue;
		}
		/* [a, b) holds one load; leave out its first 5 s (connections, warm-up) */
		int64_t from = a + 5, len = b - from;
		if (b - a >= min_steady_s && len >= 3) {
			struct findings_drift *d = &out[found++];
			int w = len >= 600 ? 60 : (int)(len / 10 > 0 ? len / 10 : 1);
			int np;
			while (len / w > 2000)
				w *= 2;
			np = (int)(len / w);
			double *x = xcalloc((size_t)np, sizeof *x), *p = xcalloc((size_t)np, sizeof *p);
			double *r = xcalloc((size_t)np, sizeof *r), *e = xcalloc((size_t)np, sizeof *e);
			for (int i = 0; i < np; i++) {
				double ps = 0, rq = 0, fl = 0;
				int k = 0;
				for (int64_t t = from + (int64_t)i * w; t < from + (int64_t)(i + 1) * w; t++) {
					if (s[t].requests > 0) {
						ps += s[t].p95_ms;
						k++;
					}
					rq += s[t].requests;
					fl += s[t].failed;
				}
				x[i] = (double)from + (i + 0.5) * w;
				p[i] = k > 0 ? ps / k : 0;
				r[i] = rq / w;
				e[i] = rq > 0 ? 100.0 * fl / rq : 0;
			}
			d->start = a;
			d->end = b;
			d->load = s[a].load;
			d->window_s = w;
			d->points = np;
			findings_theil_sen(x, p, np, 1.0, &d->p95_ms);      /* 1 ms */
			findings_theil_sen(x, r, np, 1.0, &d->rps);         /* 1 req/s */
			findings_theil_sen(x, e, np, 0.5, &d->err_pct);     /* half a point */
			free(x);
			free(p);
			free(r);
			free(e);
		}
		a = b;
	}
	return found;
}

bool
findings_drift_of(const float *v, int64_t n, const struct findings_drift *d, double min_change,
    struct findings_slope *out)
{
	int64_t from = d->start + 5;
	double *x = xcalloc((size_t)d->points + 1, sizeof *x), *y = xcalloc((size_t)d->points + 1, sizeof *y);
	int np = 0;

	memset(out, 0, sizeof *out);
	for (int i = 0; i < d->points; i++) {
		double sum = 0;
		int k = 0;
		for (int64_t t = from + (int64_t)i * d->window_s; t < from + (int64_t)(i + 1) * d->window_s &&
		    t < n; t++) {
			if (!isnan(v[t])) {
				sum += v[t];
				k++;
			}
		}
		if (k == 0)
			continue;
		x[np] = (double)from + (i + 0.5) * d->window_s;
		y[np++] = sum / k;
	}
	if (np >= 3)
		findings_theil_sen(x, y, np, min_change, out);
	free(x);
	free(y);
	return np >= 3;
}
