/*
 * test_changepoint: E-divisive with a t-test (metrics/changepoint.h) on synthetic series of 100
 * runs with a fixed seed: a 10% step at run 50 in 5% noise is found within 3 runs of 50 in at least
 * 95% of trials, flat series get a change point in at most 5% of trials (the rates measured are
 * printed as diagnostics and quoted in docs/api.md); the t distribution against tabled values; the
 * direction, means and a series with two steps.
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "metrics/changepoint.h"
#include "tap.h"

#define TRIALS 1000
#define RUNS 100

/* splitmix64: a small PRNG with a fixed seed, so every run of this test draws the same series. */
static uint64_t rng_state = 0x5eed2026u;

static uint64_t
rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Uniform in (0, 1). */
static double
rng_uniform(void)
{
	return ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0;
}

/* Standard normal (Box-Muller). */
static double
rng_normal(void)
{
	return sqrt(-2.0 * log(rng_uniform())) * cos(2.0 * M_PI * rng_uniform());
}

/* x[i] = level(i) * (1 + 0.05 N(0,1)): a p95 of 100 ms with 5% noise, stepping by step at at. */
static void
series(double *x, int n, int at, double step)
{
	for (int i = 0; i < n; i++)
		x[i] = 100.0 * (i >= at ? 1.0 + step : 1.0) * (1.0 + 0.05 * rng_normal());
}

static void
test_t_distribution(void)
{
	/* two-sided critical values from the t table */
	ok(fabs(changepoint_t_pvalue(2.228, 10) - 0.05) < 2e-4, "t=2.228, df=10: p=0.05 (%g)",
	    changepoint_t_pvalue(2.228, 10));
	ok(fabs(changepoint_t_pvalue(3.169, 10) - 0.01) < 1e-4, "t=3.169, df=10: p=0.01 (%g)",
	    changepoint_t_pvalue(3.169, 10));
	ok(fabs(changepoint_t_pvalue(3.460, 60) - 0.001) < 2e-5, "t=3.460, df=60: p=0.001 (%g)",
	    changepoint_t_pvalue(3.460, 60));
	ok(fabs(changepoint_t_pvalue(12.706, 1) - 0.05) < 1e-4, "t=12.706, df=1: p=0.05 (%g)",
	    changepoint_t_pvalue(12.706, 1));
	ok(changepoint_t_pvalue(0, 5) == 1.0, "t=0: p=1");
	ok(changepoint_t_pvalue(-3.169, 10) == changepoint_t_pvalue(3.169, 10), "two-sided: symmetric");
}

static void
test_step_found(void)
{
	double x[RUNS];
	int found = 0, exact = 0;

	for (int trial = 0; trial < TRIALS; trial++) {
		struct changepoint *cps;
		int n, hit = 0;

		series(x, RUNS, 50, 0.10);
		n = changepoint_find(x, RUNS, &cps);
		for (int i = 0; i < n; i++) {
			if (abs(cps[i].index - 50) <= 3)
				hit = 1;
			if (cps[i].index == 50)
				exact++;
		}
		found += hit;
		free(cps);
	}
	printf("# 10%% step at run 50, 5%% noise: found within 3 runs in %d of %d trials (%.1f%%), "
	    "at exactly run 50 in %d\n", found, TRIALS, 100.0 * found / TRIALS, exact);
	ok(found >= TRIALS * 95 / 100, "a 10%% step is found within 3 runs of 50 in >= 95%% of trials (%d/%d)",
	    found, TRIALS);
}

static void
test_flat_quiet(void)
{
	double x[RUNS];
	int flagged = 0, total = 0;

	for (int trial = 0; trial < TRIALS; trial++) {
		struct changepoint *cps;
		int n;

		series(x, RUNS, RUNS, 0);
		n = changepoint_find(x, RUNS, &cps);
		flagged += n > 0;
		total += n;
		free(cps);
	}
	printf("# flat series, 5%% noise: %d of %d trials (%.1f%%) got a change point (%d in all)\n",
	    flagged, TRIALS, 100.0 * flagged / TRIALS, total);
	ok(flagged <= TRIALS * 5 / 100, "at most 5%% of flat series get a change point (%d/%d)", flagged,
	    TRIALS);
}

static void
test_one_step(void)
{
	double x[RUNS];
	struct changepoint *cps;
	int n;

	/* a regression of 20% at run 30, then a fix (-20% of that) at run 70 */
	for (int i = 0; i < RUNS; i++)
		x[i] = (i >= 30 && i < 70 ? 120.0 : 100.0) * (1.0 + 0.03 * rng_normal());
	n = changepoint_find(x, RUNS, &cps);
	is_int(n, 2, "two steps: two change points");
	if (n == 2) {
		is_int(cps[0].index, 30, "the rise at run 30");
		ok(cps[0].rel_change > 0.15 && cps[0].rel_change < 0.25, "it rose about 20%% (%.3f)",
		    cps[0].rel_change);
		ok(fabs(cps[0].mean_before - 100) < 3 && fabs(cps[0].mean_after - 120) < 3,
		    "means before and after (%.1f, %.1f)", cps[0].mean_before, cps[0].mean_after);
		ok(cps[0].pvalue < CHANGEPOINT_MAX_PVALUE, "significant (p=%g)", cps[0].pvalue);
		is_int(cps[1].index, 70, "the fall at run 70");
		ok(cps[1].rel_change < -0.1, "it fell (%.3f)", cps[1].rel_change);
	}
	free(cps);

	/* noiseless: a level change is certain, no change is none */
	for (int i = 0; i < 10; i++)
		x[i] = i < 6 ? 5.0 : 7.0;
	n = changepoint_find(x, 10, &cps);
	ok(n == 1 && cps[0].index == 6 && cps[0].pvalue == 0.0, "a constant series that steps: one "
	    "change point at 6, p=0");
	free(cps);
	for (int i = 0; i < 10; i++)
		x[i] = 0.0;
	is_int(changepoint_find(x, 10, &cps), 0, "all zeros: none");
	ok(cps == NULL, "and no array");
	for (int i = 0; i < 10; i++)
		x[i] = i < 5 ? 0.0 : 0.02;
	n = changepoint_find(x, 10, &cps);
	ok(n == 1 && isnan(cps[0].rel_change), "an error rate from 0: found, relative change undefined");
	free(cps);
	is_int(changepoint_find(x, 3, &cps), 0, "3 points: too few to split");
	is_int(changepoint_find(x, 0, &cps), 0, "no points");
}

int
main(void)
{
	test_t_distribution();
	test_step_found();
	test_flat_quiet();
	test_one_step();
	return done_testing();
}
