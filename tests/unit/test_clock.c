/* Unit tests for core/clock. */
#include <config.h>

#include <stdlib.h>

#include "core/clock.h"
#include "tap.h"

int
main(void)
{
	int64_t a = clock_now_ns(), b;
	char buf[32];

	clock_sleep_until_ns(a + 20 * CLOCK_NS_PER_MS);
	b = clock_now_ns();
	ok(b - a >= 20 * CLOCK_NS_PER_MS, "sleep_until waits at least until the deadline (%lld ns)", (long long)(b - a));
	ok(clock_now_us() >= b / 1000, "microseconds follow nanoseconds");
	/* A deadline in the past returns at once: 100 such calls take less time than 100 sleeps of 1 ms
	   (a ratio within one run, not a wall-clock bound: a busy machine slows both sides). */
	int64_t t0 = clock_now_ns();
	for (int i = 0; i < 100; i++)
		clock_sleep_until_ns(a);
	int64_t past = clock_now_ns() - t0;
	t0 = clock_now_ns();
	for (int i = 0; i < 100; i++)
		clock_sleep_until_ns(clock_now_ns() + CLOCK_NS_PER_MS);
	int64_t slept = clock_now_ns() - t0;
	ok(past < slept / 10, "a deadline in the past does not sleep (100 calls: %lld us; 100 sleeps of 1 ms: "
	    "%lld us)", (long long)(past / 1000), (long long)(slept / 1000));

	struct timespec ts = clock_ts(3 * CLOCK_NS_PER_S + 5);
	is_int(ts.tv_sec, 3, "clock_ts seconds");
	is_int(ts.tv_nsec, 5, "clock_ts nanoseconds");

	clock_format_utc(1795734062345LL, buf);
	is_str(buf, "2026-11-26T23:01:02.345Z", "RFC 3339 UTC with milliseconds");
	ok(clock_wall_ms() > 1700000000000LL, "wall clock is in ms since the epoch");
	return done_testing();
}
