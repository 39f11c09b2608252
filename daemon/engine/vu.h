/*
 * vu: one virtual user, a state machine walking its scenario: pick a weighted task, render each step's
 * request from the plan's templates into the VU's own buffers, send it on the VU's own keep-alive
 * handle; on the response run the step's checks, extractions and groupBy and record the result into
 * its worker's tick; think if the step says so; next step (or the same one again: `repeat`; a
 * step whose `when` does not hold is skipped; a `batch` step's requests go out at once on the VU's
 * extra handles); at the end of the task think (the
 * scenario's thinkTime) and tell the worker the iteration is over (which starts the next one at once,
 * or parks the VU).
 *
 * A VU has a session: it begins with the VU's first iteration (empty cookie jar, the scenario's
 * `vars`, then the onStart steps) and ends when the VU stops looping (the onStop steps, run when
 * the worker would park the VU) or is interrupted. Variables live in the VU (a struct tmpl_var per
 * plan slot); extracted values are copied into per-slot buffers of plan->var_cap bytes, feed and
 * `vars` values point into the plan.
 *
 * A VU knows its worker only through a struct vu_env: the plan, the transport, the live tick to
 * record into, the think timers, and two callbacks (an iteration ended; will the VU go on). The
 * worker owns all of it, timers included: a thinking VU is an entry in the worker's timer heap
 * (engine/think.h), not a blocked thread, and the worker wakes it (vu_wake).
 *
 * Thread: the owning worker's only. Steady state allocates nothing: buffers grow to the largest
 * request seen (each capped) and then stay; the exceptions are Jansson parsing the body of a step
 * that reads JSON (extract, check or groupBy) and PCRE2 warming a VU's match data once.
 */
#ifndef RAMPAGE_VU_H
#define RAMPAGE_VU_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/transport.h"
#include "testdef/plan.h"   /* PLAN_GROUP_DEPTH */

struct segment;

struct extract_match;
struct hist;
struct plan;
struct plan_scenario;
struct plan_task;
struct plan_step;
struct think_timers;
struct tick;
struct tmpl_var;
struct vu;
struct wscen;

/*
 * What a VU needs from the worker that runs it: one per worker, shared by its VUs. The worker fills
 * it before it creates a VU and keeps `tick` current (it changes at each second boundary); VUs read
 * it and record into *tick. The worker owns everything it points to.
 */
struct vu_env {
	const struct plan *plan;
	struct transport *transport;       /* the VUs' handles are made on it */
	struct think_timers *timers;       /* a thinking VU is an entry here, room reserved by the worker */
	struct tick *tick;                 /* the live tick: requests and iterations are recorded here */
	struct hist **phase;               /* [plan->nendpoints * TICK_NPHASE]: whole-run phase
	                                      histograms (per-second ticks keep only the sums) */
	int max_headers;                   /* of any step of the plan */
	uint64_t seed;                     /* of the VUs' random generators: differs run to run */
	const struct segment *segment;     /* the run's execution segment (core/segment.h); NULL: whole */
	/* vu's iteration has ended at now_ns, completed or interrupted, or its onStop steps have (no
	   iteration is counted then): the worker decides what it does next. */
	void (*done)(void *arg, struct vu *vu, int64_t now_ns);
	/* Whether vu will start another iteration after this one, as far as can be told now (a
	   shared-iterations claim is only known when made): a think time before a stop would only
	   delay it. Once per iteration, and only when the scenario has a think time. */
	bool (*continues)(void *arg, const struct vu *vu);
	void *arg;                         /* of both */
	const struct tmpl_var *setup_vars; /* [plan->nvars]: the run's setup data, read-only (its
	                                      plan->setup_slots are copied in at each session's start);
	                                      NULL: the plan has no setup */
};

enum vu_state {
	VU_IDLE,                   /* no iteration */
	VU_REQUEST,                /* a request in flight (or, briefly, between two steps) */
	VU_THINK,                  /* thinking: an entry in the worker's timers until it wakes */
};

/* What the VU's current steps are. */
enum vu_phase {
	VU_PHASE_START,            /* the scenario's onStart (a session's first iteration) */
	VU_PHASE_TASK,             /* a task picked by weight */
	VU_PHASE_STOP,             /* the scenario's onStop (not an iteration) */
};

/* Render buffers (grow up to their caps, then stay): the VU's own, and one set per batch slot (a
   request in flight keeps its buffers until its result). */
struct vu_buf {
	char *url;
	size_t url_size;
	char *hdr;                 /* "Name: value\0" lines back to back */
	size_t hdr_size;
	const char **lines;        /* [max_headers] into hdr */
	size_t *hdr_off;           /* [max_headers] offsets while rendering */
	char *body;
	size_t body_size;
};

/* One extra handle of a VU for a `batch` step's requests (made at its first batch, then kept). */
struct vu_slot {
	int is_slot;               /* 1 (first member, as struct vu's 0: the transport's owner is one
	                              or the other) */
	struct vu *vu;
	struct transport_handle *h;
	const struct plan_step *st;/* the batch request in flight on h; NULL: idle */
	struct vu_buf buf;
};

struct vu {
	int is_slot;               /* 0 (see struct vu_slot) */
	const struct vu_env *env;
	struct wscen *sc;          /* the worker's state of the scenario (opaque here) */
	const struct plan_scenario *ps;    /* the scenario */
	int slot;                  /* index among the scenario's VUs on this worker */
	int number;                /* {{vu}}: 1-based, unique in the run */
	struct transport_handle *h;
	uint64_t rng;              /* xorshift64* state: task choice, {{uuid}}, {{randomInt}} */
	enum vu_state state;
	int active;                /* counted in the `vus` gauge */

	const struct plan_task *task;
	enum vu_phase phase;
	const struct plan_step *steps;     /* of the phase */
	int nsteps;
	int step;
	int in_session;            /* the session has begun (see above) */
	int end_after_think;       /* VU_THINK: the iteration ends on waking (else: the next step) */
	int timer_pos;             /* place in the worker's timers; -1 when not thinking */
	int64_t step_start_ns;     /* when the current step's request was sent (step pacing) */
	int sends;                 /* sends of the current step so far (its `repeat`) */
	int last_status;           /* of the iteration's last response (0: none, or no response):
	                              `when` and `until` conditions on "status" */
	struct tmpl_var *vars;     /* [plan->nvars]: the VU's variables ({{name}}) */
	char **var_buf;            /* [plan->nvars]: storage of extracted values (var_cap bytes, made
	                              on the slot's first extraction) */
	struct extract_match *match;       /* regex state, when the scenario uses regexes */
	int64_t iteration;         /* iterations started by this VU; {{iteration}} is this - 1 */
	int64_t quota;             /* per-vu-iterations: iterations left */
	int64_t iter_start_ns;     /* when the iteration actually started */
	int64_t intended_ns;       /* open model: when it should have started; else iter_start_ns */
	struct vu *next_free;      /* open model: the worker's free list */

	struct vu_buf buf;         /* render buffers */
	int max_headers;
	int shard;                 /* of the VU's handles */

	/* a `batch` step in progress */
	struct vu_slot *slots;     /* [plan->max_parallel], made at the first batch; NULL before */
	int batch_next;            /* next request of the batch to send */
	int batch_inflight;        /* requests in flight */
	int batch_end;             /* a check with onFail "endIteration" failed in it */
	/* groups of steps (plan_step.group_open/group_close): the open ones' start times */
	int64_t group_start_ns[PLAN_GROUP_DEPTH];
	int group_depth;
	const struct plan_step *pending_close; /* a step whose groups end when the VU moves on */
};

/* Creates a VU of scenario ps (and its transport handle on `shard`): env and sc are the worker's.
   NULL + *cause. Worker thread or before it starts. */
struct vu *vu_new(const struct vu_env *env, struct wscen *sc, const struct plan_scenario *ps, int slot,
    int number, int shard, char **cause);
/* Frees a VU, cancelling its request or its think time. NULL is a no-op. */
void vu_free(struct vu *vu);
/* Starts an iteration at now_ns that was meant to start at intended_ns (closed model: the same). */
void vu_start(struct vu *vu, int64_t now_ns, int64_t intended_ns);
/* Cuts the iteration in flight (counted as interrupted); the VU becomes idle. No-op when idle. */
void vu_interrupt(struct vu *vu);
/* The transport's completion callback (owner = the VU). */
void vu_on_done(void *owner, const struct transport_result *r, void *arg);
/* A thinking VU's time is up (the worker popped it from the timers): it sends its next step or
   ends its iteration. */
void vu_wake(struct vu *vu, int64_t now_ns);
/*
 * The VU stops looping (the worker would park it): ends its session, running the scenario's onStop
 * steps if it has any. Returns 1 when steps run (the VU is busy until it calls env->done, which
 * does not count an iteration), 0 when there is nothing to run (the VU stays idle). The VU must be
 * idle.
 */
int vu_stop(struct vu *vu, int64_t now_ns);

#endif
