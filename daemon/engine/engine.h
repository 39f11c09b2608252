/*
 * engine: runs one plan. A controller thread owns the schedule and the per-second clock; worker
 * threads (one per core by default) each own one epoll, several curl multi shards and their VUs.
 * `rampage run` and the daemon use it the same way: start, receive a tick each second, stop or wait,
 * read the whole-run totals.
 */
#ifndef RAMPAGE_ENGINE_H
#define RAMPAGE_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct plan;
struct tick;
struct engine;

enum engine_state {
	ENGINE_RUNNING,
	ENGINE_STOPPING,           /* graceful stop: no new iterations, in-flight ones may finish */
	ENGINE_DONE,
};

/* Called on the controller thread; must not block for long (copy what you need, or queue it). */
struct engine_sink {
	/* Once a second, with that second's merged tick (read-only, valid during the call): seconds
	   0, 1, 2, ... since the start, none skipped, the last one partial. whole_run holds every
	   second so far, except the per-phase histograms, which are filled at the end. */
	void (*on_tick)(void *arg, const struct tick *second, const struct tick *whole_run);
	/* When the run has ended (every worker joined); the whole-run tick stays valid until
	   engine_free. */
	void (*on_done)(void *arg, const struct tick *whole_run);
	void *arg;
};

struct engine_options {
	int workers;               /* worker threads; 0 = one per online core (never more than VUs) */
	int vus_per_shard;         /* VUs per curl multi (0 = 50) */
	size_t body_cap;           /* response body bytes kept per VU for checks/extraction
	                              (0 = 64 KiB); the rest is counted, not kept */
	/* Connect guard (NULL: none): called on a worker thread with the address libcurl is about to
	   connect to (the resolved one: a DNS name cannot slip past it); non-zero refuses the
	   connection, which the run counts as a connect error. Must not block or allocate. */
	int (*allow_addr)(void *arg, const struct sockaddr *sa);
	void *allow_arg;
};

/* Validates the environment (fd limits, ...), starts the workers and the controller. NULL + *cause. */
struct engine *engine_start(const struct plan *plan, const struct engine_options *opt,
    const struct engine_sink *sink, char **cause);
/*
 * Asks the run to stop. Graceful: no new iterations; in-flight ones get each scenario's
 * gracefulStop, then are interrupted. force: interrupt now. Any thread; returns at once.
 */
void engine_stop(struct engine *e, int force);
/* Waits until the run has ended and every thread is joined. Returns 0. Caller's thread. */
int engine_wait(struct engine *e);
/* Current state; any thread. */
enum engine_state engine_state(const struct engine *e);
/* Whole-run totals after engine_wait (per-phase histograms included). */
const struct tick *engine_totals(const struct engine *e);
/* Run duration so far / in total, in ns. */
int64_t engine_elapsed_ns(const struct engine *e);
/* Frees the engine (after engine_wait). NULL is a no-op. */
void engine_free(struct engine *e);

#endif
