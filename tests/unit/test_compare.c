/*
 * test_compare: the statistics of comparing two runs (runs/compare.h), on synthetic runs with fixed
 * seeds: how often two runs drawn from the same distribution are called regressed or improved (the
 * false-positive rate), whether a 10% shift of p95 over 60 seconds is found, and the directions
 * and floors of each kind of metric.
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "metrics/hist.h"
#include "runs/compare.h"
#include "tap.h"

#define SECONDS 60

static uint64_t rng;

static double
uniform(void)
{
	uint64_t z = (rng += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	z ^= z >> 31;
	return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

static double
normal(void)
{
	return sqrt(-2 * log(uniform())) * cos(2 * M_PI * uniform());
}

/*
 * A synthetic run's steady part: SECONDS seconds at rps requests a second, latencies lognormal
 * around 20 ms times scale, each 10-second stretch slower or faster by a drift of 1% (so seconds
 * are not independent), errors with probability err. Fills win (windows of
 * compare_window_seconds) and *shown (p95, rps, error rate from the merged whole).
 */
struct run {
	struct compare_window win[SECONDS];
	int nwin;
	struct hist *all;
	double requests, failures;
};

static void
make_run(struct run *r, int rps, double scale, double err)
{
	int ws = compare_window_seconds(SECONDS);
	struct hist *h = hist_new();
	double drift = 1;

	r->all = hist_new();
	r->nwin = 0;
	r->requests = r->failures = 0;
	for (int s0 = 0; s0 < SECONDS; s0 += ws) {
		double req = 0, fail = 0;
		hist_reset(h);
		drift = exp(0.01 * normal());
		for (int s = s0; s < s0 + ws && s < SECONDS; s++) {
			for (int i = 0; i < rps; i++) {
				double us = 20000 * scale * drift * exp(0.5 * normal());
				hist_record(h, (uint64_t)us);
				req++;
				fail += uniform() < err;
			}
		}
		hist_merge(r->all, h);
		compare_window_fill(&r->win[r->nwin++], h, ws, req, fail, 0, 0, NULL);
		r->requests += req;
		r->failures += fail;
	}
	hist_free(h);
}

static void
side(const struct run *r, enum compare_metric m, struct compare_side *s)
{
	s->win = r->win;
	s->nwin = r->nwin;
	if (m == COMPARE_P95)
		s->shown = (double)hist_percentile(r->all, 95);
	else if (m == COMPARE_RPS)
		s->shown = r->requests / SECONDS;
	else
		s->shown = r->failures / r->requests;
}

static enum compare_verdict
verdict(enum compare_metric m, const struct run *a, const struct run *b, uint64_t seed,
    struct compare_result *res)
{
	struct compare_floors f;
	struct compare_side sa, sb;
	struct compare_result tmp;

	compare_floors_default(&f);
	side(a, m, &sa);
	side(b, m, &sb);
	compare_metric(m, &sa, &sb, compare_floor(&f, m), true, false, seed, res ? res : &tmp);
	return (res ? res : &tmp)->verdict;
}

static void
free_run(struct run *r)
{
	hist_free(r->all);
}

int
main(void)
{
	struct run a, b;
	struct compare_result res;
	int flagged = 0, flagged_p95 = 0, unchanged = 0, found = 0;
	const int pairs = 1000, shifts = 100;

	is_int(compare_window_seconds(3600), 10, "an hour is cut into 10-second windows");
	is_int(compare_window_seconds(30), 5, "30 s is cut into 6 windows of 5 s");
	is_int(compare_window_seconds(3), 1, "windows are never under a second");

	/* same distribution: p95, rps and error rate, 1000 pairs */
	rng = 42;
	for (int i = 0; i < pairs; i++) {
		enum compare_verdict v;
		make_run(&a, 100, 1.0, 0.01);
		make_run(&b, 100, 1.0, 0.01);
		v = verdict(COMPARE_P95, &a, &b, (uint64_t)i, NULL);
		flagged += v == COMPARE_REGRESSED || v == COMPARE_IMPROVED;
		flagged_p95 += v == COMPARE_REGRESSED || v == COMPARE_IMPROVED;
		unchanged += v == COMPARE_UNCHANGED;
		v = verdict(COMPARE_ERROR_RATE, &a, &b, (uint64_t)i, NULL);
		flagged += v == COMPARE_REGRESSED || v == COMPARE_IMPROVED;
		v = verdict(COMPARE_RPS, &a, &b, (uint64_t)i, NULL);
		flagged += v == COMPARE_REGRESSED || v == COMPARE_IMPROVED;
		free_run(&a);
		free_run(&b);
	}
	printf("# same distribution (60 s at 100 requests/s, 1%% errors): %d of %d verdicts (p95, "
	    "error rate, rps) regressed or improved (%.2f%%), %d of them on p95; p95 unchanged in %d "
	    "of %d\n", flagged, 3 * pairs, 100.0 * flagged / (3 * pairs), flagged_p95, unchanged, pairs);
	ok(flagged_p95 <= pairs / 100, "at most 1%% of same-distribution p95 comparisons are flagged "
	    "(%d of %d)", flagged_p95, pairs);
	ok(flagged <= (3 * pairs) / 100, "at most 1%% of same-distribution verdicts are flagged "
	    "(%d of %d)", flagged, 3 * pairs);

	/* a 10% shift of p95 over 60 seconds */
	rng = 7;
	for (int i = 0; i < shifts; i++) {
		make_run(&a, 500, 1.0, 0.0);
		make_run(&b, 500, 1.10, 0.0);
		found += verdict(COMPARE_P95, &a, &b, (uint64_t)i, NULL) == COMPARE_REGRESSED;
		free_run(&a);
		free_run(&b);
	}
	printf("# a 10%% shift of p95 over 60 s at 500 requests/s: found in %d of %d trials\n", found, shifts);
	ok(found >= shifts * 95 / 100, "a 10%% p95 shift over 60 s is found as regressed (%d of %d)",
	    found, shifts);

	/* signs and directions */
	rng = 99;
	make_run(&a, 100, 1.0, 0.0);
	make_run(&b, 100, 0.5, 0.0);
	is_int(verdict(COMPARE_P95, &a, &b, 1, &res), COMPARE_IMPROVED, "halved latency is improved");
	ok(res.ratio > 0.45 && res.ratio < 0.55 && res.lo <= res.ratio && res.ratio <= res.hi,
	    "its ratio (%.3f) is about 0.5, inside its interval [%.3f, %.3f]", res.ratio, res.lo,
	    res.hi);
	is_int(verdict(COMPARE_P95, &b, &a, 1, &res), COMPARE_REGRESSED, "doubled latency regressed");
	ok(res.diff > 0, "the difference of a regression in latency is positive");
	free_run(&b);
	make_run(&b, 100, 1.0, 0.05);
	is_int(verdict(COMPARE_ERROR_RATE, &a, &b, 1, &res), COMPARE_REGRESSED,
	    "0%% -> 5%% errors regressed");
	ok(res.diff > 0.04 && res.diff < 0.06, "the error-rate difference is absolute (%.4f)", res.diff);
	is_int(verdict(COMPARE_ERROR_RATE, &b, &a, 1, NULL), COMPARE_IMPROVED, "5%% -> 0%% improved");
	is_int(verdict(COMPARE_ERROR_RATE, &a, &a, 1, NULL), COMPARE_UNCHANGED,
	    "no errors on both sides is unchanged");

	{
		/* throughput: fewer requests a second is a regression */
		struct compare_window wa[6], wb[6];
		struct compare_side sa = { wa, 6, 100 }, sb = { wb, 6, 80 };
		for (int i = 0; i < 6; i++) {
			compare_window_fill(&wa[i], NULL, 10, 1000 + 10 * (i % 2), 0, 0, 0, NULL);
			compare_window_fill(&wb[i], NULL, 10, 800 + 10 * (i % 2), 0, 0, 0, NULL);
		}
		compare_metric(COMPARE_RPS, &sa, &sb, 0.03, true, false, 1, &res);
		is_int(res.verdict, COMPARE_REGRESSED, "100 -> 80 requests/s regressed");
		compare_metric(COMPARE_RPS, &sb, &sa, 0.03, true, false, 1, &res);
		is_int(res.verdict, COMPARE_IMPROVED, "80 -> 100 requests/s improved");
		/* practical only: 2% under the 3% floor is unchanged, 4% is not */
		sb.shown = 98;
		compare_metric(COMPARE_RPS, &sa, &sb, 0.03, true, true, 1, &res);
		ok(res.practical_only && res.verdict == COMPARE_UNCHANGED && isnan(res.lo),
		    "practical only: -2%% under a 3%% floor is unchanged, without an interval");
		sb.shown = 96;
		compare_metric(COMPARE_RPS, &sa, &sb, 0.03, true, true, 1, &res);
		is_int(res.verdict, COMPARE_REGRESSED, "practical only: -4%% regressed");
		/* one window a side: practical only, whatever was asked */
		sa.nwin = sb.nwin = 1;
		compare_metric(COMPARE_RPS, &sa, &sb, 0.03, true, false, 1, &res);
		ok(res.practical_only, "a single window a side gives a practical-only verdict");
		/* descriptive metrics get no verdict */
		compare_metric(COMPARE_RPS, &sa, &sb, 0.03, false, false, 1, &res);
		is_int(res.verdict, COMPARE_NONE, "a metric not judged has no verdict");
	}
	{
		/* deterministic: the same seed gives the same interval */
		struct compare_result r1, r2;
		verdict(COMPARE_P95, &a, &b, 5, &r1);
		verdict(COMPARE_P95, &a, &b, 5, &r2);
		ok(r1.lo == r2.lo && r1.hi == r2.hi, "the same seed gives the same interval");
	}
	free_run(&a);
	free_run(&b);

	{
		enum compare_verdict v1[] = { COMPARE_UNCHANGED, COMPARE_REGRESSED, COMPARE_IMPROVED };
		enum compare_verdict v2[] = { COMPARE_UNCHANGED, COMPARE_IMPROVED, COMPARE_NONE };
		enum compare_verdict v3[] = { COMPARE_UNCHANGED, COMPARE_INCONCLUSIVE };
		enum compare_verdict v4[] = { COMPARE_UNCHANGED, COMPARE_NONE };
		is_int(compare_overall(v1, 3), COMPARE_REGRESSED, "overall: any regression wins");
		is_int(compare_overall(v2, 3), COMPARE_IMPROVED, "overall: improved without regression");
		is_int(compare_overall(v3, 2), COMPARE_INCONCLUSIVE, "overall: inconclusive");
		is_int(compare_overall(v4, 2), COMPARE_UNCHANGED, "overall: unchanged");
		is_int(compare_overall(NULL, 0), COMPARE_NONE, "overall: nothing judged");
	}
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
