/*
 * think: think time. The samplers turn a plan_think into one wait (constant, Locust's `between`,
 * exponential for Poisson arrivals, pacing); the timers are a worker's min-heap of sleeping VUs, so
 * that a VU that thinks is an entry in its worker's event loop, never a blocked thread.
 *
 * Thread: a worker's own. The heap allocates only in think_timers_reserve (when a VU is created);
 * adding, removing and popping entries never allocate.
 */
#ifndef RAMPAGE_THINK_H
#define RAMPAGE_THINK_H

#include <stdint.h>

struct plan_think;

/*
 * Draws one wait in ns for t with the caller's generator (any non-zero state; it is advanced).
 * elapsed_ns: time since the paced span (iteration or step) began, for PLAN_THINK_PACING.
 * PLAN_THINK_NONE draws 0.
 */
int64_t think_draw_ns(const struct plan_think *t, uint64_t *rng, int64_t elapsed_ns);
/* A uniform double in [0, 1) from the generator (xorshift64*). */
double think_uniform(uint64_t *rng);

struct think_timers;

/* Creates an empty heap. */
struct think_timers *think_timers_new(void);
/* Frees the heap. NULL is a no-op. */
void think_timers_free(struct think_timers *t);
/* Makes room for `more` further entries (one per VU that may sleep): the only allocation. */
void think_timers_reserve(struct think_timers *t, int more);
/*
 * Adds owner, due at at_ns. *pos is the entry's place, kept up to date by the heap (so that it can
 * be removed) and set to -1 when it leaves. The room must have been reserved.
 */
void think_timers_add(struct think_timers *t, void *owner, int64_t at_ns, int *pos);
/* Removes the entry whose place is *pos (no-op when *pos is -1). */
void think_timers_remove(struct think_timers *t, int *pos);
/* The earliest due time, or INT64_MAX when empty. */
int64_t think_timers_next_ns(const struct think_timers *t);
/* Removes and returns the owner of the earliest entry if it is due at now_ns, else NULL. */
void *think_timers_pop(struct think_timers *t, int64_t now_ns);
/* Entries in the heap. */
int think_timers_count(const struct think_timers *t);

#endif
