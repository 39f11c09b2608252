/*
 * clock: every duration Rampage measures comes from CLOCK_MONOTONIC through these helpers; wall time
 * (CLOCK_REALTIME) is only for timestamps shown to people and stored in the database. Any thread.
 */
#ifndef RAMPAGE_CLOCK_H
#define RAMPAGE_CLOCK_H

#include <stdint.h>
#include <time.h>

#define CLOCK_NS_PER_US 1000LL
#define CLOCK_NS_PER_MS 1000000LL
#define CLOCK_NS_PER_S  1000000000LL

/* Monotonic time in nanoseconds (arbitrary epoch). */
int64_t clock_now_ns(void);
/* Monotonic time in microseconds. */
int64_t clock_now_us(void);
/* Wall-clock time in milliseconds since the Unix epoch. */
int64_t clock_wall_ms(void);
/* Converts nanoseconds to a timespec. */
struct timespec clock_ts(int64_t ns);
/* Sleeps until the monotonic instant `ns` (returns at once if it has passed). */
void clock_sleep_until_ns(int64_t ns);
/* Fills buf with an RFC 3339 UTC timestamp ("2026-11-26T23:01:02.345Z") of a wall time in ms. */
void clock_format_utc(int64_t wall_ms, char buf[32]);

#endif
