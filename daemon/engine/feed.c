/*
 * feed: see feed.h. Runs on a worker thread, once per iteration per feed the scenario reads.
 */
#include <config.h>

#include <assert.h>
#include <stdatomic.h>

#include "core/segment.h"
#include "engine/feed.h"
#include "engine/think.h"
#include "testdef/plan.h"

int
feed_pick(const struct plan_feed *f, int vu_number, uint64_t *rng, const struct segment *seg)
{
	assert(f->nrows > 0);
	switch (f->mode) {
	case PLAN_FEED_SEQUENTIAL: {
		uint64_t k = atomic_fetch_add_explicit(f->cursor, 1, memory_order_relaxed);
		return (int)((uint64_t)segment_global(seg, (int64_t)(k & INT64_MAX)) % (uint64_t)f->nrows);
	}
	case PLAN_FEED_RANDOM:
		return (int)(think_uniform(rng) * f->nrows);
	case PLAN_FEED_UNIQUE:
		break;
	}
	return (vu_number - 1) % f->nrows;   /* validation guarantees vu_number <= nrows */
}
