/*
 * worker: one load-generating thread. It owns one epoll, a transport (several curl multis), the VUs
 * the controller's schedule gives it and their think timers, and records every request into its own
 * tick, which it hands to the controller at each second boundary. Workers share nothing but the
 * plan, the run's start instant and two kinds of atomic counter, each taken once per iteration, never
 * per request: for shared-iterations, one claim counter per scenario; for a `sequential` feed, its
 * row cursor (*plan_feed.cursor, the plan's one piece of run-time state; feed_pick).
 *
 * Talking to a worker: worker_give() from the controller; the worker answers in the controller's
 * mailbox. Messages are struct worker_msg in both directions.
 */
#ifndef RAMPAGE_WORKER_H
#define RAMPAGE_WORKER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/mailbox.h"
#include "core/segment.h"
#include "engine/executor.h"

struct controller_event_msg;
struct hist;
struct plan;
struct plan_scenario;
struct tick;
struct worker;

enum worker_msg_kind {
	/* controller -> worker */
	WORKER_MSG_SPARE,          /* `tick`: an empty tick for a coming second */
	WORKER_MSG_VUS,            /* closed model: `target` slots loop, `allowed` may finish;
	                              `final`: the stages are over (target stays 0) */
	WORKER_MSG_STOP,           /* no new iterations; in-flight ones get gracefulStop (or none if
	                              `force`) */
	WORKER_MSG_EXIT,           /* every scenario has finished everywhere: send the last tick, end */
	/* worker -> controller */
	WORKER_MSG_TICK,           /* `tick` holds second `second`; `last`: the worker's final one */
	WORKER_MSG_FINISHED,       /* `scenario` has nothing left to do on this worker */
	/* engine_stop -> controller */
	WORKER_MSG_STOP_REQUEST,   /* `force` */
	/* engine_set_vus -> controller */
	WORKER_MSG_SET_VUS,        /* constant-vus `scenario` runs `target` VUs from now on */
	/* timed events, engine_mark -> controller */
	WORKER_MSG_EVENT,          /* `event`: a marker (controller_event) */
	WORKER_MSG_MONITOR,        /* `monitor`: a scrape's readings (controller_monitor) */
};

struct worker_msg {
	struct mailbox_msg link;   /* first: a mailbox_msg pointer is a worker_msg pointer */
	enum worker_msg_kind kind;
	int worker;                /* sender or recipient */
	int scenario;
	int64_t target, allowed;   /* VUS: this worker's share of the slots; SET_VUS: target */
	int final;                 /* VUS */
	int force;                 /* STOP, STOP_REQUEST */
	struct tick *tick;         /* SPARE, TICK */
	int64_t second;            /* TICK */
	int last;                  /* TICK */
	struct controller_event_msg *event;   /* EVENT (owned by the message) */
	struct controller_monitor_msg *monitor;   /* MONITOR (owned by the message) */
};

/* How a scenario is scheduled, from the pure sched functions (each thread builds its own copy). */
enum worker_model {
	WORKER_CLOSED,             /* constant-vus, ramping-vus: VU targets from the controller */
	WORKER_ITERS,              /* per-vu-iterations, shared-iterations */
	WORKER_OPEN,               /* constant-arrival-rate, ramping-arrival-rate */
};

struct worker_sched {
	enum worker_model model;
	struct plan_stage stage;  /* the single stage of constant executors (vus/rate point here) */
	struct executor_vus vus;      /* CLOSED */
	struct executor_iters iters;  /* ITERS */
	struct executor_rate rate;    /* OPEN */
	int64_t duration_ns;       /* no iteration starts from here on (relative to the start) */
	int64_t end_ns;            /* iterations still running are interrupted here */
	int64_t max_vus;           /* VUs the scenario may use at once (this segment's share) */
	const struct segment *seg; /* the run's execution segment (core/segment.h); NULL: the whole */
};
/*
 * Builds the schedule of ps into *s (which must not move afterwards: it points into itself), scaled
 * to the execution segment seg (NULL: the whole run) as k6 scales it: VU counts, preAllocatedVUs,
 * maxVUs and shared iterations become segment_scale of themselves (a ramp's VU target at each
 * instant too: the controller scales it), per-VU iterations stay, and an arrival-rate scenario runs
 * the iterations of the whole schedule whose index belongs to seg (segment_global): so the shares of
 * one sequence add up to the whole run.
 */
void worker_sched_init(struct worker_sched *s, const struct plan_scenario *ps, const struct segment *seg);
/* Workers taking part in a scenario: all of them, or for arrival-rate at most one per VU. */
int worker_sched_workers(const struct worker_sched *s, int nworkers);

struct worker_config {
	const struct plan *plan;
	int index, nworkers;
	int vus_per_shard;         /* VUs per curl multi */
	size_t body_cap;           /* response body bytes kept per VU */
	int (*allow_addr)(void *arg, const struct sockaddr *sa);   /* connect guard, or NULL */
	void *allow_arg;
	_Atomic int64_t *claimed;  /* [nscenarios]: shared-iterations claims */
	const int64_t *vus_ceiling;/* [nscenarios]: the most VUs a closed scenario may be given while it
	                              runs (engine_set_vus), its slots sized for them; NULL: its plan's */
	atomic_int *blocked_logged;/* shared by the run's workers: the guard's refusal was logged */
	struct mailbox *controller;/* where the worker's messages go */
	const struct tmpl_var *setup_vars; /* [plan->nvars]: the run's setup data (engine/setup.h),
	                              complete before the worker starts; NULL: no setup */
	const struct segment *segment;     /* execution segment (core/segment.h); NULL: the whole run */
};

/*
 * Creates a worker: its epoll, transport, VU slots and the easy handles of every VU it will need at
 * once (arrival-rate: the preallocated ones; more are created if needed, up to maxVUs). Caller's
 * thread. NULL + *cause.
 */
struct worker *worker_new(const struct worker_config *cfg, char **cause);
/* Starts the thread; t0_ns (CLOCK_MONOTONIC) is the run's second 0. 0, or -1 + *cause. */
int worker_start(struct worker *w, int64_t t0_ns, char **cause);
/* Gives the worker a message (sets *msg to NULL). Any thread. */
void worker_give(struct worker *w, struct worker_msg **msg);
/* Waits for the thread to end (it ends after WORKER_MSG_EXIT). */
void worker_join(struct worker *w);
/* Adds the worker's whole-run phase histograms into whole's endpoints (after worker_join). */
void worker_merge_phases(const struct worker *w, struct tick *whole);
/* Frees the worker and its ticks (after worker_join, or if never started). NULL is a no-op. */
void worker_free(struct worker *w);

#endif
