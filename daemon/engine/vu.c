/*
 * vu: see vu.h. Runs on its worker's thread.
 *
 * An iteration: pick a task by weight (binary search over cum_weight with the VU's own xorshift
 * generator), then for each step render the request into the VU's buffers, send it on the VU's
 * handle and, when the result arrives, record it into the worker's live tick. Every request of an
 * open-model iteration carries the iteration's start delay in its `duration` (coordinated omission:
 * the user would have waited for it too); `service` is the request alone.
 */
#include "config.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "engine/vu.h"
#include "engine/worker_priv.h"
#include "metrics/hist.h"
#include "metrics/tick.h"
#include "testdef/plan.h"
#include "testdef/template.h"

/* Caps of the render buffers: a request larger than this is not sent (counted as an error). */
#define URL_CAP  (1024 * 1024)
#define HDR_CAP  (1024 * 1024)
#define BODY_CAP (64 * 1024 * 1024)

static uint64_t
splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t
xorshift64s(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

struct vu *
vu_new(struct worker *w, struct wscen *sc, int slot, int number, int shard, char **cause)
{
	struct vu *vu = xcalloc(1, sizeof *vu);

	vu->w = w;
	vu->sc = sc;
	vu->slot = slot;
	vu->number = number;
	vu->rng = splitmix64(w->seed ^ (uint64_t)number) | 1;
	vu->max_headers = w->max_headers;
	vu->lines = xcalloc((size_t)vu->max_headers + 1, sizeof *vu->lines);
	vu->hdr_off = xcalloc((size_t)vu->max_headers + 1, sizeof *vu->hdr_off);
	vu->h = transport_handle_new(w->transport, shard, vu->max_headers, vu, cause);
	if (vu->h == NULL) {
		free(vu->hdr_off);
		free(vu->lines);
		free(vu);
		return NULL;
	}
	return vu;
}

void
vu_free(struct vu *vu)
{
	if (vu == NULL)
		return;
	transport_handle_free(vu->h);
	free(vu->url);
	free(vu->hdr);
	free(vu->lines);
	free(vu->hdr_off);
	free(vu->body);
	free(vu);
}

/* Makes buf hold at least `need` bytes (never more than cap). 0, or -1 when need > cap. */
static int
reserve(char **buf, size_t *size, size_t need, size_t cap)
{
	size_t n;

	if (need <= *size)
		return 0;
	if (need > cap)
		return -1;
	n = *size ? *size : 256;
	while (n < need)
		n *= 2;
	if (n > cap)
		n = cap;
	*buf = xrealloc(*buf, n);
	*size = n;
	return 0;
}

/* Appends s (len bytes) at *off and NUL-terminates. */
static int
put_str(char **buf, size_t *size, size_t *off, size_t cap, const char *s, size_t len)
{
	if (reserve(buf, size, *off + len + 1, cap) != 0)
		return -1;
	memcpy(*buf + *off, s, len);
	*off += len;
	(*buf)[*off] = '\0';
	return 0;
}

/* Renders t at *off (NUL-terminated), growing the buffer as needed up to cap. */
static int
put_tmpl(char **buf, size_t *size, size_t *off, size_t cap, const struct tmpl *t,
    const struct tmpl_ctx *ctx)
{
	size_t len;

	if (reserve(buf, size, *off + tmpl_literal_len(t) + 1, cap) != 0)
		return -1;
	while (tmpl_render(t, ctx, *buf + *off, *size - *off, &len) != 0) {
		if (*size >= cap)
			return -1;
		reserve(buf, size, *size * 2 < cap ? *size * 2 : cap, cap);
	}
	*off += len;
	return 0;
}

/* Renders step st's request into the VU's buffers. 0, or -1 when it exceeds a cap. */
static int
render(struct vu *vu, const struct plan_request *rq, struct transport_request *out)
{
	struct tmpl_ctx ctx = {
		.vu = vu->number,
		.iteration = vu->iteration - 1,
		.rng = &vu->rng,
	};
	size_t off = 0;

	/* URL with its query: one render when the plan precomputed it */
	if (rq->full_url != NULL) {
		if (put_tmpl(&vu->url, &vu->url_size, &off, URL_CAP, rq->full_url, &ctx) != 0)
			return -1;
	} else {
		if (put_tmpl(&vu->url, &vu->url_size, &off, URL_CAP, rq->url, &ctx) != 0)
			return -1;
		for (int i = 0; i < rq->nquery; i++) {
			const struct plan_query *q = &rq->query[i];
			const char *sep = i > 0 || strchr(vu->url, '?') != NULL ? "&" : "?";
			if (put_str(&vu->url, &vu->url_size, &off, URL_CAP, sep, 1) != 0 ||
			    put_str(&vu->url, &vu->url_size, &off, URL_CAP, q->name, strlen(q->name)) != 0 ||
			    put_str(&vu->url, &vu->url_size, &off, URL_CAP, "=", 1) != 0 ||
			    put_tmpl(&vu->url, &vu->url_size, &off, URL_CAP, q->value, &ctx) != 0)
				return -1;
		}
	}

	/* Headers: "Name: value" lines back to back; pointers taken once the buffer stops moving. */
	assert(rq->nheaders <= vu->max_headers);
	size_t *start = vu->hdr_off;
	off = 0;
	for (int i = 0; i < rq->nheaders; i++) {
		const struct plan_header *h = &rq->headers[i];
		start[i] = off;
		if (h->line != NULL) {
			if (put_tmpl(&vu->hdr, &vu->hdr_size, &off, HDR_CAP, h->line, &ctx) != 0)
				return -1;
		} else if (put_str(&vu->hdr, &vu->hdr_size, &off, HDR_CAP, h->name, strlen(h->name)) != 0 ||
		    put_str(&vu->hdr, &vu->hdr_size, &off, HDR_CAP, ": ", 2) != 0 ||
		    put_tmpl(&vu->hdr, &vu->hdr_size, &off, HDR_CAP, h->value, &ctx) != 0) {
			return -1;
		}
		off++;             /* keep the NUL */
	}
	for (int i = 0; i < rq->nheaders; i++)
		vu->lines[i] = vu->hdr + start[i];

	/* Body: a literal one is sent from the plan itself. */
	out->body = NULL;
	out->body_len = 0;
	if (rq->body_kind != PLAN_BODY_NONE && rq->body != NULL) {
		size_t len;
		const char *lit = tmpl_literal(rq->body, &len);
		if (lit != NULL) {
			out->body = lit;
			out->body_len = len;
		} else {
			off = 0;
			if (put_tmpl(&vu->body, &vu->body_size, &off, BODY_CAP, rq->body, &ctx) != 0)
				return -1;
			out->body = vu->body;
			out->body_len = off;
		}
	}

	out->method = rq->method;
	out->url = vu->url;
	out->headers = vu->lines;
	out->nheaders = rq->nheaders;
	out->timeout_ns = rq->timeout_ns;
	return 0;
}

/* Records one request's result into the worker's live tick. */
static void
record(struct vu *vu, const struct plan_step *st, const struct transport_result *r)
{
	struct worker *w = vu->w;
	struct tick_endpoint *ep = &worker_tick(w)->endpoints[st->endpoint];
	struct hist **phase = &w->phase[st->endpoint * TICK_NPHASE];
	int64_t late_us = (vu->iter_start_ns - vu->intended_ns) / CLOCK_NS_PER_US;

	ep->requests++;
	if (r->error != TICK_ERR_NONE || r->status < 200 || r->status > 399)
		ep->failed++;
	if (r->error != TICK_ERR_NONE)
		ep->errors[r->error]++;
	if (r->status >= 0 && r->status < TICK_NSTATUS)
		ep->status[r->status]++;
	ep->bytes_sent += r->bytes_sent;
	ep->bytes_received += r->bytes_received;
	for (int p = 0; p < TICK_NPHASE; p++) {
		ep->phase_sum_us[p] += r->phase_us[p];
		hist_record(phase[p], (uint64_t)r->phase_us[p]);
	}
	hist_record(ep->service, (uint64_t)r->service_us);
	hist_record(ep->duration, (uint64_t)(r->service_us + (late_us > 0 ? late_us : 0)));
}

/* Ends the iteration: counts it, then lets the worker decide what the VU does next. */
static void
end_iteration(struct vu *vu, int64_t now_ns)
{
	struct tick *t = worker_tick(vu->w);

	vu->state = VU_IDLE;
	vu->task = NULL;
	t->iterations++;
	hist_record(t->iteration_duration, (uint64_t)((now_ns - vu->intended_ns) / CLOCK_NS_PER_US));
	worker_iteration_done(vu->w, vu, now_ns);
}

/* Sends the current step, skipping (and counting as failed) steps that cannot be rendered. */
static void
send_step(struct vu *vu, int64_t now_ns)
{
	while (vu->step < vu->task->nsteps) {
		const struct plan_step *st = &vu->task->steps[vu->step];
		struct transport_request req;

		if (render(vu, &st->req, &req) == 0) {
			vu->state = VU_REQUEST;
			transport_send(vu->h, &req);
			return;
		}
		struct transport_result r = { .error = TICK_ERR_OTHER };
		record(vu, st, &r);
		vu->step++;
	}
	end_iteration(vu, now_ns);
}

/* Picks a task by weight. */
static const struct plan_task *
pick_task(struct vu *vu)
{
	const struct plan_scenario *ps = vu->sc->ps;
	int lo = 0, hi = ps->ntasks - 1;
	int r;

	if (ps->ntasks == 1)
		return &ps->tasks[0];
	r = (int)(xorshift64s(&vu->rng) % (uint64_t)ps->total_weight);
	while (lo < hi) {          /* first task whose cum_weight > r */
		int mid = (lo + hi) / 2;
		if (ps->tasks[mid].cum_weight > r)
			hi = mid;
		else
			lo = mid + 1;
	}
	return &ps->tasks[lo];
}

void
vu_start(struct vu *vu, int64_t now_ns, int64_t intended_ns)
{
	assert(vu->state == VU_IDLE);
	vu->iteration++;
	vu->iter_start_ns = now_ns;
	vu->intended_ns = intended_ns <= now_ns ? intended_ns : now_ns;
	vu->task = pick_task(vu);
	vu->step = 0;
	send_step(vu, now_ns);
}

void
vu_interrupt(struct vu *vu)
{
	if (vu->state == VU_IDLE)
		return;
	transport_cancel(vu->h);
	vu->state = VU_IDLE;
	vu->task = NULL;
	worker_tick(vu->w)->interrupted_iterations++;
}

void
vu_on_done(void *owner, const struct transport_result *r, void *arg)
{
	struct vu *vu = owner;

	assert(vu->state == VU_REQUEST);
	record(vu, &vu->task->steps[vu->step], r);
	vu->step++;
	/* Think time arrives with the next issue: here the VU would enter VU_THINK with a wake-up
	   deadline instead of going straight on. */
	send_step(vu, r->done_ns);
}
