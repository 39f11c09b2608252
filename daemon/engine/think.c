/*
 * think: see think.h. The samplers use the VU's own xorshift64* generator (no shared state); the
 * timers are a binary min-heap whose entries remember a pointer to their owner's position field so
 * that a VU interrupted while thinking leaves the heap in O(log n).
 */
#include <config.h>

#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "core/xmalloc.h"
#include "engine/think.h"
#include "testdef/plan.h"

struct entry {
	int64_t at_ns;
	void *owner;
	int *pos;
};

struct think_timers {
	struct entry *v;
	int n, cap, reserved;
};

double
think_uniform(uint64_t *rng)
{
	uint64_t x = *rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*rng = x;
	return (double)((x * 0x2545f4914f6cdd1dULL) >> 11) * 0x1.0p-53;
}

int64_t
think_draw_ns(const struct plan_think *t, uint64_t *rng, int64_t elapsed_ns)
{
	double u;

	switch (t->kind) {
	case PLAN_THINK_NONE:
		return 0;
	case PLAN_THINK_CONSTANT:
		return t->a_ns;
	case PLAN_THINK_BETWEEN:
		return t->a_ns + (int64_t)(think_uniform(rng) * (double)(t->b_ns - t->a_ns + 1));
	case PLAN_THINK_EXPONENTIAL:
		/* Inversion: -mean ln(1 - U), U in [0, 1), so the logarithm's argument is never 0. At most
		   about 37 means (U's 53 bits). */
		u = think_uniform(rng);
		return (int64_t)(-(double)t->a_ns * log1p(-u));
	case PLAN_THINK_PACING:
		return elapsed_ns < t->a_ns ? t->a_ns - elapsed_ns : 0;
	}
	return 0;
}

struct think_timers *
think_timers_new(void)
{
	return xcalloc(1, sizeof(struct think_timers));
}

void
think_timers_free(struct think_timers *t)
{
	if (t == NULL)
		return;
	free(t->v);
	free(t);
}

void
think_timers_reserve(struct think_timers *t, int more)
{
	assert(more >= 0);
	t->reserved += more;
	if (t->reserved <= t->cap)
		return;
	t->cap = t->cap ? t->cap : 16;
	while (t->cap < t->reserved)
		t->cap *= 2;
	t->v = xreallocarray(t->v, (size_t)t->cap, sizeof *t->v);
}

/* Puts entry e at place i and tells its owner. */
static void
place(struct think_timers *t, int i, struct entry e)
{
	t->v[i] = e;
	*e.pos = i;
}

/* Moves entry i up to its place (its due time went down, or it is new). */
static void
sift_up(struct think_timers *t, int i)
{
	struct entry e = t->v[i];

	while (i > 0) {
		int parent = (i - 1) / 2;
		if (t->v[parent].at_ns <= e.at_ns)
			break;
		place(t, i, t->v[parent]);
		i = parent;
	}
	place(t, i, e);
}

/* Moves entry i down to its place. */
static void
sift_down(struct think_timers *t, int i)
{
	struct entry e = t->v[i];

	for (;;) {
		int c = 2 * i + 1;
		if (c >= t->n)
			break;
		if (c + 1 < t->n && t->v[c + 1].at_ns < t->v[c].at_ns)
			c++;
		if (e.at_ns <= t->v[c].at_ns)
			break;
		place(t, i, t->v[c]);
		i = c;
	}
	place(t, i, e);
}

void
think_timers_add(struct think_timers *t, void *owner, int64_t at_ns, int *pos)
{
	assert(t->n < t->cap && *pos == -1);
	t->v[t->n] = (struct entry){ at_ns, owner, pos };
	*pos = t->n;
	t->n++;
	sift_up(t, t->n - 1);
}

void
think_timers_remove(struct think_timers *t, int *pos)
{
	int i = *pos;

	if (i < 0)
		return;
	assert(i < t->n && t->v[i].pos == pos);
	*pos = -1;
	t->n--;
	if (i == t->n)
		return;
	place(t, i, t->v[t->n]);
	if (i > 0 && t->v[(i - 1) / 2].at_ns > t->v[i].at_ns)
		sift_up(t, i);
	else
		sift_down(t, i);
}

int64_t
think_timers_next_ns(const struct think_timers *t)
{
	return t != NULL && t->n > 0 ? t->v[0].at_ns : INT64_MAX;
}

void *
think_timers_pop(struct think_timers *t, int64_t now_ns)
{
	void *owner;

	if (t == NULL || t->n == 0 || t->v[0].at_ns > now_ns)
		return NULL;
	owner = t->v[0].owner;
	think_timers_remove(t, t->v[0].pos);
	return owner;
}

int
think_timers_count(const struct think_timers *t)
{
	return t != NULL ? t->n : 0;
}
