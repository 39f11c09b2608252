/*
 * mailbox: see mailbox.h. The condvar uses CLOCK_MONOTONIC so deadlines are immune to wall-clock
 * jumps.
 */
#include <config.h>

#include <assert.h>
#include <stddef.h>

#include "core/clock.h"
#include "core/mailbox.h"

void
mailbox_init(struct mailbox *mb, void (*wake)(void *), void *wake_arg)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&mb->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&mb->cond, &ca);
	pthread_condattr_destroy(&ca);
	mb->head = NULL;
	mb->tail = &mb->head;
	mb->wake = wake;
	mb->wake_arg = wake_arg;
}

void
mailbox_fini(struct mailbox *mb)
{
	assert(mb->head == NULL);
	pthread_mutex_destroy(&mb->lock);
	pthread_cond_destroy(&mb->cond);
}

void
mailbox_give(struct mailbox *mb, struct mailbox_msg **msg)
{
	struct mailbox_msg *m = *msg;
	int was_empty;

	assert(m != NULL);
	*msg = NULL;
	m->next = NULL;
	pthread_mutex_lock(&mb->lock);
	was_empty = mb->head == NULL;
	*mb->tail = m;
	mb->tail = &m->next;
	if (was_empty)
		pthread_cond_signal(&mb->cond);
	pthread_mutex_unlock(&mb->lock);
	if (was_empty && mb->wake != NULL)
		mb->wake(mb->wake_arg);
}

/* Detach the queue; lock held. */
static struct mailbox_msg *
detach(struct mailbox *mb)
{
	struct mailbox_msg *all = mb->head;
	mb->head = NULL;
	mb->tail = &mb->head;
	return all;
}

struct mailbox_msg *
mailbox_take_all(struct mailbox *mb)
{
	struct mailbox_msg *all;

	pthread_mutex_lock(&mb->lock);
	all = detach(mb);
	pthread_mutex_unlock(&mb->lock);
	return all;
}

struct mailbox_msg *
mailbox_wait(struct mailbox *mb, int64_t deadline_ns)
{
	struct mailbox_msg *all;

	pthread_mutex_lock(&mb->lock);
	while (mb->head == NULL) {
		if (deadline_ns == 0) {
			pthread_cond_wait(&mb->cond, &mb->lock);
		} else {
			struct timespec ts = clock_ts(deadline_ns);
			if (pthread_cond_timedwait(&mb->cond, &mb->lock, &ts) != 0 && mb->head == NULL)
				break;
		}
	}
	all = detach(mb);
	pthread_mutex_unlock(&mb->lock);
	return all;
}
