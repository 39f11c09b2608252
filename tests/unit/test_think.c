/*
 * Unit tests for think: each sampler's distribution over 100,000 draws (mean and variance against
 * the closed forms, within tolerances several standard errors wide), pacing, and the timer heap
 * against a brute-force reference under random adds, removals and pops.
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/think.h"
#include "testdef/plan.h"
#include "tap.h"

#define MS 1000000LL
#define DRAWS 100000

/* Mean and variance (in ms and ms²) of DRAWS draws of t. */
static void
moments(const struct plan_think *t, double *mean, double *var, int64_t *min, int64_t *max)
{
	uint64_t rng = 0x9e3779b97f4a7c15ULL;
	double sum = 0, sum2 = 0;

	*min = INT64_MAX;
	*max = INT64_MIN;
	for (int i = 0; i < DRAWS; i++) {
		int64_t d = think_draw_ns(t, &rng, 0);
		double ms = (double)d / MS;
		sum += ms;
		sum2 += ms * ms;
		if (d < *min)
			*min = d;
		if (d > *max)
			*max = d;
	}
	*mean = sum / DRAWS;
	*var = sum2 / DRAWS - *mean * *mean;
}

static void
test_samplers(void)
{
	struct plan_think t = { PLAN_THINK_CONSTANT, 1500 * MS, 0 };
	double mean, var;
	int64_t min, max;
	uint64_t rng = 1;

	moments(&t, &mean, &var, &min, &max);
	ok(min == 1500 * MS && max == 1500 * MS, "constant: every draw is 1.5 s");

	/* uniform on [1 s, 3 s]: mean 2000 ms, variance 2000²/12 = 333,333 ms²; the mean's standard
	   error is 577/sqrt(1e5) = 1.8 ms */
	t = (struct plan_think){ PLAN_THINK_BETWEEN, 1000 * MS, 3000 * MS };
	moments(&t, &mean, &var, &min, &max);
	ok(fabs(mean - 2000) < 10, "between 1s and 3s: mean %.1f ms (2000 expected)", mean);
	ok(fabs(var / 333333.3 - 1) < 0.02, "between: variance %.0f ms² (333,333 expected)", var);
	ok(min >= 1000 * MS && max <= 3000 * MS, "between: every draw within [1 s, 3 s]");
	ok(min < 1010 * MS && max > 2990 * MS, "between: draws reach both ends");

	/* exponential with mean 2 s: variance mean² = 4,000,000 ms²; standard error 6.3 ms */
	t = (struct plan_think){ PLAN_THINK_EXPONENTIAL, 2000 * MS, 0 };
	moments(&t, &mean, &var, &min, &max);
	ok(fabs(mean - 2000) < 40, "exponential 2s: mean %.1f ms (2000 expected, +-2%%)", mean);
	ok(fabs(var / 4e6 - 1) < 0.05, "exponential: variance %.0f ms² (4,000,000 expected)", var);
	ok(min >= 0 && max < 40 * 2000 * MS, "exponential: draws in [0, 40 means)");

	/* memorylessness, roughly: P(X > mean) = 1/e */
	{
		int over = 0;
		rng = 42;
		for (int i = 0; i < DRAWS; i++)
			over += think_draw_ns(&t, &rng, 0) > 2000 * MS;
		ok(fabs((double)over / DRAWS - exp(-1)) < 0.01, "exponential: P(X > mean) = %.4f (1/e = 0.3679)",
		    (double)over / DRAWS);
	}

	t = (struct plan_think){ PLAN_THINK_PACING, 5000 * MS, 0 };
	is_int(think_draw_ns(&t, &rng, 1200 * MS), 3800 * MS, "pacing 5s: 1.2 s spent, 3.8 s to wait");
	is_int(think_draw_ns(&t, &rng, 5000 * MS), 0, "pacing: an iteration that took 5 s waits nothing");
	is_int(think_draw_ns(&t, &rng, 7000 * MS), 0, "pacing: one that took longer does not wait either");
	t = (struct plan_think){ PLAN_THINK_NONE, 0, 0 };
	is_int(think_draw_ns(&t, &rng, 0), 0, "none: no wait");

	{
		double lo = 1, hi = 0;
		rng = 7;
		for (int i = 0; i < DRAWS; i++) {
			double u = think_uniform(&rng);
			if (u < lo)
				lo = u;
			if (u > hi)
				hi = u;
		}
		ok(lo >= 0 && hi < 1 && lo < 0.001 && hi > 0.999, "think_uniform covers [0, 1)");
	}
}

struct owner {
	int pos;
	int64_t at;
	int in;
};

static void
test_timers(void)
{
	struct think_timers *t = think_timers_new();
	struct owner o[200];
	uint64_t rng = 99;
	int bad = 0, pops = 0;

	think_timers_reserve(t, 200);
	is_int(think_timers_next_ns(t), INT64_MAX, "empty heap: no deadline");
	ok(think_timers_pop(t, INT64_MAX) == NULL, "empty heap: nothing to pop");
	for (int i = 0; i < 200; i++)
		o[i] = (struct owner){ -1, 0, 0 };
	for (int step = 0; step < 20000; step++) {
		int i = (int)(think_uniform(&rng) * 200);
		double u = think_uniform(&rng);
		if (!o[i].in && u < 0.6) {
			o[i].at = (int64_t)(think_uniform(&rng) * 1000);
			think_timers_add(t, &o[i], o[i].at, &o[i].pos);
			o[i].in = 1;
		} else if (o[i].in && u < 0.8) {
			think_timers_remove(t, &o[i].pos);
			o[i].in = 0;
			bad += o[i].pos != -1;
		} else {
			/* pop everything due at a random instant and compare with the reference */
			int64_t now = (int64_t)(think_uniform(&rng) * 1000), last = -1;
			struct owner *p;
			while ((p = think_timers_pop(t, now)) != NULL) {
				bad += !p->in || p->at > now || p->at < last || p->pos != -1;
				last = p->at;
				p->in = 0;
				pops++;
			}
			for (int k = 0; k < 200; k++)
				bad += o[k].in && o[k].at <= now;
		}
		int64_t min = INT64_MAX;
		int n = 0;
		for (int k = 0; k < 200; k++)
			if (o[k].in) {
				n++;
				if (o[k].at < min)
					min = o[k].at;
			}
		bad += think_timers_next_ns(t) != min || think_timers_count(t) != n;
	}
	is_int(bad, 0, "20,000 random adds, removals and pops agree with a brute-force reference");
	ok(pops > 1000, "and entries were popped (%d)", pops);
	think_timers_free(t);
	think_timers_free(NULL);
}

int
main(void)
{
	test_samplers();
	test_timers();
	return done_testing();
}
