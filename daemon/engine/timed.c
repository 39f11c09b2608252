/*
 * timed: see timed.h. Its own thread: it sleeps in steps of at most 50 ms (CLOCK_MONOTONIC) so a
 * stop is seen at once, and a request in flight is abandoned by libcurl's progress callback.
 */
#include <config.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "engine/side.h"
#include "engine/timed.h"
#include "engine/sink.h"
#include "testdef/plan.h"

#define STEP_NS (50 * CLOCK_NS_PER_MS)

struct timed {
	const struct plan *plan;
	int64_t t0_ns;
	struct side_guard g;       /* the side sink, the connect guard, the stop flag */
	pthread_t thread;
};

/* Drops the response body. */
static size_t
discard_cb(char *p, size_t size, size_t n, void *arg)
{
	(void)p, (void)arg;
	return size * n;
}

/* Sends ev's request: its status, or 0 and *error (a copy of libcurl's message). */
static int
send_request(struct timed *t, const struct plan_event *ev, char **error)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *h = curl_easy_init();
	long status = 0;
	CURLcode rc;

	if (h == NULL) {
		*error = xstrdup("cannot create a libcurl handle");
		return 0;
	}
	side_easy(h, &t->g, ev->url, ev->timeout_ns, "timed event");
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, ev->method);
	if (strcmp(ev->method, "HEAD") == 0)
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_cb);
	rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	else
		*error = xstrdup(errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
	curl_easy_cleanup(h);
	return (int)status;
}

static void *
timed_main(void *arg)
{
	struct timed *t = arg;

	for (int i = 0; i < t->plan->nevents; i++) {
		const struct plan_event *ev = &t->plan->events[i];
		int64_t due = t->t0_ns + ev->at_ns, now;

		while (!atomic_load(&t->g.stop) && t->g.sink.state(t->g.sink.arg) == ENGINE_RUNNING &&
		    (now = clock_now_ns()) < due) {
			int64_t step = due - now < STEP_NS ? due - now : STEP_NS;
			struct timespec ts = { step / CLOCK_NS_PER_S, step % CLOCK_NS_PER_S };
			nanosleep(&ts, NULL);
		}
		if (atomic_load(&t->g.stop) || t->g.sink.state(t->g.sink.arg) != ENGINE_RUNNING)
			break;
		struct engine_event out = {
			.at_ms = (clock_now_ns() - t->t0_ns) / CLOCK_NS_PER_MS,
			.name = ev->name,
			.source = "definition",
			.status = -1,
		};
		char *error = NULL;
		if (ev->url != NULL)
			out.status = send_request(t, ev, &error);
		out.error = error;
		if (!atomic_load(&t->g.stop))
			t->g.sink.event(t->g.sink.arg, &out);
		free(error);
	}
	return NULL;
}

int
timed_start(const struct plan *plan, int64_t t0_ns, const struct side_sink *sink,
    int (*allow_addr)(void *arg, const struct sockaddr *sa), void *allow_arg, struct timed **out,
    char **cause)
{
	struct timed *t;
	int rc;

	*out = NULL;
	if (plan->nevents == 0)
		return 0;
	t = xcalloc(1, sizeof *t);
	t->plan = plan;
	t->t0_ns = t0_ns;
	side_guard_init(&t->g, sink, allow_addr, allow_arg);
	if ((rc = pthread_create(&t->thread, NULL, timed_main, t)) != 0) {
		*cause = xasprintf("cannot start the thread of the timed events: %s", strerror(rc));
		free(t);
		return -1;
	}
	*out = t;
	return 0;
}

void
timed_stop(struct timed *t)
{
	if (t == NULL)
		return;
	atomic_store(&t->g.stop, 1);
	pthread_join(t->thread, NULL);
	free(t);
}
