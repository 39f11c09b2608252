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
	clock_sleep_until_ns(a); /* in the past: returns at once */
	ok(clock_now_ns() - b < 10 * CLOCK_NS_PER_MS, "a deadline in the past does not sleep");

	struct timespec ts = clock_ts(3 * CLOCK_NS_PER_S + 5);
	is_int(ts.tv_sec, 3, "clock_ts seconds");
	is_int(ts.tv_nsec, 5, "clock_ts nanoseconds");

	clock_format_utc(1795734062345LL, buf);
	is_str(buf, "2026-11-26T23:01:02.345Z", "RFC 3339 UTC with milliseconds");
	ok(clock_wall_ms() > 1700000000000LL, "wall clock is in ms since the epoch");
	return done_testing();
}
