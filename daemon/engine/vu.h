/*
 * vu: one virtual user, a state machine walking its scenario: pick a weighted task, render each step's
 * request from the plan's templates into the VU's own buffers, send it on the VU's own keep-alive
 * handle, record the result into its worker's tick, next step, and at the end of the task tell the
 * worker the iteration is over (which starts the next one at once, or parks the VU).
 *
 * Thread: the owning worker's only. Steady state allocates nothing: buffers grow to the largest
 * request seen (each capped) and then stay.
 */
#ifndef RAMPAGE_VU_H
#define RAMPAGE_VU_H

#include <stdint.h>

#include "engine/transport.h"

struct worker;
struct wscen;

enum vu_state {
	VU_IDLE,                   /* no iteration */
	VU_REQUEST,                /* a request in flight */
	/* VU_THINK arrives with think time: between steps, with a wake-up deadline. */
};

struct vu {
	struct worker *w;
	struct wscen *sc;
	int slot;                  /* index among the scenario's VUs on this worker */
	int number;                /* {{vu}}: 1-based, unique in the run */
	struct transport_handle *h;
	uint64_t rng;              /* xorshift64* state: task choice, {{uuid}}, {{randomInt}} */
	enum vu_state state;
	int active;                /* counted in the `vus` gauge */

	const struct plan_task *task;
	int step;
	int64_t iteration;         /* iterations started by this VU; {{iteration}} is this - 1 */
	int64_t quota;             /* per-vu-iterations: iterations left */
	int64_t iter_start_ns;     /* when the iteration actually started */
	int64_t intended_ns;       /* open model: when it should have started; else iter_start_ns */
	struct vu *next_free;      /* open model: the worker's free list */

	/* render buffers (grow up to their caps, then stay) */
	char *url;
	size_t url_size;
	char *hdr;                 /* "Name: value\0" lines back to back */
	size_t hdr_size;
	const char **lines;        /* [max_headers] into hdr */
	size_t *hdr_off;           /* [max_headers] offsets while rendering */
	int max_headers;
	char *body;
	size_t body_size;
};

/* Creates a VU (and its transport handle on `shard`). NULL + *cause. Worker thread or before it
   starts. */
struct vu *vu_new(struct worker *w, struct wscen *sc, int slot, int number, int shard,
    char **cause);
/* Frees a VU, cancelling its request. NULL is a no-op. */
void vu_free(struct vu *vu);
/* Starts an iteration at now_ns that was meant to start at intended_ns (closed model: the same). */
void vu_start(struct vu *vu, int64_t now_ns, int64_t intended_ns);
/* Cuts the iteration in flight (counted as interrupted); the VU becomes idle. No-op when idle. */
void vu_interrupt(struct vu *vu);
/* The transport's completion callback (owner = the VU). */
void vu_on_done(void *owner, const struct transport_result *r, void *arg);

#endif
