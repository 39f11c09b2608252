/*
 * runq_engine: the run manager's side that meets the engine (see runq.c's DESIGN): the engine's
 * sink, called on the run's controller thread (a second's rows to the store, its message to the
 * manager), and, on the manager thread, starting a queued run and recording one whose engine ended.
 */
#include <config.h>

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "engine/fleet.h"
#include "metrics/tick.h"
#include "runs/baseline.h"
#include "runs/run_changes.h"
#include "runs/run_failures.h"
#include "runs/run_plan.h"
#include "runs/runq_priv.h"
#include "testdef/testdef.h"

/* ---- the engine's side (controller thread) */

/* Gives the manager a message. Any thread. */
void
rq_give(struct runq *q, struct msg *m)
{
	struct mailbox_msg *mm = &m->link;

	mailbox_give(&q->mb, &mm);
}

static store_done_fn tick_told, done_told;

/* engine_sink.on_tick: copy, hand the rows to the store and the rest to the manager. */
static void
on_tick(void *arg, const struct tick *sec, const struct tick *whole)
{
	struct qrun *r = arg;
	struct runq *q = r->q;
	struct run_tick *rt;
	struct msg *m = xcalloc(1, sizeof *m);
	const struct run_row *total;
	bool fired;

	summary_series_add(&r->series, sec);
	findings_series_add(r->findings, sec);
	if (threshold_tick(r->thresholds, sec, whole)) {
		/* an abortOnFail threshold failed: the manager stops the run (it ends `failed`) */
		struct msg *stop = xcalloc(1, sizeof *stop);
		stop->kind = MSG_THRESHOLD;
		stop->run = r;
		rq_give(q, stop);
	}
	rt = run_tick_new(r->id, r->plan, sec);
	fired = failures_alarm_judge(&r->alarm, sec->second, whole->total.requests, whole->total.failed,
	    whole->failures, r->plan);
	rt->failures = run_failures_changed(sec, whole, r->alarm.fired ? &r->alarm : NULL, fired);
	total = &rt->rows[0];
	m->kind = MSG_TICK;
	m->run = r;
	m->json = run_metrics_tick_json(r->id, r->plan, r->thresholds, rt, sec, whole, &m->len);
	m->live = (struct runq_live){
		.second = rt->second,
		.elapsed_ms = (rt->second + 1) * 1000,
		.vus = sec->vus,
		.requests = (uint64_t)total->v[RUN_COL_REQUESTS],
		.rps = (double)total->v[RUN_COL_REQUESTS],
		.error_rate = total->v[RUN_COL_REQUESTS] > 0 ?
		    (double)total->v[RUN_COL_FAILURES] / (double)total->v[RUN_COL_REQUESTS] : 0.0,
		.p95_us = total->null[RUN_COL_LAT_P95] ? -1 : total->v[RUN_COL_LAT_P95],
		.total_requests = whole->total.requests,
		.total_failures = whole->total.failed,
	};
	m->metrics = run_metrics_new(r->id, r->name, r->plan, sec, whole);
	if ((m->cause = store_error(q->store)) != NULL) {
		/* the store is out of room: what is left of it (its reserve) is for recording states */
		run_tick_free(rt);
		m->stored = false;
		rq_give(q, m);
		return;
	}
	/* the job frees rt; the store hands m on to the manager once the rows committed or were lost */
	store_write_then(q->store, run_store_tick, rt, tick_told, m);
}

/* store_done_fn of a second's rows: gives the tick's message to the manager with their fate. */
static void
tick_told(void *arg, int rc, const char *cause)
{
	struct msg *m = arg;

	m->stored = rc == 0;
	if (rc != 0)
		m->cause = xstrdup(cause);
	rq_give(m->run->q, m);
}

/* store_done_fn of the empty job behind a run's last tick: gives the manager MSG_DONE. */
static void
done_told(void *arg, int rc, const char *cause)
{
	struct msg *m = arg;

	(void)rc;
	(void)cause;
	rq_give(m->run->q, m);
}

/* engine_sink.on_event: a timed event of the definition happened; the manager records it. */
static void
on_event(void *arg, const struct engine_event *ev)
{
	struct qrun *r = arg;
	struct msg *m = xcalloc(1, sizeof *m);

	m->kind = MSG_EVENT;
	m->run = r;
	m->event_name = xstrdup(ev->name);
	m->event_error = ev->error != NULL ? xstrdup(ev->error) : NULL;
	m->event = (struct run_event){ .run_id = r->id, .at_ms = ev->at_ms, .name = m->event_name,
	    .source = "definition", .status = ev->status, .error = m->event_error,
	    .created_ms = clock_wall_ms() };
	rq_give(r->q, m);
}

/* engine_sink.on_done: tell the manager, through the store so that it comes after every tick. */
static void
on_done(void *arg, const struct tick *whole)
{
	struct qrun *r = arg;
	struct msg *m = xcalloc(1, sizeof *m);

	(void)whole;
	m->kind = MSG_DONE;
	m->run = r;
	store_write_then(r->q->store, rq_barrier, NULL, done_told, m);
}

/* ---- the manager */

/* Worker threads the engine will use (its own rule: one per core, never more than VUs). */
static int
workers_used(const struct runq *q, const struct plan *plan)
{
	long n = q->cfg->workers > 0 ? q->cfg->workers : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	if (plan->max_vus >= 1 && n > plan->max_vus)
		n = plan->max_vus;
	return (int)n;
}

/* A run's definition snapshot, parsed into a plan; NULL and *cause (every error, joined). */
static struct plan *
load_plan(struct runq *q, int64_t id, char **cause)
{
	sqlite3_stmt *st = NULL;
	struct testdef_errors errs;
	struct plan *plan = NULL;
	json_t *def = NULL;

	testdef_errors_init(&errs);
	if (sqlite3_prepare_v2(q->db, "SELECT definition FROM runs WHERE id = ?", -1, &st, NULL) !=
	    SQLITE_OK) {
		*cause = xasprintf("cannot read the run's definition: %s", sqlite3_errmsg(q->db));
		goto out;
	}
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		*cause = xasprintf("cannot read the run's definition: %s", sqlite3_errmsg(q->db));
		goto out;
	}
	def = testdef_load_string((const char *)sqlite3_column_text(st, 0),
	    (size_t)sqlite3_column_bytes(st, 0), 0, &errs);
	/* the limits of now, not of when it was queued: a run queued before a restart that tightened
	   them does not slip through */
	if (def != NULL)
		plan = run_plan_new(q->sec, def, &errs);
	if (plan == NULL) {
		size_t cap = 1024, n;
		char *text = xmalloc(cap);
		n = (size_t)snprintf(text, cap, "invalid definition:");
		for (int i = 0; i < errs.n && n < cap; i++)
			n += (size_t)snprintf(text + n, cap - n, "%s %s: %s", i ? ";" : "",
			    errs.v[i].path[0] != '\0' ? errs.v[i].path : "definition", errs.v[i].message);
		*cause = text;
	}
out:
	sqlite3_finalize(st);
	json_decref(def);
	testdef_errors_fini(&errs);
	return plan;
}

/* The engine's connect guard: the resolved address must be inside security.allow_targets. */
static int
allow_addr(void *arg, const struct sockaddr *sa)
{
	return security_check_addr(arg, sa, NULL);
}

/* Starts a queued run: queued -> running, or -> error when it cannot. */
static void
start_run(struct runq *q, struct qrun *r)
{
	struct engine_options eo = { .workers = q->cfg->workers, .allow_addr = allow_addr,
	    .allow_arg = (void *)q->sec, .live_vus_max = security_caps(q->sec)->max_vus,
	    .live_vus_max_name = "limits.max_vus" };
	struct engine_sink sink = { .on_tick = on_tick, .on_done = on_done, .on_event = on_event,
	    .arg = r };
	struct run_store_state with = { 0 };
	struct fleet_options fo = { 0 };
	char *cause = NULL, *token = NULL;

	assert(r->state == RUN_QUEUED && r->engine == NULL);
	r->plan = load_plan(q, r->id, &cause);
	if (r->plan != NULL && r->plan->agents != 0) {
		/* a run over agents (engine/fleet.h): the same engine calls, its seconds added up; its
		   monitors and timed events run once, here */
		if ((token = fleet_read_token(q->cfg->agent_token_file, &cause)) != NULL) {
			fo = (struct fleet_options){ .urls = q->cfg->agent_urls, .dns = q->cfg->agent_dns,
			    .token = token, .ca_file = q->cfg->agent_ca_file,
			    .allow_targets = q->cfg->allow_targets, .want = r->plan->agents,
			    .loss_fails = r->plan->agent_loss_fails != 0, .late_ms = q->cfg->agent_late_ms,
			    .connect_timeout_ms = q->cfg->agent_connect_timeout_ms };
			eo.fleet = &fo;
		}
	}
	if (r->plan != NULL && cause == NULL) {
		summary_series_init(&r->series, workers_used(q, r->plan));
		r->findings = findings_series_new(r->plan);
		r->thresholds = threshold_set_new(r->plan);
		r->engine = engine_start(r->plan, &eo, &sink, &cause);
	}
	free(token);
	if (r->engine == NULL) {
		with.error = cause;
		rq_transition(q, r, RUN_ERROR, &with);
		free(cause);
		return;
	}
	with.plan = r->plan;
	with.started_ms = clock_wall_ms() - engine_elapsed_ns(r->engine) / CLOCK_NS_PER_MS;
	rq_transition(q, r, RUN_RUNNING, &with);
}

/* Starts queued runs while there is room. */
void
rq_start_next(struct runq *q)
{
	for (;;) {
		struct qrun *next = NULL;
		int active = 0;
		char *why;

		if (q->quitting)
			return;
		for (struct qrun *r = q->runs; r != NULL; r = r->next) {
			if (r->state == RUN_RUNNING || r->state == RUN_STOPPING)
				active++;
			else if (r->state == RUN_QUEUED && next == NULL)
				next = r;
		}
		if (next == NULL || active >= q->cfg->max_concurrent_runs)
			return;
		if ((why = store_error(q->store)) != NULL) {
			if (!q->held)
				log_notice("runq: run %lld waits: the store cannot write (%s)", (long long)next->id,
				    why);
			q->held = true;
			free(why);
			return;
		}
		q->held = false;
		start_run(q, next);
	}
}

/* The summary notes what was changed while the run ran (rampage.changes), so that its definition
   plus these describe it. */
static void
note_changes(struct runq *q, struct qrun *r, json_t *summary)
{
	char *cause = NULL;
	json_t *list = run_changes_read(q->db, r->id, &cause), *extra;

	if (list == NULL) {
		log_warn("run %lld: the summary lacks the run's changes: %s", (long long)r->id, cause);
		free(cause);
		return;
	}
	if (json_array_size(list) > 0 && json_is_object(extra = json_object_get(summary, "rampage")))
		json_object_set_new(extra, "changes", list);
	else
		json_decref(list);
}

/* The engine of r has ended: store what it measured and move to the final state. */
void
rq_finish_run(struct runq *q, struct qrun *r)
{
	struct run_store_state with = { 0 };
	enum run_state to;
	char *summary, *thresholds = NULL, *error = NULL;
	json_t *sj;

	engine_wait(r->engine);
	if (threshold_has_relative(r->thresholds)) {
		/* relative thresholds ("< baseline * 1.10") against the test's baseline (issue 13) */
		int64_t base;
		char *why = NULL;
		if (baseline_thresholds(q->db, r->id, r->thresholds, &base, &why) != 0) {
			log_warn("run %lld: cannot read its baseline: %s", (long long)r->id, why);
			free(why);
		}
	}
	threshold_final(r->thresholds, engine_totals(r->engine), engine_elapsed_ns(r->engine));
	struct summary_run sr = {
		.plan = r->plan,
		.whole = engine_totals(r->engine),
		.series = &r->series,
		.duration_ns = engine_elapsed_ns(r->engine),
		.interrupted = r->user_stop || r->shutdown,
		.missing_seconds = r->nmissing,
		.thresholds = r->thresholds,
		.alarm = &r->alarm,
		.findings = r->findings,
	};
	json_t *events = engine_events_json(r->engine);
	sr.events = events;
	sj = summary_json(&sr);
	json_decref(events);
	note_changes(q, r, sj);
	{
		/* a run over agents: which agents ran which share, incomplete seconds, lost agents */
		json_t *agents = engine_agents_json(r->engine), *extra = json_object_get(sj, "rampage");
		if (agents != NULL && json_is_object(extra))
			json_object_set_new(extra, "agents", agents);
		else
			json_decref(agents);
	}
	summary = json_dumps(sj, JSON_COMPACT);
	json_decref(sj);
	if (threshold_count(r->thresholds) > 0) {
		json_t *tj = threshold_results_json(r->thresholds);
		thresholds = json_dumps(tj, JSON_COMPACT);
		json_decref(tj);
	}
	if (r->shutdown) {
		to = RUN_ABORTED;
		error = xasprintf("the daemon stopped while the run was %s", run_state_name(r->state));
	} else if (engine_error(r->engine) != NULL) {
		/* its setup or teardown failed (engine/setup.h): the reason names the step */
		to = RUN_ERROR;
		error = xstrdup(engine_error(r->engine));
	} else if (r->user_stop) {
		to = RUN_STOPPED;
	} else {
		to = run_state_ended(threshold_count(r->thresholds), threshold_passed(r->thresholds));
	}
	with.whole = sr.whole;
	with.alarm = r->alarm.fired ? &r->alarm : NULL;
	with.check_names = r->plan->check_names;
	with.duration_us = (sr.duration_ns + 500) / 1000;
	/* the most VUs active at the end of a second; a run shorter than its ticks (a stalled host
	   ticked only after its VUs had ended) saw none active: then the peak allocated */
	with.vus = r->series.seconds > 0 ? r->series.vus_max : sr.whole->vus;
	if (with.vus == 0)
		with.vus = sr.whole->vus_max;
	with.summary = summary;
	with.thresholds = thresholds;
	with.error = error;
	with.missing = r->missing;
	if (r->nmissing > 0)
		log_warn("run %lld: ends with an incomplete history: %lld second%s not stored: %s",
		    (long long)r->id, (long long)r->nmissing, r->nmissing == 1 ? "" : "s", r->missing);
	rq_transition(q, r, to, &with);   /* frees r (or keeps it unrecorded) */
	free(summary);
	free(thresholds);
	free(error);
}
