/*
 * scrape: the definition's monitors (plan->monitors), scraped during the run on a thread of their
 * own, beside the timed events' (timed.h) and for the same reasons: a slow or dead endpoint never
 * holds up a worker or the per-second clock. One libcurl easy handle per monitor, kept for the run
 * (its connection reused), checked by the run's connect guard, no redirects followed, bounded by
 * the monitor's timeout and a 4 MiB answer. Each scrape's readings (metrics/monitor.h) go to the
 * side sink (side.h: the controller, or the fleet for a run over agents), which puts them into the
 * second's tick; a failed scrape (no
 * answer, a status outside 2xx, JSON that does not parse) is a gap, never a failed run.
 */
#ifndef RAMPAGE_SCRAPE_H
#define RAMPAGE_SCRAPE_H

#include <stdint.h>
#include <sys/socket.h>

struct side_sink;
struct plan;
struct scrape;

/* Starts the thread for plan's monitors (t0_ns: the run's start, CLOCK_MONOTONIC) into *out (NULL
   when the plan has none), reporting to sink (copied). allow_addr/allow_arg: the connect guard (NULL: none). 0, or -1 and
   *cause. Caller's thread. */
int scrape_start(const struct plan *plan, int64_t t0_ns, const struct side_sink *sink,
    int (*allow_addr)(void *arg, const struct sockaddr *sa), void *allow_arg, struct scrape **out,
    char **cause);
/* Stops the thread (a scrape in flight is abandoned), joins it and frees it. NULL is a no-op. */
void scrape_stop(struct scrape *s);

#endif
