/*
 * demo_misbehave: the demo target's bad habits, so that findings can be seen and tested (issue 14):
 *   - POST /admin/reload: a reload; for --reload-ms after it every request but /admin/reload, /api/stats and
 *     /metrics has its connection dropped (closed without an answer; --reload-mode drop) or is
 *     answered 503 (--reload-mode 503), as a server restarting without a graceful handover does.
 *   - leak mode (--leak-bytes N): every request keeps N more bytes (touched, so they are resident)
 *     until --leak-cap-mb is reached; then it stops growing. Memory of a fixture, bounded.
 *   - a task worker (--task-rate N): POST /api/tasks queues a task; a thread drains N tasks a second
 *     (0: none is ever run, the queue only grows, as before).
 *   - GET /metrics: Prometheus text format 0.0.4 of its own: RSS, requests, the task queue depth,
 *     tasks done, bytes leaked, reloads and whether one is under way.
 * Any MHD thread calls demo_misbehave_request; counters are atomics, the leak a list under a mutex
 * (a test fixture: shared state behind a lock is fine here, demo_priv.h). The worker is its own
 * thread, woken every 10 ms.
 */
#include <config.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "demo/demo_priv.h"

#define WORKER_STEP_NS (10 * CLOCK_NS_PER_MS)

struct leak_block {
	struct leak_block *next;
};

struct demo_misbehave {
	const struct demo_opts *opts;
	_Atomic int64_t reload_until_ns;   /* CLOCK_MONOTONIC; 0: never reloaded */
	_Atomic uint64_t reloads, requests, dropped;
	_Atomic int64_t queue_depth;       /* tasks queued, not yet run */
	_Atomic uint64_t tasks_done;
	/* the leak, under lock */
	pthread_mutex_t lock;
	struct leak_block *leak;
	uint64_t leaked;                   /* bytes */
	/* the worker */
	pthread_t worker;
	int worker_started;
	atomic_int stop;
};

/* The task worker: drains task_rate tasks a second, in 10 ms steps (fractions carried over). */
static void *
worker_main(void *arg)
{
	struct demo_misbehave *m = arg;
	double credit = 0;
	int64_t last = clock_now_ns();

	while (!atomic_load(&m->stop)) {
		struct timespec ts = { 0, WORKER_STEP_NS };
		nanosleep(&ts, NULL);
		int64_t now = clock_now_ns();
		credit += (double)m->opts->task_rate * (double)(now - last) / 1e9;
		last = now;
		while (credit >= 1) {
			int64_t d = atomic_load(&m->queue_depth);
			if (d <= 0) {
				credit = 0;    /* an idle worker saves up nothing */
				break;
			}
			if (atomic_compare_exchange_weak(&m->queue_depth, &d, d - 1)) {
				atomic_fetch_add(&m->tasks_done, 1);
				credit -= 1;
			}
		}
	}
	return NULL;
}

struct demo_misbehave *
demo_misbehave_new(const struct demo_opts *opts, char **cause)
{
	struct demo_misbehave *m = xcalloc(1, sizeof *m);
	int rc;

	m->opts = opts;
	pthread_mutex_init(&m->lock, NULL);
	atomic_init(&m->stop, 0);
	if (opts->task_rate > 0) {
		if ((rc = pthread_create(&m->worker, NULL, worker_main, m)) != 0) {
			*cause = xasprintf("cannot start the task worker: %s", strerror(rc));
			pthread_mutex_destroy(&m->lock);
			free(m);
			return NULL;
		}
		m->worker_started = 1;
	}
	return m;
}

void
demo_misbehave_free(struct demo_misbehave *m)
{
	if (m == NULL)
		return;
	atomic_store(&m->stop, 1);
	if (m->worker_started)
		pthread_join(m->worker, NULL);
	for (struct leak_block *b = m->leak, *next; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void
demo_misbehave_task_queued(struct demo_misbehave *m)
{
	atomic_fetch_add(&m->queue_depth, 1);
}

/* Keeps leak_bytes more, up to the cap. */
static void
leak(struct demo_misbehave *m)
{
	size_t n = (size_t)m->opts->leak_bytes;
	uint64_t cap = (uint64_t)m->opts->leak_cap_mb * 1024 * 1024;
	struct leak_block *b;

	if (n < sizeof *b)
		n = sizeof *b;
	pthread_mutex_lock(&m->lock);
	if (m->leaked + n <= cap) {
		b = xmalloc(n);
		memset(b, 0x5a, n);    /* touched: resident, not only reserved */
		b->next = m->leak;
		m->leak = b;
		m->leaked += n;
	}
	pthread_mutex_unlock(&m->lock);
}

/* Resident set size in bytes, from /proc/self/statm; 0 unknown. */
static uint64_t
rss_bytes(void)
{
	unsigned long long size, resident;
	FILE *f = fopen("/proc/self/statm", "r");
	int n;

	if (f == NULL)
		return 0;
	n = fscanf(f, "%llu %llu", &size, &resident);
	fclose(f);
	return n == 2 ? (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

/* GET /metrics. */
static char *
metrics_text(struct demo_misbehave *m)
{
	uint64_t leaked;
	int reloading = atomic_load(&m->reload_until_ns) > clock_now_ns();

	pthread_mutex_lock(&m->lock);
	leaked = m->leaked;
	pthread_mutex_unlock(&m->lock);
	return xasprintf(
	    "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
	    "# TYPE process_resident_memory_bytes gauge\n"
	    "process_resident_memory_bytes %llu\n"
	    "# HELP demo_requests_total Requests received.\n"
	    "# TYPE demo_requests_total counter\n"
	    "demo_requests_total %llu\n"
	    "# HELP demo_task_queue_depth Tasks queued by POST /api/tasks and not yet run.\n"
	    "# TYPE demo_task_queue_depth gauge\n"
	    "demo_task_queue_depth %lld\n"
	    "# HELP demo_tasks_processed_total Tasks the worker ran.\n"
	    "# TYPE demo_tasks_processed_total counter\n"
	    "demo_tasks_processed_total %llu\n"
	    "# HELP demo_leaked_bytes Bytes kept by leak mode.\n"
	    "# TYPE demo_leaked_bytes gauge\n"
	    "demo_leaked_bytes %llu\n"
	    "# HELP demo_reloads_total Reloads (POST /admin/reload).\n"
	    "# TYPE demo_reloads_total counter\n"
	    "demo_reloads_total %llu\n"
	    "# HELP demo_reload_dropped_total Requests dropped or refused while reloading.\n"
	    "# TYPE demo_reload_dropped_total counter\n"
	    "demo_reload_dropped_total %llu\n"
	    "# HELP demo_reloading Whether a reload is under way.\n"
	    "# TYPE demo_reloading gauge\n"
	    "demo_reloading %d\n",
	    (unsigned long long)rss_bytes(), (unsigned long long)atomic_load(&m->requests),
	    (long long)atomic_load(&m->queue_depth), (unsigned long long)atomic_load(&m->tasks_done),
	    (unsigned long long)leaked, (unsigned long long)atomic_load(&m->reloads),
	    (unsigned long long)atomic_load(&m->dropped), reloading);
}

enum demo_mb_action
demo_misbehave_request(struct demo_misbehave *m, const char *url, const char *method,
    unsigned *status, char **body)
{
	*body = NULL;
	if (strcmp(url, "/admin/reload") == 0) {
		if (strcmp(method, "POST") != 0) {
			*status = 405;
			*body = xstrdup("{\"error\":\"method not allowed: POST /admin/reload\"}");
			return DEMO_MB_ANSWER;
		}
		atomic_store(&m->reload_until_ns, clock_now_ns() +
		    (int64_t)m->opts->reload_ms * CLOCK_NS_PER_MS);
		atomic_fetch_add(&m->reloads, 1);
		*status = 202;
		*body = xasprintf("{\"status\":\"reloading\",\"reload_ms\":%d,\"mode\":\"%s\"}",
		    m->opts->reload_ms, m->opts->reload_503 ? "503" : "drop");
		return DEMO_MB_ANSWER;
	}
	if (strcmp(url, "/metrics") == 0) {
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
			*status = 405;
			*body = xstrdup("{\"error\":\"method not allowed: GET /metrics\"}");
			return DEMO_MB_ANSWER;
		}
		*status = 200;
		*body = metrics_text(m);
		return DEMO_MB_TEXT;
	}
	atomic_fetch_add(&m->requests, 1);
	if (atomic_load(&m->reload_until_ns) > clock_now_ns() && strncmp(url, "/api/stats", 10) != 0) {
		atomic_fetch_add(&m->dropped, 1);
		if (!m->opts->reload_503)
			return DEMO_MB_DROP;
		*status = 503;
		*body = xstrdup("{\"error\":\"reloading\"}");
		return DEMO_MB_ANSWER;
	}
	if (m->opts->leak_bytes > 0)
		leak(m);
	return DEMO_MB_PASS;
}
