/*
 * timed: the definition's timed events (plan->events). One small thread per run that has any: it
 * sleeps until each event's time, sends its request (one libcurl easy handle, its own: never a
 * worker's, so the load is never held up by it; connections checked by the run's connect guard, no
 * redirects followed, bounded by the event's timeout), and hands the marker with the response's
 * status to the controller (controller_event), which records it and tells the sink.
 */
#ifndef RAMPAGE_TIMED_H
#define RAMPAGE_TIMED_H

#include <stdint.h>
#include <sys/socket.h>

struct controller;
struct plan;
struct timed;

/* Starts the thread for plan's events (t0_ns: the run's start, CLOCK_MONOTONIC) into *out (NULL when
   the plan has none). allow_addr/allow_arg: the connect guard (NULL: none). 0, or -1 and *cause.
   Caller's thread. */
int timed_start(const struct plan *plan, int64_t t0_ns, struct controller *c,
    int (*allow_addr)(void *arg, const struct sockaddr *sa), void *allow_arg, struct timed **out,
    char **cause);
/* Stops the thread (an event not sent yet is not sent; a request in flight is abandoned), joins
   it and frees it. NULL is a no-op. */
void timed_stop(struct timed *t);

#endif
