/* Unit tests for core/mailbox: FIFO order, wake hook on empty->non-empty only, many writers. */
#include <config.h>

#include <pthread.h>
#include <stdlib.h>

#include "core/clock.h"
#include "core/mailbox.h"
#include "tap.h"

struct item {
	struct mailbox_msg msg; /* first: the list pointer casts back to the item */
	int writer, seq;
};

static int wakes;
static void wake(void *arg) { (void)arg; wakes++; }

#define WRITERS 4
#define PER_WRITER 10000
static struct mailbox shared;

static void *
writer(void *arg)
{
	int id = (int)(long)arg;
	for (int i = 0; i < PER_WRITER; i++) {
		struct item *it = malloc(sizeof *it);
		it->writer = id;
		it->seq = i;
		struct mailbox_msg *m = &it->msg;
		mailbox_give(&shared, &m);
	}
	return NULL;
}

int
main(void)
{
	struct mailbox mb;
	struct item items[3];

	mailbox_init(&mb, wake, NULL);
	ok(mailbox_take_all(&mb) == NULL, "an empty mailbox gives nothing");
	for (int i = 0; i < 3; i++) {
		items[i].seq = i;
		struct mailbox_msg *m = &items[i].msg;
		mailbox_give(&mb, &m);
		ok(m == NULL, "give clears the sender's pointer (%d)", i);
	}
	is_int(wakes, 1, "the wake hook runs once, when the mailbox turns non-empty");
	struct mailbox_msg *all = mailbox_take_all(&mb);
	int n = 0, in_order = 1;
	for (struct mailbox_msg *m = all; m; m = m->next, n++)
		in_order &= ((struct item *)m)->seq == n;
	is_int(n, 3, "take_all returns every message");
	ok(in_order, "in FIFO order");
	ok(mailbox_take_all(&mb) == NULL, "and leaves the mailbox empty");

	int64_t t0 = clock_now_ns();
	ok(mailbox_wait(&mb, t0 + 30 * CLOCK_NS_PER_MS) == NULL, "wait times out on an empty mailbox");
	ok(clock_now_ns() - t0 >= 30 * CLOCK_NS_PER_MS, "after the deadline");
	mailbox_fini(&mb);

	/* Many writers, one reader: nothing lost, each writer's messages stay in its order. */
	mailbox_init(&shared, NULL, NULL);
	pthread_t th[WRITERS];
	for (long i = 0; i < WRITERS; i++)
		pthread_create(&th[i], NULL, writer, (void *)i);
	int next[WRITERS] = { 0 }, total = 0, ordered = 1;
	while (total < WRITERS * PER_WRITER) {
		struct mailbox_msg *m = mailbox_wait(&shared, clock_now_ns() + CLOCK_NS_PER_S);
		while (m != NULL) {
			struct item *it = (struct item *)m;
			m = m->next;
			ordered &= it->seq == next[it->writer]++;
			total++;
			free(it);
		}
	}
	for (int i = 0; i < WRITERS; i++)
		pthread_join(th[i], NULL);
	is_int(total, WRITERS * PER_WRITER, "all messages from %d writers arrive", WRITERS);
	ok(ordered, "each writer's messages arrive in the order given");
	mailbox_fini(&shared);
	return done_testing();
}
