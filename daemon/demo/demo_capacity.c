/*
 * demo_capacity: `rampage demo-target --capacity N`, a target with a capacity limit, so that a ramp
 * shows a knee where the limit lies (issue 14, docs/findings.md). At most N requests are in service
 * at once; a request's service is its delay (--latency-ms, --jitter-ms, ?delay_ms=, ?jitter_ms=).
 * The others wait, first come first served, in a queue without a bound on its length (as a real
 * server's accept queue grows), and their latency grows with it, while throughput stays at N per
 * service time. Threads: MHD's pool threads admit and finish requests; the timer thread resumes the
 * connections whose service ended; the main thread stops it. One mutex: this is a test fixture.
 */
#include <config.h>

#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "demo/demo_priv.h"

struct waiting {
	struct MHD_Connection *conn;       /* suspended */
	int64_t service_ns;
};

struct demo_capacity {
	int limit;
	/* shared, under lock */
	pthread_mutex_t lock;
	int in_service;
	struct waiting *q;         /* a ring of cap entries: [head, head + len) */
	size_t head, len, cap;
	int stopping;
};

struct demo_capacity *
demo_capacity_new(int limit)
{
	struct demo_capacity *c = xcalloc(1, sizeof *c);

	c->limit = limit;
	pthread_mutex_init(&c->lock, NULL);
	c->cap = 256;
	c->q = xreallocarray(NULL, c->cap, sizeof *c->q);
	return c;
}

void
demo_capacity_admit(struct demo_capacity *c, struct demo_timer *t, struct MHD_Connection *conn,
    int64_t service_ns)
{
	pthread_mutex_lock(&c->lock);
	if (c->stopping || c->in_service < c->limit) {
		c->in_service++;
		pthread_mutex_unlock(&c->lock);
		demo_timer_add(t, conn, clock_now_ns() + service_ns);
		return;
	}
	if (c->len == c->cap) {
		/* unroll the ring into a twice larger one */
		struct waiting *q = xreallocarray(NULL, c->cap * 2, sizeof *q);
		for (size_t i = 0; i < c->len; i++)
			q[i] = c->q[(c->head + i) % c->cap];
		free(c->q);
		c->q = q;
		c->head = 0;
		c->cap *= 2;
	}
	c->q[(c->head + c->len++) % c->cap] = (struct waiting){ conn, service_ns };
	pthread_mutex_unlock(&c->lock);
}

void
demo_capacity_done(struct demo_capacity *c, struct demo_timer *t)
{
	struct waiting next = { 0 };

	pthread_mutex_lock(&c->lock);
	if (c->len > 0) {
		/* the slot passes straight to the first in the queue */
		next = c->q[c->head];
		c->head = (c->head + 1) % c->cap;
		c->len--;
	} else {
		c->in_service--;
	}
	pthread_mutex_unlock(&c->lock);
	if (next.conn != NULL)
		demo_timer_add(t, next.conn, clock_now_ns() + next.service_ns);
}

void
demo_capacity_stop(struct demo_capacity *c, struct demo_timer *t)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	c->stopping = 1;
	while (c->len > 0) {
		struct waiting w = c->q[c->head];
		c->head = (c->head + 1) % c->cap;
		c->len--;
		c->in_service++;
		pthread_mutex_unlock(&c->lock);
		demo_timer_add(t, w.conn, clock_now_ns());
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
}

void
demo_capacity_free(struct demo_capacity *c)
{
	if (c == NULL)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c->q);
	free(c);
}
