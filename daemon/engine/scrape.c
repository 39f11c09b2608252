/*
 * scrape: see scrape.h. Its own thread: it sleeps in steps of at most 50 ms (CLOCK_MONOTONIC) so a
 * stop is seen at once. Monitor i is scraped at t0 + k x interval + interval / 2: the middle of a
 * second, so that its reading reaches the controller (or the fleet) before that second is merged,
 * and lands in the second it was taken in.
 */
#include <config.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/xmalloc.h"
#include "engine/scrape.h"
#include "engine/side.h"
#include "metrics/monitor.h"
#include "testdef/plan.h"

#define STEP_NS (50 * CLOCK_NS_PER_MS)
#define BODY_MAX (4u << 20)

struct target {
	const struct plan_monitor *m;
	CURL *h;
	struct monitor_reader *reader;
	struct buf body;
	int64_t next_ns;           /* the next scrape (absolute) */
};

struct scrape {
	const struct plan *plan;
	int64_t t0_ns;
	struct side_guard g;       /* the side sink, the connect guard, the stop flag */
	pthread_t thread;
	struct target *t;
	int n;
};

/* Keeps the body, up to BODY_MAX (beyond: the transfer fails, a gap). */
static size_t
body_cb(char *p, size_t size, size_t n, void *arg)
{
	struct target *t = arg;

	return buf_add(&t->body, p, size * n) == 0 ? size * n : 0;
}

static int
alive(struct scrape *s)
{
	return !atomic_load(&s->g.stop) && s->g.sink.state(s->g.sink.arg) != ENGINE_DONE;
}

/* Scrapes t once and gives the readings to the side sink. */
static void
scrape_one(struct scrape *s, struct target *t)
{
	struct monitor_read *reads = xcalloc((size_t)t->m->nvalues + 1, sizeof *reads);
	long status = 0;
	int ok;

	buf_fini(&t->body);
	buf_init(&t->body, BODY_MAX);
	ok = curl_easy_perform(t->h) == CURLE_OK &&
	    curl_easy_getinfo(t->h, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
	    status >= 200 && status <= 299 &&
	    monitor_read(t->reader, t->body.p != NULL ? t->body.p : "", t->body.len, clock_now_ns(),
	    reads) == 0;
	if (alive(s))
		s->g.sink.monitor(s->g.sink.arg, t->m->first_value, t->m->nvalues,
		    ok ? reads : NULL);
	free(reads);
}

static void *
scrape_main(void *arg)
{
	struct scrape *s = arg;

	while (alive(s)) {
		struct target *due = NULL;
		int64_t now;

		for (int i = 0; i < s->n; i++)
			if (due == NULL || s->t[i].next_ns < due->next_ns)
				due = &s->t[i];
		while (alive(s) && (now = clock_now_ns()) < due->next_ns) {
			int64_t step = due->next_ns - now < STEP_NS ? due->next_ns - now : STEP_NS;
			struct timespec ts = { step / CLOCK_NS_PER_S, step % CLOCK_NS_PER_S };
			nanosleep(&ts, NULL);
		}
		if (!alive(s))
			break;
		scrape_one(s, due);
		/* the next slot still ahead: a scrape that took longer than the interval skips slots */
		now = clock_now_ns();
		do
			due->next_ns += due->m->interval_ns;
		while (due->next_ns <= now);
	}
	return NULL;
}

/* Sets up t's easy handle. */
static void
target_init(struct scrape *s, struct target *t, int i)
{
	const struct plan_monitor *m = &s->plan->monitors[i];

	t->m = m;
	t->reader = monitor_reader_new(s->plan, i);
	t->next_ns = s->t0_ns + m->interval_ns / 2;
	buf_init(&t->body, BODY_MAX);
	t->h = curl_easy_init();
	if (t->h == NULL)
		return;
	side_easy(t->h, &s->g, m->url, m->timeout_ns, "monitor");
	curl_easy_setopt(t->h, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(t->h, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(t->h, CURLOPT_ACCEPT_ENCODING, "");
}

static void
scrape_free(struct scrape *s)
{
	for (int i = 0; i < s->n; i++) {
		if (s->t[i].h != NULL)
			curl_easy_cleanup(s->t[i].h);
		monitor_reader_free(s->t[i].reader);
		buf_fini(&s->t[i].body);
	}
	free(s->t);
	free(s);
}

int
scrape_start(const struct plan *plan, int64_t t0_ns, const struct side_sink *sink,
    int (*allow_addr)(void *arg, const struct sockaddr *sa), void *allow_arg, struct scrape **out,
    char **cause)
{
	struct scrape *s;
	int rc;

	*out = NULL;
	if (plan->nmonitors == 0)
		return 0;
	s = xcalloc(1, sizeof *s);
	s->plan = plan;
	s->t0_ns = t0_ns;
	side_guard_init(&s->g, sink, allow_addr, allow_arg);
	s->n = plan->nmonitors;
	s->t = xcalloc((size_t)s->n, sizeof *s->t);
	for (int i = 0; i < s->n; i++) {
		target_init(s, &s->t[i], i);
		if (s->t[i].h == NULL) {
			*cause = xstrdup("cannot create a libcurl handle for a monitor");
			scrape_free(s);
			return -1;
		}
	}
	if ((rc = pthread_create(&s->thread, NULL, scrape_main, s)) != 0) {
		*cause = xasprintf("cannot start the thread of the monitors: %s", strerror(rc));
		scrape_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

void
scrape_stop(struct scrape *s)
{
	if (s == NULL)
		return;
	atomic_store(&s->g.stop, 1);
	pthread_join(s->thread, NULL);
	scrape_free(s);
}
