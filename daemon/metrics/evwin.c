/*
 * evwin: see evwin.h. Runs on one thread at a time (the engine's controller); no locks.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "metrics/evwin.h"
#include "metrics/hist.h"

struct slot {
	int64_t second;            /* -1: empty */
	uint64_t requests, failed;
	struct hist *duration;
};

struct ev {
	int64_t at_ms;
	char *name, *source, *error;
	int status;
	struct evwin_finding f;
};

struct evwin {
	struct slot ring[EVWIN_RING];
	int64_t last;              /* the last second added; -1: none */
	struct ev *evs;
	int nevs, cap;
	struct hist *scratch;
	bool finished;
};

struct evwin *
evwin_new(void)
{
	struct evwin *w = xcalloc(1, sizeof *w);

	for (int i = 0; i < EVWIN_RING; i++) {
		w->ring[i].second = -1;
		w->ring[i].duration = hist_new();
	}
	w->scratch = hist_new();
	w->last = -1;
	return w;
}

void
evwin_free(struct evwin *w)
{
	if (w == NULL)
		return;
	for (int i = 0; i < EVWIN_RING; i++)
		hist_free(w->ring[i].duration);
	for (int i = 0; i < w->nevs; i++) {
		free(w->evs[i].name);
		free(w->evs[i].source);
		free(w->evs[i].error);
	}
	free(w->evs);
	hist_free(w->scratch);
	free(w);
}

int
evwin_count(const struct evwin *w)
{
	return w->nevs;
}

/* Sums seconds [from, to] that the ring still holds; p99 in ms or -1. */
static void
sum_range(struct evwin *w, int64_t from, int64_t to, uint64_t *requests, uint64_t *failed,
    double *p99_ms)
{
	*requests = *failed = 0;
	hist_reset(w->scratch);
	for (int64_t s = from; s <= to; s++) {
		const struct slot *sl = &w->ring[s % EVWIN_RING];
		if (s < 0 || sl->second != s)
			continue;
		*requests += sl->requests;
		*failed += sl->failed;
		hist_merge(w->scratch, sl->duration);
	}
	*p99_ms = hist_count(w->scratch) > 0 ? (double)hist_percentile(w->scratch, 99.0) / 1000.0 : -1;
}

/* Makes event e's finding from the seconds up to w->last. */
static void
judge(struct evwin *w, struct ev *e)
{
	struct evwin_finding *f = &e->f;
	int64_t s = e->at_ms / 1000;

	f->from_s = s - EVWIN_HALF_S < 0 ? 0 : s - EVWIN_HALF_S;
	f->to_s = s + EVWIN_HALF_S - 1 < w->last ? s + EVWIN_HALF_S - 1 : w->last;
	if (f->to_s < f->from_s)
		f->to_s = f->from_s;
	sum_range(w, f->from_s, f->to_s, &f->requests, &f->failed, &f->p99_ms);
	f->before_to_s = f->from_s - 1;
	f->before_from_s = f->from_s - EVWIN_BEFORE_S < 0 ? 0 : f->from_s - EVWIN_BEFORE_S;
	if (f->before_to_s >= f->before_from_s)
		sum_range(w, f->before_from_s, f->before_to_s, &f->before_requests, &f->before_failed,
		    &f->before_p99_ms);
	else
		f->before_p99_ms = -1;
	f->done = true;
}

int
evwin_add(struct evwin *w, const struct evwin_event *ev)
{
	struct ev *e;

	if (w->nevs >= EVWIN_MAX)
		return -1;
	if (w->nevs == w->cap) {
		w->cap = w->cap > 0 ? w->cap * 2 : 8;
		w->evs = xrealloc(w->evs, (size_t)w->cap * sizeof *w->evs);
	}
	e = &w->evs[w->nevs++];
	memset(e, 0, sizeof *e);
	e->at_ms = ev->at_ms < 0 ? 0 : ev->at_ms;
	e->name = xstrdup(ev->name);
	e->source = xstrdup(ev->source);
	e->error = ev->error != NULL ? xstrdup(ev->error) : NULL;
	e->status = ev->status;
	if (w->finished || (w->last >= 0 && w->last >= e->at_ms / 1000 + EVWIN_HALF_S - 1))
		judge(w, e);
	return 0;
}

void
evwin_second(struct evwin *w, int64_t second, uint64_t requests, uint64_t failed,
    const struct hist *duration_us)
{
	struct slot *sl = &w->ring[second % EVWIN_RING];

	if (second < 0)
		return;
	sl->second = second;
	sl->requests = requests;
	sl->failed = failed;
	hist_reset(sl->duration);
	if (duration_us != NULL)
		hist_merge(sl->duration, duration_us);
	w->last = second;
	for (int i = 0; i < w->nevs; i++)
		if (!w->evs[i].f.done && second >= w->evs[i].at_ms / 1000 + EVWIN_HALF_S - 1)
			judge(w, &w->evs[i]);
}

void
evwin_finish(struct evwin *w)
{
	w->finished = true;
	for (int i = 0; i < w->nevs; i++)
		if (!w->evs[i].f.done)
			judge(w, &w->evs[i]);
}

const struct evwin_finding *
evwin_finding(const struct evwin *w, int i)
{
	return i >= 0 && i < w->nevs && w->evs[i].f.done ? &w->evs[i].f : NULL;
}

/* "41 ms", "0.8 ms", "no requests". */
static void
fmt_ms(double ms, char *buf, size_t len)
{
	if (ms < 0)
		snprintf(buf, len, "no requests");
	else if (ms < 10)
		snprintf(buf, len, "%.1f ms", ms);
	else
		snprintf(buf, len, "%.0f ms", ms);
}

void
evwin_text(const char *name, int64_t at_ms, const struct evwin_finding *f, char *buf, size_t len)
{
	char p99[32], before[64], at[32];

	if (at_ms % 1000 == 0)
		snprintf(at, sizeof at, "%lld s", (long long)(at_ms / 1000));
	else
		snprintf(at, sizeof at, "%.1f s", (double)at_ms / 1000.0);
	fmt_ms(f->p99_ms, p99, sizeof p99);
	if (f->before_to_s < f->before_from_s || f->before_requests == 0)
		snprintf(before, sizeof before, "no requests before");
	else {
		fmt_ms(f->before_p99_ms, before, sizeof before);
		strncat(before, " before", sizeof before - strlen(before) - 1);
	}
	snprintf(buf, len, "%s at %s: %llu failed request%s in %lld\u2013%lld s, p99 %s (%s)", name, at,
	    (unsigned long long)f->failed, f->failed == 1 ? "" : "s", (long long)f->from_s,
	    (long long)f->to_s + 1, p99, before);
}

/* A p99 as JSON: ms with 3 decimals, or null. */
static json_t *
ms_json(double ms)
{
	return ms < 0 ? json_null() : json_real((double)(int64_t)(ms * 1000 + 0.5) / 1000);
}

json_t *
evwin_json(const struct evwin *w)
{
	json_t *list = json_array();

	for (int i = 0; i < w->nevs; i++) {
		const struct ev *e = &w->evs[i];
		json_t *o = json_pack("{s:I, s:I, s:s, s:s}", "at_ms", (json_int_t)e->at_ms, "second",
		    (json_int_t)(e->at_ms / 1000), "name", e->name, "source", e->source);
		json_object_set_new(o, "status", e->status > 0 ? json_integer(e->status) : json_null());
		if (e->error != NULL)
			json_object_set_new(o, "error", json_string(e->error));
		if (e->f.done) {
			const struct evwin_finding *f = &e->f;
			char text[256];
			evwin_text(e->name, e->at_ms, f, text, sizeof text);
			json_object_set_new(o, "finding", json_pack("{s:s, s:[I, I], s:I, s:I, s:o, "
			    "s:o, s:I, s:I, s:o}",
			    "text", text,
			    "window", (json_int_t)f->from_s, (json_int_t)f->to_s + 1,
			    "requests", (json_int_t)f->requests,
			    "failed", (json_int_t)f->failed,
			    "p99_ms", ms_json(f->p99_ms),
			    "before", f->before_to_s >= f->before_from_s ?
			        json_pack("[I, I]", (json_int_t)f->before_from_s, (json_int_t)f->before_to_s + 1) :
			        json_null(),
			    "before_requests", (json_int_t)f->before_requests,
			    "before_failed", (json_int_t)f->before_failed,
			    "before_p99_ms", ms_json(f->before_p99_ms)));
		} else {
			json_object_set_new(o, "finding", json_null());
		}
		json_array_append_new(list, o);
	}
	return list;
}
