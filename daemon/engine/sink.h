/*
 * sink: what a run reports to whoever started it, and the run's state: the types engine.h's callers
 * and the controller (which calls the sink) share. A header of its own so the controller, which
 * engine.c drives, does not include engine.h back.
 */
#ifndef RAMPAGE_SINK_H
#define RAMPAGE_SINK_H

struct tick;

enum engine_state {
	ENGINE_RUNNING,
	ENGINE_STOPPING,           /* graceful stop: no new iterations, in-flight ones may finish */
	ENGINE_DONE,
};

/* A marker of a run (a reload, a deploy): from the definition's timed `events` (the engine sent its
   request) or given by engine_mark (the daemon's POST /api/runs/{id}/events). Strings borrowed. */
struct engine_event {
	int64_t at_ms;             /* run time */
	const char *name;
	const char *source;        /* "definition" or "api" */
	int status;                /* the request's HTTP status; 0: none came back (error says why);
	                              -1: no request */
	const char *error;         /* NULL, or why the request got no response */
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
	/* When a timed event of the definition has happened (its request answered or failed); not
	   for engine_mark's. NULL: not told. */
	void (*on_event)(void *arg, const struct engine_event *ev);
	void *arg;
};

#endif
