/*
 * mailbox: how threads talk. Many writers give messages; one reader takes the whole queue at once and
 * works on it unlocked. A message embeds a `struct mailbox_msg` (intrusive, so giving never
 * allocates). Giving to an empty mailbox calls the wake hook (curl_multi_wakeup, lws_cancel_service,
 * an eventfd write...) once; a reader that blocks uses mailbox_wait, which has its own condvar.
 */
#ifndef RAMPAGE_MAILBOX_H
#define RAMPAGE_MAILBOX_H

#include <pthread.h>
#include <stdint.h>

struct mailbox_msg {
	struct mailbox_msg *next;
};

struct mailbox {
	/* shared, under lock */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct mailbox_msg *head, **tail;
	/* set once at init */
	void (*wake)(void *arg);
	void *wake_arg;
};

/* Initialises an embedded mailbox. wake may be NULL (readers then use mailbox_wait). */
void mailbox_init(struct mailbox *mb, void (*wake)(void *), void *wake_arg);
/* Finishes a mailbox; the queue must be empty (the owner drained it). */
void mailbox_fini(struct mailbox *mb);
/* Appends *msg and sets *msg to NULL: the reader owns it now. Any thread. */
void mailbox_give(struct mailbox *mb, struct mailbox_msg **msg);
/* Takes every queued message in FIFO order (NULL if none); the caller owns the list. Reader thread. */
struct mailbox_msg *mailbox_take_all(struct mailbox *mb);
/*
 * Like mailbox_take_all, but waits until a message arrives or the monotonic deadline (ns, 0 = no
 * deadline) passes. Returns NULL on timeout.
 */
struct mailbox_msg *mailbox_wait(struct mailbox *mb, int64_t deadline_ns);

#endif
