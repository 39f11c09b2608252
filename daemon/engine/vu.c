/*
 * vu: see vu.h. Runs on its worker's thread.
 *
 * An iteration: (a session's first: reset the variables and cookie jar, run onStart) pick a row of
 * each feed the scenario reads, pick a task by weight (binary search over cum_weight with the VU's
 * own xorshift generator), then for each step render the request into the VU's buffers, send it on
 * the VU's handle and, when the result arrives, evaluate checks, extractions and groupBy, record it
 * into the live tick (tick_record; the tick is the worker's, reached through vu_env), and think if
 * the step says so; after the last step the scenario's think time, then the iteration ends. Every
 * request of an open-model iteration carries the iteration's start delay in its `duration`
 * (coordinated omission: the user would have waited for it too); `service` is the request alone.
 *
 * Control flow (engine/flow.h): run() skips a step whose `when` does not hold; step_done() ends the
 * iteration early after a failed onFail "endIteration" check, sends a `repeat`ed step again (after
 * its pause, a think timer), or goes on. A `batch` step sends its requests on the VU's slots (extra
 * handles made at its first batch), at most `parallel` at once; each result is recorded as its own
 * request (batch_done) and the step is over when the last one has answered.
 *
 * Transitions: run() sends the next step or finishes the phase; phase_done() moves from onStart to
 * the task, from the task to the iteration's end (through the scenario's think time), from onStop to
 * the end of the session; vu_wake() resumes a thinking VU. The worker learns of an iteration's end
 * (env->done) and is asked whether the VU goes on (env->continues); nothing here reads its state.
 */
#include <config.h>

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "engine/check.h"
#include "engine/custom.h"
#include "engine/extract.h"
#include "engine/feed.h"
#include "engine/flow.h"
#include "engine/think.h"
#include "engine/vu.h"
#include "metrics/failures.h"
#include "metrics/hist.h"
#include "metrics/threshold.h"
#include "metrics/tick.h"
#include "testdef/plan.h"
#include "testdef/random_vars.h"
#include "testdef/template.h"
#include "testdef/url_check.h"

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

/* Whether any of n steps matches a regex (the VU then needs match data). */
static int
steps_need_regex(const struct plan_step *steps, int n)
{
	for (int i = 0; i < n; i++)
		if (steps[i].needs_regex)
			return 1;
	return 0;
}

struct vu *
vu_new(const struct vu_env *env, struct wscen *sc, const struct plan_scenario *ps, int slot, int number,
    int shard, char **cause)
{
	const struct plan *plan = env->plan;
	struct vu *vu = xcalloc(1, sizeof *vu);
	int regex = steps_need_regex(ps->on_start, ps->non_start) ||
	    steps_need_regex(ps->on_stop, ps->non_stop);

	vu->env = env;
	vu->sc = sc;
	vu->ps = ps;
	vu->slot = slot;
	vu->number = number;
	vu->rng = splitmix64(env->seed ^ (uint64_t)number) | 1;
	vu->max_headers = env->max_headers > plan->max_headers ? env->max_headers : plan->max_headers;
	vu->timer_pos = -1;
	vu->vars = xcalloc((size_t)plan->nvars + 1, sizeof *vu->vars);
	vu->var_buf = xcalloc((size_t)plan->nvars + 1, sizeof *vu->var_buf);
	for (int t = 0; t < ps->ntasks && !regex; t++)
		regex = steps_need_regex(ps->tasks[t].steps, ps->tasks[t].nsteps);
	if (regex)
		vu->match = extract_match_new(plan->max_regex_groups);
	vu->shard = shard;
	vu->buf.lines = xcalloc((size_t)vu->max_headers + 1, sizeof *vu->buf.lines);
	vu->buf.hdr_off = xcalloc((size_t)vu->max_headers + 1, sizeof *vu->buf.hdr_off);
	vu->h = transport_handle_new(env->transport, shard, vu->max_headers, vu, cause);
	if (vu->h == NULL) {
		vu_free(vu);
		return NULL;
	}
	if (ps->cookies && plan->max_parallel > 0) {
		/* a jar its batch slots can share (made later), as k6's http.batch uses the VU's */
		if (transport_handle_share_cookies(vu->h, vu->h) != 0)
			transport_handle_cookies(vu->h);
	} else if (ps->cookies) {
		transport_handle_cookies(vu->h);
	}
	return vu;
}

static void
buf_fini(struct vu_buf *b)
{
	free(b->url);
	free(b->hdr);
	free(b->lines);
	free(b->hdr_off);
	free(b->body);
}

void
vu_free(struct vu *vu)
{
	if (vu == NULL)
		return;
	if (vu->timer_pos >= 0)
		think_timers_remove(vu->env->timers, &vu->timer_pos);
	for (int i = 0; vu->slots != NULL && i < vu->env->plan->max_parallel; i++) {
		transport_handle_free(vu->slots[i].h);     /* before vu->h: they share its jar */
		buf_fini(&vu->slots[i].buf);
	}
	free(vu->slots);
	transport_handle_free(vu->h);
	for (int i = 0; i < vu->env->plan->nvars; i++)
		free(vu->var_buf[i]);
	free(vu->var_buf);
	free(vu->vars);
	extract_match_free(vu->match);
	buf_fini(&vu->buf);
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

/* Renders request rq into buffers b (the VU's or a batch slot's). 0, or -1 when it exceeds a cap or a
   URL that began with a variable rendered to something that may not be sent (*why: the failure's
   text). */
static inline __attribute__((always_inline)) int
render(struct vu *vu, struct vu_buf *b, const struct plan_request *rq, struct transport_request *out,
    const char **why)
{
	struct tmpl_ctx ctx = {
		.vu = vu->number,
		.iteration = vu->iteration - 1,
		.rng = &vu->rng,
		.vars = vu->vars,
		.nvars = vu->env->plan->nvars,
	};
	size_t off = 0;

	/* URL with its query: one render when the plan precomputed it */
	if (rq->full_url != NULL) {
		if (put_tmpl(&b->url, &b->url_size, &off, URL_CAP, rq->full_url, &ctx) != 0)
			return -1;
	} else {
		if (put_tmpl(&b->url, &b->url_size, &off, URL_CAP, rq->url, &ctx) != 0)
			return -1;
		for (int i = 0; i < rq->nquery; i++) {
			const struct plan_query *q = &rq->query[i];
			const char *sep = i > 0 || strchr(b->url, '?') != NULL ? "&" : "?";
			if (put_str(&b->url, &b->url_size, &off, URL_CAP, sep, 1) != 0 ||
			    put_str(&b->url, &b->url_size, &off, URL_CAP, q->name, strlen(q->name)) != 0 ||
			    put_str(&b->url, &b->url_size, &off, URL_CAP, "=", 1) != 0 ||
			    put_tmpl(&b->url, &b->url_size, &off, URL_CAP, q->value, &ctx) != 0)
				return -1;
		}
	}
	if (rq->url_check != URL_CHECK_NONE &&
	    (*why = url_check_rendered(b->url, rq->url_fixed_len, rq->url_check)) != NULL)
		return -1;

	/* Headers: "Name: value" lines back to back; pointers taken once the buffer stops moving. */
	assert(rq->nheaders <= vu->max_headers);
	size_t *start = b->hdr_off;
	off = 0;
	for (int i = 0; i < rq->nheaders; i++) {
		const struct plan_header *h = &rq->headers[i];
		start[i] = off;
		if (h->line != NULL) {
			if (put_tmpl(&b->hdr, &b->hdr_size, &off, HDR_CAP, h->line, &ctx) != 0)
				return -1;
		} else if (put_str(&b->hdr, &b->hdr_size, &off, HDR_CAP, h->name, strlen(h->name)) != 0 ||
		    put_str(&b->hdr, &b->hdr_size, &off, HDR_CAP, ": ", 2) != 0 ||
		    put_tmpl(&b->hdr, &b->hdr_size, &off, HDR_CAP, h->value, &ctx) != 0) {
			return -1;
		}
		off++;             /* keep the NUL */
	}
	for (int i = 0; i < rq->nheaders; i++)
		b->lines[i] = b->hdr + start[i];

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
			if (put_tmpl(&b->body, &b->body_size, &off, BODY_CAP, rq->body, &ctx) != 0)
				return -1;
			out->body = b->body;
			out->body_len = off;
		}
	}

	out->method = rq->method;
	out->url = b->url;
	out->headers = b->lines;
	out->nheaders = rq->nheaders;
	out->timeout_ns = rq->timeout_ns;
	out->max_redirects = rq->max_redirects;
	return 0;
}

/* transport_header as extract_response's header hook. */
static const char *
header_of(void *arg, const char *name, size_t *len)
{
	return transport_header(arg, name, len);
}

/* transport_cookie, transport_effective_url and transport_protocol as its cookie, url and
   protocol hooks. */
static const char *
cookie_of(void *arg, const char *name, size_t *len)
{
	return transport_cookie(arg, name, len);
}

static const char *
url_of(void *arg)
{
	return transport_effective_url(arg);
}

static const char *
protocol_of(void *arg)
{
	return transport_protocol(arg);
}

/* Stores an extracted value in its slot: the value is written straight into the slot's buffer. */
static void
extract_into(struct vu *vu, const struct plan_extract *x, struct extract_response *resp,
    struct tick_endpoint *ep)
{
	size_t cap = vu->env->plan->var_cap;
	char **buf = &vu->var_buf[x->slot];
	int64_t n;

	if (*buf == NULL)
		*buf = xmalloc(cap > 0 ? cap : 1);     /* once per slot and VU */
	n = extract_run(x, resp, *buf, cap);
	if (n < 0) {
		ep->extract_failures++;
		vu->vars[x->slot] = (struct tmpl_var){ NULL, 0, 0 };
		return;
	}
	if ((uint64_t)n > cap) {
		ep->extract_truncated++;
		vu->vars[x->slot] = (struct tmpl_var){ *buf, cap, 0 };
		return;
	}
	/* a JSON number or boolean stays one in a json body ("{{id}}": template.h) */
	vu->vars[x->slot] = (struct tmpl_var){ *buf, (size_t)n, x->from == PLAN_FROM_JSON && resp->typed };
}

/* Runs a step's checks, extractions and groupBy on its response. Returns the first check with
   failRequest that failed, or NULL; *end is set when a check with onFail "endIteration" failed. */
static inline __attribute__((always_inline)) const struct plan_check *
inspect(struct vu *vu, const struct plan_step *st, const struct transport_result *r,
    struct transport_handle *h, int *end)
{
	if (st->nchecks == 0 && st->nextracts == 0 && st->group == 0 && st->nrecords == 0)
		return NULL;       /* before building resp: most steps inspect nothing */

	struct tick *t = vu->env->tick;
	struct tick_endpoint *ep = &t->endpoints[st->endpoint];
	struct extract_response resp = {
		.status = r->status, .service_us = r->service_us, .body = r->body, .body_len = r->body_len,
		.header = header_of, .header_arg = h, .match = vu->match, .cookie = cookie_of, .url = url_of,
		.protocol = protocol_of, .phase_us = r->phase_us, .rng = &vu->rng,
	};
	const struct plan_check *failed = NULL;
	uint64_t ok = 0;           /* check i passed: bit i (the first 64; `record` reads them) */
	for (int i = 0; i < st->nchecks; i++) {
		const struct plan_check *k = &st->checks[i];
		if (check_eval(k, &resp)) {
			t->checks[k->index].passes++;
			ok |= i < 64 ? 1ULL << i : 0;
		} else {
			t->checks[k->index].fails++;
			if (k->fail_request && failed == NULL)
				failed = k;
			*end |= k->end_iteration;
		}
	}
	for (int i = 0; i < st->nextracts; i++)
		extract_into(vu, &st->extracts[i], &resp, ep);
	if (st->group > 0) {
		const struct plan_group *g = &vu->env->plan->groups[st->group - 1];
		struct tick_group *tg = &t->groups[st->group - 1];
		char value[TICK_GROUP_VALUE_MAX];
		int64_t n = extract_source(g->from, g->pointer, g->header, &resp, value, sizeof value);
		if (n < 0)
			tg->missing++;
		else
			tick_group_add(tg, value, (size_t)n < sizeof value ? (size_t)n : sizeof value, 1);
	}
	if (st->nrecords > 0)
		custom_record(t, st, &resp, r, vu->vars, ok, r->done_ns);
	extract_response_fini(&resp);
	return failed;
}

/* Counts a failed request's reason among the tick's failure messages: libcurl's words, the status,
   or the failRequest check. Only failures come here; kept out of line so that its message buffer
   (and the stack protector's check of it) costs record() nothing. */
static void __attribute__((noinline))
record_failure(struct vu *vu, const struct plan_step *st, const struct transport_result *r,
    const struct plan_check *check)
{
	char msg[FAILURES_MESSAGE_MAX + 1];
	enum failure_kind kind;
	int n;

	if (r->error != TICK_ERR_NONE) {
		kind = tick_error_failure_kind(r->error);
		n = (int)failures_normalize(msg, sizeof msg, r->error_text != NULL ? r->error_text :
		    tick_error_name(r->error));
	} else if (r->status < 200 || r->status > 399) {
		kind = FAILURE_HTTP_STATUS;
		n = snprintf(msg, sizeof msg, "HTTP %d", r->status);
	} else {
		kind = FAILURE_CHECK;
		n = snprintf(msg, sizeof msg, "check \"%s\" failed",
		    check != NULL ? vu->env->plan->check_names[check->index] : "?");
	}
	if (n < 0) {
		n = 0;
	} else if ((size_t)n >= sizeof msg) {
		/* cut: drop the last character, which may have lost bytes (a long check name) */
		n = (int)sizeof msg - 1;
		while (n > 0 && ((unsigned char)msg[n - 1] & 0xC0) == 0x80)
			n--;
		if (n > 0 && (unsigned char)msg[n - 1] >= 0xC0)
			n--;
	}
	failures_add(vu->env->tick->failures, st->endpoint, kind, msg, (size_t)n, 1, -1, -1);
}

/* Records one request's result into the worker's live tick: its endpoint and, for thresholds, the
   sub-metric series its step also counts in (usually none), and why it failed if it did; check:
   the failRequest check that failed (NULL: none), which fails the request too. */
static void
record(struct vu *vu, const struct plan_step *st, const struct transport_result *r,
    const struct plan_check *check)
{
	const struct vu_env *env = vu->env;
	struct tick *t = env->tick;
	int64_t late_us = (vu->iter_start_ns - vu->intended_ns) / CLOCK_NS_PER_US;
	struct tick_sample s = {
		.error = r->error,
		.status = r->status,
		.failed = r->error != TICK_ERR_NONE || r->status < 200 || r->status > 399 || check != NULL,
		.bytes_sent = r->bytes_sent,
		.bytes_received = r->bytes_received,
		.phase_us = r->phase_us,
		.service_us = r->service_us,
		.duration_us = r->service_us + (late_us > 0 ? late_us : 0),
	};

	if (s.failed)              /* first: r and check need not outlive the calls below */
		record_failure(vu, st, r, check);
	tick_record(&t->endpoints[st->endpoint], &env->phase[st->endpoint * TICK_NPHASE], &s);
	if (st->nseries > 0)
		threshold_record(t, st, &s);
}

/* Ends the iteration: counts it, then lets the worker decide what the VU does next. */
static void
end_iteration(struct vu *vu, int64_t now_ns)
{
	struct tick *t = vu->env->tick;

	vu->state = VU_IDLE;
	vu->task = NULL;
	vu->steps = NULL;
	t->iterations++;
	hist_record(t->iteration_duration, (uint64_t)((now_ns - vu->intended_ns) / CLOCK_NS_PER_US));
	vu->env->done(vu->env->arg, vu, now_ns);
}

/* Sleeps until at_ns; on waking the VU ends its iteration (end) or sends its next step. */
static void
think(struct vu *vu, int64_t at_ns, int end)
{
	vu->state = VU_THINK;
	vu->end_after_think = end;
	think_timers_add(vu->env->timers, vu, at_ns, &vu->timer_pos);
}

/* Picks a task by weight. */
static const struct plan_task *
pick_task(struct vu *vu)
{
	const struct plan_scenario *ps = vu->ps;
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

static void run(struct vu *vu, int64_t now_ns);
static int batch_start(struct vu *vu, const struct plan_step *st, int64_t now_ns);
static void batch_cancel(struct vu *vu);

/* Starts the groups that begin at step st. */
static void __attribute__((noinline))
groups_open(struct vu *vu, const struct plan_step *st, int64_t now_ns)
{
	for (int i = 0; i < st->ngroup_open && vu->group_depth < PLAN_GROUP_DEPTH; i++)
		vu->group_start_ns[vu->group_depth++] = now_ns;
}

/* Ends the groups that end after step st: each one's group_duration, from its first step's start. */
static void __attribute__((noinline))
groups_close(struct vu *vu, const struct plan_step *st, int64_t now_ns)
{
	struct tick *t = vu->env->tick;

	for (int i = 0; i < st->ngroup_close && vu->group_depth > 0; i++) {
		int64_t d = now_ns - vu->group_start_ns[--vu->group_depth];
		uint64_t us = d > 0 ? (uint64_t)(d / CLOCK_NS_PER_US) : 0;
		hist_record(t->group_duration[st->group_close[i]], us);
		hist_record(t->group_duration_all, us);
	}
}

/* Enters a phase with its steps and runs them. */
static void
enter(struct vu *vu, enum vu_phase phase, const struct plan_step *steps, int nsteps, int64_t now_ns)
{
	vu->group_depth = 0;
	vu->pending_close = NULL;
	vu->phase = phase;
	vu->steps = steps;
	vu->nsteps = nsteps;
	vu->step = 0;
	vu->sends = 0;
	run(vu, now_ns);
}

/* The steps of a phase are done. */
static void
phase_done(struct vu *vu, int64_t now_ns)
{
	const struct plan_think *pause = &vu->ps->think;
	int64_t d;

	switch (vu->phase) {
	case VU_PHASE_START:
		vu->task = pick_task(vu);
		enter(vu, VU_PHASE_TASK, vu->task->steps, vu->task->nsteps, now_ns);
		return;
	case VU_PHASE_TASK:
		if (pause->kind != PLAN_THINK_NONE && vu->env->continues(vu->env->arg, vu) &&
		    (d = think_draw_ns(pause, &vu->rng, now_ns - vu->iter_start_ns)) > 0) {
			think(vu, now_ns + d, 1);
			return;
		}
		end_iteration(vu, now_ns);
		return;
	case VU_PHASE_STOP:
		vu->state = VU_IDLE;
		vu->steps = NULL;
		vu->in_session = 0;
		vu->env->done(vu->env->arg, vu, now_ns);    /* not an iteration: nothing counted */
		return;
	}
}

/* Sends the current step, skipping (and counting as failed) steps that cannot be rendered; when
   none is left, the phase is done. */
static void
run(struct vu *vu, int64_t now_ns)
{
	if (vu->pending_close != NULL) {
		groups_close(vu, vu->pending_close, now_ns);
		vu->pending_close = NULL;
	}
	while (vu->step < vu->nsteps) {
		const struct plan_step *st = &vu->steps[vu->step];
		struct transport_request req;
		const char *why = "not sent: the rendered request passed a size cap (url, header or body)";

		if (st->ngroup_open > 0 && vu->sends == 0)
			groups_open(vu, st, now_ns);   /* once, not at each repeat */
		if (st->when != NULL && vu->sends == 0 &&
		    !flow_cond_holds(st->when, vu->vars, vu->last_status)) {
			if (st->ngroup_close > 0)      /* skipped: nothing sent, nothing counted */
				groups_close(vu, st, now_ns);
			vu->step++;
			continue;
		}
		if (st->nbatch > 0) {
			if (batch_start(vu, st, now_ns) == 0)
				return;
			if (st->ngroup_close > 0)      /* nothing could be sent: the step is over */
				groups_close(vu, st, now_ns);
			continue;
		}
		if (render(vu, &vu->buf, &st->req, &req, &why) == 0) {
			vu->state = VU_REQUEST;
			vu->step_start_ns = now_ns;
			transport_send(vu->h, &req);
			return;
		}
		struct transport_result r = { .error = TICK_ERR_OTHER, .error_text = why };
		record(vu, st, &r, NULL);
		if (st->ngroup_close > 0)
			groups_close(vu, st, now_ns);
		vu->step++;
		vu->sends = 0;
	}
	phase_done(vu, now_ns);
}

/* Begins a session: the scenario's `vars` over empty variables, an empty cookie jar. */
static void
begin_session(struct vu *vu)
{
	const struct plan_scenario *ps = vu->ps;

	memset(vu->vars, 0, (size_t)vu->env->plan->nvars * sizeof *vu->vars);
	for (int i = 0; i < ps->ninits; i++)
		vu->vars[ps->inits[i].slot] = (struct tmpl_var){ ps->inits[i].value, ps->inits[i].len,
		    ps->inits[i].json };
	if (vu->env->plan->nrandoms > 0)   /* `random` per run and per VU */
		random_vars_draw(vu->env->plan, 1, vu->vars, vu->var_buf, vu->env->plan->var_cap, &vu->rng);
	for (int i = 0; vu->env->setup_vars != NULL && i < vu->env->plan->nsetup_slots; i++) {
		int slot = vu->env->plan->setup_slots[i];
		vu->vars[slot] = vu->env->setup_vars[slot];
	}
	if (ps->cookies && vu->iteration > 1)
		transport_handle_clear_cookies(vu->h);
	vu->in_session = 1;
}

/* Points the feed columns' variables at this iteration's row of each feed the scenario reads. */
static void
pick_rows(struct vu *vu)
{
	const struct plan *plan = vu->env->plan;
	const struct plan_scenario *ps = vu->ps;

	for (int i = 0; i < ps->nfeeds; i++) {
		const struct plan_feed *f = &plan->feeds[ps->feeds[i]];
		const struct tmpl_var *row = &f->cells[(size_t)feed_pick(f, vu->number, &vu->rng, vu->env->segment) * (size_t)f->ncolumns];
		for (int c = 0; c < f->ncolumns; c++)
			vu->vars[f->slots[c]] = row[c];
	}
	if (plan->nrandoms > 0)            /* `random` per iteration */
		random_vars_draw(plan, 0, vu->vars, vu->var_buf, plan->var_cap, &vu->rng);
}

void
vu_start(struct vu *vu, int64_t now_ns, int64_t intended_ns)
{
	const struct plan_scenario *ps = vu->ps;

	assert(vu->state == VU_IDLE);
	vu->iteration++;
	vu->iter_start_ns = now_ns;
	vu->last_status = 0;
	vu->intended_ns = intended_ns <= now_ns ? intended_ns : now_ns;
	if (!vu->in_session) {
		begin_session(vu);
		pick_rows(vu);
		if (ps->non_start > 0) {
			vu->task = NULL;
			enter(vu, VU_PHASE_START, ps->on_start, ps->non_start, now_ns);
			return;
		}
	} else {
		pick_rows(vu);
	}
	vu->task = pick_task(vu);
	enter(vu, VU_PHASE_TASK, vu->task->steps, vu->task->nsteps, now_ns);
}

int
vu_stop(struct vu *vu, int64_t now_ns)
{
	const struct plan_scenario *ps = vu->ps;

	assert(vu->state == VU_IDLE);
	if (!vu->in_session)
		return 0;
	if (ps->non_stop == 0) {
		vu->in_session = 0;
		return 0;
	}
	vu->task = NULL;
	enter(vu, VU_PHASE_STOP, ps->on_stop, ps->non_stop, now_ns);
	return 1;
}

void
vu_interrupt(struct vu *vu)
{
	if (vu->state == VU_IDLE)
		return;
	if (vu->state == VU_THINK)
		think_timers_remove(vu->env->timers, &vu->timer_pos);
	else if (vu->batch_inflight > 0)
		batch_cancel(vu);
	else
		transport_cancel(vu->h);
	if (vu->phase != VU_PHASE_STOP)
		vu->env->tick->interrupted_iterations++;
	vu->state = VU_IDLE;
	vu->task = NULL;
	vu->steps = NULL;
	vu->group_depth = 0;       /* a cut group is not timed */
	vu->pending_close = NULL;
	vu->in_session = 0;        /* a cut session starts afresh (onStart) if the VU runs again */
}

/* Step st (the current one) is over at done_ns: the iteration ends early (end), the step is sent
   again (repeat), or the VU thinks and goes on to the next step. */
static inline __attribute__((always_inline)) void
step_done(struct vu *vu, const struct plan_step *st, int end, int64_t done_ns)
{
	int64_t d;

	if (end) {
		/* onFail "endIteration": k6's early return; in onStart the task is skipped too */
		if (vu->phase == VU_PHASE_START)
			vu->phase = VU_PHASE_TASK;
		vu->step = vu->nsteps;
		vu->sends = 0;
		run(vu, done_ns);
		return;
	}
	if (st->repeat != NULL) {
		if (flow_repeat_again(st, ++vu->sends, vu->vars, vu->last_status)) {
			if (st->repeat->pause_ns > 0)
				think(vu, done_ns + st->repeat->pause_ns, 0);
			else
				run(vu, done_ns);
			return;
		}
		vu->sends = 0;
	}
	vu->step++;
	if (st->ngroup_close > 0)
		vu->pending_close = st;    /* its groups end after its think time: in run() */
	if (st->think.kind != PLAN_THINK_NONE &&
	    (d = think_draw_ns(&st->think, &vu->rng, done_ns - vu->step_start_ns)) > 0) {
		think(vu, done_ns + d, 0);
		return;
	}
	run(vu, done_ns);
}

/* ---- batch steps: several requests of one VU in flight at once, each on a slot's handle */

/* Makes the VU's batch slots (its first batch step). 0, or -1 when a handle cannot be made. */
static int
slots_make(struct vu *vu)
{
	int n = vu->env->plan->max_parallel;
	char *cause = NULL;

	vu->slots = xcalloc((size_t)n, sizeof *vu->slots);
	for (int i = 0; i < n; i++) {
		struct vu_slot *sl = &vu->slots[i];
		sl->is_slot = 1;
		sl->vu = vu;
		sl->buf.lines = xcalloc((size_t)vu->max_headers + 1, sizeof *sl->buf.lines);
		sl->buf.hdr_off = xcalloc((size_t)vu->max_headers + 1, sizeof *sl->buf.hdr_off);
		if ((sl->h = transport_handle_new(vu->env->transport, vu->shard, vu->max_headers, sl, &cause)) == NULL) {
			free(cause);
			return -1;
		}
		if (vu->ps->cookies)
			transport_handle_share_cookies(sl->h, vu->h);  /* else (curl refused) no cookies */
	}
	return 0;
}

/* Sends the batch's next requests while fewer than its `parallel` are in flight; a request that
   cannot be rendered (or sent: no handle) is counted as failed at once. */
static void
batch_fill(struct vu *vu, const struct plan_step *st)
{
	while (vu->batch_next < st->nbatch && vu->batch_inflight < st->parallel) {
		const struct plan_step *sub = &st->batch[vu->batch_next++];
		struct vu_slot *sl = NULL;
		struct transport_request req;
		const char *why = "not sent: the rendered request passed a size cap (url, header or body)";

		for (int i = 0; vu->slots != NULL && i < st->parallel && sl == NULL; i++)
			if (vu->slots[i].st == NULL && vu->slots[i].h != NULL)
				sl = &vu->slots[i];
		if (sl != NULL && render(vu, &sl->buf, &sub->req, &req, &why) == 0) {
			sl->st = sub;
			vu->batch_inflight++;
			transport_send(sl->h, &req);
			continue;
		}
		struct transport_result r = { .error = TICK_ERR_OTHER, .error_text = sl == NULL ?
		    "not sent: no connection handle for the batch" : why };
		record(vu, sub, &r, NULL);
	}
}

/* Starts batch step st. 0, or -1 when nothing could be sent (the step is then over). */
static int
batch_start(struct vu *vu, const struct plan_step *st, int64_t now_ns)
{
	if (vu->slots == NULL && slots_make(vu) != 0) {
		/* counted per request by batch_fill */
	}
	vu->state = VU_REQUEST;
	vu->step_start_ns = now_ns;
	vu->batch_next = 0;
	vu->batch_inflight = 0;
	vu->batch_end = 0;
	batch_fill(vu, st);
	if (vu->batch_inflight > 0)
		return 0;
	vu->step++;
	vu->sends = 0;
	return -1;
}

/* A batch request's result (the transport's completion of a slot's handle). */
static void
batch_done(struct vu_slot *sl, const struct transport_result *r)
{
	struct vu *vu = sl->vu;
	const struct plan_step *sub = sl->st, *st = &vu->steps[vu->step];

	assert(vu->state == VU_REQUEST && sub != NULL && vu->batch_inflight > 0);
	sl->st = NULL;
	vu->batch_inflight--;
	record(vu, sub, r, inspect(vu, sub, r, sl->h, &vu->batch_end));
	vu->last_status = r->error == TICK_ERR_NONE ? r->status : 0;
	batch_fill(vu, st);
	if (vu->batch_inflight == 0)
		step_done(vu, st, vu->batch_end, r->done_ns);
}

/* Cancels the batch requests in flight. */
static void
batch_cancel(struct vu *vu)
{
	for (int i = 0; vu->slots != NULL && i < vu->env->plan->max_parallel; i++) {
		if (vu->slots[i].st != NULL) {
			transport_cancel(vu->slots[i].h);
			vu->slots[i].st = NULL;
		}
	}
	vu->batch_inflight = 0;
}

void
vu_on_done(void *owner, const struct transport_result *r, void *arg)
{
	struct vu *vu = owner;
	const struct plan_step *st;
	int end = 0;

	(void)arg;
	if (vu->is_slot) {
		batch_done(owner, r);
		return;
	}
	st = &vu->steps[vu->step];
	assert(vu->state == VU_REQUEST);
	record(vu, st, r, inspect(vu, st, r, vu->h, &end));
	vu->last_status = r->error == TICK_ERR_NONE ? r->status : 0;
	step_done(vu, st, end, r->done_ns);
}

void
vu_wake(struct vu *vu, int64_t now_ns)
{
	assert(vu->state == VU_THINK);
	vu->state = VU_REQUEST;    /* not idle: the worker must not start it meanwhile */
	if (vu->end_after_think)
		end_iteration(vu, now_ns);
	else
		run(vu, now_ns);
}
