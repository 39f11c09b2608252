/*
 * health: is the load generator itself the bottleneck? Two signals, both cheap enough to read every
 * second or every loop turn:
 *   - process CPU (user + system, every thread) per second, as % of one core;
 *   - event-loop lag: how late a worker's epoll wait returned after the deadline it asked for
 *     (a worker that is late for its own timers starts iterations late and measures late).
 * The controller owns a health_cpu and reads it once a second; each worker owns a health_lag.
 */
#ifndef RAMPAGE_HEALTH_H
#define RAMPAGE_HEALTH_H

#include <stdint.h>

/* CPU time this process has used so far (all threads), in ns. Any thread. */
int64_t health_process_cpu_ns(void);

/* Per-interval process CPU. Owned by one thread. */
struct health_cpu {
	int64_t last_cpu_ns;
	int64_t last_wall_ns;      /* CLOCK_MONOTONIC */
};
/* Starts measuring at now_ns. */
void health_cpu_init(struct health_cpu *c, int64_t now_ns);
/* Process CPU used since the previous call (or init) as % of one core of the wall time between
   them; 0 when no time passed. */
double health_cpu_pct(struct health_cpu *c, int64_t now_ns);

/* Worst event-loop lag of one worker over an interval. Owned by that worker. */
struct health_lag {
	int64_t max_ns;
};
/* Notes a wake-up at now_ns for a wait that should have ended at deadline_ns (INT64_MAX: no
   deadline). Early wake-ups (an event arrived) are not lag. */
static inline void
health_lag_note(struct health_lag *l, int64_t deadline_ns, int64_t now_ns)
{
	if (now_ns > deadline_ns && now_ns - deadline_ns > l->max_ns)
		l->max_ns = now_ns - deadline_ns;
}
/* Returns the worst lag in µs since the last take, and starts a new interval. */
int64_t health_lag_take_us(struct health_lag *l);

#endif
