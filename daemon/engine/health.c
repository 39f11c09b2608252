/*
 * health: see health.h. Worker CPU is read by each worker on its own thread (CLOCK_THREAD_CPUTIME_ID,
 * one clock_gettime a second); the host's CPU by the controller once a second from /proc/stat.
 * Neither is on the per-request path.
 */
#include <config.h>

#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "engine/health.h"

/* The calling thread's CPU time in ns (0 if the clock cannot be read). */
static int64_t
thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * CLOCK_NS_PER_S + ts.tv_nsec;
}

void
health_cpu_init(struct health_cpu *c, int64_t now_ns)
{
	c->last_cpu_ns = thread_cpu_ns();
	c->last_wall_ns = now_ns;
	c->last_pct = 0;
}

double
health_cpu_pct_at(struct health_cpu *c, int64_t cpu_ns, int64_t now_ns)
{
	int64_t dcpu = cpu_ns - c->last_cpu_ns, dwall = now_ns - c->last_wall_ns;
	double pct;

	if (dwall < HEALTH_CPU_MIN_INTERVAL_NS)
		return c->last_pct;        /* too short to divide by: merged into the next interval */
	c->last_cpu_ns = cpu_ns;
	c->last_wall_ns = now_ns;
	pct = dcpu <= 0 ? 0.0 : 100.0 * (double)dcpu / (double)dwall;
	c->last_pct = pct > 100.0 ? 100.0 : pct;   /* one thread: the clocks' granularity only */
	return c->last_pct;
}

double
health_cpu_pct(struct health_cpu *c, int64_t now_ns)
{
	return health_cpu_pct_at(c, thread_cpu_ns(), now_ns);
}

/* Sums the /proc/stat lines of the CPUs this process may run on (its affinity mask: a generator
   pinned with taskset to core 0 cares how busy core 0 is, not the host's average). 0, or -1. */
static int
read_proc_stat(uint64_t *busy, uint64_t *total)
{
	cpu_set_t set;
	char line[256];
	int have_set = sched_getaffinity(0, sizeof set, &set) == 0, n = 0;
	FILE *f = fopen("/proc/stat", "r");

	if (f == NULL)
		return -1;
	*busy = *total = 0;
	while (fgets(line, sizeof line, f) != NULL) {
		unsigned long long v[8] = { 0 };
		int cpu;
		if (strncmp(line, "cpu", 3) != 0)
			break;                 /* the cpu lines come first */
		if (sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0], &v[1], &v[2],
		    &v[3], &v[4], &v[5], &v[6], &v[7]) < 5)
			continue;          /* the aggregate "cpu " line */
		if (have_set && (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &set)))
			continue;
		/* user nice system idle iowait irq softirq steal: idle and iowait are not busy */
		uint64_t t = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
		*total += t;
		*busy += t - v[3] - v[4];
		n++;
	}
	fclose(f);
	return n > 0 ? 0 : -1;
}

void
health_host_init(struct health_host *h)
{
	h->last_busy = h->last_total = 0;
	h->last_pct = -1;
	(void)read_proc_stat(&h->last_busy, &h->last_total);
}

double
health_host_pct_at(struct health_host *h, uint64_t busy, uint64_t total)
{
	if (total <= h->last_total || busy < h->last_busy)
		return h->last_pct;
	h->last_pct = 100.0 * (double)(busy - h->last_busy) / (double)(total - h->last_total);
	if (h->last_pct > 100.0)
		h->last_pct = 100.0;
	h->last_busy = busy;
	h->last_total = total;
	return h->last_pct;
}

double
health_host_pct(struct health_host *h)
{
	uint64_t busy, total;

	if (read_proc_stat(&busy, &total) != 0)
		return -1;
	return health_host_pct_at(h, busy, total);
}

int64_t
health_lag_take_us(struct health_lag *l)
{
	int64_t us = l->max_ns / CLOCK_NS_PER_US;

	l->max_ns = 0;
	return us;
}
