/*
 * health: is the load generator itself the bottleneck? Three signals, each cheap enough to read once
 * a second or once a loop turn:
 *   - each worker thread's own CPU (CLOCK_THREAD_CPUTIME_ID, user + system) over the real elapsed
 *     interval, as % of one core: a worker is one thread, so it is at most 100% by construction;
 *     the daemon's other threads (API, store, live push) are not counted;
 *   - event-loop lag: how late a worker's epoll wait returned after the deadline it asked for
 *     (a worker that is late for its own timers starts iterations late and measures late);
 *   - the host's CPU (/proc/stat, every process, on the cores this process may run on: all of
 *     them, or those taskset pinned it to): tells "the host was busy" (other processes took the
 *     cores) from "the generator was busy".
 * Each worker owns a health_cpu and a health_lag; the controller owns the health_host.
 */
#ifndef RAMPAGE_HEALTH_H
#define RAMPAGE_HEALTH_H

#include <stdint.h>

/* A CPU reading over a shorter interval is not divided (one tick of the thread clock would read as
   hundreds of percent): the interval is merged into the next and the previous figure is kept. */
#define HEALTH_CPU_MIN_INTERVAL_NS 200000000LL    /* 200 ms */

/* Per-interval CPU of the calling thread. Owned by one thread. */
struct health_cpu {
	int64_t last_cpu_ns;
	int64_t last_wall_ns;      /* CLOCK_MONOTONIC */
	double last_pct;           /* the figure of the last interval long enough to divide by */
};
/* Starts measuring the calling thread at now_ns. */
void health_cpu_init(struct health_cpu *c, int64_t now_ns);
/* The calling thread's CPU since the last measured interval, % of one core of the wall time in
   between, in [0, 100]. An interval under HEALTH_CPU_MIN_INTERVAL_NS returns the previous figure
   (0 at first) and is merged into the next. */
double health_cpu_pct(struct health_cpu *c, int64_t now_ns);
/* The same from a given thread CPU time (for tests). */
double health_cpu_pct_at(struct health_cpu *c, int64_t cpu_ns, int64_t now_ns);

/* The host's busy share over intervals (every process, on the cores in this process's affinity
   mask), from /proc/stat. Owned by one thread. */
struct health_host {
	uint64_t last_busy, last_total;    /* jiffies */
	double last_pct;
};
/* Starts measuring (reads /proc/stat). */
void health_host_init(struct health_host *h);
/* The host's busy share since the last call, % of those cores together (0..100); the previous figure
   when no jiffy passed; -1 when /proc/stat cannot be read. */
double health_host_pct(struct health_host *h);
/* The same from given cumulative counters (for tests). */
double health_host_pct_at(struct health_host *h, uint64_t busy, uint64_t total);

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
