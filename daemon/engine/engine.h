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
#include <jansson.h>

struct segment;                /* core/segment.h */
struct fleet_options;          /* engine/fleet.h */
#include "engine/sink.h"      /* enum engine_state, struct engine_sink */

struct plan;
struct engine;

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
	/* > 0: the VUs of a constant-vus scenario may be changed while it runs (engine_set_vus), so
	   that the run has at most this many VUs in all (the daemon: limits.max_vus, named so in
	   errors by live_vus_max_name); 0: a plan's VU counts are fixed */
	int64_t live_vus_max;
	const char *live_vus_max_name;
	/* The execution segment to run (core/segment.h: k6's --execution-segment), borrowed until
	   engine_free; NULL: the whole plan. Every scenario is scaled to it (engine/worker.h). */
	const struct segment *segment;
	/* Setup ran elsewhere (an agent's controller): its variables (engine/setup.h), borrowed until
	   engine_free. The engine then sends neither setup nor teardown (whoever ran setup runs
	   teardown); NULL: the plan's own setup and teardown run here. */
	const struct setup_data *setup_data;
	/* Run the plan over agents (engine/fleet.h), not on this machine's workers; NULL: here. The
	   engine's calls then act on the fleet: its sink gets every agent's seconds added up. */
	const struct fleet_options *fleet;
};

/* Validates the environment (fd limits, ...), starts the workers and the controller. NULL + *cause. */
struct engine *engine_start(const struct plan *plan, const struct engine_options *opt,
    const struct engine_sink *sink, char **cause);
/*
 * Asks the run to stop. Graceful: no new iterations; in-flight ones get each scenario's
 * gracefulStop, then are interrupted. force: interrupt now. Any thread; returns at once.
 */
void engine_stop(struct engine *e, int force);
/*
 * Changes the VUs of constant-vus scenario `scenario` from now on (Locust's "edit users while
 * running"): it runs `vus` VUs until its duration; VUs beyond a lower count finish their iteration
 * within the scenario's gracefulStop. Refused unless the engine was started with live_vus_max, the
 * run is not stopping, the scenario is constant-vus and between its start and its duration, and
 * 1 <= vus <= its ceiling (live_vus_max less the other scenarios' VUs; within the open-file limit).
 * 0 and *from (its VUs until now); -1 (not now, not this scenario) or -2 (vus out of range), with
 * *field ("scenario" or "vus": what the refusal is about) and *cause. One thread at a time (the daemon's run manager).
 */
int engine_set_vus(struct engine *e, int scenario, int64_t vus, int64_t *from, const char **field,
    char **cause);
/* Marks a moment of the run (the daemon's POST /api/runs/{id}/events; ev->at_ms is the caller's
   engine_elapsed_ns): the event gets its finding with the definition's timed ones
   (engine_events_json). Not told to the sink. Any thread; strings copied. */
void engine_mark(struct engine *e, const struct engine_event *ev);
/* The run's events, timed and marked, with their findings (metrics/evwin.h: failed requests and p99
   in the seconds around each against those before): a new array. After engine_wait. */
json_t *engine_events_json(const struct engine *e);
/* Waits until the run has ended and every thread is joined. Returns 0. Caller's thread. */
int engine_wait(struct engine *e);
/* Current state; any thread. */
enum engine_state engine_state(const struct engine *e);
/* Whole-run totals after engine_wait (per-phase histograms included). */
const struct tick *engine_totals(const struct engine *e);
/* Run duration so far / in total, in ns. */
int64_t engine_elapsed_ns(const struct engine *e);
/* Why the run's setup or teardown failed ("setup: step \"login\": HTTP 401"), or NULL; after
   engine_wait (or in the sink's on_done). A failed setup ends the run before any VU starts. */
const char *engine_error(const struct engine *e);
/* A run over agents: the summary's rampage.agents (fleet_summary_json); NULL for a run here. After
   engine_wait. */
json_t *engine_agents_json(const struct engine *e);
/* Frees the engine (after engine_wait). NULL is a no-op. */
void engine_free(struct engine *e);

#endif
