/*
 * timed: the definition's timed events (plan->events). One small thread per run that has any: it
 * sleeps until each event's time, sends its request (one libcurl easy handle, its own: never a
 * worker's, so the load is never held up by it; connections checked by the run's connect guard, no
 * redirects followed, bounded by the event's timeout), and hands the marker with the response's
 * status to the side sink (side.h: the controller, which records it and tells the engine's sink;
 * or the fleet of a run over agents, which does the same once for every agent).
 */
#ifndef RAMPAGE_TIMED_H
#define RAMPAGE_TIMED_H

#include <stdint.h>
#include <sys/socket.h>

struct side_sink;
struct plan;
struct timed;

/* Starts the thread for plan's events (t0_ns: the run's start, CLOCK_MONOTONIC) into *out (NULL when
   the plan has none), reporting to sink (copied). allow_addr/allow_arg: the connect guard (NULL: none). 0, or -1 and *cause.
   Caller's thread. */
int timed_start(const struct plan *plan, int64_t t0_ns, const struct side_sink *sink,
    int (*allow_addr)(void *arg, const struct sockaddr *sa), void *allow_arg, struct timed **out,
    char **cause);
/* Stops the thread (an event not sent yet is not sent; a request in flight is abandoned), joins
   it and frees it. NULL is a no-op. */
void timed_stop(struct timed *t);

#endif
