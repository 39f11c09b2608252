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

#include "core/clock.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "runs/runq_priv.h"
#include "testdef/plan.h"

/* ---- small helpers */

/* Drops a reference to a metrics copy (NULL is a no-op); frees it with the last. Not under lock. */
void
rq_metrics_unref(struct runq *q, struct run_metrics *m)
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
rq_free(struct qrun *r)
{
	if (r == NULL)
		return;
	rq_metrics_unref(r->q, r->metrics);
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
struct qrun *
rq_find(struct runq *q, int64_t id)
{
	for (struct qrun *r = q->runs; r != NULL; r = r->next)
		if (r->id == id)
			return r;
	return NULL;
}

/* An ended run whose end is not recorded yet, or NULL. Under lock or on the manager thread. */
struct qrun *
rq_find_unrecorded(struct runq *q, int64_t id)
{
	for (struct qrun *r = q->unrecorded; r != NULL; r = r->next)
		if (r->id == id)
			return r;
	return NULL;
}

/* Appends a new run (ids only grow) to the list. Manager thread (or runq_start). */
struct qrun *
rq_add(struct runq *q, int64_t id, const char *name, int64_t test_id, int64_t queued_ms)
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
	rq_free(r);
}

/* Publishes a message to a topic when there is a live stream. Takes msg. */
void
rq_publish(struct runq *q, const char *topic, json_t *msg)
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
void
rq_publish_state(struct runq *q, struct qrun *r, int previous, int64_t ended_ms, const char *error,
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
	rq_publish(q, "runs", json_incref(m));
	json_object_set_new(m, "topic", json_string(r->topic));
	rq_publish(q, r->topic, m);
}

/* Position of a queued run (1 = next). Under lock or on the manager thread. */
int
rq_position_of(struct runq *q, const struct qrun *run)
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
	rq_publish(q, "runs", json_pack("{s:s, s:o}", "type", "queue", "queued", list));
}

/* Answers a waiting caller. */
static void
rq_answer(struct waiter *w)
{
	pthread_mutex_lock(&w->lock);
	w->done = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

/* A store job that writes nothing: when it has committed, every job given before it has too. */
int
rq_barrier(sqlite3 *db, void *arg, char **cause)
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
void
rq_transition(struct runq *q, struct qrun *r, enum run_state to, const struct run_store_state *with)
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
	rq_publish_state(q, r, (int)from, s.ended_ms, s.error, 0);
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
void
rq_unrecorded_remove(struct runq *q, struct qrun *r)
{
	pthread_mutex_lock(&q->lock);
	for (struct qrun **p = &q->unrecorded; *p != NULL; p = &(*p)->next) {
		if (*p == r) {
			*p = r->next;
			break;
		}
	}
	pthread_mutex_unlock(&q->lock);
	rq_free(r);
}

/* Writes the final states not recorded yet; stops at the first that fails (the same reason would
   fail the others). Manager thread (and runq_stop after it). */
static void
rq_retry_unrecorded(struct runq *q)
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
		rq_unrecorded_remove(q, r);
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

/* Handles one message; frees it. */
static void
handle(struct runq *q, struct msg *m)
{
	struct qrun *r = m->run;

	switch (m->kind) {
	case MSG_SUBMIT:
		rq_handle_submit(q, m);
		rq_answer(m->w);
		break;
	case MSG_STOP:
		rq_handle_stop(q, m);
		rq_answer(m->w);
		break;
	case MSG_DELETE:
		rq_handle_delete(q, m);
		rq_answer(m->w);
		break;
	case MSG_VUS:
		rq_handle_vus(q, m);
		rq_answer(m->w);
		break;
	case MSG_MARK:
		rq_handle_mark(q, m);
		rq_answer(m->w);
		break;
	case MSG_EVENT: {
		char *cause = NULL;
		if (r->nevents < RUN_EVENTS_MAX && rq_record_event(q, r, &m->event, &cause) != 0) {
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
		rq_metrics_unref(q, old);
		if (!m->stored) {
			/* never published: the stream only carries what is stored */
			if (r->nmissing == 0)
				log_err("run %lld: second %lld not stored: %s; the run goes on, its history is "
				    "incomplete (the seconds lost are listed with it)", (long long)r->id,
				    (long long)m->live.second, m->cause);
			add_missing(q, r, m->live.second);
			rq_publish(q, r->topic, json_pack("{s:s, s:I, s:I, s:s, s:I}", "type", "tick_lost",
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
		rq_finish_run(q, r);
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

	rq_start_next(q);
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
			rq_retry_unrecorded(q);
		rq_start_next(q);
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
		rq_add(q, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
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
		rq_free(r);
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
	rq_give(q, m);
	pthread_join(q->thread, NULL);
	rq_retry_unrecorded(q);
	for (struct qrun *r = q->unrecorded; r != NULL; r = r->next)
		log_err("run %lld: its final state %s was never recorded: the next start marks it aborted",
		    (long long)r->id, r->final.state);
	while (q->unrecorded != NULL) {
		struct qrun *r = q->unrecorded;
		q->unrecorded = r->next;
		rq_free(r);
	}
	while (q->runs != NULL) {
		struct qrun *r = q->runs;
		q->runs = r->next;
		assert(r->engine == NULL);
		rq_free(r);
	}
	sqlite3_close(q->db);
	mailbox_fini(&q->mb);
	pthread_mutex_destroy(&q->lock);
	free(q);
}
