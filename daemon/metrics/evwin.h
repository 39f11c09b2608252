/*
 * evwin: the events of a run (markers: a reload, a deploy) and the finding of each, the failed
 * requests and p99 latency in a window around it (±EVWIN_HALF_S seconds: the seconds s-5 to s+4 of an event in second s, "25–35 s") against the seconds before
 * that window (EVWIN_BEFORE_S of them): "reload at 30 s: 0 failed requests in 25–35 s, p99 41 ms
 * (12 ms before)".
 *
 * It keeps a ring of the last EVWIN_RING seconds of the run's total (requests, failed, a duration
 * histogram): ~30 × 26 KB whatever the run's length; an event's finding is made once the last
 * second of its window has been added (or at evwin_finish, with what there is), so no event holds a
 * histogram of its own. At most EVWIN_MAX events per run.
 *
 * Threads: one thread at a time (the engine's controller thread, or a fleet's, which adds the
 * seconds and the events it is given); pure otherwise: no clock, no I/O, so tests feed synthetic seconds.
 */
#ifndef RAMPAGE_EVWIN_H
#define RAMPAGE_EVWIN_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

struct hist;

#define EVWIN_HALF_S 5             /* the window: the event's second ± this */
#define EVWIN_BEFORE_S 10          /* the seconds before the window it is compared with */
#define EVWIN_LATE_S 12            /* how late an event may be added after its second (a timed
                                      request's timeout, and the seconds in the controller's queue) */
#define EVWIN_RING (2 * EVWIN_HALF_S + 1 + EVWIN_BEFORE_S + EVWIN_LATE_S)
#define EVWIN_MAX 1000             /* events per run */

/* One event as given; strings copied. */
struct evwin_event {
	int64_t at_ms;             /* run time */
	const char *name;
	const char *source;        /* "api" or "definition" */
	int status;                /* the timed request's HTTP status; 0: none came back; -1: no request */
	const char *error;         /* the timed request's failure, or NULL */
};

/* The finding of one event (numbers of EVWIN_HALF_S's window and of the seconds before it). */
struct evwin_finding {
	bool done;
	int64_t from_s, to_s;      /* the window: its first and last second (clipped to the run) */
	uint64_t requests, failed;
	double p99_ms;             /* -1: no request in the window */
	int64_t before_from_s, before_to_s;   /* from > to: none (the event came too early) */
	uint64_t before_requests, before_failed;
	double before_p99_ms;      /* -1: no request before */
};

struct evwin;

struct evwin *evwin_new(void);
/* NULL is a no-op. */
void evwin_free(struct evwin *w);
/* Adds an event. 0, or -1 when the run already has EVWIN_MAX events. */
int evwin_add(struct evwin *w, const struct evwin_event *ev);
/* The number of events added. */
int evwin_count(const struct evwin *w);
/* Adds second `second` (0, 1, 2, ... in order) of the run's total: its requests, failed requests
   and http_req_duration histogram (µs; NULL: none). Makes the findings of the windows it closes. */
void evwin_second(struct evwin *w, int64_t second, uint64_t requests, uint64_t failed,
    const struct hist *duration_us);
/* The run ended: makes the findings still open from the seconds there are. */
void evwin_finish(struct evwin *w);
/* Finding i (0 <= i < evwin_count), or NULL while its window is open. */
const struct evwin_finding *evwin_finding(const struct evwin *w, int i);
/* The finding's sentence into buf: "reload at 30 s: 0 failed requests in 25–35 s, p99 41 ms (12 ms
   before)". Pure. */
void evwin_text(const char *name, int64_t at_ms, const struct evwin_finding *f, char *buf,
    size_t len);
/* The events as a new array: [{"at_ms", "second", "name", "source", "status", "finding": {...,
   "text"}|null}]. */
json_t *evwin_json(const struct evwin *w);

#endif
