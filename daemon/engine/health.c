/*
 * health: see health.h. getrusage(RUSAGE_SELF) sums every thread of the process, which is what a
 * saturated generator looks like (workers and controller together).
 */
#include <config.h>

#include <sys/resource.h>

#include "core/clock.h"
#include "engine/health.h"

int64_t
health_process_cpu_ns(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * CLOCK_NS_PER_S +
	    ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * CLOCK_NS_PER_US;
}

void
health_cpu_init(struct health_cpu *c, int64_t now_ns)
{
	c->last_cpu_ns = health_process_cpu_ns();
	c->last_wall_ns = now_ns;
}

double
health_cpu_pct(struct health_cpu *c, int64_t now_ns)
{
	int64_t cpu = health_process_cpu_ns();
	int64_t dcpu = cpu - c->last_cpu_ns, dwall = now_ns - c->last_wall_ns;

	c->last_cpu_ns = cpu;
	c->last_wall_ns = now_ns;
	if (dwall <= 0 || dcpu < 0)
		return 0;
	return 100.0 * (double)dcpu / (double)dwall;
}

int64_t
health_lag_take_us(struct health_lag *l)
{
	int64_t us = l->max_ns / CLOCK_NS_PER_US;

	l->max_ns = 0;
	return us;
}
