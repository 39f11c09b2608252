/*
 * runq_change: the messages that change a run, handled on the manager thread (see runq.c's
 * DESIGN): submit, stop, delete, a change of VUs, a marked moment.
 */
#include <config.h>

#include <assert.h>
#include <pthread.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "runs/run_changes.h"
#include "runs/runq_priv.h"
#include "testdef/plan.h"

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

/*
 * A change asked of run id that is not running (r: the manager's, or NULL): the answer's state and
 * "the run is <state>: only a running run's <what>" into *state and *cause, and RUNQ_CONFLICT; or
 * RUNQ_NOT_FOUND when there is no such run. VUS and MARK answer so.
 */
static enum runq_result
not_running(struct runq *q, struct qrun *r, int64_t id, const char *what, enum run_state *state,
    char **cause)
{
	int s = r != NULL ? (int)r->state : (r = rq_find_unrecorded(q, id)) != NULL ? (int)r->state :
	    stored_state(q, id);

	if (s < 0)
		return RUNQ_NOT_FOUND;
	*state = (enum run_state)s;
	*cause = xasprintf("the run is %s: only a running run's %s", run_state_name(*state), what);
	return RUNQ_CONFLICT;
}

/* SUBMIT: insert the row, queue the run. */
void
rq_handle_submit(struct runq *q, struct msg *m)
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
	r = rq_add(q, in.id, nr->name, nr->test_id, in.queued_ms);
	m->w->result = RUNQ_OK;
	m->w->id = in.id;
	log_info("run %lld: queued (%s)", (long long)in.id, nr->name);
	rq_publish_state(q, r, -1, 0, NULL, rq_position_of(q, r));
	q->queue_changed = true;
}

/* STOP: cancel a queued run, stop a running one. */
void
rq_handle_stop(struct runq *q, struct msg *m)
{
	struct qrun *r = rq_find(q, m->id);
	int s;

	m->w->result = RUNQ_OK;
	if (r == NULL && (r = rq_find_unrecorded(q, m->id)) != NULL) {
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
		rq_transition(q, r, RUN_CANCELLED, NULL);
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
			rq_transition(q, r, RUN_STOPPING, NULL);
		break;
	default:
		assert(!"a final run on the list");
	}
}

/* DELETE: remove a run that is not running (a queued one is cancelled first). */
void
rq_handle_delete(struct runq *q, struct msg *m)
{
	struct qrun *r = rq_find(q, m->id), *gone = rq_find_unrecorded(q, m->id);
	int64_t id = m->id;

	if (r != NULL && r->state != RUN_QUEUED) {
		m->w->result = RUNQ_CONFLICT;
		m->w->state = r->state;
		return;
	}
	if (r != NULL)
		rq_transition(q, r, RUN_CANCELLED, NULL);
	if (store_write_sync(q->store, run_store_delete, &id, &m->w->cause) != 0) {
		m->w->result = RUNQ_FAILED;
		return;
	}
	if (gone != NULL)
		rq_unrecorded_remove(q, gone);   /* its row is gone: nothing left to record */
	m->w->result = id == 0 ? RUNQ_NOT_FOUND : RUNQ_OK;
	if (id != 0) {
		log_info("run %lld: deleted", (long long)id);
		rq_publish(q, "runs", json_pack("{s:s, s:I}", "type", "run_deleted", "run_id",
		    (json_int_t)id));
	}
}

/* VUS: change a running run's VUs, record the change, publish it. */
void
rq_handle_vus(struct runq *q, struct msg *m)
{
	struct qrun *r = rq_find(q, m->id);
	const struct runq_vus *v = m->vus;
	struct runq_vus_reply *out = m->w->vus;
	struct run_change c = { .run_id = m->id, .to = v->vus, .trigger = v->trigger };
	int sc = -1, rc;

	m->w->result = RUNQ_CONFLICT;
	out->field = "vus";
	if (r == NULL || r->state != RUN_RUNNING) {
		m->w->result = not_running(q, r, m->id, "VUs can be changed", &out->state, &out->cause);
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
	rq_publish(q, r->topic, json_pack("{s:s, s:I, s:o}", "type", "change", "run_id",
	    (json_int_t)r->id, "change", run_changes_json(&c)));
}

/* Records an event of r and publishes it. 0, or -1 and *cause. */
int
rq_record_event(struct runq *q, struct qrun *r, const struct run_event *ev, char **cause)
{
	if (store_write_sync(q->store, run_events_insert, (void *)ev, cause) != 0)
		return -1;
	r->nevents++;
	rq_publish(q, r->topic, json_pack("{s:s, s:I, s:o}", "type", "event", "run_id", (json_int_t)r->id,
	    "event", run_events_json(ev)));
	return 0;
}

/* MARK: mark the moment now of a running run. */
void
rq_handle_mark(struct runq *q, struct msg *m)
{
	struct qrun *r = rq_find(q, m->id);
	struct runq_mark_reply *out = m->w->mark;
	struct run_event ev = { .run_id = m->id, .name = m->mark->name, .source = "api",
	    .trigger = m->mark->trigger };

	m->w->result = RUNQ_CONFLICT;
	if (r == NULL || r->state != RUN_RUNNING || r->engine == NULL) {
		m->w->result = not_running(q, r, m->id, "moments can be marked", &out->state, &out->cause);
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
	if (rq_record_event(q, r, &ev, &out->cause) != 0) {
		m->w->result = RUNQ_FAILED;
		return;
	}
	engine_mark(r->engine, &(struct engine_event){ .at_ms = ev.at_ms, .name = ev.name,
	    .source = "api", .status = -1 });
	out->event = run_events_json(&ev);
	m->w->result = RUNQ_OK;
}
