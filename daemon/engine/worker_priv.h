/*
 * worker_priv: the worker's state, shared by worker.c (the loop, executors, ticks) and vu.c (the VU
 * state machine that records into the worker's tick). Everything here is owned by the worker's
 * thread; nothing is shared with other threads except through messages.
 */
#ifndef RAMPAGE_WORKER_PRIV_H
#define RAMPAGE_WORKER_PRIV_H

#include <pthread.h>
#include <stdint.h>

#include "engine/health.h"
#include "engine/worker.h"

struct hist;
struct think_timers;
struct transport;
struct vu;

/* One scenario as this worker runs it. */
struct wscen {
	const struct plan_scenario *ps;
	struct worker_sched sched;
	int index;                 /* plan->scenarios[index] */
	int part, nparts;          /* this worker's place among the workers taking part */
	int64_t start_ns;          /* absolute CLOCK_MONOTONIC start (t0 + startTime) */
	int number_base;           /* {{vu}} of the scenario's first VU, minus 1 */

	struct vu **vus;           /* [max_vus]: slots; NULL until created */
	int max_vus;               /* this worker's share of the scenario's VUs */
	int nvus;                  /* created */
	struct vu *free;           /* OPEN: created VUs waiting for an iteration */

	int started;               /* iterations may start (CLOSED: first VUS message arrived) */
	int no_new;                /* no iteration starts any more (end of stages, quota, stop) */
	int finished;              /* nothing left; FINISHED sent */
	int64_t interrupt_at;      /* absolute: iterations still running are cut then (INT64_MAX) */

	int64_t target, allowed;   /* CLOSED: slots [0,target) loop, [target,allowed) may finish */
	int64_t next_k;            /* OPEN: this worker's next iteration number */
	int64_t next_at;           /* OPEN: its intended start (absolute), INT64_MAX when none */
	_Atomic int64_t *claimed;  /* ITERS shared: iterations claimed so far, every worker */

	int busy;                  /* VUs inside an iteration */
	int active;                /* VUs counted in the `vus` gauge */
};

struct worker {
	const struct plan *plan;
	int index, nworkers;
	size_t body_cap;
	int vus_per_shard;
	int64_t t0_ns;
	struct mailbox *controller;

	/* inbox: the controller's messages; the eventfd in our epoll is its wake hook */
	struct mailbox inbox;
	int evfd;
	int epfd;
	pthread_t thread;
	int thread_started;

	struct transport *transport;
	int nshards;
	int handles;               /* VUs created so far, which also picks their shard */
	int max_headers;

	struct wscen *scen;        /* [plan->nscenarios] */
	int nscen;
	uint64_t seed;             /* of the VUs' random generators: differs run to run */
	struct vu *ready;          /* VUs that ended an iteration this pass (through next_free) */
	int stopping;              /* STOP received */
	int exiting;

	/* metrics: the live tick and the spares, all in preallocated message slots */
	struct worker_msg slots[3];
	struct worker_msg *live;   /* recording into live->tick */
	struct worker_msg *spares; /* linked through link.next */
	int64_t second;            /* the second `live` belongs to */
	int64_t next_boundary_ns;  /* t0 + (second + 1) s */
	struct hist **phase;       /* [nendpoints * TICK_NPHASE]: whole-run phase histograms */
	struct health_lag lag;
	struct think_timers *timers;       /* VUs thinking (engine/think.h), made by the first vu_new */
	int vus_allocated;         /* VUs with an easy handle */
	int active_vus;            /* sum of the scenarios' `active` */
	int64_t now_ns;            /* clock read at the top of the current loop turn */
};

/* The tick being recorded into. */
static inline struct tick *
worker_tick(struct worker *w)
{
	return w->live->tick;
}

/* Called by a VU when its iteration has ended (completed or not); decides what it does next. */
void worker_iteration_done(struct worker *w, struct vu *vu, int64_t now_ns);

#endif
