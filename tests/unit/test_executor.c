/*
 * Unit tests for engine/executor: k6's own execution-plan examples, second-by-second VU targets, arrival
 * times against closed forms computed independently here (128-bit integers), and the properties the
 * controller relies on (monotone due counts, due(time_of(k)) == k + 1, no drift over 1e7 iterations).
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/executor.h"
#include "tap.h"

#define S 1000000000LL
#define MS 1000000LL
#define NSTAGES(a) ((int)(sizeof(a) / sizeof((a)[0])))

typedef __int128 i128;

/* k6's ExecutionStep: from `at` on, `vus`. */
struct step {
	int64_t at;
	int64_t vus;
};

/* Value of a step list at t (0 before the first step). */
static int64_t
step_value(const struct step *st, int n, int64_t t)
{
	int64_t v = 0;
	for (int i = 0; i < n && st[i].at <= t; i++)
		v = st[i].vus;
	return v;
}

/* Compares f over [0, until] with a step list: at every step, 1 ns before it, and every 250 ms. */
static int
matches_steps(const struct executor_vus *s, int64_t (*f)(const struct executor_vus *, int64_t),
    const struct step *st, int n, int64_t until, const char *what)
{
	int good = 1;
	for (int i = 0; i < n; i++) {
		for (int64_t t = st[i].at - 1; t <= st[i].at; t++) {
			if (t >= 0 && f(s, t) != step_value(st, n, t)) {
				printf("#   %s at %lld ns: got %lld, k6 %lld\n", what, (long long)t,
				    (long long)f(s, t), (long long)step_value(st, n, t));
				good = 0;
			}
		}
	}
	for (int64_t t = 0; t <= until; t += 250 * MS) {
		if (f(s, t) != step_value(st, n, t)) {
			printf("#   %s at %lld ms: got %lld, k6 %lld\n", what, (long long)(t / MS),
			    (long long)f(s, t), (long long)step_value(st, n, t));
			good = 0;
		}
	}
	return good;
}

/* k6 lib/executor/ramping_vus_test.go, TestRampingVUsConfigExecutionPlanExample. */
static void
test_k6_plan_example(void)
{
	static const struct plan_stage stages[] = {
		{ 2 * S, 6 }, { 5 * S, 1 }, { 4 * S, 5 }, { 4 * S, 1 }, { 3 * S, 4 }, { 2 * S, 4 }, { 0, 1 },
		{ 3 * S, 1 },
	};
	static const struct step raw[] = {
		{ 0, 4 }, { 1 * S, 5 }, { 2 * S, 6 }, { 3 * S, 5 }, { 4 * S, 4 }, { 5 * S, 3 }, { 6 * S, 2 },
		{ 7 * S, 1 }, { 8 * S, 2 }, { 9 * S, 3 }, { 10 * S, 4 }, { 11 * S, 5 }, { 12 * S, 4 },
		{ 13 * S, 3 }, { 14 * S, 2 }, { 15 * S, 1 }, { 16 * S, 2 }, { 17 * S, 3 }, { 18 * S, 4 },
		{ 20 * S, 1 }, { 23 * S, 0 },
	};
	static const struct step g30[] = { { 0, 4 }, { 1 * S, 5 }, { 2 * S, 6 }, { 33 * S, 5 }, { 42 * S, 4 },
		{ 50 * S, 1 }, { 53 * S, 0 } };
	static const struct step g80[] = { { 0, 4 }, { 1 * S, 5 }, { 2 * S, 6 }, { 33 * S, 5 }, { 42 * S, 4 },
		{ 50 * S, 1 }, { 103 * S, 0 } };
	static const struct step g3[] = { { 0, 4 }, { 1 * S, 5 }, { 2 * S, 6 }, { 26 * S, 0 } };
	static const struct step g0[] = { { 0, 4 }, { 1 * S, 5 }, { 2 * S, 6 }, { 23 * S, 0 } };
	struct executor_vus s = { 4, stages, NSTAGES(stages), 30 * S, 30 * S };

	is_int(executor_vus_duration_ns(&s), 23 * S, "k6 example: stages last 23 s");
	ok(matches_steps(&s, executor_vus_target, raw, NSTAGES(raw), 25 * S, "target"),
	    "k6 example: target follows k6's raw execution steps exactly");
	ok(matches_steps(&s, executor_vus_allowed, g30, NSTAGES(g30), 60 * S, "allowed"),
	    "k6 example: allowed follows k6's graceful steps (gracefulStop = gracefulRampDown = 30 s)");
	is_int(executor_vus_end_ns(&s), 53 * S, "k6 example: ends at 53 s");
	s.graceful_stop_ns = 80 * S;
	ok(matches_steps(&s, executor_vus_allowed, g80, NSTAGES(g80), 110 * S, "allowed"),
	    "k6 example: gracefulStop 80 s");
	is_int(executor_vus_end_ns(&s), 103 * S, "k6 example: ends at 103 s");
	s.graceful_stop_ns = 3 * S;
	ok(matches_steps(&s, executor_vus_allowed, g3, NSTAGES(g3), 30 * S, "allowed"),
	    "k6 example: gracefulStop 3 s cuts the ramp-down reservation");
	s.graceful_stop_ns = 0;
	ok(matches_steps(&s, executor_vus_allowed, g0, NSTAGES(g0), 30 * S, "allowed"), "k6 example: gracefulStop 0");
	s.graceful_ramp_down_ns = 0;
	ok(matches_steps(&s, executor_vus_allowed, raw, NSTAGES(raw), 30 * S, "allowed"),
	    "k6 example: gracefulStop and gracefulRampDown 0 give the raw steps");
	is_int(executor_vus_max(&s), 6, "k6 example: at most 6 VUs");
}

/* k6 TestRampingVUsExecutionTupleTests, whole segment: zero-duration stages, drops to 0 and back. */
static void
test_k6_tuple_example(void)
{
	static const struct plan_stage stages[] = {
		{ 2 * S, 6 }, { 5 * S, 1 }, { 4 * S, 5 }, { 4 * S, 1 }, { 3 * S, 4 }, { 2 * S, 4 }, { 0, 1 },
		{ 3 * S, 1 }, { 0, 5 }, { 3 * S, 5 }, { 0, 0 }, { 2 * S, 2 }, { 2 * S, 0 }, { 4 * S, 4 },
	};
	static const struct step raw[] = {
		{ 0, 4 }, { 1 * S, 5 }, { 2 * S, 6 }, { 3 * S, 5 }, { 4 * S, 4 }, { 5 * S, 3 }, { 6 * S, 2 },
		{ 7 * S, 1 }, { 8 * S, 2 }, { 9 * S, 3 }, { 10 * S, 4 }, { 11 * S, 5 }, { 12 * S, 4 },
		{ 13 * S, 3 }, { 14 * S, 2 }, { 15 * S, 1 }, { 16 * S, 2 }, { 17 * S, 3 }, { 18 * S, 4 },
		{ 20 * S, 1 }, { 23 * S, 5 }, { 26 * S, 0 }, { 27 * S, 1 }, { 28 * S, 2 }, { 29 * S, 1 },
		{ 30 * S, 0 }, { 31 * S, 1 }, { 32 * S, 2 }, { 33 * S, 3 },
		{ 34 * S, 0 },        /* k6 lists (34 s, 4) at the end offset; the executor ends there */
	};
	struct executor_vus s = { 4, stages, NSTAGES(stages), 30 * S, 30 * S };

	ok(matches_steps(&s, executor_vus_target, raw, NSTAGES(raw), 36 * S, "target"),
	    "k6 tuple example: target follows k6's raw steps");
}

/* The target at 0 s, 1 s, ... (n values) as "a b c ...", for readable second-by-second tables. */
static const char *
trace(const struct executor_vus *s, int n)
{
	static char buf[1024];
	size_t len = 0;
	buf[0] = 0;
	for (int i = 0; i < n && len < sizeof buf - 24; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, i ? " %lld" : "%lld",
		    (long long)executor_vus_target(s, i * S));
	return buf;
}

static void
test_vus_tables(void)
{
	/* up 0 -> 10 over 10 s, flat 5 s, down to 0 over 5 s */
	static const struct plan_stage a[] = { { 10 * S, 10 }, { 5 * S, 10 }, { 5 * S, 0 } };
	struct executor_vus s = { 0, a, NSTAGES(a), 30 * S, 30 * S };
	is_str(trace(&s, 22), "0 1 2 3 4 5 6 7 8 9 10 10 10 10 10 10 8 6 4 2 0 0",
	    "up, flat, down to 0: second by second");
	is_int(executor_vus_target(&s, 10 * S - 1), 9, "the 10th VU starts exactly at 10 s, not before");
	is_int(executor_vus_target(&s, 15 * S + 500 * MS - 1), 10, "down: 10 until 15.5 s");
	is_int(executor_vus_target(&s, 15 * S + 500 * MS), 9, "down: 9 from 15.5 s");
	is_int(executor_vus_allowed(&s, 19 * S), 10, "VUs ramped down keep their slot for gracefulRampDown");
	is_int(executor_vus_allowed(&s, 45 * S + 500 * MS - 1), 10, "... until 30 s after their drop");
	is_int(executor_vus_allowed(&s, 45 * S + 500 * MS), 9, "... and not a ns longer");
	is_int(executor_vus_allowed(&s, 50 * S - 1), 1, "the last one until the end (20 s + 30 s)");
	is_int(executor_vus_allowed(&s, 50 * S), 0, "nothing allowed at the end");

	/* startVUs above the first target */
	static const struct plan_stage b[] = { { 5 * S, 5 }, { 3 * S, 5 } };
	struct executor_vus sb = { 10, b, NSTAGES(b), 0, 0 };
	is_str(trace(&sb, 10), "10 9 8 7 6 5 5 5 0 0", "startVUs 10 > first target 5");
	is_int(executor_vus_allowed(&sb, 1 * S), 9, "gracefulRampDown 0: allowed follows the target");

	/* zero-duration stages: jumps */
	static const struct plan_stage c[] = { { 0, 5 }, { 3 * S, 5 }, { 0, 0 }, { 2 * S, 0 }, { 0, 3 },
		{ 2 * S, 3 }, { 0, 8 }, { 0, 1 }, { 2 * S, 1 } };
	struct executor_vus sc = { 1, c, NSTAGES(c), 2 * S, 1 * S };
	is_str(trace(&sc, 11), "5 5 5 0 0 3 3 1 1 0 0", "zero-duration stages jump at their instant");
	is_int(executor_vus_target(&sc, 0), 5, "a zero-duration first stage replaces startVUs at 0");
	is_int(executor_vus_allowed(&sc, 4 * S), 5, "after a jump to 0, the 5 keep their slots for 2 s");
	is_int(executor_vus_allowed(&sc, 5 * S), 3, "... then only the new 3");
	is_int(executor_vus_allowed(&sc, 7 * S), 3, "an instantaneous 8 is never active nor allowed");
	is_int(executor_vus_max(&sc), 8, "the pool bound counts every target");
	is_int(executor_vus_end_ns(&sc), 10 * S, "end = 9 s of stages + 1 s gracefulStop");

	/* down to 0 in the middle and back up */
	static const struct plan_stage d[] = { { 4 * S, 4 }, { 4 * S, 0 }, { 2 * S, 0 }, { 4 * S, 2 } };
	struct executor_vus sd = { 0, d, NSTAGES(d), 1 * S, 0 };
	is_str(trace(&sd, 15), "0 1 2 3 4 3 2 1 0 0 0 0 1 1 0", "down to 0, idle, up again");

	/* constant-vus */
	struct plan_stage one;
	struct executor_vus cv;
	executor_vus_constant(&cv, &one, 50, 60 * S, 10 * S);
	ok(executor_vus_target(&cv, 0) == 50 && executor_vus_target(&cv, 60 * S - 1) == 50 &&
	    executor_vus_target(&cv, 60 * S) == 0 && executor_vus_target(&cv, -1) == 0,
	    "constant-vus: 50 over [0, 60 s), 0 outside");
	ok(executor_vus_allowed(&cv, 70 * S - 1) == 50 && executor_vus_allowed(&cv, 70 * S) == 0,
	    "constant-vus: allowed until 60 s + gracefulStop");
	is_int(executor_vus_end_ns(&cv), 70 * S, "constant-vus: end");
	is_int(executor_vus_max(&cv), 50, "constant-vus: max");
}

/* next_change on a schedule in nanoseconds: exhaustive over every t. */
static void
test_vus_next_change(void)
{
	static const struct plan_stage st[] = { { 7, 5 }, { 0, 2 }, { 13, 9 }, { 5, 9 }, { 11, 0 }, { 0, 4 },
		{ 3, 1 } };
	struct executor_vus s = { 3, st, NSTAGES(st), 4, 6 };
	int64_t end = executor_vus_end_ns(&s);
	int good = 1, changes = 0, wakes = 0, always_ge = 1;

	for (int64_t t = -3; t <= end + 3; t++) {
		int64_t nc = executor_vus_next_change(&s, t);
		if (executor_vus_allowed(&s, t) < executor_vus_target(&s, t))
			always_ge = 0;
		if (t >= 0 && (executor_vus_target(&s, t) != executor_vus_target(&s, t - 1) ||
		    executor_vus_allowed(&s, t) != executor_vus_allowed(&s, t - 1)))
			changes++;
		if (nc <= t) {
			good = 0;
			continue;
		}
		for (int64_t u = t + 1; u < nc && u <= end + 3; u++)
			if (executor_vus_target(&s, u) != executor_vus_target(&s, t) ||
			    executor_vus_allowed(&s, u) != executor_vus_allowed(&s, t))
				good = 0;
		if (t >= end && nc != EXECUTOR_NEVER)
			good = 0;
	}
	for (int64_t t = 0; t != EXECUTOR_NEVER; t = executor_vus_next_change(&s, t))
		wakes++;
	ok(good, "next_change never skips a change of target or allowed (every ns of a ns-scale schedule)");
	ok(wakes <= 3 * changes + 4, "next_change wakes %d times for %d changes", wakes, changes);
	ok(always_ge, "allowed >= target everywhere");
}

/* ceil(sqrt(x)) for x >= 0. */
static int64_t
ceil_sqrt(i128 x)
{
	int64_t r = (int64_t)sqrtl((long double)x);
	while ((i128)r * r > x)
		r--;
	while ((i128)r * r < x)
		r++;
	return r;
}

static void
test_constant_rate(void)
{
	struct plan_stage st;
	struct executor_rate s;
	int good;

	executor_rate_constant(&s, &st, 10, 1 * S, 5 * S, 30 * S);
	is_int(executor_rate_total(&s), 50, "10/s for 5 s: 50 iterations");
	good = 1;
	for (int64_t k = 0; k < 50; k++)
		if (executor_rate_time_of(&s, k) != k * 100 * MS)
			good = 0;
	ok(good, "10/s: iteration k at exactly k x 100 ms (the first at 0, as k6)");
	is_int(executor_rate_time_of(&s, 50), EXECUTOR_NEVER, "no iteration 50");
	is_int(executor_rate_time_of(&s, -1), EXECUTOR_NEVER, "no iteration -1");
	is_int(executor_rate_due(&s, -1), 0, "none due before the start");
	is_int(executor_rate_due(&s, 0), 1, "one due at 0");
	is_int(executor_rate_due(&s, 100 * MS - 1), 1, "still one 1 ns before 100 ms");
	is_int(executor_rate_due(&s, 100 * MS), 2, "two at 100 ms");
	is_int(executor_rate_due(&s, 5 * S), 50, "50 at the end");
	is_int(executor_rate_due(&s, 1000 * S), 50, "50 long after");
	is_int(executor_rate_end_ns(&s), 35 * S, "end = duration + gracefulStop");
	ok(executor_rate_at(&s, 2 * S) == 10 && executor_rate_at(&s, 5 * S) == 0, "rate_at: 10 during, 0 after");

	/* timeUnit 1m: 90 per minute = every 666.67 ms, rounded up to the ns */
	executor_rate_constant(&s, &st, 90, 60 * S, 60 * S, 0);
	is_int(executor_rate_total(&s), 90, "90 per minute for a minute: 90");
	good = 1;
	for (int64_t k = 0; k < 90; k++)
		if (executor_rate_time_of(&s, k) != (k * 60 * S + 89) / 90)
			good = 0;
	ok(good, "timeUnit 1m: iteration k at ceil(k x 60 s / 90)");

	/* fractional rate: 0.5 per second */
	executor_rate_constant(&s, &st, 0.5, 1 * S, 10 * S, 0);
	is_int(executor_rate_total(&s), 5, "0.5/s for 10 s: 5 iterations");
	is_int(executor_rate_time_of(&s, 4), 8 * S, "0.5/s: the 5th at 8 s");
	executor_rate_constant(&s, &st, 2.25, 1 * S, 4 * S, 0);
	is_int(executor_rate_total(&s), 9, "2.25/s for 4 s: 9 iterations");
	is_int(executor_rate_time_of(&s, 8), (8 * 4 * S + 8) / 9, "2.25/s: the 9th at 32/9 s");

	/* 1e7 iterations, no drift: 7 per 3 us (2.33 M/s) for 4.3 s, every k against the closed form */
	executor_rate_constant(&s, &st, 7, 3000, 4285714286LL, 0);
	int64_t total = executor_rate_total(&s);
	is_int(total, 10000000, "7 per 3 us for 4.285714286 s: 10,000,000 iterations");
	good = 1;
	for (int64_t k = 0; k < total; k++) {
		int64_t t = executor_rate_time_of(&s, k);
		if (t != (k * 3000 + 6) / 7) {
			good = 0;
			break;
		}
		if (k % 97 == 0 && (executor_rate_due(&s, t) != k + 1 || executor_rate_due(&s, t - 1) != k)) {
			good = 0;
			break;
		}
	}
	ok(good, "1e7 iterations: each exactly at ceil(k x 3000 / 7) ns, due() agrees");

	/* the highest rate allowed, over the longest stage */
	executor_rate_constant(&s, &st, PLAN_MAX_RATE, 1 * S, PLAN_MAX_STAGE_NS, 0);
	total = executor_rate_total(&s);
	is_int(total, (int64_t)((PLAN_MAX_STAGE_NS - 1) / 100 + 1), "1e7/s over 1e15 ns: exact total");
	is_int(executor_rate_time_of(&s, total - 1), (total - 1) * 100, "and the last iteration's time");
}

static void
test_ramping_rate(void)
{
	/* 0 -> 100/s over 10 s: integral 5 t^2; iteration k when it reaches k + 1 */
	static const struct plan_stage up[] = { { 10 * S, 100 } };
	struct executor_rate s = { 0, 1 * S, up, 1, 30 * S, false };
	int good = 1;

	for (int64_t ms = 0; ms < 10000; ms++) {
		int64_t want = (int64_t)((i128)5 * ms * ms / 1000000);   /* floor(5 t^2), t = ms / 1000 */
		int64_t got = executor_rate_due(&s, ms * MS);
		if (got != want) {
			printf("#   at %lld ms: due %lld, integral %lld\n", (long long)ms, (long long)got,
			    (long long)want);
			good = 0;
		}
	}
	ok(good, "0 -> 100/s over 10 s: due(t) == floor(integral) every ms");
	is_int(executor_rate_total(&s), 499, "500 in the integral; the 500th falls at the end (10 s), so 499");
	good = 1;
	for (int64_t k = 0; k < 499; k++)   /* 5 t^2 >= k + 1, t in ns: t^2 >= (k + 1) * 2e17 */
		if (executor_rate_time_of(&s, k) != ceil_sqrt((i128)(k + 1) * 200000000000000000LL))
			good = 0;
	ok(good, "every time_of(k) is ceil(sqrt((k + 1) / 5) s) to the ns");
	ok(fabs(executor_rate_at(&s, 2500 * MS) - 25) < 1e-9, "rate_at(2.5 s) = 25/s");

	/* timeUnit 1m, from 0 to 120/m over a minute: integral t^2 / 60 (t in s) */
	static const struct plan_stage m[] = { { 60 * S, 120 } };
	struct executor_rate sm = { 0, 60 * S, m, 1, 0, false };
	good = 1;
	for (int64_t sec = 0; sec < 60; sec++)
		if (executor_rate_due(&sm, sec * S) != sec * sec / 60)
			good = 0;
	ok(good, "timeUnit 1m ramp: due every second == floor(t^2 / 60)");

	/* a rate-0 stretch in the middle */
	static const struct plan_stage z[] = { { 5 * S, 10 }, { 0, 0 }, { 5 * S, 0 }, { 0, 20 }, { 5 * S, 20 } };
	struct executor_rate sz = { 10, 1 * S, z, NSTAGES(z), 0, false };
	is_int(executor_rate_total(&sz), 149, "10/s 5 s, 0 for 5 s, 20/s 5 s: 50 + 99 (the 100th at the end)");
	is_int(executor_rate_time_of(&sz, 0), 100 * MS, "ramping semantics: the first after 1/rate");
	is_int(executor_rate_time_of(&sz, 49), 5 * S, "the 50th at 5 s");
	is_int(executor_rate_time_of(&sz, 50), 10 * S + 50 * MS, "nothing while the rate is 0: the 51st at 10.05 s");
	good = 1;
	for (int64_t t = 5 * S; t < 10 * S; t += 10 * MS)
		if (executor_rate_due(&sz, t) != 50)
			good = 0;
	ok(good, "due stays at 50 through the rate-0 stretch");
	ok(executor_rate_at(&sz, 7 * S) == 0 && executor_rate_at(&sz, 12 * S) == 20, "rate_at follows the jumps");

	/* down to 0 and back up: symmetric */
	static const struct plan_stage v[] = { { 4 * S, 0 }, { 4 * S, 10 } };
	struct executor_rate sv = { 10, 1 * S, v, NSTAGES(v), 0, false };
	is_int(executor_rate_due(&sv, 4 * S), 20, "10 -> 0 over 4 s: 20 iterations");
	is_int(executor_rate_total(&sv), 39, "and 20 more (the last at the very end, excluded)");
	is_int(executor_rate_time_of(&sv, 19), 4 * S, "the 20th exactly where the rate touches 0");

	/* startRate with stages, as k6's cal() example: 2/s for 5 s then to 3/s over 5 s */
	static const struct plan_stage k[] = { { 5 * S, 2 }, { 5 * S, 3 } };
	struct executor_rate sk = { 2, 1 * S, k, NSTAGES(k), 0, false };
	is_int(executor_rate_time_of(&sk, 0), 500 * MS, "k6 cal(): the first at 0.5 s");
	is_int(executor_rate_due(&sk, 5 * S), 10, "k6 cal(): 10 in the first stage");
	/* the 12th: 2 into stage 2, 2 e + e^2 / 10 = 2 -> e = -10 + sqrt(120) s */
	is_int(executor_rate_time_of(&sk, 11), 5 * S + ceil_sqrt((i128)120 * S * S) - 10 * S,
	    "k6 cal(): the 12th at 5 s + (sqrt(120) - 10) s");
}

/* Properties on random schedules. */
static uint64_t rng = 12345;
static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
test_rate_properties(void)
{
	static const int64_t units[] = { 1 * S, 60 * S, 1 * MS, 7, 3 * S };
	static const double fracs[] = { 0, 0.5, 0.25, 0.1, 0.001 };
	int schedules = 0, bad = 0;
	int64_t checked = 0;

	for (int round = 0; round < 300; round++) {
		struct plan_stage st[6];
		int n = 1 + (int)(rnd() % 6);
		for (int i = 0; i < n; i++) {
			st[i].duration_ns = rnd() % 5 == 0 ? 0 : (int64_t)(rnd() % (3 * S));
			st[i].target = rnd() % 4 == 0 ? 0 : (double)(rnd() % 1000) + fracs[rnd() % 5];
		}
		struct executor_rate s = { (double)(rnd() % 50), units[rnd() % 5], st, n, 0, rnd() % 3 == 0 };
		if (s.time_unit_ns < 1000) { /* keep rates at most 1 per ns */
			for (int i = 0; i < n; i++)
				st[i].target = fmod(floor(st[i].target), 7);
			s.start_rate = (double)(rnd() % 7);
		}
		int64_t total = executor_rate_total(&s), dur = executor_rate_duration_ns(&s), prev = -1;
		int64_t step = total > 20000 ? total / 20000 : 1;
		schedules++;
		for (int64_t k = 0; k < total; k += step) {
			int64_t t = executor_rate_time_of(&s, k);
			if (t < 0 || t >= dur || t <= prev || executor_rate_due(&s, t) != k + 1 ||
			    (t > 0 && executor_rate_due(&s, t - 1) != k)) {
				if (bad++ < 5)
					printf("#   schedule %d k=%lld t=%lld due=%lld\n", round, (long long)k,
					    (long long)t, (long long)executor_rate_due(&s, t));
			}
			prev = step == 1 ? t : -1;
			checked++;
		}
		if (executor_rate_time_of(&s, total) != EXECUTOR_NEVER || executor_rate_due(&s, dur) != total ||
		    executor_rate_due(&s, INT64_MAX / 2) != total || executor_rate_due(&s, -5) != 0)
			bad++;
		/* monotone at random times */
		int64_t last = 0;
		for (int64_t t = -10; t < dur + 10; t += 1 + (int64_t)(rnd() % (dur / 500 + 1))) {
			int64_t d = executor_rate_due(&s, t);
			if (d < last)
				bad++;
			last = d;
		}
	}
	is_int(bad, 0, "%d random schedules, %lld iterations: time_of strictly increasing, inside [0, duration), "
	    "due(time_of(k)) == k + 1, due(time_of(k) - 1) == k, due monotone", schedules, (long long)checked);
}

static void
test_iterations(void)
{
	struct executor_iters pv = { 10, 7, false, 10 * 60 * S, 30 * S };
	struct executor_iters sh = { 4, 10, true, 60 * S, 5 * S };
	struct executor_iters few = { 8, 3, true, 60 * S, 0 };
	int64_t sum = 0;

	is_int(executor_iters_total(&pv), 70, "per-vu-iterations: 10 VUs x 7");
	is_int(executor_iters_quota(&pv, 9), 7, "per-vu-iterations: each VU does 7");
	is_int(executor_iters_vus(&pv), 10, "per-vu-iterations: all VUs work");
	is_int(executor_iters_end_ns(&pv), 630 * S, "per-vu-iterations: end = maxDuration + gracefulStop");
	is_int(executor_iters_total(&sh), 10, "shared-iterations: 10 in all");
	for (int i = 0; i < 4; i++)
		sum += executor_iters_quota(&sh, i);
	ok(sum == 10 && executor_iters_quota(&sh, 0) == 3 && executor_iters_quota(&sh, 3) == 2,
	    "shared-iterations: 10 over 4 VUs is 3, 3, 2, 2");
	is_int(executor_iters_end_ns(&sh), 65 * S, "shared-iterations: end");
	is_int(executor_iters_vus(&few), 3, "shared-iterations: no more VUs than iterations get work");
	sum = 0;
	for (int i = 0; i < 7; i++)
		sum += executor_share(100, 7, i);
	ok(sum == 100 && executor_share(100, 7, 1) == 15 && executor_share(100, 7, 2) == 14,
	    "share: 100 over 7 is 15, 15, 14, 14, 14, 14, 14");
	is_int(executor_stages_duration_ns((const struct plan_stage[]){ { 3, 1 }, { 0, 2 }, { 4, 0 } }, 3), 7,
	    "stage durations add up");
	is_int(executor_rate_time_of(&(struct executor_rate){ 0, S, NULL, 0, 0, false }, 0), EXECUTOR_NEVER,
	    "an empty rate schedule has no iteration");
}

int
main(void)
{
	test_k6_plan_example();
	test_k6_tuple_example();
	test_vus_tables();
	test_vus_next_change();
	test_constant_rate();
	test_ramping_rate();
	test_rate_properties();
	test_iterations();
	return done_testing();
}
