/*
 * watchdog: see watchdog.h. The thread only sleeps and, at the deadline, writes one log line and
 * exits; it touches nothing another thread owns, so it is safe whatever state the others are in.
 */
#include <config.h>

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/watchdog.h"
#include "core/xmalloc.h"

struct watchdog {
	int64_t deadline_ns;
	int timeout_s;
	const char *key;
};

/* The thread: sleep to the deadline, then end the process. */
static void *
run(void *arg)
{
	struct watchdog *w = arg;

	clock_sleep_until_ns(w->deadline_ns);
	log_err("stop: the orderly shutdown did not finish within %d s (%s); exiting now", w->timeout_s,
	    w->key);
	_exit(WATCHDOG_EXIT);
}

int
watchdog_arm(int timeout_s, const char *key, char **cause)
{
	static struct watchdog one;   /* one per process; the thread may outlive main's frame */
	struct watchdog *w = &one;
	pthread_attr_t attr;
	pthread_t t;
	int err;

	w->deadline_ns = clock_now_ns() + (int64_t)timeout_s * CLOCK_NS_PER_S;
	w->timeout_s = timeout_s;
	w->key = key;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&t, &attr, run, w);
	pthread_attr_destroy(&attr);
	if (err != 0) {
		*cause = xasprintf("watchdog: cannot start thread: %s", strerror(err));
		return -1;
	}
	pthread_setname_np(t, "stop-watchdog");
	return 0;
}
