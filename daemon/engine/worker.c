/*
 * worker: see worker.h. Runs its own thread: one loop around one epoll.
 *
 * Each turn: wait (until the earliest of curl's timers, the next open-model arrival, a scenario
 * start or interrupt deadline, the next second boundary), then handle socket events (completions
 * end steps and iterations), the controller's messages, curl's timers, VUs that ended an iteration
 * (they start the next one or park), the executors' own schedule, and the second boundary.
 *
 * Executors on a worker:
 *   closed (constant-vus, ramping-vus): the controller sends this worker's share of the VU slots
 *     that loop (`target`) and that may live (`allowed`); slots are interleaved over the workers
 *     (global slot = local slot * workers + worker), so the shares are exactly k6's slots.
 *   iterations (per-vu-, shared-iterations): run by the worker itself from the plan; shared ones
 *     claim each iteration from an atomic counter.
 *   open (arrival-rate): worker p of n takes iterations k = p, p + n, p + 2n, ... at their intended
 *     times from executor_rate_time_of; no message per iteration.
 * Metrics: recorded into `live`; at each second boundary live goes to the controller and a spare
 * (sent back by the controller once merged) takes its place. A worker without a spare keeps
 * recording into live and catches up when one arrives, so seconds are never skipped.
 *
 * VUs (engine/vu.h) see the worker only through its struct vu_env: the live tick (kept pointing at
 * `live`), the transport, the think timers (the worker's: it runs them and wakes the VUs due) and
 * two callbacks, an iteration ended (iteration_done) and will a VU go on (continues). The worker's
 * and its scenarios' state stays in this file.
 */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/mailbox.h"
#include "core/xmalloc.h"
#include "engine/health.h"
#include "engine/think.h"
#include "engine/transport.h"
#include "engine/vu.h"
#include "engine/worker.h"
#include "metrics/hist.h"
#include "metrics/tick.h"
#include "testdef/plan.h"

#define LATE_START_NS CLOCK_NS_PER_MS

/* One scenario as this worker runs it. */
struct wscen {
	const struct plan_scenario *ps;
	struct worker_sched sched;
	int index;                 /* plan->scenarios[index] */
	int part, nparts;          /* this worker's place among the workers taking part */
	int64_t start_ns;          /* absolute CLOCK_MONOTONIC start (t0 + startTime) */
	int number_base;           /* {{vu}} of the scenario's first VU, minus 1 */

	struct vu **vus;           /* [cap_vus]: slots; NULL until created */
	int max_vus;               /* this worker's share of the scenario's VUs (created up front) */
	int cap_vus;               /* its share of the VUs it may be given while it runs (>= max_vus) */
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

	struct vu_env env;         /* what the VUs see of the worker (engine/vu.h): set before the first
	                              VU, env.tick follows `live` */
	struct transport *transport;
	int nshards;
	int handles;               /* VUs created so far, which also picks their shard */

	struct wscen *scen;        /* [plan->nscenarios] */
	int nscen;
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
	struct health_cpu cpu;     /* this worker thread's own CPU */
	struct think_timers *timers;       /* VUs thinking (engine/think.h), room for every VU */
	int vus_allocated;         /* VUs with an easy handle */
	int active_vus;            /* sum of the scenarios' `active` */
	int64_t now_ns;            /* clock read at the top of the current loop turn */
};

static void iteration_done(void *arg, struct vu *vu, int64_t now_ns);
static bool continues(void *arg, const struct vu *vu);

void
worker_sched_init(struct worker_sched *s, const struct plan_scenario *ps, const struct segment *seg)
{
	memset(s, 0, sizeof *s);
	s->seg = seg;
	switch (ps->executor) {
	case PLAN_CONSTANT_VUS:
	case PLAN_RAMPING_VUS:
		s->model = WORKER_CLOSED;
		if (ps->executor == PLAN_CONSTANT_VUS) {
			executor_vus_constant(&s->vus, &s->stage, ps->vus, ps->duration_ns, ps->graceful_stop_ns);
		} else {
			s->vus.start_vus = ps->start_vus;
			s->vus.stages = ps->stages;
			s->vus.nstages = ps->nstages;
			s->vus.graceful_ramp_down_ns = ps->graceful_ramp_down_ns;
			s->vus.graceful_stop_ns = ps->graceful_stop_ns;
		}
		s->duration_ns = executor_vus_duration_ns(&s->vus);
		s->end_ns = executor_vus_end_ns(&s->vus);
		s->max_vus = segment_scale(seg, executor_vus_max(&s->vus));
		break;
	case PLAN_CONSTANT_ARRIVAL_RATE:
	case PLAN_RAMPING_ARRIVAL_RATE:
		s->model = WORKER_OPEN;
		if (ps->executor == PLAN_CONSTANT_ARRIVAL_RATE) {
			executor_rate_constant(&s->rate, &s->stage, ps->rate, ps->time_unit_ns, ps->duration_ns,
			    ps->graceful_stop_ns);
		} else {
			s->rate.start_rate = ps->start_rate;
			s->rate.time_unit_ns = ps->time_unit_ns;
			s->rate.stages = ps->stages;
			s->rate.nstages = ps->nstages;
			s->rate.graceful_stop_ns = ps->graceful_stop_ns;
			s->rate.first_at_zero = false;
		}
		s->duration_ns = executor_rate_duration_ns(&s->rate);
		s->end_ns = executor_rate_end_ns(&s->rate);
		s->max_vus = segment_scale(seg, ps->max_vus > ps->pre_allocated_vus ? ps->max_vus :
		    ps->pre_allocated_vus);
		break;
	case PLAN_PER_VU_ITERATIONS:
	case PLAN_SHARED_ITERATIONS:
		s->model = WORKER_ITERS;
		s->iters.shared = ps->executor == PLAN_SHARED_ITERATIONS;
		s->iters.vus = segment_scale(seg, ps->vus);
		s->iters.iterations = s->iters.shared ? segment_scale(seg, ps->iterations) : ps->iterations;
		s->iters.max_duration_ns = ps->max_duration_ns;
		s->iters.graceful_stop_ns = ps->graceful_stop_ns;
		s->duration_ns = ps->max_duration_ns;
		s->end_ns = executor_iters_end_ns(&s->iters);
		s->max_vus = executor_iters_vus(&s->iters);
		break;
	}
}

int
worker_sched_workers(const struct worker_sched *s, int nworkers)
{
	if (s->model == WORKER_OPEN && s->max_vus < nworkers)
		return s->max_vus > 0 ? (int)s->max_vus : 1;
	return nworkers;
}

/* The mailbox's wake hook: make the worker's epoll return. */
static void
wake(void *arg)
{
	struct worker *w = arg;
	uint64_t one = 1;
	ssize_t n = write(w->evfd, &one, sizeof one);
	(void)n;                   /* EAGAIN: the counter is already non-zero, so it will wake */
}

/* Creates the VU for slot `slot` of sc. */
static struct vu *
create_vu(struct worker *w, struct wscen *sc, int slot, char **cause)
{
	int shard = w->handles / w->vus_per_shard;
	/* the VU's number in the whole run: a segment's VU i is the whole run's VU it owns (so a
	   unique feed's rows stay unique across the shares of a sequence) */
	int number = sc->number_base + (int)segment_global(sc->sched.seg, (int64_t)slot * sc->nparts + sc->part) + 1;
	struct vu *vu;

	if (shard >= w->nshards)
		shard = w->handles % w->nshards;
	think_timers_reserve(w->timers, 1);    /* room for it to think: no allocation later */
	vu = vu_new(&w->env, sc, sc->ps, slot, number, shard, cause);
	if (vu == NULL)
		return NULL;
	w->handles++;
	w->vus_allocated++;
	sc->vus[slot] = vu;
	if (slot >= sc->nvus)
		sc->nvus = slot + 1;
	return vu;
}

struct worker *
worker_new(const struct worker_config *cfg, char **cause)
{
	const struct plan *plan = cfg->plan;
	struct worker *w = xcalloc(1, sizeof *w);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0 };
	int64_t number_base = 0, slots = 0;

	w->plan = plan;
	w->index = cfg->index;
	w->nworkers = cfg->nworkers;
	w->body_cap = cfg->body_cap;
	w->vus_per_shard = cfg->vus_per_shard;
	w->controller = cfg->controller;
	w->evfd = -1;
	w->epfd = -1;
	w->env.seed = (uint64_t)clock_now_ns() ^ (uint64_t)getpid() << 40 ^ (uint64_t)cfg->index << 56;
	mailbox_init(&w->inbox, wake, w);

	w->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->evfd < 0 || w->epfd < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->evfd, &ev) != 0) {
		*cause = xasprintf("worker %d: %s", w->index, strerror(errno));
		goto fail;
	}

	for (int s = 0; s < plan->nscenarios; s++)
		for (int t = 0; t < plan->scenarios[s].ntasks; t++)
			for (int i = 0; i < plan->scenarios[s].tasks[t].nsteps; i++)
				if (plan->scenarios[s].tasks[t].steps[i].req.nheaders > w->env.max_headers)
					w->env.max_headers = plan->scenarios[s].tasks[t].steps[i].req.nheaders;

	w->nscen = plan->nscenarios;
	w->scen = xcalloc(w->nscen > 0 ? (size_t)w->nscen : 1, sizeof *w->scen);
	for (int s = 0; s < w->nscen; s++) {
		struct wscen *sc = &w->scen[s];
		sc->ps = &plan->scenarios[s];
		sc->index = s;
		worker_sched_init(&sc->sched, sc->ps, cfg->segment);
		sc->nparts = worker_sched_workers(&sc->sched, w->nworkers);
		sc->part = w->index;
		int64_t cap = sc->sched.max_vus;
		if (cfg->vus_ceiling != NULL && sc->sched.model == WORKER_CLOSED &&
		    cfg->vus_ceiling[s] > cap)
			cap = cfg->vus_ceiling[s];
		sc->max_vus = w->index < sc->nparts ?
		    (int)executor_share(sc->sched.max_vus, sc->nparts, w->index) : 0;
		sc->cap_vus = w->index < sc->nparts ? (int)executor_share(cap, sc->nparts, w->index) : 0;
		sc->number_base = (int)number_base;
		if (!segment_is_whole(cfg->segment)) {
			struct worker_sched whole;     /* the whole run's numbers: each scenario's full range */
			worker_sched_init(&whole, sc->ps, NULL);
			cap = whole.max_vus;
		}
		number_base += cap;        /* {{vu}} numbers stay unique with the VUs added later */
		sc->vus = xcalloc(sc->cap_vus > 0 ? (size_t)sc->cap_vus : 1, sizeof *sc->vus);
		sc->interrupt_at = INT64_MAX;
		sc->next_at = INT64_MAX;
		sc->next_k = sc->part;
		sc->claimed = &cfg->claimed[s];
		sc->target = 0;
		sc->allowed = 0;
		slots += sc->max_vus;
	}

	w->nshards = (int)((slots + w->vus_per_shard - 1) / w->vus_per_shard);
	if (w->nshards < 1)
		w->nshards = 1;
	w->transport = transport_new(w->epfd, w->nshards, w->vus_per_shard, w->body_cap,
	    (long)(plan->max_end_ns / CLOCK_NS_PER_S) + 3600, vu_on_done, w, cause);
	if (w->transport == NULL)
		goto fail;
	if (cfg->allow_addr != NULL)
		transport_set_guard(w->transport, cfg->allow_addr, cfg->allow_arg,
		    cfg->blocked_logged);
	transport_set_options(w->transport, plan->insecure_tls, plan->no_connection_reuse);

	for (int i = 0; i < 3; i++)
		w->slots[i].tick = tick_new(plan, 0);
	w->live = &w->slots[0];
	w->spares = &w->slots[1];
	w->slots[1].link.next = &w->slots[2].link;
	w->slots[2].link.next = NULL;
	w->phase = xcalloc((size_t)plan->nendpoints * TICK_NPHASE + 1, sizeof *w->phase);
	for (int i = 0; i < plan->nendpoints * TICK_NPHASE; i++)
		w->phase[i] = hist_new();
	w->timers = think_timers_new();

	w->env.plan = plan;
	w->env.segment = cfg->segment;
	w->env.transport = w->transport;
	w->env.timers = w->timers;
	w->env.tick = w->live->tick;
	w->env.phase = w->phase;
	w->env.done = iteration_done;
	w->env.continues = continues;
	w->env.arg = w;
	w->env.setup_vars = cfg->setup_vars;

	/* The VUs (and easy handles) of every slot that can be needed at once; arrival-rate
	   scenarios start with their preallocated share and grow up to maxVUs. */
	for (int s = 0; s < w->nscen; s++) {
		struct wscen *sc = &w->scen[s];
		int n = sc->max_vus;
		if (sc->sched.model == WORKER_OPEN) {
			n = w->index < sc->nparts ?
			    (int)executor_share(segment_scale(cfg->segment, sc->ps->pre_allocated_vus), sc->nparts,
			    w->index) : 0;
			if (n > sc->max_vus)
				n = sc->max_vus;
		}
		for (int i = 0; i < n; i++) {
			struct vu *vu = create_vu(w, sc, i, cause);
			if (vu == NULL)
				goto fail;
			if (sc->sched.model == WORKER_OPEN) {
				vu->next_free = sc->free;
				sc->free = vu;
			}
		}
	}
	return w;

fail:
	worker_free(w);
	return NULL;
}

void
worker_give(struct worker *w, struct worker_msg **msg)
{
	mailbox_give(&w->inbox, (struct mailbox_msg **)msg);
}

/* Sends a message to the controller. */
static void
tell(struct worker *w, struct worker_msg *m)
{
	m->worker = w->index;
	mailbox_give(w->controller, (struct mailbox_msg **)&m);
}

/* Counts vu in the `vus` gauge. */
static void
set_active(struct worker *w, struct vu *vu, int active)
{
	if (vu->active == active)
		return;
	vu->active = active;
	vu->sc->active += active ? 1 : -1;
	w->active_vus += active ? 1 : -1;
}

/* Starts an iteration on an idle VU. */
static void
start(struct worker *w, struct vu *vu, int64_t now_ns, int64_t intended_ns)
{
	set_active(w, vu, 1);
	vu->sc->busy++;
	vu_start(vu, now_ns, intended_ns);
}

/* An idle VU with nothing to do: closed/iterations VUs leave the gauge; open ones wait in the
   free list (arrival-rate VUs count as active while their scenario runs, as in k6). */
static void
park(struct worker *w, struct vu *vu)
{
	if (vu->sc->sched.model == WORKER_OPEN) {
		vu->next_free = vu->sc->free;
		vu->sc->free = vu;
	} else {
		set_active(w, vu, 0);
	}
}

/* Cuts vu's iteration (counted as interrupted) and parks it. */
static void
interrupt(struct worker *w, struct vu *vu)
{
	if (vu->state == VU_IDLE)
		return;
	vu_interrupt(vu);
	vu->sc->busy--;
	park(w, vu);
}

/* Claims the next iteration for vu (iteration executors). */
static int
claim(struct wscen *sc, struct vu *vu)
{
	if (!sc->sched.iters.shared) {
		if (vu->quota <= 0)
			return 0;
		vu->quota--;
		return 1;
	}
	return atomic_fetch_add_explicit(sc->claimed, 1, memory_order_relaxed) <
	    executor_iters_total(&sc->sched.iters);
}

/* What an idle closed-model or iterations VU does now: another iteration, or park. */
static void
next_iteration(struct worker *w, struct vu *vu, int64_t now_ns)
{
	struct wscen *sc = vu->sc;
	int go = 0;

	if (!sc->no_new && !sc->finished) {
		if (sc->sched.model == WORKER_CLOSED)
			go = vu->slot < sc->target;
		else if (sc->sched.model == WORKER_ITERS)
			go = claim(sc, vu);
	}
	if (go) {
		start(w, vu, now_ns, now_ns);
	} else {
		sc->busy++;    /* onStop steps, if the VU has a session to end, keep it busy */
		if (!vu_stop(vu, now_ns)) {
			sc->busy--;
			park(w, vu);
		}
	}
}

/* vu_env.continues: whether vu will start another iteration after this one, as far as can be told
   now (a shared-iterations claim is only known when made). */
static bool
continues(void *arg, const struct vu *vu)
{
	const struct worker *w = arg;
	const struct wscen *sc = vu->sc;

	if (sc->no_new || sc->finished || w->stopping)
		return false;
	switch (sc->sched.model) {
	case WORKER_CLOSED:
		return vu->slot < sc->target;
	case WORKER_ITERS:
		return sc->sched.iters.shared || vu->quota > 0;
	case WORKER_OPEN:
		break;
	}
	return false;
}

/* vu_env.done: vu's iteration (or its onStop steps) has ended; decides what it does next. */
static void
iteration_done(void *arg, struct vu *vu, int64_t now_ns)
{
	struct worker *w = arg;
	struct wscen *sc = vu->sc;

	sc->busy--;
	if (sc->sched.model == WORKER_OPEN) {
		park(w, vu);
		return;
	}
	/* Started on the loop's next pass, after this batch of completions: no recursion, and a VU
	   whose iteration cannot send anything does not spin here. */
	vu->next_free = w->ready;
	w->ready = vu;
}

/* Starts the VUs that ended an iteration since the last pass. */
static void
run_ready(struct worker *w, int64_t now_ns)
{
	struct vu *list = w->ready;

	w->ready = NULL;
	while (list != NULL) {
		struct vu *vu = list;
		list = vu->next_free;
		vu->next_free = NULL;
		next_iteration(w, vu, now_ns);
	}
}

/* Marks sc finished on this worker and tells the controller. */
static void
finish(struct worker *w, struct wscen *sc)
{
	struct worker_msg *m = xcalloc(1, sizeof *m);

	sc->finished = 1;
	sc->no_new = 1;
	for (int i = 0; i < sc->nvus; i++)
		if (sc->vus[i] != NULL)
			set_active(w, sc->vus[i], 0);
	m->kind = WORKER_MSG_FINISHED;
	m->scenario = sc->index;
	tell(w, m);
}

/* Closed model: the controller's new share of the slots. */
static void
apply_vus(struct worker *w, struct wscen *sc, const struct worker_msg *m, int64_t now_ns)
{
	int64_t old_target = sc->target, old_allowed = sc->allowed;
	int64_t target = m->target, allowed = m->allowed;

	if (sc->finished)
		return;
	sc->started = 1;
	if (m->final || w->stopping)
		sc->no_new = 1;
	if (sc->no_new)
		target = 0;
	if (target > sc->cap_vus)
		target = sc->cap_vus;
	if (allowed > sc->cap_vus)
		allowed = sc->cap_vus;
	if (w->stopping && allowed > old_allowed)
		allowed = old_allowed;     /* a message sent before the stop: never revive VUs */
	if (allowed < target)
		allowed = target;
	sc->target = target;
	sc->allowed = allowed;
	/* Slots above the new allowance are cut now; slots between target and allowed finish their
	   iteration and park (next_iteration checks the target); new slots start at once. */
	for (int64_t i = allowed; i < old_allowed; i++)
		if (sc->vus[i] != NULL)
			interrupt(w, sc->vus[i]);
	for (int64_t i = old_target < target ? old_target : target; i < target; i++) {
		struct vu *vu = sc->vus[i];
		if (vu == NULL) {
			/* a VU added while the run goes on (engine_set_vus): created here, on its worker */
			char *cause = NULL;
			vu = create_vu(w, sc, (int)i, &cause);
			if (vu == NULL) {
				log_warn("worker %d: cannot add a VU: %s", w->index, cause);
				free(cause);
				break;
			}
		}
		if (vu->state == VU_IDLE && !vu->active)
			start(w, vu, now_ns, now_ns);
	}
}

/* Graceful or forced stop of every scenario. */
static void
apply_stop(struct worker *w, int force, int64_t now_ns)
{
	w->stopping = 1;
	for (int s = 0; s < w->nscen; s++) {
		struct wscen *sc = &w->scen[s];
		int64_t at = force ? now_ns : now_ns + sc->ps->graceful_stop_ns;
		if (sc->finished)
			continue;
		sc->no_new = 1;
		sc->target = 0;
		sc->next_at = INT64_MAX;
		if (!sc->started) {
			sc->started = 1;
			continue;  /* finished below, in run_scenarios */
		}
		if (at < sc->interrupt_at)
			sc->interrupt_at = at;
	}
}

/* Handles the controller's messages. */
static void
handle_inbox(struct worker *w, int64_t now_ns)
{
	uint64_t count;
	struct mailbox_msg *all;

	/* Consume the wake-up BEFORE draining: a message given between a drain and a later read would
	   find the mailbox non-empty (so no new wake-up) and wait forever. This order lost an EXIT once
	   and left a finished run hanging. */
	if (read(w->evfd, &count, sizeof count) < 0) {
		/* EAGAIN: no wake-up pending; the take below is what matters */
	}
	all = mailbox_take_all(&w->inbox);
	while (all != NULL) {
		struct worker_msg *m = (struct worker_msg *)all;
		all = all->next;
		switch (m->kind) {
		case WORKER_MSG_SPARE:
			m->link.next = w->spares != NULL ? &w->spares->link : NULL;
			w->spares = m;
			continue;      /* the slot is ours again: not freed */
		case WORKER_MSG_VUS:
			assert(m->scenario >= 0 && m->scenario < w->nscen);
			apply_vus(w, &w->scen[m->scenario], m, now_ns);
			break;
		case WORKER_MSG_STOP:
			apply_stop(w, m->force, now_ns);
			break;
		case WORKER_MSG_EXIT:
			w->exiting = 1;
			break;
		default:
			assert(!"unexpected message for a worker");
		}
		free(m);
	}
}

/* Open model: starts (or drops) every iteration of this worker that is due at now. */
static void
arrivals(struct worker *w, struct wscen *sc, int64_t now_ns)
{
	const struct executor_rate *r = &sc->sched.rate;

	for (;;) {
		/* next_k counts this segment's iterations; the schedule numbers the whole run's */
		int64_t rel = executor_rate_time_of(r, segment_global(sc->sched.seg, sc->next_k));
		if (rel == EXECUTOR_NEVER || rel >= sc->sched.duration_ns) {
			sc->next_at = INT64_MAX;
			sc->no_new = 1;
			return;
		}
		int64_t at = sc->start_ns + rel;
		if (at > now_ns) {
			sc->next_at = at;
			return;
		}
		struct vu *vu = sc->free;
		if (vu != NULL) {
			sc->free = vu->next_free;
			vu->next_free = NULL;
		} else if (sc->nvus < sc->max_vus) {
			char *cause = NULL;
			vu = create_vu(w, sc, sc->nvus, &cause);
			free(cause);   /* curl refused a handle: the iteration is dropped */
			if (vu != NULL)
				set_active(w, vu, 1);
		}
		if (vu != NULL) {
			if (now_ns - at > LATE_START_NS)
				w->env.tick->late_starts++;
			start(w, vu, now_ns, at);
		} else {
			w->env.tick->dropped_iterations++;
		}
		sc->next_k += sc->nparts;
	}
}

/* Starts an open or iterations scenario at its start time. */
static void
begin(struct worker *w, struct wscen *sc, int64_t now_ns)
{
	sc->started = 1;
	sc->interrupt_at = sc->start_ns + sc->sched.end_ns;
	if (sc->sched.model == WORKER_OPEN) {
		if (sc->part >= sc->nparts)
			sc->no_new = 1;
		for (struct vu *vu = sc->free; vu != NULL; vu = vu->next_free)
			set_active(w, vu, 1);
		return;
	}
	/* iterations */
	for (int i = 0; i < sc->nvus; i++) {
		struct vu *vu = sc->vus[i];
		if (!sc->sched.iters.shared)
			vu->quota = executor_iters_quota(&sc->sched.iters, (int64_t)i * sc->nparts + sc->part);
		next_iteration(w, vu, now_ns);
	}
}

/* The executors' own schedule; returns the next instant it needs the loop. */
static int64_t
run_scenarios(struct worker *w, int64_t now_ns)
{
	int64_t next = INT64_MAX;

	for (int s = 0; s < w->nscen; s++) {
		struct wscen *sc = &w->scen[s];
		if (sc->finished)
			continue;
		if (!sc->started) {
			if (sc->sched.model == WORKER_CLOSED)
				continue;      /* the controller's first VUS message starts it */
			if (now_ns < sc->start_ns) {
				if (sc->start_ns < next)
					next = sc->start_ns;
				continue;
			}
			begin(w, sc, now_ns);
		}
		if (!sc->no_new) {
			if (sc->sched.model == WORKER_OPEN)
				arrivals(w, sc, now_ns);
			if (sc->sched.model != WORKER_CLOSED &&
			    now_ns >= sc->start_ns + sc->sched.duration_ns) {
				sc->no_new = 1;
				sc->next_at = INT64_MAX;
			}
		}
		if (now_ns >= sc->interrupt_at && sc->busy > 0)
			for (int i = 0; i < sc->nvus; i++)
				if (sc->vus[i] != NULL)
					interrupt(w, sc->vus[i]);
		if (sc->busy == 0 && (sc->no_new || (sc->sched.model == WORKER_ITERS && sc->active == 0))) {
			finish(w, sc);
			continue;
		}
		if (!sc->no_new && sc->sched.model == WORKER_OPEN && sc->next_at < next)
			next = sc->next_at;
		if (!sc->no_new && sc->sched.model == WORKER_ITERS &&
		    sc->start_ns + sc->sched.duration_ns < next)
			next = sc->start_ns + sc->sched.duration_ns;
		if (sc->interrupt_at < next)
			next = sc->interrupt_at;
	}
	return next;
}

/* Hands the live tick to the controller for each second boundary passed (as spares allow). */
static void
rotate(struct worker *w, int64_t now_ns)
{
	while (now_ns >= w->next_boundary_ns && w->spares != NULL) {
		struct worker_msg *full = w->live;
		struct tick *t = full->tick;

		w->live = w->spares;
		w->spares = (struct worker_msg *)w->live->link.next;
		w->env.tick = w->live->tick;
		t->vus = w->active_vus;
		t->vus_max = w->vus_allocated;
		t->loop_lag_max_us = health_lag_take_us(&w->lag);
		t->cpu_pct = health_cpu_pct(&w->cpu, now_ns);
		t->second = w->second;  /* its failure messages' seconds (tick_merge) */
		full->kind = WORKER_MSG_TICK;
		full->second = w->second;
		full->last = 0;
		tell(w, full);
		w->second++;
		w->next_boundary_ns += CLOCK_NS_PER_S;
	}
}

/* The last tick: whatever was recorded since the last boundary. */
static void
send_last(struct worker *w)
{
	struct worker_msg *full = w->live;
	struct tick *t = full->tick;

	w->live = NULL;
	w->env.tick = NULL;        /* nothing records after the last tick */
	t->vus = w->active_vus;
	t->vus_max = w->vus_allocated;
	t->loop_lag_max_us = health_lag_take_us(&w->lag);
	t->cpu_pct = health_cpu_pct(&w->cpu, clock_now_ns());
	t->second = w->second;
	full->kind = WORKER_MSG_TICK;
	full->second = w->second;
	full->last = 1;
	tell(w, full);
}

/* Wakes every thinking VU due at now_ns (it sends its next step or ends its iteration). */
static void
wake_thinkers(struct worker *w, int64_t now_ns)
{
	struct vu *vu;

	while ((vu = think_timers_pop(w->timers, now_ns)) != NULL)
		vu_wake(vu, now_ns);
}

/* epoll_pwait2 (nanosecond timeouts, so open-model starts are not rounded to a millisecond); on a
   kernel older than 5.11, epoll_wait with the timeout rounded up. */
static int
wait_events(int epfd, struct epoll_event *evs, int max, const struct timespec *ts)
{
	static atomic_int no_pwait2;
	int n;

	if (!atomic_load_explicit(&no_pwait2, memory_order_relaxed)) {
		n = epoll_pwait2(epfd, evs, max, ts, NULL);
		if (n >= 0 || errno != ENOSYS)
			return n;
		atomic_store(&no_pwait2, 1);
	}
	int64_t ms = ts == NULL ? -1 : (ts->tv_sec * CLOCK_NS_PER_S + ts->tv_nsec + CLOCK_NS_PER_MS - 1) /
	    CLOCK_NS_PER_MS;
	return epoll_wait(epfd, evs, max, ms > INT_MAX ? INT_MAX : (int)ms);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[256];
	int64_t sched_next = w->t0_ns;

	health_cpu_init(&w->cpu, clock_now_ns());

	for (;;) {
		int64_t now = clock_now_ns();
		int64_t deadline = transport_deadline_ns(w->transport);
		struct timespec ts, *tsp = NULL;
		int inbox = 0, n;

		if (sched_next < deadline)
			deadline = sched_next;
		if (think_timers_next_ns(w->timers) < deadline)
			deadline = think_timers_next_ns(w->timers);
		if (w->spares != NULL && w->next_boundary_ns < deadline)
			deadline = w->next_boundary_ns;
		if (deadline != INT64_MAX) {
			ts = clock_ts(deadline > now ? deadline - now : 0);
			tsp = &ts;
		}
		n = wait_events(w->epfd, evs, (int)(sizeof evs / sizeof evs[0]), tsp);
		now = clock_now_ns();
		w->now_ns = now;
		health_lag_note(&w->lag, deadline, now);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u64 & TRANSPORT_EPOLL_TAG)
				transport_event(w->transport, evs[i].data.u64, evs[i].events);
			else
				inbox = 1;
		}
		if (inbox)
			handle_inbox(w, now);
		transport_run_timers(w->transport, now);
		wake_thinkers(w, now);
		run_ready(w, now);
		sched_next = run_scenarios(w, now);
		rotate(w, now);
		if (w->exiting) {
			for (int s = 0; s < w->nscen; s++)
				for (int i = 0; i < w->scen[s].nvus; i++)
					if (w->scen[s].vus[i] != NULL)
						interrupt(w, w->scen[s].vus[i]);
			send_last(w);
			break;
		}
	}
	return NULL;
}

int
worker_start(struct worker *w, int64_t t0_ns, char **cause)
{
	int rc;

	w->t0_ns = t0_ns;
	w->next_boundary_ns = t0_ns + CLOCK_NS_PER_S;
	for (int s = 0; s < w->nscen; s++)
		w->scen[s].start_ns = t0_ns + w->scen[s].ps->start_time_ns;
	rc = pthread_create(&w->thread, NULL, worker_main, w);
	if (rc != 0) {
		*cause = xasprintf("worker %d: cannot start a thread: %s", w->index, strerror(rc));
		return -1;
	}
	w->thread_started = 1;
	return 0;
}

void
worker_join(struct worker *w)
{
	if (w->thread_started) {
		pthread_join(w->thread, NULL);
		w->thread_started = 0;
	}
}

void
worker_merge_phases(const struct worker *w, struct tick *whole)
{
	for (int e = 0; e < w->plan->nendpoints; e++)
		for (int p = 0; p < TICK_NPHASE; p++) {
			const struct hist *h = w->phase[e * TICK_NPHASE + p];
			if (whole->endpoints[e].phase[p] != NULL)
				hist_merge(whole->endpoints[e].phase[p], h);
			if (whole->total.phase[p] != NULL)
				hist_merge(whole->total.phase[p], h);
		}
}

void
worker_free(struct worker *w)
{
	struct mailbox_msg *left;

	if (w == NULL)
		return;
	assert(!w->thread_started);
	for (int s = 0; s < w->nscen; s++) {
		for (int i = 0; i < w->scen[s].nvus; i++)
			vu_free(w->scen[s].vus[i]);
		free(w->scen[s].vus);
	}
	free(w->scen);
	think_timers_free(w->timers);
	transport_free(w->transport);
	/* Messages still queued (a spare sent after the worker ended, say). */
	left = mailbox_take_all(&w->inbox);
	while (left != NULL) {
		struct worker_msg *m = (struct worker_msg *)left;
		left = left->next;
		if (m != &w->slots[0] && m != &w->slots[1] && m != &w->slots[2])
			free(m);
	}
	mailbox_fini(&w->inbox);
	for (int i = 0; i < 3; i++)
		tick_free(w->slots[i].tick);
	if (w->phase != NULL)
		for (int i = 0; i < w->plan->nendpoints * TICK_NPHASE; i++)
			hist_free(w->phase[i]);
	free(w->phase);
	if (w->epfd >= 0)
		close(w->epfd);
	if (w->evfd >= 0)
		close(w->evfd);
	free(w);
}
