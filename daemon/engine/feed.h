/*
 * feed: picking a data feed's row for an iteration. Feeds are loaded into the immutable plan when
 * a definition is parsed (testdef/feed_load.h); at each iteration start a VU picks a row and points
 * its variable slots at that row's cells, which costs a few pointer stores and, for `sequential`,
 * one atomic add on the feed's shared cursor.
 *
 * Threads: any worker.
 */
#ifndef RAMPAGE_FEED_H
#define RAMPAGE_FEED_H

#include <stdint.h>

struct plan_feed;
struct segment;

/*
 * The row the iteration of VU `vu_number` (1-based, the whole run's number) reads; rng is the VU's
 * generator (random). seg: the run's execution segment (NULL: the whole run): a sequential feed's
 * n-th take is then the whole run's take it owns (core/segment.h), so the shares of one sequence
 * read the rows a single run would.
 */
int feed_pick(const struct plan_feed *f, int vu_number, uint64_t *rng, const struct segment *seg);

#endif
