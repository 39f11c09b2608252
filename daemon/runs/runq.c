/*
 * runq: see runq.h.
 *
 * DESIGN. One manager thread owns the queue and every engine, and is the only thread that changes a
 * run's state: the api thread asks it (a message and a wait, like store_write_sync), the engine's
 * controller threads tell it (a message, never a wait). So every transition is serialised in one
 * place, the one transition function below, which writes the new state (and what comes with it: the
 * endpoints at the start; histograms, status codes and summary at the end) in one synchronous store
 * job, then updates the status cell, then publishes (through the struct runq_publisher main wired
 * to the live stream). Anything a client sees published is therefore already in the database.
 *
 * Each second, on the controller thread, on_tick copies the tick (run_store.h) and gives the copy
 * to the store (store_write_then: no waiting) with a message for the manager: the live JSON and the
 * run-so-far metrics (both built by run_metrics.h). The store hands that message on to the manager
 * once it knows the rows' fate: committed, and the manager publishes the tick; or lost (a full disk),
 * and the manager adds the second to the run's missing seconds and publishes `tick_lost` instead. So
 * nothing published was not stored, which lets a late client join REST history and the live stream
 * without a gap or a duplicate. The engine's "done" goes the same way (an empty store job), so it
 * reaches the manager after every tick of the run.
 *
 * A write that fails is never silent. The missing seconds are stored with the final state
 * (runs.missing). If the final state itself cannot be written, the run leaves the list of running
 * runs for the list `unrecorded`: the API shows its final state from memory (runq_status) and the
 * manager writes it again every second until it commits. While the store says it cannot write
 * (store_error) no queued run starts; the manager looks again every second.
 *
 * Shared state: the list of runs that have not ended, with each run's state, stop flags and latest
 * second (the "status cell", which also holds the run-so-far copy GET /metrics reads: a struct
 * run_metrics, immutable and reference-counted under the same lock), under `lock`; the manager
 * writes it, runq_status and runq_metrics_take read it. Everything
 * else of a run is the manager's, except `series`, which its controller thread writes between
 * engine_start and engine_wait.
 */
#include <config.h>

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "core/clock.h"
#include "core/conf.h"
#include "core/log.h"
#include "core/mailbox.h"
#include "core/xmalloc.h"
#include "engine/engine.h"
#include "metrics/findings.h"
#include "metrics/summary.h"
#include "metrics/threshold.h"
#include "runs/baseline.h"
#include "metrics/tick.h"
#include "runs/run_failures.h"
#include "runs/run_changes.h"
#include "runs/run_events.h"
#include "runs/run_metrics.h"
#include "runs/run_plan.h"
#include "runs/run_store.h"
#include "runs/runq.h"
#include "security/security.h"
#include "store/store.h"
#include "testdef/plan.h"
#include "testdef/testdef.h"

/* A caller waiting for the manager (lives on the caller's stack). */
struct waiter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;                 /* under lock */
	enum runq_result result;
	int64_t id;
	enum run_state state;
	char *cause;
	struct runq_vus_reply *vus;/* VUS */
	struct runq_mark_reply *mark;  /* MARK */
};

enum msg_kind { MSG_SUBMIT, MSG_STOP, MSG_DELETE, MSG_TICK, MSG_THRESHOLD, MSG_DONE, MSG_QUIT,
    MSG_VUS, MSG_MARK, MSG_EVENT };

struct msg {
	struct mailbox_msg link;   /* first: the mailbox links messages through it */
	enum msg_kind kind;
	struct waiter *w;          /* SUBMIT, STOP, DELETE */
	const struct runq_new *nr; /* SUBMIT */
	const struct runq_vus *vus;/* VUS */
	const struct runq_mark *mark;  /* MARK */
	struct run_event event;    /* EVENT: a timed event of the definition (strings below) */
	char *event_name, *event_error;
	int64_t id;                /* STOP, DELETE */
	bool force;                /* STOP */
	struct qrun *run;          /* TICK, THRESHOLD, DONE */
	char *json;                /* TICK: the live message */
	size_t len;
	struct runq_live live;     /* TICK */
	struct run_metrics *metrics;   /* TICK: the run so far, for the status cell */
	bool stored;               /* TICK: its rows committed */
	char *cause;               /* TICK: why they did not (xmalloc'd) */
};

/* A run that has not ended. */
struct qrun {
	struct qrun *next;         /* under lock: the list is in id order */
	struct runq *q;
	int64_t id;
	char topic[32];            /* "run:<id>" */
	struct plan *plan;         /* set by the manager before the engine starts; then read-only */
	/* under q->lock (written by the manager, read by runq_status) */
	enum run_state state;
	bool stop_requested, force;
	bool have_live;
	struct runq_live live;
	struct run_metrics *metrics;   /* the run so far (NULL before its first second) */
	int64_t nmissing;          /* seconds whose rows did not commit */
	char *missing;             /* their ranges, JSON text; NULL: none */
	bool unrecorded;           /* on q->unrecorded: final, its final state not written yet */
	struct run_store_state final;  /* unrecorded: the write to try again (strings owned) */
	/* the manager's */
	int64_t *lost;             /* the missing seconds, sorted */
	size_t nlost_cap;
	char *name;
	int64_t test_id;
	int64_t queued_ms, started_ms;
	struct engine *engine;
	bool user_stop;            /* ends `stopped` */
	bool shutdown;             /* ends `aborted` */
	int nevents;               /* markers recorded (RUN_EVENTS_MAX) */
	/* the controller thread's while the engine runs (on_tick), then the manager's */
	struct summary_series series;
	struct findings_series *findings;  /* same ownership: a second's figures for the findings */
	struct threshold_set *thresholds;   /* judged each second, then at the end */
	struct failures_alarm alarm;        /* "every request fails", judged in the first seconds */
};

struct runq {
	/* set by runq_start */
	const struct conf *cfg;
	struct store *store;
	struct runq_publisher pub; /* publish NULL: nothing is published */
	const struct security *sec;/* limits and target allowlist (main's), re-checked when a run starts */
	pthread_t thread;
	struct mailbox mb;         /* locks itself */
	/* shared, under lock */
	pthread_mutex_t lock;
	struct qrun *runs;
	struct qrun *unrecorded;   /* ended runs whose final state is not in the database yet */
	/* the manager's */
	sqlite3 *db;               /* read connection */
	bool held;                 /* a queued run waits because the store cannot write */
	bool quitting;
	bool queue_changed;        /* publish the queue when this batch is handled */
};

/* ---- small helpers */

/* Drops a reference to a metrics copy (NULL is a no-op); frees it with the last. Not under lock. */
static void
metrics_unref(struct runq *q, struct run_metrics *m)
{
	int refs;

	if (m == NULL)
		return;
	pthread_mutex_lock(&q->lock);
	refs = --m->refs;
	pthread_mutex_unlock(&q->lock);
	assert(refs >= 0);
	if (refs == 0)
		run_metrics_free(m);
}

/* Frees a run and what it holds (its engine must have ended). */
static void
qrun_free(struct qrun *r)
{
	if (r == NULL)
		return;
	metrics_unref(r->q, r->metrics);
	free(r->missing);
	free(r->lost);
	free((char *)r->final.summary);
	free((char *)r->final.thresholds);
	free((char *)r->final.error);
	free((char *)r->final.missing);
	engine_free(r->engine);
	threshold_set_free(r->thresholds);
	findings_series_free(r->findings);
	plan_free(r->plan);
	free(r->name);
	free(r);
}

/* A run of the list, or NULL. Under lock or on the manager thread. */
static struct qrun *
find(struct runq *q, int64_t id)
{
	for (struct qrun *r = q->runs; r != NULL; r = r->next)
		if (r->id == id)
			return r;
	return NULL;
}

/* An ended run whose end is not recorded yet, or NULL. Under lock or on the manager thread. */
static struct qrun *
find_unrecorded(struct runq *q, int64_t id)
{
	for (struct qrun *r = q->unrecorded; r != NULL; r = r->next)
		if (r->id == id)
			return r;
	return NULL;
}

/* Appends a new run (ids only grow) to the list. Manager thread (or runq_start). */
static struct qrun *
qrun_add(struct runq *q, int64_t id, const char *name, int64_t test_id, int64_t queued_ms)
{
	struct qrun *r = xcalloc(1, sizeof *r), **p;

	r->q = q;
	r->id = id;
	snprintf(r->topic, sizeof r->topic, "run:%lld", (long long)id);
	r->state = RUN_QUEUED;
	r->name = xstrdup(name);
	r->test_id = test_id;
	r->queued_ms = queued_ms;
	pthread_mutex_lock(&q->lock);
	for (p = &q->runs; *p != NULL; p = &(*p)->next)
		assert((*p)->id < id);
	*p = r;
	pthread_mutex_unlock(&q->lock);
	return r;
}

/* Takes a run off the list and frees it. Manager thread. */
static void
qrun_remove(struct runq *q, struct qrun *r)
{
	pthread_mutex_lock(&q->lock);
	for (struct qrun **p = &q->runs; *p != NULL; p = &(*p)->next) {
		if (*p == r) {
			*p = r->next;
			break;
		}
	}
	pthread_mutex_unlock(&q->lock);
	qrun_free(r);
}

/* Publishes a message to a topic when there is a live stream. Takes msg. */
static void
publish(struct runq *q, const char *topic, json_t *msg)
{
	char *text = json_dumps(msg, JSON_COMPACT);

	json_decref(msg);
	if (q->pub.publish != NULL && text != NULL &&
	    q->pub.publish(q->pub.arg, topic, text, strlen(text)) != 0)
		log_debug("runq: live message to %s dropped", topic);
	free(text);
}

/* An integer that 0 means "none" as JSON. */
static json_t *
opt_int(int64_t v)
{
	return v > 0 ? json_integer(v) : json_null();
}

/* Publishes a run's state on `runs` and on its own topic. Manager thread. */
static void
publish_state(struct runq *q, struct qrun *r, int previous, int64_t ended_ms, const char *error,
    int position)
{
	json_t *m = json_pack("{s:s, s:I, s:s, s:o, s:o, s:s, s:I, s:o, s:o, s:o}",
	    "type", "run_state",
	    "run_id", (json_int_t)r->id,
	    "state", run_state_name(r->state),
	    "previous", previous >= 0 ? json_string(run_state_name(previous)) : json_null(),
	    "test_id", opt_int(r->test_id),
	    "name", r->name,
	    "queued_ms", (json_int_t)r->queued_ms,
	    "started_ms", opt_int(r->started_ms),
	    "ended_ms", opt_int(ended_ms),
	    "error", error != NULL ? json_string(error) : json_null());

	if (r->state == RUN_QUEUED)
		json_object_set_new(m, "position", json_integer(position));
	json_object_set_new(m, "incomplete", json_boolean(r->nmissing > 0));
	json_object_set_new(m, "missing_seconds", json_integer(r->nmissing));
	/* the same change on both topics; `topic` tells a client subscribed to both which copy it got */
	json_object_set_new(m, "topic", json_string("runs"));
	publish(q, "runs", json_incref(m));
	json_object_set_new(m, "topic", json_string(r->topic));
	publish(q, r->topic, m);
}

/* Position of a queued run (1 = next). Under lock or on the manager thread. */
static int
position_of(struct runq *q, const struct qrun *run)
{
	int n = 0;

	for (struct qrun *r = q->runs; r != NULL; r = r->next) {
		if (r->state == RUN_QUEUED)
			n++;
		if (r == run)
			return r->state == RUN_QUEUED ? n : 0;
	}
	return 0;
}

/* Publishes the queue (every queued run and its position) on `runs`. Manager thread. */
static void
publish_queue(struct runq *q)
{
	json_t *list = json_array();
	int n = 0;

	for (struct qrun *r = q->runs; r != NULL; r = r->next)
		if (r->state == RUN_QUEUED)
			json_array_append_new(list, json_pack("{s:I, s:i}", "run_id", (json_int_t)r->id,
			    "position", ++n));
	publish(q, "runs", json_pack("{s:s, s:o}", "type", "queue", "queued", list));
}

/* Answers a waiting caller. */
static void
answer(struct waiter *w)
{
	pthread_mutex_lock(&w->lock);
	w->done = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

/* A store job that writes nothing: when it has committed, every job given before it has too. */
static int
barrier(sqlite3 *db, void *arg, char **cause)
{
	(void)db;
	(void)arg;
	(void)cause;
	return 0;
}

/* ---- the one transition function */

static void keep_unrecorded(struct runq *q, struct qrun *r, const struct run_store_state *s);

/*
 * Moves run r to state `to`: writes the state, with whatever extra the caller put in *with (may be
 * NULL), in one synchronous store job; then updates the status cell and publishes. A final state
 * takes the run off the list and frees it: r is gone when this returns. Manager thread.
 */
static void
transition(struct runq *q, struct qrun *r, enum run_state to, const struct run_store_state *with)
{
	struct run_store_state s = { 0 };
	enum run_state from = r->state;
	char *cause = NULL;
	bool recorded;

	assert(run_state_legal(from, to));
	if (with != NULL)
		s = *with;
	s.run_id = r->id;
	s.state = run_state_name(to);
	if (run_state_final(to) && s.ended_ms == 0)
		s.ended_ms = clock_wall_ms();
	if (s.started_ms > 0)
		r->started_ms = s.started_ms;
	recorded = store_write_sync(q->store, run_store_state, &s, &cause) == 0;
	if (!recorded) {
		/* The run goes on in memory; its row says less than it should. A final state is kept and
		   written again (retry_unrecorded). */
		log_err("run %lld: cannot record its state %s: %s%s", (long long)r->id, s.state, cause,
		    run_state_final(to) ? "; kept in memory and written again every second" : "");
		free(cause);
	}
	pthread_mutex_lock(&q->lock);
	r->state = to;
	pthread_mutex_unlock(&q->lock);
	log_info("run %lld: %s -> %s%s%s", (long long)r->id, run_state_name(from), s.state,
	    s.error != NULL ? ": " : "", s.error != NULL ? s.error : "");
	publish_state(q, r, (int)from, s.ended_ms, s.error, 0);
	if (from == RUN_QUEUED)
		q->queue_changed = true;
	if (run_state_final(to) && recorded && q->pub.ended != NULL)
		q->pub.ended(q->pub.ended_arg, r->id);
	if (run_state_final(to) && recorded)
		qrun_remove(q, r);
	else if (run_state_final(to))
		keep_unrecorded(q, r, &s);
}

/*
 * Moves a run whose final state could not be written from the list to q->unrecorded, with a copy
 * of that write (whole and check_names stay valid: the engine and plan live until qrun_free).
 * Manager thread.
 */
static void
keep_unrecorded(struct runq *q, struct qrun *r, const struct run_store_state *s)
{
	struct qrun **p;

	r->final = *s;
	r->final.summary = s->summary != NULL ? xstrdup(s->summary) : NULL;
	r->final.thresholds = s->thresholds != NULL ? xstrdup(s->thresholds) : NULL;
	r->final.error = s->error != NULL ? xstrdup(s->error) : NULL;
	r->final.missing = s->missing != NULL ? xstrdup(s->missing) : NULL;
	r->final.plan = NULL;
	pthread_mutex_lock(&q->lock);
	for (p = &q->runs; *p != r; p = &(*p)->next)
		assert(*p != NULL);
	*p = r->next;
	r->next = q->unrecorded;
	q->unrecorded = r;
	r->unrecorded = true;
	pthread_mutex_unlock(&q->lock);
}

/* Takes an unrecorded run off its list and frees it. Manager thread. */
static void
unrecorded_remove(struct runq *q, struct qrun *r)
{
	pthread_mutex_lock(&q->lock);
	for (struct qrun **p = &q->unrecorded; *p != NULL; p = &(*p)->next) {
		if (*p == r) {
			*p = r->next;
			break;
		}
	}
	pthread_mutex_unlock(&q->lock);
	qrun_free(r);
}

/* Writes the final states not recorded yet; stops at the first that fails (the same reason would
   fail the others). Manager thread (and runq_stop after it). */
static void
retry_unrecorded(struct runq *q)
{
	struct qrun *r, *next;
	char *cause = NULL;

	for (r = q->unrecorded; r != NULL; r = next) {
		next = r->next;
		if (store_write_sync(q->store, run_store_state, &r->final, &cause) != 0) {
			free(cause);
			return;
		}
		log_notice("run %lld: its final state %s is recorded now", (long long)r->id, r->final.state);
		if (q->pub.ended != NULL)
			q->pub.ended(q->pub.ended_arg, r->id);
		unrecorded_remove(q, r);
	}
}

/* Adds second to r's missing seconds (they may come out of order), updating the status cell.
   Manager thread. */
static void
add_missing(struct runq *q, struct qrun *r, int64_t second)
{
	size_t n = (size_t)r->nmissing, i;
	json_t *ranges = json_array(), *last = NULL;
	char *text;

	if (n == r->nlost_cap) {
		r->nlost_cap = r->nlost_cap ? 2 * r->nlost_cap : 16;
		r->lost = xrealloc(r->lost, r->nlost_cap * sizeof *r->lost);
	}
	for (i = n; i > 0 && r->lost[i - 1] > second; i--)
		r->lost[i] = r->lost[i - 1];
	r->lost[i] = second;
	n++;
	for (i = 0; i < n; i++) {
		if (last != NULL && json_integer_value(json_array_get(last, 1)) + 1 >= r->lost[i]) {
			json_array_set_new(last, 1, json_integer(r->lost[i]));
			continue;
		}
		last = json_pack("[I, I]", (json_int_t)r->lost[i], (json_int_t)r->lost[i]);
		json_array_append_new(ranges, last);
	}
	text = json_dumps(ranges, JSON_COMPACT);
	json_decref(ranges);
	pthread_mutex_lock(&q->lock);
	free(r->missing);
	r->missing = text;
	r->nmissing = (int64_t)n;
	pthread_mutex_unlock(&q->lock);
}

/* ---- the engine's side (controller thread) */

/* Gives the manager a message. Any thread. */
static void
give(struct runq *q, struct msg *m)
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
		give(q, stop);
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
		give(q, m);
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
	give(m->run->q, m);
}

/* store_done_fn of the empty job behind a run's last tick: gives the manager MSG_DONE. */
static void
done_told(void *arg, int rc, const char *cause)
{
	struct msg *m = arg;

	(void)rc;
	(void)cause;
	give(m->run->q, m);
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
	give(r->q, m);
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
	store_write_then(r->q->store, barrier, NULL, done_told, m);
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
	char *cause = NULL;

	assert(r->state == RUN_QUEUED && r->engine == NULL);
	r->plan = load_plan(q, r->id, &cause);
	if (r->plan != NULL) {
		summary_series_init(&r->series, workers_used(q, r->plan));
		r->findings = findings_series_new(r->plan);
		r->thresholds = threshold_set_new(r->plan);
		r->engine = engine_start(r->plan, &eo, &sink, &cause);
	}
	if (r->engine == NULL) {
		with.error = cause;
		transition(q, r, RUN_ERROR, &with);
		free(cause);
		return;
	}
	with.plan = r->plan;
	with.started_ms = clock_wall_ms() - engine_elapsed_ns(r->engine) / CLOCK_NS_PER_MS;
	transition(q, r, RUN_RUNNING, &with);
}

/* Starts queued runs while there is room. */
static void
start_next(struct runq *q)
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
static void
finish_run(struct runq *q, struct qrun *r)
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
	transition(q, r, to, &with);   /* frees r (or keeps it unrecorded) */
	free(summary);
	free(thresholds);
	free(error);
}

/* The state a run that the manager does not hold has in the database (-1: no such run). */
static int
stored_state(struct runq *q, int64_t id)
{
	sqlite3_stmt *st;
	int s = -1;

	if (sqlite3_prepare_v2(q->db, "SELECT state FROM runs WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		s = run_state_from_name((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return s;
}

/* SUBMIT: insert the row, queue the run. */
static void
handle_submit(struct runq *q, struct msg *m)
{
	const struct runq_new *nr = m->nr;
	struct run_store_insert in = {
		.test_id = nr->test_id, .schedule_id = nr->schedule_id, .name = nr->name,
		.definition = nr->definition, .trigger = nr->trigger, .note = nr->note, .tags = nr->tags,
		.queued_ms = clock_wall_ms(), .with = nr->with, .with_arg = nr->with_arg,
	};
	struct qrun *r;

	if (store_write_sync(q->store, run_store_insert, &in, &m->w->cause) != 0) {
		m->w->result = RUNQ_FAILED;
		return;
	}
	r = qrun_add(q, in.id, nr->name, nr->test_id, in.queued_ms);
	m->w->result = RUNQ_OK;
	m->w->id = in.id;
	log_info("run %lld: queued (%s)", (long long)in.id, nr->name);
	publish_state(q, r, -1, 0, NULL, position_of(q, r));
	q->queue_changed = true;
}

/* STOP: cancel a queued run, stop a running one. */
static void
handle_stop(struct runq *q, struct msg *m)
{
	struct qrun *r = find(q, m->id);
	int s;

	m->w->result = RUNQ_OK;
	if (r == NULL && (r = find_unrecorded(q, m->id)) != NULL) {
		m->w->result = RUNQ_CONFLICT;
		m->w->state = r->state;
		return;
	}
	if (r == NULL) {
		s = stored_state(q, m->id);
		m->w->result = s < 0 ? RUNQ_NOT_FOUND : RUNQ_CONFLICT;
		m->w->state = s < 0 ? RUN_ERROR : (enum run_state)s;
		return;
	}
	switch (r->state) {
	case RUN_QUEUED:
		transition(q, r, RUN_CANCELLED, NULL);
		break;
	case RUN_RUNNING:
	case RUN_STOPPING:
		r->user_stop = true;
		engine_stop(r->engine, m->force);
		pthread_mutex_lock(&q->lock);
		r->stop_requested = true;
		r->force = r->force || m->force;
		pthread_mutex_unlock(&q->lock);
		if (r->state == RUN_RUNNING)
			transition(q, r, RUN_STOPPING, NULL);
		break;
	default:
		assert(!"a final run on the list");
	}
}

/* DELETE: remove a run that is not running (a queued one is cancelled first). */
static void
handle_delete(struct runq *q, struct msg *m)
{
	struct qrun *r = find(q, m->id), *gone = find_unrecorded(q, m->id);
	int64_t id = m->id;

	if (r != NULL && r->state != RUN_QUEUED) {
		m->w->result = RUNQ_CONFLICT;
		m->w->state = r->state;
		return;
	}
	if (r != NULL)
		transition(q, r, RUN_CANCELLED, NULL);
	if (store_write_sync(q->store, run_store_delete, &id, &m->w->cause) != 0) {
		m->w->result = RUNQ_FAILED;
		return;
	}
	if (gone != NULL)
		unrecorded_remove(q, gone);   /* its row is gone: nothing left to record */
	m->w->result = id == 0 ? RUNQ_NOT_FOUND : RUNQ_OK;
	if (id != 0) {
		log_info("run %lld: deleted", (long long)id);
		publish(q, "runs", json_pack("{s:s, s:I}", "type", "run_deleted", "run_id",
		    (json_int_t)id));
	}
}

/* VUS: change a running run's VUs, record the change, publish it. */
static void
handle_vus(struct runq *q, struct msg *m)
{
	struct qrun *r = find(q, m->id);
	const struct runq_vus *v = m->vus;
	struct runq_vus_reply *out = m->w->vus;
	struct run_change c = { .run_id = m->id, .to = v->vus, .trigger = v->trigger };
	int sc = -1, s, rc;

	m->w->result = RUNQ_CONFLICT;
	out->field = "vus";
	if (r == NULL || r->state != RUN_RUNNING) {
		s = r != NULL ? (int)r->state : (r = find_unrecorded(q, m->id)) != NULL ? (int)r->state :
		    stored_state(q, m->id);
		if (s < 0) {
			m->w->result = RUNQ_NOT_FOUND;
			return;
		}
		out->state = (enum run_state)s;
		out->cause = xasprintf("the run is %s: only a running run's VUs can be changed",
		    run_state_name(out->state));
		return;
	}
	out->state = r->state;
	for (int i = 0; i < r->plan->nscenarios && sc < 0; i++) {
		const struct plan_scenario *ps = &r->plan->scenarios[i];
		if (v->scenario != NULL ? strcmp(ps->name, v->scenario) == 0 :
		    ps->executor == PLAN_CONSTANT_VUS)
			sc = i;
	}
	if (sc < 0 && v->scenario == NULL && r->plan->nscenarios == 1)
		sc = 0;        /* not constant-vus: the engine says why */
	if (sc < 0) {
		out->field = v->scenario != NULL ? "scenario" : "vus";
		out->invalid = v->scenario != NULL;
		out->cause = v->scenario != NULL ? xasprintf("the run has no scenario \"%s\"", v->scenario) :
		    xasprintf("the run has no constant-vus scenario: only such a scenario's VUs can be "
		    "changed while it runs");
		return;
	}
	if ((rc = engine_set_vus(r->engine, sc, v->vus, &c.from, &out->field, &out->cause)) != 0) {
		out->invalid = rc == -2;
		return;
	}
	c.scenario = r->plan->scenarios[sc].name;
	c.at_ms = engine_elapsed_ns(r->engine) / CLOCK_NS_PER_MS;
	c.changed_ms = clock_wall_ms();
	log_info("run %lld: scenario %s: %lld -> %lld VUs at %.1f s (%s)", (long long)r->id, c.scenario,
	    (long long)c.from, (long long)c.to, (double)c.at_ms / 1000.0, c.trigger);
	if (store_write_sync(q->store, run_changes_insert, &c, &out->cause) != 0) {
		m->w->result = RUNQ_FAILED;
		return;
	}
	m->w->result = RUNQ_OK;
	publish(q, r->topic, json_pack("{s:s, s:I, s:o}", "type", "change", "run_id",
	    (json_int_t)r->id, "change", run_changes_json(&c)));
}

/* Records an event of r and publishes it. 0, or -1 and *cause. */
static int
record_event(struct runq *q, struct qrun *r, const struct run_event *ev, char **cause)
{
	if (store_write_sync(q->store, run_events_insert, (void *)ev, cause) != 0)
		return -1;
	r->nevents++;
	publish(q, r->topic, json_pack("{s:s, s:I, s:o}", "type", "event", "run_id", (json_int_t)r->id,
	    "event", run_events_json(ev)));
	return 0;
}

/* MARK: mark the moment now of a running run. */
static void
handle_mark(struct runq *q, struct msg *m)
{
	struct qrun *r = find(q, m->id);
	struct runq_mark_reply *out = m->w->mark;
	struct run_event ev = { .run_id = m->id, .name = m->mark->name, .source = "api",
	    .trigger = m->mark->trigger };
	int s;

	m->w->result = RUNQ_CONFLICT;
	if (r == NULL || r->state != RUN_RUNNING || r->engine == NULL) {
		s = r != NULL ? (int)r->state : (r = find_unrecorded(q, m->id)) != NULL ? (int)r->state :
		    stored_state(q, m->id);
		if (s < 0) {
			m->w->result = RUNQ_NOT_FOUND;
			return;
		}
		out->state = (enum run_state)s;
		out->cause = xasprintf("the run is %s: only a running run's moments can be marked",
		    run_state_name(out->state));
		return;
	}
	out->state = r->state;
	if (r->nevents >= RUN_EVENTS_MAX) {
		out->cause = xasprintf("the run has %d events already, the most a run may have",
		    RUN_EVENTS_MAX);
		return;
	}
	ev.at_ms = engine_elapsed_ns(r->engine) / CLOCK_NS_PER_MS;
	ev.created_ms = clock_wall_ms();
	if (record_event(q, r, &ev, &out->cause) != 0) {
		m->w->result = RUNQ_FAILED;
		return;
	}
	engine_mark(r->engine, &(struct engine_event){ .at_ms = ev.at_ms, .name = ev.name,
	    .source = "api", .status = -1 });
	out->event = run_events_json(&ev);
	m->w->result = RUNQ_OK;
}

/* Handles one message; frees it. */
static void
handle(struct runq *q, struct msg *m)
{
	struct qrun *r = m->run;

	switch (m->kind) {
	case MSG_SUBMIT:
		handle_submit(q, m);
		answer(m->w);
		break;
	case MSG_STOP:
		handle_stop(q, m);
		answer(m->w);
		break;
	case MSG_DELETE:
		handle_delete(q, m);
		answer(m->w);
		break;
	case MSG_VUS:
		handle_vus(q, m);
		answer(m->w);
		break;
	case MSG_MARK:
		handle_mark(q, m);
		answer(m->w);
		break;
	case MSG_EVENT: {
		char *cause = NULL;
		if (r->nevents < RUN_EVENTS_MAX && record_event(q, r, &m->event, &cause) != 0) {
			log_warn("run %lld: event %s not recorded: %s", (long long)r->id, m->event.name,
			    cause);
			free(cause);
		}
		free(m->event_name);
		free(m->event_error);
		break;
	}
	case MSG_TICK: {
		struct run_metrics *old;

		pthread_mutex_lock(&q->lock);
		r->live = m->live;
		r->have_live = true;
		old = r->metrics;
		r->metrics = m->metrics;
		pthread_mutex_unlock(&q->lock);
		metrics_unref(q, old);
		if (!m->stored) {
			/* never published: the stream only carries what is stored */
			if (r->nmissing == 0)
				log_err("run %lld: second %lld not stored: %s; the run goes on, its history is "
				    "incomplete (the seconds lost are listed with it)", (long long)r->id,
				    (long long)m->live.second, m->cause);
			add_missing(q, r, m->live.second);
			publish(q, r->topic, json_pack("{s:s, s:I, s:I, s:s, s:I}", "type", "tick_lost",
			    "run_id", (json_int_t)r->id, "second", (json_int_t)m->live.second,
			    "error", m->cause, "missing_seconds", (json_int_t)r->nmissing));
		} else if (q->pub.publish != NULL && m->json != NULL &&
		    q->pub.publish(q->pub.arg, r->topic, m->json, m->len) != 0) {
			log_debug("runq: tick %lld of run %lld dropped", (long long)m->live.second,
			    (long long)r->id);
		}
		free(m->json);
		free(m->cause);
		break;
	}
	case MSG_THRESHOLD:
		if (r->engine != NULL && r->state == RUN_RUNNING) {
			log_info("run %lld: an abortOnFail threshold failed: stopping it", (long long)r->id);
			engine_stop(r->engine, 0);
		}
		break;
	case MSG_DONE:
		finish_run(q, r);
		break;
	case MSG_QUIT:
		q->quitting = true;
		for (r = q->runs; r != NULL; r = r->next) {
			if (r->engine != NULL) {
				r->shutdown = true;
				engine_stop(r->engine, 1);
			}
		}
		break;
	}
	free(m);
}

/* Whether an engine still runs. */
static bool
engines_running(struct runq *q)
{
	for (struct qrun *r = q->runs; r != NULL; r = r->next)
		if (r->engine != NULL)
			return true;
	return false;
}

static void *
manager_main(void *arg)
{
	struct runq *q = arg;

	start_next(q);
	if (q->queue_changed)
		publish_queue(q);
	q->queue_changed = false;
	for (;;) {
		/* what waits for the store (an end to record, a run to start) is looked at every second */
		struct mailbox_msg *all = mailbox_wait(&q->mb, q->unrecorded != NULL || q->held ?
		    clock_now_ns() + CLOCK_NS_PER_S : 0);

		while (all != NULL) {
			struct msg *m = (struct msg *)all;
			all = all->next;
			handle(q, m);
		}
		if (q->unrecorded != NULL)
			retry_unrecorded(q);
		start_next(q);
		if (q->queue_changed)
			publish_queue(q);
		q->queue_changed = false;
		if (q->quitting && !engines_running(q))
			break;
	}
	return NULL;
}

/* ---- the public side */

struct runq *
runq_start(const struct conf *cfg, const struct security *sec, struct store *store,
    const struct runq_publisher *pub, char **cause)
{
	struct runq *q = xcalloc(1, sizeof *q);
	sqlite3_stmt *st = NULL;
	int rc;

	q->cfg = cfg;
	q->store = store;
	if (pub != NULL)
		q->pub = *pub;
	pthread_mutex_init(&q->lock, NULL);
	mailbox_init(&q->mb, NULL, NULL);
	q->sec = sec;
	if ((q->db = store_open_reader(store, cause)) == NULL)
		goto fail;
	if (sqlite3_prepare_v2(q->db, "SELECT id, name, coalesce(test_id, 0), queued_ms FROM runs "
	    "WHERE state = 'queued' ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
		*cause = xasprintf("cannot read the queued runs: %s", sqlite3_errmsg(q->db));
		goto fail;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		qrun_add(q, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
		    sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3));
	if (rc != SQLITE_DONE) {
		*cause = xasprintf("cannot read the queued runs: %s", sqlite3_errmsg(q->db));
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (q->runs != NULL) {
		int n = 0;
		for (struct qrun *r = q->runs; r != NULL; r = r->next)
			n++;
		log_notice("runq: %d queued run%s picked up again", n, n == 1 ? "" : "s");
	}
	if ((rc = pthread_create(&q->thread, NULL, manager_main, q)) != 0) {
		*cause = xasprintf("cannot start the run manager: %s", strerror(rc));
		goto fail;
	}
	return q;
fail:
	sqlite3_finalize(st);
	while (q->runs != NULL) {
		struct qrun *r = q->runs;
		q->runs = r->next;
		qrun_free(r);
	}
	sqlite3_close(q->db);
	mailbox_fini(&q->mb);
	pthread_mutex_destroy(&q->lock);
	free(q);
	return NULL;
}

void
runq_stop(struct runq *q)
{
	struct msg *m;

	if (q == NULL)
		return;
	m = xcalloc(1, sizeof *m);
	m->kind = MSG_QUIT;
	give(q, m);
	pthread_join(q->thread, NULL);
	retry_unrecorded(q);
	for (struct qrun *r = q->unrecorded; r != NULL; r = r->next)
		log_err("run %lld: its final state %s was never recorded: the next start marks it aborted",
		    (long long)r->id, r->final.state);
	while (q->unrecorded != NULL) {
		struct qrun *r = q->unrecorded;
		q->unrecorded = r->next;
		qrun_free(r);
	}
	while (q->runs != NULL) {
		struct qrun *r = q->runs;
		q->runs = r->next;
		assert(r->engine == NULL);
		qrun_free(r);
	}
	sqlite3_close(q->db);
	mailbox_fini(&q->mb);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

/* Gives m (with a waiter) to the manager and waits for its answer. */
static void
ask(struct runq *q, struct msg *m, struct waiter *w)
{
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	m->w = w;
	give(q, m);
	pthread_mutex_lock(&w->lock);
	while (!w->done)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
}

int
runq_submit(struct runq *q, const struct runq_new *nr, int64_t *id, char **cause)
{
	struct msg *m = xcalloc(1, sizeof *m);
	struct waiter w = { .done = false };

	m->kind = MSG_SUBMIT;
	m->nr = nr;
	ask(q, m, &w);
	if (w.result != RUNQ_OK) {
		*cause = w.cause;
		return -1;
	}
	*id = w.id;
	return 0;
}

enum runq_result
runq_stop_run(struct runq *q, int64_t id, bool force, enum run_state *state)
{
	struct msg *m = xcalloc(1, sizeof *m);
	struct waiter w = { .done = false };

	m->kind = MSG_STOP;
	m->id = id;
	m->force = force;
	ask(q, m, &w);
	*state = w.state;
	assert(w.cause == NULL);
	return w.result;
}

enum runq_result
runq_delete(struct runq *q, int64_t id, enum run_state *state, char **cause)
{
	struct msg *m = xcalloc(1, sizeof *m);
	struct waiter w = { .done = false };

	m->kind = MSG_DELETE;
	m->id = id;
	ask(q, m, &w);
	*state = w.state;
	*cause = w.cause;
	return w.result;
}

enum runq_result
runq_set_vus(struct runq *q, int64_t id, const struct runq_vus *v, struct runq_vus_reply *out)
{
	struct msg *m = xcalloc(1, sizeof *m);
	struct waiter w = { .done = false, .vus = out };

	memset(out, 0, sizeof *out);
	m->kind = MSG_VUS;
	m->id = id;
	m->vus = v;
	ask(q, m, &w);
	assert(w.cause == NULL);
	return w.result;
}

enum runq_result
runq_mark(struct runq *q, int64_t id, const struct runq_mark *mk, struct runq_mark_reply *out)
{
	struct msg *m = xcalloc(1, sizeof *m);
	struct waiter w = { .done = false, .mark = out };

	memset(out, 0, sizeof *out);
	m->kind = MSG_MARK;
	m->id = id;
	m->mark = mk;
	ask(q, m, &w);
	assert(w.cause == NULL);
	return w.result;
}

bool
runq_status(struct runq *q, int64_t id, struct runq_status *st)
{
	struct qrun *r;

	memset(st, 0, sizeof *st);
	pthread_mutex_lock(&q->lock);
	r = find(q, id);
	if (r == NULL && (r = find_unrecorded(q, id)) != NULL) {
		st->unrecorded = true;
		st->ended_ms = r->final.ended_ms;
		st->error = r->final.error != NULL ? xstrdup(r->final.error) : NULL;
	}
	if (r != NULL) {
		st->missing_seconds = r->nmissing;
		st->missing = r->missing != NULL ? xstrdup(r->missing) : NULL;
		st->state = r->state;
		st->position = position_of(q, r);
		st->stop_requested = r->stop_requested;
		st->force = r->force;
		st->have_live = r->have_live;
		st->live = r->live;
	}
	pthread_mutex_unlock(&q->lock);
	return r != NULL;
}

void
runq_status_fini(struct runq_status *st)
{
	free(st->missing);
	free(st->error);
	st->missing = st->error = NULL;
}

struct run_metrics **
runq_metrics_take(struct runq *q, int *n, int *queued)
{
	struct run_metrics **list;
	int cap = 0;

	*n = 0;
	*queued = 0;
	pthread_mutex_lock(&q->lock);
	for (struct qrun *r = q->runs; r != NULL; r = r->next)
		cap++;
	list = xcalloc((size_t)cap + 1, sizeof *list);
	for (struct qrun *r = q->runs; r != NULL; r = r->next) {
		if (r->state == RUN_QUEUED)
			(*queued)++;
		else if ((r->state == RUN_RUNNING || r->state == RUN_STOPPING) && r->metrics != NULL) {
			r->metrics->refs++;
			list[(*n)++] = r->metrics;
		}
	}
	pthread_mutex_unlock(&q->lock);
	return list;
}

void
runq_metrics_release(struct runq *q, struct run_metrics **list, int n)
{
	if (list == NULL)
		return;
	for (int i = 0; i < n; i++)
		metrics_unref(q, list[i]);
	free(list);
}

int
runq_live_clients(const struct runq *q)
{
	return q->pub.clients != NULL ? q->pub.clients(q->pub.arg) : 0;
}
