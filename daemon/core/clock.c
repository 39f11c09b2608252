/*
 * clock: see clock.h.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>

#include "core/clock.h"

int64_t
clock_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * CLOCK_NS_PER_S + ts.tv_nsec;
}

int64_t
clock_now_us(void)
{
	return clock_now_ns() / CLOCK_NS_PER_US;
}

int64_t
clock_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / CLOCK_NS_PER_MS;
}

struct timespec
clock_ts(int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / CLOCK_NS_PER_S, .tv_nsec = ns % CLOCK_NS_PER_S };
	return ts;
}

void
clock_sleep_until_ns(int64_t ns)
{
	struct timespec ts = clock_ts(ns);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

void
clock_format_utc(int64_t wall_ms, char buf[32])
{
	time_t s = (time_t)(wall_ms / 1000);
	int ms = (int)(wall_ms % 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	size_t n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n == 0 || n > 24) {
		buf[0] = '\0';
		return;
	}
	buf[n++] = '.';
	buf[n++] = (char)('0' + ms / 100);
	buf[n++] = (char)('0' + ms / 10 % 10);
	buf[n++] = (char)('0' + ms % 10);
	buf[n++] = 'Z';
	buf[n] = '\0';
}
