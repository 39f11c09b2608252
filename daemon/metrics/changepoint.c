/*
 * changepoint: see changepoint.h for the method. Runs on the caller's thread (the api thread, for a
 * test's trend); allocates only its results and a few arrays the size of the series.
 *
 * E-divisive's statistic for a split of the stretch [a, b) at t (m = t - a points before, k = b - t
 * after) is  q = m k / (m + k) * (2/(m k) * B - W1 / C(m,2) - W2 / C(k,2)), with B the sum of |x - y|
 * across the split and W1, W2 the sums of |x - x'| within each side. Moving t by one point changes
 * the three sums by one row of distances, so a stretch of L points costs O(L^2), not O(L^3).
 *
 * The t-test's p-value needs Student's distribution: the regularized incomplete beta function by its
 * continued fraction (Lentz's method), about thirty lines. GSL has it, but GSL is GPL-3 and a large
 * library for one function; libm has lgamma_r, which is all this needs.
 */
#include <config.h>

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "metrics/changepoint.h"

/* ---- Student's t distribution */

/* The continued fraction of the incomplete beta function (Lentz), for x < (a+1)/(a+b+2). */
static double
beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0), h;

	if (fabs(d) < tiny)
		d = tiny;
	d = 1.0 / d;
	h = d;
	for (int m = 1; m <= 300; m++) {
		double m2 = 2.0 * m, aa, del;

		aa = m * (b - m) * x / ((a - 1.0 + m2) * (a + m2));
		d = 1.0 + aa * d;
		c = 1.0 + aa / c;
		d = fabs(d) < tiny ? 1.0 / tiny : 1.0 / d;
		if (fabs(c) < tiny)
			c = tiny;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1.0 + m2));
		d = 1.0 + aa * d;
		c = 1.0 + aa / c;
		d = fabs(d) < tiny ? 1.0 / tiny : 1.0 / d;
		if (fabs(c) < tiny)
			c = tiny;
		del = d * c;
		h *= del;
		if (fabs(del - 1.0) < 1e-15)
			break;
	}
	return h;
}

/* The regularized incomplete beta function I_x(a, b). */
static double
beta_inc(double a, double b, double x)
{
	int sign;
	double lbt;

	if (x <= 0.0)
		return 0.0;
	if (x >= 1.0)
		return 1.0;
	lbt = lgamma_r(a + b, &sign) - lgamma_r(a, &sign) - lgamma_r(b, &sign) + a * log(x) +
	    b * log1p(-x);
	if (x < (a + 1.0) / (a + b + 2.0))
		return exp(lbt) * beta_cf(a, b, x) / a;
	return 1.0 - exp(lbt) * beta_cf(b, a, 1.0 - x) / b;
}

double
changepoint_t_pvalue(double t, double df)
{
	assert(df >= 1);
	if (isnan(t))
		return 1.0;
	if (isinf(t))
		return 0.0;
	return beta_inc(df / 2.0, 0.5, df / (df + t * t));
}

/* ---- the t-test between two stretches */

/* Mean of x[a..b). */
static double
mean_of(const double *x, int a, int b)
{
	double s = 0;

	for (int i = a; i < b; i++)
		s += x[i];
	return s / (b - a);
}

/* Fills cp for a level change at index t between the stretches x[a..t) and x[t..b): means,
   relative change and Student's pooled two-sample t-test. */
static void
compare(const double *x, int a, int t, int b, struct changepoint *cp)
{
	int n1 = t - a, n2 = b - t;
	double m1 = mean_of(x, a, t), m2 = mean_of(x, t, b), ss = 0, df = n1 + n2 - 2;

	assert(n1 >= 1 && n2 >= 1);
	for (int i = a; i < t; i++)
		ss += (x[i] - m1) * (x[i] - m1);
	for (int i = t; i < b; i++)
		ss += (x[i] - m2) * (x[i] - m2);
	cp->index = t;
	cp->mean_before = m1;
	cp->mean_after = m2;
	cp->rel_change = m1 != 0 ? m2 / m1 - 1.0 : NAN;
	if (df < 1) {
		cp->pvalue = 1.0;
	} else if (ss <= 0) {
		/* no noise at all: any difference is a change, none is none */
		cp->pvalue = m1 == m2 ? 1.0 : 0.0;
	} else {
		double se = sqrt(ss / df * (1.0 / n1 + 1.0 / n2));
		cp->pvalue = changepoint_t_pvalue((m2 - m1) / se, df);
	}
}

/* ---- E-divisive on one window */

/* The best split of x[a..b) by E-divisive's q: its index, or -1 when the stretch is too short. */
static int
best_split(const double *x, int a, int b, double *q_out)
{
	double wl = 0, wr = 0, between = 0, best = -INFINITY;
	int at = -1;

	if (b - a < 2 * CHANGEPOINT_MIN_SEGMENT)
		return -1;
	for (int i = a; i < b; i++)
		for (int j = i + 1; j < b; j++)
			wr += fabs(x[i] - x[j]);
	/* t = a: everything is on the right; move point t from the right side to the left */
	for (int t = a; t < b; t++) {
		double m = t - a, k = b - t;

		if (m >= CHANGEPOINT_MIN_SEGMENT && k >= CHANGEPOINT_MIN_SEGMENT) {
			double q = m * k / (m + k) * (2.0 * between / (m * k) - wl / (m * (m - 1) / 2) -
			    wr / (k * (k - 1) / 2));
			if (q > best) {
				best = q;
				at = t;
			}
		}
		for (int i = a; i < t; i++) {
			double d = fabs(x[i] - x[t]);
			wl += d;
			between -= d;
		}
		for (int j = t + 1; j < b; j++) {
			double d = fabs(x[t] - x[j]);
			wr -= d;
			between += d;
		}
	}
	*q_out = best;
	return at;
}

/* Inserts v into the sorted array a[0..*n) unless it is there. */
static void
insert_sorted(int *a, int *n, int v)
{
	int i = 0;

	while (i < *n && a[i] < v)
		i++;
	if (i < *n && a[i] == v)
		return;
	memmove(a + i + 1, a + i, (size_t)(*n - i) * sizeof *a);
	a[i] = v;
	(*n)++;
}

/*
 * E-divisive on x[a..b): splits at the best q among the current pieces while the t-test between
 * that piece's two sides gives p < CHANGEPOINT_SPLIT_PVALUE. Adds the splits to cps (sorted,
 * without duplicates). Returns the last index added, or -1.
 */
static int
edivisive(const double *x, int a, int b, int *cps, int *ncps)
{
	int bounds[CHANGEPOINT_WINDOW + 2], nb = 0, last = -1;

	assert(b - a <= CHANGEPOINT_WINDOW);
	bounds[nb++] = a;
	bounds[nb++] = b;
	for (;;) {
		double best_q = -INFINITY;
		int at = -1, lo = 0, hi = 0;
		struct changepoint cp;

		for (int i = 0; i + 1 < nb; i++) {
			double q;
			int t = best_split(x, bounds[i], bounds[i + 1], &q);
			if (t >= 0 && q > best_q) {
				best_q = q;
				at = t;
				lo = bounds[i];
				hi = bounds[i + 1];
			}
		}
		if (at < 0)
			break;
		compare(x, lo, at, hi, &cp);
		if (!(cp.pvalue < CHANGEPOINT_SPLIT_PVALUE))
			break;
		insert_sorted(bounds, &nb, at);
		insert_sorted(cps, ncps, at);
		if (at > last)
			last = at;
	}
	return last;
}

/* ---- merge */

/* max(|after/before - 1|, |before/after - 1|): how big a change is, whichever way it is read. */
static double
magnitude(const struct changepoint *cp)
{
	double b = fabs(cp->mean_before), a = fabs(cp->mean_after);

	if (cp->mean_before == cp->mean_after)
		return 0;
	if (a == 0 || b == 0)
		return INFINITY;
	return fmax(fabs(cp->mean_after / cp->mean_before - 1), fabs(cp->mean_before / cp->mean_after - 1));
}

/* Tests each of cps[0..n) between its neighbours. */
static void
compare_all(const double *x, int len, struct changepoint *cps, int n)
{
	for (int i = 0; i < n; i++)
		compare(x, i > 0 ? cps[i - 1].index : 0, cps[i].index, i + 1 < n ? cps[i + 1].index : len,
		    &cps[i]);
}

int
changepoint_find(const double *x, int n, struct changepoint **out)
{
	int *idx, nidx = 0, start = 0;
	struct changepoint *cps;

	*out = NULL;
	if (n < 2 * CHANGEPOINT_MIN_SEGMENT)
		return 0;
	idx = xmalloc((size_t)n * sizeof *idx);
	/* split: overlapping windows; the next starts half a window on, or at the last split found */
	while (start < n) {
		int end = start + CHANGEPOINT_WINDOW < n ? start + CHANGEPOINT_WINDOW : n;
		int last = edivisive(x, start, end, idx, &nidx);

		if (end == n)
			break;
		start = last > start + CHANGEPOINT_WINDOW / 2 ? last : start + CHANGEPOINT_WINDOW / 2;
	}
	if (nidx == 0) {
		free(idx);
		return 0;
	}
	cps = xcalloc((size_t)nidx, sizeof *cps);
	for (int i = 0; i < nidx; i++)
		cps[i].index = idx[i];
	free(idx);

	/* merge: drop the weakest while it is not significant between its neighbours */
	compare_all(x, n, cps, nidx);
	while (nidx > 0) {
		int weakest = 0;

		for (int i = 1; i < nidx; i++)
			if (cps[i].pvalue > cps[weakest].pvalue)
				weakest = i;
		if (cps[weakest].pvalue < CHANGEPOINT_MAX_PVALUE) {
			/* all significant: drop one only if it changes nothing at all */
			weakest = 0;
			for (int i = 1; i < nidx; i++)
				if (magnitude(&cps[i]) < magnitude(&cps[weakest]))
					weakest = i;
			if (magnitude(&cps[weakest]) > 0)
				break;
		}
		memmove(cps + weakest, cps + weakest + 1, (size_t)(nidx - weakest - 1) * sizeof *cps);
		nidx--;
		compare_all(x, n, cps, nidx);
	}
	if (nidx == 0) {
		free(cps);
		return 0;
	}
	/* place: each change point where E-divisive puts it between its neighbours, over the whole
	   stretch rather than the window that found it */
	for (int i = 0; i < nidx; i++) {
		double q;
		int t = best_split(x, i > 0 ? cps[i - 1].index : 0, i + 1 < nidx ? cps[i + 1].index : n, &q);
		if (t >= 0)
			cps[i].index = t;
	}
	compare_all(x, n, cps, nidx);
	*out = cps;
	return nidx;
}
