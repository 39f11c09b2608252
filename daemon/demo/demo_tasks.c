/*
 * demo_tasks: the demo target's task queue, for the guide's polling flow: POST /api/tasks enqueues
 * a task that is done after N polls of GET /api/tasks/{id} (N = 3, or the body's "polls"). A ring
 * of the last DEMO_TASK_RING tasks behind one mutex (a test fixture: MHD's pool threads share it);
 * an older task is forgotten (404).
 */
#include <config.h>

#include <pthread.h>
#include <stdlib.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "demo/demo_priv.h"

struct task {
	int64_t id;                /* 0: free */
	int polls;                 /* GETs so far */
	int need;                  /* done from this many GETs */
	int64_t queued_ns;         /* when it was enqueued (CLOCK_MONOTONIC) */
	int64_t done_ms;           /* ms from enqueued to the poll that found it done; -1: not yet */
};

struct demo_tasks {
	pthread_mutex_t lock;
	struct task ring[DEMO_TASK_RING];
};

struct demo_tasks *
demo_tasks_new(void)
{
	struct demo_tasks *t = xcalloc(1, sizeof *t);

	pthread_mutex_init(&t->lock, NULL);
	return t;
}

void
demo_tasks_free(struct demo_tasks *t)
{
	if (t == NULL)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t);
}

void
demo_tasks_add(struct demo_tasks *t, int64_t id, int need)
{
	struct task *e = &t->ring[(uint64_t)id % DEMO_TASK_RING];

	pthread_mutex_lock(&t->lock);
	*e = (struct task){ .id = id, .need = need, .queued_ns = clock_now_ns(), .done_ms = -1 };
	pthread_mutex_unlock(&t->lock);
}

int
demo_tasks_poll(struct demo_tasks *t, int64_t id, int *polls, int *need, int64_t *done_ms)
{
	struct task *e = &t->ring[(uint64_t)id % DEMO_TASK_RING];
	int rc = -1;

	pthread_mutex_lock(&t->lock);
	if (id > 0 && e->id == id) {
		if (e->polls < e->need)
			e->polls++;
		if (e->polls >= e->need && e->done_ms < 0)
			e->done_ms = (clock_now_ns() - e->queued_ns) / CLOCK_NS_PER_MS;
		*polls = e->polls;
		*need = e->need;
		*done_ms = e->done_ms;
		rc = 0;
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}
