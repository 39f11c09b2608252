/*
 * Unit tests for engine/health: a worker's CPU figure is never divided by a near-zero interval and
 * never exceeds one core; the host's share comes from /proc/stat's counters; lag keeps the worst.
 */
#include <config.h>

#include "core/clock.h"
#include "engine/health.h"
#include "tap.h"

#define MS 1000000LL

static void
test_cpu(void)
{
	struct health_cpu c = { .last_cpu_ns = 0, .last_wall_ns = 0, .last_pct = 0 };

	/* a full second with half of it on the CPU */
	is_int((long long)health_cpu_pct_at(&c, 500 * MS, 1000 * MS), 50, "500 ms of 1 s is 50%%");
	/* 4 ms of CPU over a 1 ms interval (the clock's granularity at a boundary): not divided */
	is_int((long long)health_cpu_pct_at(&c, 504 * MS, 1001 * MS), 50,
	    "a 1 ms interval keeps the previous figure, not 400%%");
	/* and is merged into the next: 4 + 196 ms over 1 ms + 999 ms */
	is_int((long long)health_cpu_pct_at(&c, 700 * MS, 2000 * MS), 20, "merged into the next interval");
	/* a thread cannot use more than its core: clock skew between the two clocks is clamped */
	ok(health_cpu_pct_at(&c, 1800 * MS, 3000 * MS) <= 100.0, "never above 100%% of one core");
	/* a first interval that is too short reads 0, not a quotient */
	c = (struct health_cpu){ 0 };
	ok(health_cpu_pct_at(&c, 3 * MS, 1 * MS) == 0.0, "a first near-zero interval reads 0");
	/* the real clock, on this thread */
	health_cpu_init(&c, clock_now_ns());
	{
		double p = health_cpu_pct(&c, clock_now_ns() + 300 * MS);
		ok(p >= 0.0 && p <= 100.0, "this thread's CPU is within one core (%.1f%%)", p);
	}
}

static void
test_host(void)
{
	struct health_host h = { .last_busy = 1000, .last_total = 4000, .last_pct = -1 };

	ok(health_host_pct_at(&h, 1000, 4000) == -1, "no jiffy passed: the previous figure (unknown)");
	is_int((long long)health_host_pct_at(&h, 1300, 4400), 75, "300 busy of 400: 75%%");
	is_int((long long)health_host_pct_at(&h, 1300, 4400), 75, "again with no time: kept");
	health_host_init(&h);
	{
		double p = health_host_pct(&h);
		ok(p >= -1.0 && p <= 100.0, "the real host's share is a share or unknown (%.1f)", p);
	}
}

static void
test_lag(void)
{
	struct health_lag l = { 0 };

	health_lag_note(&l, 100 * MS, 90 * MS);
	is_int(health_lag_take_us(&l), 0, "an early wake-up is not lag");
	health_lag_note(&l, 100 * MS, 112 * MS);
	health_lag_note(&l, 200 * MS, 203 * MS);
	is_int(health_lag_take_us(&l), 12000, "the worst of the interval");
	is_int(health_lag_take_us(&l), 0, "and a new interval starts");
}

int
main(void)
{
	test_cpu();
	test_host();
	test_lag();
	return done_testing();
}
