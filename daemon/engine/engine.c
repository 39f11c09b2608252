/*
 * engine: see engine.h. Assembles one run: checks the environment, creates the controller and the
 * workers (VUs and easy handles are created here, on the caller's thread, before the clock starts),
 * fixes t0 and starts the threads. The controller thread drives the run and joins the workers;
 * engine_wait joins the controller.
 */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <curl/curl.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "engine/controller.h"
#include "engine/engine.h"
#include "engine/fleet.h"
#include "engine/timed.h"
#include "engine/scrape.h"
#include "engine/setup.h"
#include "engine/side.h"
#include "engine/worker.h"
#include "metrics/evwin.h"
#include "metrics/tick.h"
#include "testdef/plan.h"

#define DEFAULT_VUS_PER_SHARD 50
#define DEFAULT_BODY_CAP (64 * 1024)
#define FD_RESERVE 64              /* for the daemon itself: listening socket, database, logs */

struct engine {
	struct fleet *fleet;       /* a run over agents: every call below goes to it */
	const struct plan *plan;
	struct controller *ctl;
	struct worker **workers;
	int nworkers;
	_Atomic int64_t *claimed;  /* [nscenarios]: shared-iterations claims */
	atomic_int blocked_logged; /* the connect guard's first refusal was logged (once per run) */
	int64_t t0_ns;
	int joined;
	const struct segment *segment;     /* borrowed; NULL: the whole plan */
	/* live VU changes (engine_set_vus), the caller's */
	int64_t live_vus_max;
	const char *live_vus_max_name;
	int64_t *ceiling;          /* [nscenarios]: the most VUs each may be given, 0: fixed */
	int64_t *vus_now;          /* [nscenarios]: the VUs each was last given (closed model) */
	/* setup and teardown (engine/setup.h): the setup thread sends setup, then starts the clock */
	struct setup_data *setup;  /* NULL: the plan has neither */
	struct setup_env setup_env;
	atomic_int stopped;        /* engine_stop was called: setup gives up */
	atomic_int forced;         /* a forced stop: teardown gives up too */
	pthread_t setup_thread;
	int setup_started;
	char *error;               /* why setup or teardown failed (written before on_done) */
	struct timed *timed;       /* the definition's timed events; NULL: none */
	struct scrape *scrape;     /* the definition's monitors; NULL: none */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void
curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The most VUs the plan can have at once, per scenario summed (as the workers will allocate). */
static int64_t
plan_vus(const struct plan *plan, const struct segment *seg)
{
	int64_t n = 0;

	for (int s = 0; s < plan->nscenarios; s++) {
		struct worker_sched ws;
		worker_sched_init(&ws, &plan->scenarios[s], seg);
		n += ws.max_vus;
	}
	return n;
}

/* The most VUs one scenario can have at once. */
static int64_t
plan_vus_of(const struct plan_scenario *ps, const struct segment *seg)
{
	struct worker_sched ws;

	worker_sched_init(&ws, ps, seg);
	return ws.max_vus;
}

/* Checks that every VU can hold a connection. */
static int
check_fds(int64_t vus, int nworkers, char **cause)
{
	struct rlimit rl;
	int64_t need = vus + 2 * (int64_t)nworkers + FD_RESERVE;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		*cause = xasprintf("cannot read the open-file limit: %s", strerror(errno));
		return -1;
	}
	if (rl.rlim_cur != RLIM_INFINITY && (int64_t)rl.rlim_cur < need) {
		*cause = xasprintf("%lld VUs need about %lld open files (one connection each), but the "
		    "open-file limit is %llu: raise it (ulimit -n, or LimitNOFILE= for the service)",
		    (long long)vus, (long long)need, (unsigned long long)rl.rlim_cur);
		return -1;
	}
	return 0;
}

/* The ceilings of live VU changes: a constant-vus scenario may be given the cap less the VUs the
   other scenarios may use (never less than its own). */
static void
live_init(struct engine *e, const struct plan *plan, const struct engine_options *o, int64_t vus)
{
	size_t n = plan->nscenarios > 0 ? (size_t)plan->nscenarios : 1;

	e->ceiling = xcalloc(n, sizeof *e->ceiling);
	e->vus_now = xcalloc(n, sizeof *e->vus_now);
	e->live_vus_max = o->live_vus_max;
	e->live_vus_max_name = o->live_vus_max_name != NULL ? o->live_vus_max_name : "the VU cap";
	for (int s = 0; s < plan->nscenarios; s++) {
		const struct plan_scenario *ps = &plan->scenarios[s];
		if (ps->executor != PLAN_CONSTANT_VUS)
			continue;
		int64_t own = segment_scale(o->segment, ps->vus);
		e->vus_now[s] = own;
		if (o->live_vus_max > 0) {
			int64_t c = o->live_vus_max - (vus - own);
			e->ceiling[s] = c > own ? c : own;
		}
	}
}

int
engine_set_vus(struct engine *e, int scenario, int64_t vus, int64_t *from, const char **field,
    char **cause)
{
	const struct plan_scenario *ps;
	int64_t rel, total = 0;

	*field = "scenario";
	if (e->fleet != NULL) {
		*field = "vus";
		*cause = xstrdup("the run is spread over agents: its VUs cannot be changed while it runs");
		return -1;
	}
	if (scenario < 0 || scenario >= e->plan->nscenarios) {
		*cause = xasprintf("no scenario %d", scenario);
		return -1;
	}
	ps = &e->plan->scenarios[scenario];
	if (ps->executor != PLAN_CONSTANT_VUS) {
		*field = "vus";
		*cause = xasprintf("scenario \"%s\" is %s: only a constant-vus scenario's VUs can be changed "
		    "while it runs (%s)", ps->name, plan_executor_name(ps->executor),
		    ps->executor == PLAN_RAMPING_VUS ? "its stages already say how many VUs run when" :
		    "an open-model or iterations scenario has no VU target");
		return -1;
	}
	if (e->live_vus_max <= 0) {
		*field = "vus";
		*cause = xasprintf("this run's VUs cannot be changed while it runs");
		return -1;
	}
	if (engine_state(e) != ENGINE_RUNNING) {
		*field = "vus";
		*cause = xasprintf("the run is stopping or over");
		return -1;
	}
	rel = clock_now_ns() - e->t0_ns - ps->start_time_ns;
	if (rel < 0) {
		*cause = xasprintf("scenario \"%s\" has not started yet (startTime %.3g s)", ps->name,
		    (double)ps->start_time_ns / CLOCK_NS_PER_S);
		return -1;
	}
	if (rel >= ps->duration_ns) {
		*cause = xasprintf("scenario \"%s\" has run its duration: no new iterations start", ps->name);
		return -1;
	}
	*field = "vus";
	if (vus < 1) {
		*cause = xasprintf("expected at least 1 VU, got %lld (stop the run to end it)", (long long)vus);
		return -2;
	}
	if (vus > e->ceiling[scenario]) {
		*cause = xasprintf("expected at most %lld VUs for scenario \"%s\" (%s is %lld%s), got %lld",
		    (long long)e->ceiling[scenario], ps->name, e->live_vus_max_name,
		    (long long)e->live_vus_max,
		    e->ceiling[scenario] < e->live_vus_max ? ", less the other scenarios' VUs" : "",
		    (long long)vus);
		return -2;
	}
	for (int s = 0; s < e->plan->nscenarios; s++)
		total += s == scenario ? vus : e->vus_now[s] > 0 ? e->vus_now[s] :
		    plan_vus_of(&e->plan->scenarios[s], e->segment);
	if (check_fds(total, e->nworkers, cause) != 0)
		return -2;
	*from = e->vus_now[scenario];
	e->vus_now[scenario] = vus;
	controller_set_vus(e->ctl, scenario, vus);
	return 0;
}

/* Starts the workers and the controller with the clock at t0_ns; *started: workers started. */
static int
start_clock(struct engine *e, int64_t t0_ns, int *started, char **cause)
{
	for (*started = 0; *started < e->nworkers; (*started)++)
		if (worker_start(e->workers[*started], t0_ns, cause) != 0)
			return -1;
	return controller_start(e->ctl, e->workers, e->nworkers, t0_ns, cause);
}

/* Stops and joins the workers that were started (a start that failed half way). */
static void
stop_started(struct engine *e, int started)
{
	for (int w = 0; w < started; w++) {
		struct worker_msg *m = xcalloc(1, sizeof *m);
		m->kind = WORKER_MSG_STOP;
		m->force = 1;
		worker_give(e->workers[w], &m);
		m = xcalloc(1, sizeof *m);
		m->kind = WORKER_MSG_EXIT;
		worker_give(e->workers[w], &m);
		worker_join(e->workers[w]);
	}
}

/* The setup thread: sends setup, then starts the clock; or, when setup failed or the run was
   stopped meanwhile, ends the run without a VU (teardown does not run: there was no setup). */
static void *
setup_main(void *arg)
{
	struct engine *e = arg;
	char *cause = NULL;
	int started = 0;
	int rc = setup_run(e->plan, e->plan->setup, e->plan->nsetup, "setup", e->setup, &e->setup_env, &cause);

	if (rc == 0 && !atomic_load(&e->stopped)) {
		int64_t t0 = clock_now_ns();
		if (start_clock(e, t0, &started, &cause) == 0) {
			/* the definition's timed events, on the clock that starts now */
			struct side_sink side;
			controller_side(e->ctl, &side);
			if (timed_start(e->plan, t0, &side, e->setup_env.allow_addr, e->setup_env.allow_arg,
			    &e->timed, &cause) != 0 ||
			    scrape_start(e->plan, t0, &side, e->setup_env.allow_addr, e->setup_env.allow_arg,
			    &e->scrape, &cause) != 0) {
				e->error = cause;
				controller_stop(e->ctl, 1);
			}
			return NULL;
		}
		stop_started(e, started);
		rc = -1;
	}
	if (rc < 0)
		e->error = cause;
	controller_finish(e->ctl);
	return NULL;
}

/* The controller's teardown hook: sends teardown after the VUs ended (a forced stop cuts it). */
static void
teardown(void *arg)
{
	struct engine *e = arg;
	struct setup_env env = e->setup_env;
	char *cause = NULL;

	env.stop = &e->forced;
	if (setup_run(e->plan, e->plan->teardown, e->plan->nteardown, "teardown", e->setup, &env, &cause) < 0 &&
	    e->error == NULL)
		e->error = cause;
	else
		free(cause);
}

const char *
engine_error(const struct engine *e)
{
	if (e->fleet != NULL)
		return fleet_error(e->fleet);
	return e->error;
}

struct engine *
engine_start(const struct plan *plan, const struct engine_options *opt,
    const struct engine_sink *sink, char **cause)
{
	struct engine_options o = { 0 };
	struct engine *e;
	struct side_sink side;
	int64_t vus;
	int started = 0;

	if (opt != NULL)
		o = *opt;
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK) {
		*cause = xasprintf("curl_global_init: %s", curl_easy_strerror(curl_init_rc));
		return NULL;
	}
	if (o.fleet != NULL) {
		struct setup_env env = { .allow_addr = o.allow_addr, .allow_arg = o.allow_arg,
		    .body_cap = o.body_cap > 0 ? o.body_cap : DEFAULT_BODY_CAP };
		e = xcalloc(1, sizeof *e);
		e->plan = plan;
		if ((e->fleet = fleet_start(plan, o.fleet, sink, &env, cause)) == NULL) {
			free(e);
			return NULL;
		}
		return e;
	}
	if (o.workers <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		o.workers = n > 0 ? (int)n : 1;
	}
	if (o.vus_per_shard <= 0)
		o.vus_per_shard = DEFAULT_VUS_PER_SHARD;
	if (o.body_cap == 0)
		o.body_cap = DEFAULT_BODY_CAP;
	vus = plan_vus(plan, o.segment);
	if (o.workers > vus)
		o.workers = vus > 0 ? (int)vus : 1;
	if (check_fds(vus, o.workers, cause) != 0)
		return NULL;

	e = xcalloc(1, sizeof *e);
	e->plan = plan;
	e->segment = o.segment;
	e->nworkers = o.workers;
	e->claimed = xcalloc(plan->nscenarios > 0 ? (size_t)plan->nscenarios : 1, sizeof *e->claimed);
	for (int s = 0; s < plan->nscenarios; s++)
		atomic_init(&e->claimed[s], 0);
	atomic_init(&e->blocked_logged, 0);
	e->ctl = controller_new(plan, o.segment, sink);
	live_init(e, plan, &o, vus);
	atomic_init(&e->stopped, 0);
	atomic_init(&e->forced, 0);
	if (o.setup_data == NULL && (plan->nsetup > 0 || plan->nteardown > 0)) {
		e->setup = setup_data_new(plan);
		e->setup_env = (struct setup_env){ .allow_addr = o.allow_addr, .allow_arg = o.allow_arg,
		    .stop = &e->stopped, .body_cap = o.body_cap };
		if (plan->nteardown > 0)
			controller_set_teardown(e->ctl, teardown, e);
	}
	e->workers = xcalloc((size_t)e->nworkers, sizeof *e->workers);
	for (int w = 0; w < e->nworkers; w++) {
		struct worker_config cfg = {
			.plan = plan,
			.index = w,
			.nworkers = e->nworkers,
			.vus_per_shard = o.vus_per_shard,
			.body_cap = o.body_cap,
			.allow_addr = o.allow_addr,
			.allow_arg = o.allow_arg,
			.claimed = e->claimed,
			.vus_ceiling = e->ceiling,
			.blocked_logged = &e->blocked_logged,
			.controller = controller_inbox(e->ctl),
			.setup_vars = o.setup_data != NULL ? setup_data_vars(o.setup_data) :
			    e->setup != NULL ? setup_data_vars(e->setup) : NULL,
			.segment = o.segment,
		};
		e->workers[w] = worker_new(&cfg, cause);
		if (e->workers[w] == NULL)
			goto fail;
	}

	e->t0_ns = clock_now_ns();
	if (plan->nsetup > 0 && o.setup_data == NULL) {
		int rc = pthread_create(&e->setup_thread, NULL, setup_main, e);
		if (rc != 0) {
			*cause = xasprintf("cannot start the setup thread: %s", strerror(rc));
			goto fail;
		}
		e->setup_started = 1;
		return e;
	}
	if (start_clock(e, e->t0_ns, &started, cause) != 0)
		goto fail;
	controller_side(e->ctl, &side);
	if (timed_start(plan, e->t0_ns, &side, o.allow_addr, o.allow_arg, &e->timed, cause) != 0 ||
	    scrape_start(plan, e->t0_ns, &side, o.allow_addr, o.allow_arg, &e->scrape, cause) != 0) {
		controller_stop(e->ctl, 1);
		engine_free(e);
		return NULL;
	}
	return e;

fail:
	/* Workers already running: stop them at once and let them end. */
	stop_started(e, started);
	e->joined = 1;
	engine_free(e);
	return NULL;
}

void
engine_stop(struct engine *e, int force)
{
	if (e->fleet != NULL) {
		fleet_stop(e->fleet, force);
		return;
	}
	atomic_store(&e->stopped, 1);
	if (force)
		atomic_store(&e->forced, 1);
	controller_stop(e->ctl, force);
}

int
engine_wait(struct engine *e)
{
	if (e->fleet != NULL) {
		fleet_wait(e->fleet);
		e->joined = 1;
		return 0;
	}
	if (e->setup_started) {
		pthread_join(e->setup_thread, NULL);
		e->setup_started = 0;
	}
	controller_join(e->ctl);
	timed_stop(e->timed);
	e->timed = NULL;
	scrape_stop(e->scrape);
	e->scrape = NULL;
	e->joined = 1;
	return 0;
}

void
engine_mark(struct engine *e, const struct engine_event *ev)
{
	if (e->fleet != NULL) {
		fleet_event(e->fleet, ev);
		return;
	}
	controller_event(e->ctl, ev);
}

json_t *
engine_events_json(const struct engine *e)
{
	if (e->fleet != NULL)
		return evwin_json(fleet_events(e->fleet));
	return evwin_json(controller_events(e->ctl));
}

enum engine_state
engine_state(const struct engine *e)
{
	if (e->fleet != NULL)
		return fleet_state(e->fleet);
	return controller_state(e->ctl);
}

const struct tick *
engine_totals(const struct engine *e)
{
	if (e->fleet != NULL)
		return fleet_totals(e->fleet);
	return controller_totals(e->ctl);
}

int64_t
engine_elapsed_ns(const struct engine *e)
{
	int64_t end;

	if (e->fleet != NULL)
		return fleet_elapsed_ns(e->fleet);
	end = controller_end_ns(e->ctl);
	return (end != 0 ? end : clock_now_ns()) - e->t0_ns;
}

void
engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	if (e->fleet != NULL) {
		fleet_free(e->fleet);
		free(e);
		return;
	}
	if (!e->joined)
		engine_wait(e);
	controller_free(e->ctl);
	for (int w = 0; w < e->nworkers; w++)
		worker_free(e->workers[w]);
	free(e->workers);
	free(e->claimed);
	free(e->ceiling);
	free(e->vus_now);
	setup_data_free(e->setup);
	free(e->error);
	free(e);
}

json_t *
engine_agents_json(const struct engine *e)
{
	return e->fleet != NULL ? fleet_summary_json(e->fleet) : NULL;
}
