/*
 * demo_timer: delayed answers without sleeping in MHD's threads. A handler that must answer later
 * suspends its connection and gives it here with a deadline; this thread keeps a binary min-heap of
 * deadlines (CLOCK_MONOTONIC), waits on a condvar until the earliest one and resumes the connection
 * (MHD_resume_connection is allowed from any thread); MHD then calls the handler again, which queues
 * the response it decided before suspending. Threads: the timer thread; adds come from MHD's threads.
 */
#include <config.h>

#include <assert.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "demo/demo_priv.h"

#define RESUME_BATCH 256           /* connections resumed per unlock */

struct timer_entry {
	int64_t deadline_ns;       /* CLOCK_MONOTONIC */
	struct MHD_Connection *conn;
};

struct demo_timer {
	pthread_t thread;
	/* shared, under lock */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct timer_entry *heap;
	size_t len, cap;
	int stopping;
};

/* Move entry i up until its parent is earlier. */
static void
sift_up(struct timer_entry *h, size_t i)
{
	struct timer_entry e = h[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (h[parent].deadline_ns <= e.deadline_ns)
			break;
		h[i] = h[parent];
		i = parent;
	}
	h[i] = e;
}

/* Move entry i down until its children are later. */
static void
sift_down(struct timer_entry *h, size_t len, size_t i)
{
	struct timer_entry e = h[i];

	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= len)
			break;
		if (child + 1 < len && h[child + 1].deadline_ns < h[child].deadline_ns)
			child++;
		if (e.deadline_ns <= h[child].deadline_ns)
			break;
		h[i] = h[child];
		i = child;
	}
	h[i] = e;
}

/* Remove and return the earliest entry; the heap must not be empty. */
static struct timer_entry
pop(struct demo_timer *t)
{
	struct timer_entry top = t->heap[0];

	assert(t->len > 0);
	t->heap[0] = t->heap[--t->len];
	if (t->len > 0)
		sift_down(t->heap, t->len, 0);
	return top;
}

/* Resume due connections in batches, unlocked; at stop, resume everything left. */
static void *
run(void *arg)
{
	struct demo_timer *t = arg;
	struct MHD_Connection *due[RESUME_BATCH];

	pthread_mutex_lock(&t->lock);
	for (;;) {
		int64_t now = clock_now_ns();
		size_t n = 0;

		while (t->len > 0 && n < RESUME_BATCH && (t->stopping || t->heap[0].deadline_ns <= now))
			due[n++] = pop(t).conn;
		if (n > 0) {
			pthread_mutex_unlock(&t->lock);
			for (size_t i = 0; i < n; i++)
				MHD_resume_connection(due[i]);
			pthread_mutex_lock(&t->lock);
			continue;
		}
		if (t->stopping)
			break;
		if (t->len == 0) {
			pthread_cond_wait(&t->cond, &t->lock);
		} else {
			struct timespec ts = clock_ts(t->heap[0].deadline_ns);
			pthread_cond_timedwait(&t->cond, &t->lock, &ts);
		}
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

struct demo_timer *
demo_timer_start(void)
{
	struct demo_timer *t = xcalloc(1, sizeof *t);
	pthread_condattr_t attr;

	pthread_mutex_init(&t->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cond, &attr);
	pthread_condattr_destroy(&attr);
	t->cap = 1024;
	t->heap = xreallocarray(NULL, t->cap, sizeof *t->heap);
	if (pthread_create(&t->thread, NULL, run, t) != 0)
		abort();
	return t;
}

void
demo_timer_add(struct demo_timer *t, struct MHD_Connection *conn, int64_t deadline_ns)
{
	pthread_mutex_lock(&t->lock);
	if (t->stopping) {
		pthread_mutex_unlock(&t->lock);
		MHD_resume_connection(conn);
		return;
	}
	if (t->len == t->cap) {
		t->cap *= 2;
		t->heap = xreallocarray(t->heap, t->cap, sizeof *t->heap);
	}
	t->heap[t->len] = (struct timer_entry){ deadline_ns, conn };
	sift_up(t->heap, t->len++);
	/* Only a new earliest deadline changes how long the thread should sleep. */
	if (t->heap[0].conn == conn)
		pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

void
demo_timer_stop(struct demo_timer *t)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&t->lock);
	t->stopping = 1;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	assert(t->len == 0);
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	free(t->heap);
	free(t);
}
