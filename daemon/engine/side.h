/*
 * side: a request beside the load (a timed event's request, a monitor's scrape), sent on a thread of
 * its own with a libcurl easy handle. Every such handle is set up alike: the run's connect guard
 * (allow_targets at connect time), no proxy, no redirects, http and https only, its own timeout, and
 * abandoned by the progress callback once the run is done or its thread is told to stop.
 */
#ifndef RAMPAGE_ENGINE_SIDE_H
#define RAMPAGE_ENGINE_SIDE_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>
#include <curl/curl.h>

#include "engine/sink.h"

struct monitor_read;

/*
 * Where the side threads (scrape.h, timed.h) report, and what tells them the run is over: the run's
 * controller for a run on this machine (controller_side), the fleet for a run over agents
 * (fleet.c), so that a fleet's monitors and timed events run once, here. Called on the side
 * thread; each receiver hands what it is given to its own thread.
 */
struct side_sink {
	/* One scrape of the monitor whose values are plan->monitor_values[first .. +n): its readings
	   (borrowed; the receiver copies), or NULL when the scrape failed (a gap). */
	void (*monitor)(void *arg, int first, int n, const struct monitor_read *reads);
	/* A timed event happened (strings borrowed; the receiver copies). */
	void (*event)(void *arg, const struct engine_event *ev);
	/* The run's state: timed events fire while RUNNING, scrapes go on until DONE. */
	enum engine_state (*state)(void *arg);
	void *arg;
};

/* What a side request's callbacks read; lives as long as the handles that point at it. */
struct side_guard {
	struct side_sink sink;
	int (*allow)(void *arg, const struct sockaddr *sa);   /* NULL: every address */
	void *allow_arg;
	atomic_int stop;           /* set by the owner's stop: abandon what is in flight */
};

void side_guard_init(struct side_guard *g, const struct side_sink *sink,
    int (*allow)(void *arg, const struct sockaddr *sa), void *allow_arg);

/* Sets up h to GET url (the caller may change the method after) under g's rules, within timeout_ns,
   as user agent "rampage (what)". The caller sets the write callback. */
void side_easy(CURL *h, struct side_guard *g, const char *url, int64_t timeout_ns, const char *what);

#endif
