/*
 * runq_ask: the public side of the run manager (runq.h), called from other threads: a question is
 * a message and a wait for its answer; the status cell is read under the lock.
 */
#include <config.h>

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "runs/runq_priv.h"

/* Gives m (with a waiter) to the manager and waits for its answer. */
static void
ask(struct runq *q, struct msg *m, struct waiter *w)
{
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	m->w = w;
	rq_give(q, m);
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
	r = rq_find(q, id);
	if (r == NULL && (r = rq_find_unrecorded(q, id)) != NULL) {
		st->unrecorded = true;
		st->ended_ms = r->final.ended_ms;
		st->error = r->final.error != NULL ? xstrdup(r->final.error) : NULL;
	}
	if (r != NULL) {
		st->missing_seconds = r->nmissing;
		st->missing = r->missing != NULL ? xstrdup(r->missing) : NULL;
		st->state = r->state;
		st->position = rq_position_of(q, r);
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
		rq_metrics_unref(q, list[i]);
	free(list);
}

int
runq_live_clients(const struct runq *q)
{
	return q->pub.clients != NULL ? q->pub.clients(q->pub.arg) : 0;
}
