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

#endif
