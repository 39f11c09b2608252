/*
 * controller: see controller.h. Runs its own thread, woken by its mailbox (workers' ticks and
 * FINISHED reports, stop requests) or every 10 ms of run time.
 *
 * Seconds: worker w hands over its tick for second s when its clock passes t0 + (s + 1) s, in order
 * and without gaps. Second s is merged and emitted once every worker has handed over s or has ended
 * before it; each worker's tick is then reset and given back as a spare. So ticks reach the sink
 * once a second, numbered 0, 1, 2, ... with no gaps, and every request lands in exactly one second.
 * The host's CPU is sampled at each second boundary (the 10 ms wake-ups are aligned to t0); each
 * worker measures its own thread's CPU when it hands a second over.
 */
#include <config.h>

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/mailbox.h"
#include "core/xmalloc.h"
#include "engine/controller.h"
#include "engine/health.h"
#include "engine/side.h"
#include "engine/worker.h"
#include "metrics/evwin.h"
#include "metrics/monitor.h"
#include "metrics/tick.h"
#include "testdef/plan.h"

#define CONTROLLER_TICK_NS (10 * CLOCK_NS_PER_MS)
#define LAG_LIMIT_US 10000

/* A scenario as the controller sees it. */
struct cscen {
	struct worker_sched sched;
	int64_t start_ns;          /* absolute */
	int finished;              /* workers that reported FINISHED */
	/* constant-vus changed while running (engine_set_vus): from then on `live_vus` replace the
	   plan's; the VUs a decrease let go may finish their iteration until `hold_until` */
	int64_t live_vus;          /* -1: the plan's schedule */
	int64_t hold, hold_until_ns;
	int64_t last_target;       /* what steer computed last */
	struct { int64_t target, allowed; int final; } *sent;   /* [nworkers]: last VUS message */
};

/* The ticks a worker has handed over and not yet merged. */
struct wqueue {
	struct worker_msg *head, **tail;
	int ended;                 /* its last tick has been merged */
};

struct controller {
	const struct plan *plan;
	void (*teardown)(void *arg);       /* after the workers joined, before on_done; NULL: none */
	void *teardown_arg;
	struct engine_sink sink;
	struct mailbox inbox;
	struct worker **workers;
	int nworkers;
	int64_t t0_ns;
	pthread_t thread;
	int thread_started;
	_Atomic int state;         /* enum engine_state */
	_Atomic int64_t end_ns;

	struct cscen *scen;
	int nscen;
	int64_t hard_end_ns;       /* every scenario's end + 1 s: force stop if still running */
	int stopping, forced, exit_sent;

	struct wqueue *queues;     /* [nworkers] */
	int64_t next_emit;         /* the next second to emit */
	struct tick *second, *whole;

	struct health_host host;
	double *host_pct;          /* [second]: the host's CPU, sampled at each boundary */
	int64_t nhost, host_cap;
	double cpu_sum;            /* of the seconds' busiest-worker CPU */
	struct evwin *events;      /* the run's markers and their findings */
	struct monitor_acc *monitors;      /* the monitors' readings of the second being gathered */
};

/* A scrape's readings on their way to the controller (controller_monitor). */
struct controller_monitor_msg {
	int first, n;
	struct monitor_read *reads;        /* NULL: the scrape failed */
};

/* A marker on its way to the controller (controller_event). */
struct controller_event_msg {
	struct engine_event ev;    /* strings below */
	char *name, *source, *error;
};

struct controller *
controller_new(const struct plan *plan, const struct segment *seg, const struct engine_sink *sink)
{
	struct controller *c = xcalloc(1, sizeof *c);

	c->plan = plan;
	if (sink != NULL)
		c->sink = *sink;
	mailbox_init(&c->inbox, NULL, NULL);
	atomic_init(&c->state, ENGINE_RUNNING);
	atomic_init(&c->end_ns, 0);
	c->nscen = plan->nscenarios;
	c->scen = xcalloc(c->nscen > 0 ? (size_t)c->nscen : 1, sizeof *c->scen);
	for (int s = 0; s < c->nscen; s++) {
		struct cscen *cs = &c->scen[s];
		worker_sched_init(&cs->sched, &plan->scenarios[s], seg);
		cs->live_vus = -1;
		if (plan->scenarios[s].start_time_ns + cs->sched.end_ns > c->hard_end_ns)
			c->hard_end_ns = plan->scenarios[s].start_time_ns + cs->sched.end_ns;
	}
	c->hard_end_ns += CLOCK_NS_PER_S;
	c->second = tick_new(plan, 0);
	c->whole = tick_new(plan, 1);
	c->events = evwin_new();
	c->monitors = monitor_acc_new(plan);
	return c;
}

struct mailbox *
controller_inbox(struct controller *c)
{
	return &c->inbox;
}

/* Sends a message to every worker. */
static void
broadcast(struct controller *c, enum worker_msg_kind kind, int force)
{
	for (int w = 0; w < c->nworkers; w++) {
		struct worker_msg *m = xcalloc(1, sizeof *m);
		m->kind = kind;
		m->worker = w;
		m->force = force;
		worker_give(c->workers[w], &m);
	}
}

static void
request_stop(struct controller *c, int force, int64_t now_ns)
{
	if (c->exit_sent || c->forced || (c->stopping && !force))
		return;
	c->stopping = 1;
	c->forced = force;
	if (atomic_load(&c->state) == ENGINE_RUNNING)
		atomic_store(&c->state, ENGINE_STOPPING);
	broadcast(c, WORKER_MSG_STOP, force);
}

/* Closed model: each worker's share of the VU slots now, sent when it changed. */
static void
steer(struct controller *c, int64_t now_ns)
{
	for (int s = 0; s < c->nscen; s++) {
		struct cscen *cs = &c->scen[s];
		int64_t rel = now_ns - cs->start_ns;

		if (cs->sched.model != WORKER_CLOSED || cs->finished == c->nworkers || rel < 0)
			continue;
		/* this segment's share of the whole run's count at rel (monotone: allowed stays >= target) */
		int64_t target = segment_scale(cs->sched.seg, executor_vus_target(&cs->sched.vus, rel));
		int64_t allowed = segment_scale(cs->sched.seg, executor_vus_allowed(&cs->sched.vus, rel));
		int final = rel >= cs->sched.duration_ns;
		if (cs->live_vus >= 0) {
			/* as the executor holds its last stage: loop until the duration, may finish
			   their iteration during gracefulStop */
			target = final ? 0 : cs->live_vus;
			allowed = cs->live_vus;
			if (now_ns < cs->hold_until_ns && cs->hold > allowed)
				allowed = cs->hold;
			if (rel >= cs->sched.end_ns)
				allowed = 0;
		}
		cs->last_target = target;
		for (int w = 0; w < c->nworkers; w++) {
			int64_t t = executor_share(target, c->nworkers, w);
			int64_t a = executor_share(allowed, c->nworkers, w);
			if (cs->sent[w].target == t && cs->sent[w].allowed == a && cs->sent[w].final == final)
				continue;
			cs->sent[w].target = t;
			cs->sent[w].allowed = a;
			cs->sent[w].final = final;
			struct worker_msg *m = xcalloc(1, sizeof *m);
			m->kind = WORKER_MSG_VUS;
			m->worker = w;
			m->scenario = s;
			m->target = t;
			m->allowed = a;
			m->final = final;
			worker_give(c->workers[w], &m);
		}
	}
}

/* A constant-vus scenario's new VU count (engine_set_vus): VUs beyond it finish their iteration
   within the scenario's gracefulStop, then are interrupted. */
static void
set_vus(struct controller *c, int s, int64_t vus, int64_t now_ns)
{
	struct cscen *cs;

	assert(s >= 0 && s < c->nscen);
	cs = &c->scen[s];
	if (cs->sched.model != WORKER_CLOSED)
		return;
	if (vus < cs->last_target) {
		int64_t held = now_ns < cs->hold_until_ns && cs->hold > cs->last_target ? cs->hold :
		    cs->last_target;
		cs->hold = held;
		cs->hold_until_ns = now_ns + c->plan->scenarios[s].graceful_stop_ns;
	}
	cs->live_vus = vus;
}

/* Samples the host's CPU for every second boundary passed (the workers measure their own). */
static void
sample_host(struct controller *c, int64_t upto_second)
{
	while (c->nhost <= upto_second) {
		if (c->nhost == c->host_cap) {
			c->host_cap = c->host_cap ? c->host_cap * 2 : 64;
			c->host_pct = xreallocarray(c->host_pct, (size_t)c->host_cap, sizeof *c->host_pct);
		}
		c->host_pct[c->nhost++] = health_host_pct(&c->host);
	}
}

/* Merges and emits every second all workers have handed over. */
static void
emit(struct controller *c, int64_t now_ns)
{
	for (;;) {
		int64_t s = c->next_emit;
		int any = 0;

		for (int w = 0; w < c->nworkers; w++) {
			struct wqueue *q = &c->queues[w];
			if (q->head != NULL) {
				assert(q->head->second == s);
				any = 1;
			} else if (!q->ended) {
				return;            /* still waiting for this worker's second s */
			}
		}
		if (!any)
			return;                    /* every worker has ended */

		struct tick *t = c->second;
		int vus = 0, vus_max = 0;
		tick_reset(t);
		for (int w = 0; w < c->nworkers; w++) {
			struct wqueue *q = &c->queues[w];
			struct worker_msg *m = q->head;
			if (m == NULL)
				continue;
			q->head = (struct worker_msg *)m->link.next;
			if (q->head == NULL)
				q->tail = &q->head;
			tick_merge(t, m->tick);
			vus += m->tick->vus;
			vus_max += m->tick->vus_max;
			tick_reset(m->tick);
			if (m->last) {
				q->ended = 1;      /* its slot stays with us; worker_free frees the tick */
			} else {
				m->kind = WORKER_MSG_SPARE;
				worker_give(c->workers[w], &m);
			}
		}
		tick_sum_total(t);
		evwin_second(c->events, s, t->total.requests, t->total.failed, t->total.duration);
		t->second = s;
		t->vus = vus;
		t->vus_max = vus_max;
		sample_host(c, s);
		t->host_cpu_pct = c->host_pct[s];  /* t->cpu_pct: the busiest worker's, merged above */
		t->loop_lag_over_10ms = t->loop_lag_max_us > LAG_LIMIT_US;
		monitor_acc_take(c->monitors, t, s);

		struct tick *wr = c->whole;
		tick_merge(wr, t);
		c->cpu_sum += t->cpu_pct;
		wr->second = -1;
		wr->vus = t->vus;
		wr->cpu_pct = c->cpu_sum / (double)(s + 1);
		c->next_emit = s + 1;
		if (c->sink.on_tick != NULL)
			c->sink.on_tick(c->sink.arg, t, wr);
	}
}

/* A marker: into the run's events; a timed one to the sink. Frees em. */
static void
add_event(struct controller *c, struct controller_event_msg *em)
{
	struct evwin_event ev = {
		.at_ms = em->ev.at_ms,
		.name = em->name,
		.source = em->source,
		.status = em->ev.status,
		.error = em->error,
	};

	if (evwin_add(c->events, &ev) == 0 && strcmp(em->source, "definition") == 0 &&
	    c->sink.on_event != NULL)
		c->sink.on_event(c->sink.arg, &em->ev);
	free(em->name);
	free(em->source);
	free(em->error);
	free(em);
}

/* A scrape's readings into the second being gathered. Frees mm. */
static void
add_monitor(struct controller *c, struct controller_monitor_msg *mm)
{
	monitor_acc_add(c->monitors, mm->first, mm->n, mm->reads);
	free(mm->reads);
	free(mm);
}

/* Handles the inbox. */
static void
handle_inbox(struct controller *c, struct mailbox_msg *all, int64_t now_ns)
{
	while (all != NULL) {
		struct worker_msg *m = (struct worker_msg *)all;
		all = all->next;
		switch (m->kind) {
		case WORKER_MSG_TICK: {
			struct wqueue *q = &c->queues[m->worker];
			m->link.next = NULL;
			*q->tail = m;
			q->tail = (struct worker_msg **)&m->link.next;
			continue;              /* a worker's slot: not ours to free */
		}
		case WORKER_MSG_FINISHED:
			c->scen[m->scenario].finished++;
			break;
		case WORKER_MSG_STOP_REQUEST:
			request_stop(c, m->force, now_ns);
			break;
		case WORKER_MSG_SET_VUS:
			set_vus(c, m->scenario, m->target, now_ns);
			break;
		case WORKER_MSG_EVENT:
			add_event(c, m->event);
			break;
		case WORKER_MSG_MONITOR:
			add_monitor(c, m->monitor);
			break;
		default:
			assert(!"unexpected message for the controller");
		}
		free(m);
	}
}

static void *
controller_main(void *arg)
{
	struct controller *c = arg;
	int64_t wake = c->t0_ns;

	health_host_init(&c->host);
	for (;;) {
		struct mailbox_msg *all = mailbox_wait(&c->inbox, wake);
		int64_t now = clock_now_ns();
		int done = 1;

		handle_inbox(c, all, now);
		if (now >= c->t0_ns + CLOCK_NS_PER_S)
			sample_host(c, (now - c->t0_ns) / CLOCK_NS_PER_S - 1);
		if (!c->stopping)
			steer(c, now);
		if (now >= c->t0_ns + c->hard_end_ns)
			request_stop(c, 1, now);
		for (int s = 0; s < c->nscen; s++)
			if (c->scen[s].finished < c->nworkers)
				done = 0;
		if (done && !c->exit_sent) {
			broadcast(c, WORKER_MSG_EXIT, 0);
			c->exit_sent = 1;
		}
		emit(c, now);
		if (c->exit_sent) {
			int ended = 1;
			for (int w = 0; w < c->nworkers; w++)
				if (!c->queues[w].ended)
					ended = 0;
			if (ended)
				break;
		}
		/* the next 10 ms step of run time */
		wake = c->t0_ns + ((now - c->t0_ns) / CONTROLLER_TICK_NS + 1) * CONTROLLER_TICK_NS;
	}

	for (int w = 0; w < c->nworkers; w++) {
		worker_join(c->workers[w]);
		worker_merge_phases(c->workers[w], c->whole);
	}
	/* markers given meanwhile; the rest (a late stop request) has nothing left to do */
	for (struct mailbox_msg *all = mailbox_take_all(&c->inbox); all != NULL; ) {
		struct worker_msg *m = (struct worker_msg *)all;
		all = all->next;
		assert(m->kind != WORKER_MSG_TICK);
		if (m->kind == WORKER_MSG_EVENT)
			add_event(c, m->event);
		if (m->kind == WORKER_MSG_MONITOR)
			add_monitor(c, m->monitor);   /* after the last second: not shown */
		free(m);
	}
	if (c->teardown != NULL)
		c->teardown(c->teardown_arg);
	controller_finish(c);
	return NULL;
}

void
controller_finish(struct controller *c)
{
	evwin_finish(c->events);
	atomic_store(&c->end_ns, clock_now_ns());
	atomic_store(&c->state, ENGINE_DONE);
	if (c->sink.on_done != NULL)
		c->sink.on_done(c->sink.arg, c->whole);
}

void
controller_set_teardown(struct controller *c, void (*fn)(void *arg), void *arg)
{
	c->teardown = fn;
	c->teardown_arg = arg;
}

int
controller_start(struct controller *c, struct worker **workers, int nworkers, int64_t t0_ns,
    char **cause)
{
	int rc;

	c->workers = workers;
	c->nworkers = nworkers;
	c->t0_ns = t0_ns;
	c->queues = xcalloc((size_t)nworkers, sizeof *c->queues);
	for (int w = 0; w < nworkers; w++)
		c->queues[w].tail = &c->queues[w].head;
	for (int s = 0; s < c->nscen; s++) {
		struct cscen *cs = &c->scen[s];
		cs->start_ns = t0_ns + c->plan->scenarios[s].start_time_ns;
		cs->sent = xcalloc((size_t)nworkers, sizeof *cs->sent);
		for (int w = 0; w < nworkers; w++) {
			cs->sent[w].target = -1;
			cs->sent[w].allowed = -1;
			cs->sent[w].final = -1;
		}
	}
	rc = pthread_create(&c->thread, NULL, controller_main, c);
	if (rc != 0) {
		*cause = xasprintf("cannot start the run controller: %s", strerror(rc));
		return -1;
	}
	c->thread_started = 1;
	return 0;
}

void
controller_stop(struct controller *c, int force)
{
	struct worker_msg *m = xcalloc(1, sizeof *m);

	m->kind = WORKER_MSG_STOP_REQUEST;
	m->force = force;
	mailbox_give(&c->inbox, (struct mailbox_msg **)&m);
}

void
controller_set_vus(struct controller *c, int scenario, int64_t vus)
{
	struct worker_msg *m = xcalloc(1, sizeof *m);

	m->kind = WORKER_MSG_SET_VUS;
	m->scenario = scenario;
	m->target = vus;
	mailbox_give(&c->inbox, (struct mailbox_msg **)&m);
}

void
controller_event(struct controller *c, const struct engine_event *ev)
{
	struct worker_msg *m = xcalloc(1, sizeof *m);
	struct controller_event_msg *em = xcalloc(1, sizeof *em);

	em->ev = *ev;
	em->name = xstrdup(ev->name);
	em->source = xstrdup(ev->source);
	em->error = ev->error != NULL ? xstrdup(ev->error) : NULL;
	em->ev.name = em->name;
	em->ev.source = em->source;
	em->ev.error = em->error;
	m->kind = WORKER_MSG_EVENT;
	m->event = em;
	mailbox_give(&c->inbox, (struct mailbox_msg **)&m);
}

void
controller_monitor(struct controller *c, int first, int n, const struct monitor_read *reads)
{
	struct worker_msg *m = xcalloc(1, sizeof *m);
	struct controller_monitor_msg *mm = xcalloc(1, sizeof *mm);

	mm->first = first;
	mm->n = n;
	if (reads != NULL) {
		mm->reads = xcalloc((size_t)n + 1, sizeof *mm->reads);
		memcpy(mm->reads, reads, (size_t)n * sizeof *reads);
	}
	m->kind = WORKER_MSG_MONITOR;
	m->monitor = mm;
	mailbox_give(&c->inbox, (struct mailbox_msg **)&m);
}

static void
side_monitor(void *arg, int first, int n, const struct monitor_read *reads)
{
	controller_monitor(arg, first, n, reads);
}

static void
side_event(void *arg, const struct engine_event *ev)
{
	controller_event(arg, ev);
}

static enum engine_state
side_state(void *arg)
{
	return controller_state(arg);
}

void
controller_side(struct controller *c, struct side_sink *out)
{
	*out = (struct side_sink){ .monitor = side_monitor, .event = side_event,
	    .state = side_state, .arg = c };
}

const struct evwin *
controller_events(const struct controller *c)
{
	return c->events;
}

void
controller_join(struct controller *c)
{
	if (c->thread_started) {
		pthread_join(c->thread, NULL);
		c->thread_started = 0;
	}
}

enum engine_state
controller_state(const struct controller *c)
{
	return (enum engine_state)atomic_load(&((struct controller *)c)->state);
}

const struct tick *
controller_totals(const struct controller *c)
{
	return c->whole;
}

int64_t
controller_end_ns(const struct controller *c)
{
	return atomic_load(&((struct controller *)c)->end_ns);
}

void
controller_free(struct controller *c)
{
	struct mailbox_msg *left;

	if (c == NULL)
		return;
	assert(!c->thread_started);
	left = mailbox_take_all(&c->inbox);
	while (left != NULL) {
		struct worker_msg *m = (struct worker_msg *)left;
		left = left->next;
		if (m->kind == WORKER_MSG_EVENT) {
			free(m->event->name);
			free(m->event->source);
			free(m->event->error);
			free(m->event);
		}
		if (m->kind == WORKER_MSG_MONITOR) {
			free(m->monitor->reads);
			free(m->monitor);
		}
		if (m->kind != WORKER_MSG_TICK)
			free(m);
	}
	mailbox_fini(&c->inbox);
	evwin_free(c->events);
	monitor_acc_free(c->monitors);
	for (int s = 0; s < c->nscen; s++)
		free(c->scen[s].sent);
	free(c->scen);
	free(c->queues);
	free(c->host_pct);
	tick_free(c->second);
	tick_free(c->whole);
	free(c);
}
