/*
 * failures: see failures.h. A small open-addressing index over at most FAILURES_RUN_MAX entries, so
 * a failure costs a hash of its message and usually one compare, whatever the number of distinct
 * messages; the "(other messages)" entries come from a second array, allocated at the first message
 * that finds no room. Runs on whichever thread owns the tick (a worker while it records, the
 * controller while it merges).
 */
#include <config.h>

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "metrics/failures.h"
#include "testdef/plan.h"

#define INDEX_SIZE 512             /* a power of two, over twice FAILURES_RUN_MAX */

struct failures {
	int nendpoints;
	int n;                     /* distinct messages in e */
	int nother;                /* "(other messages)" entries in use, listed in other_order */
	uint64_t total;
	struct failure *e;         /* [FAILURES_RUN_MAX], at the first add */
	struct failure *other;     /* [nendpoints * FAILURE_NKIND], at the first overflow */
	int *other_order;          /* [nendpoints * FAILURE_NKIND]: indexes into other, in use */
	uint8_t *per_endpoint;     /* [nendpoints]: distinct messages of each */
	uint16_t index[INDEX_SIZE];/* entry + 1; 0 empty */
};

static const char *const kind_names[FAILURE_NKIND] = {
	[FAILURE_REFUSED] = "refused",
	[FAILURE_TIMEOUT] = "timeout",
	[FAILURE_RESET] = "reset",
	[FAILURE_DNS] = "dns",
	[FAILURE_TLS] = "tls",
	[FAILURE_TOO_LARGE] = "too_large",
	[FAILURE_BLOCKED] = "blocked",
	[FAILURE_OTHER] = "other",
	[FAILURE_HTTP_STATUS] = "http_status",
	[FAILURE_CHECK] = "check",
};

static const char *const kind_words[FAILURE_NKIND] = {
	[FAILURE_REFUSED] = "connection refused",
	[FAILURE_TIMEOUT] = "timeout",
	[FAILURE_RESET] = "connection reset",
	[FAILURE_DNS] = "name not resolved",
	[FAILURE_TLS] = "TLS error",
	[FAILURE_TOO_LARGE] = "response headers too large",
	[FAILURE_BLOCKED] = "blocked by security.allow_targets",
	[FAILURE_OTHER] = "transport error",
	[FAILURE_HTTP_STATUS] = "HTTP status",
	[FAILURE_CHECK] = "failRequest check",
};

const char *
failure_kind_name(enum failure_kind k)
{
	assert(k >= 0 && k < FAILURE_NKIND);
	return kind_names[k];
}

const char *
failure_kind_words(enum failure_kind k)
{
	assert(k >= 0 && k < FAILURE_NKIND);
	return kind_words[k];
}

int
failure_kind_from_name(const char *name)
{
	for (int k = 0; k < FAILURE_NKIND; k++)
		if (strcmp(kind_names[k], name) == 0)
			return k;
	return -1;
}

struct failures *
failures_new(int nendpoints)
{
	struct failures *f = xcalloc(1, sizeof *f);

	assert(nendpoints >= 0);
	f->nendpoints = nendpoints;
	f->per_endpoint = xcalloc(nendpoints > 0 ? (size_t)nendpoints : 1, 1);
	return f;
}

void
failures_free(struct failures *f)
{
	if (f == NULL)
		return;
	free(f->e);
	free(f->other);
	free(f->other_order);
	free(f->per_endpoint);
	free(f);
}

void
failures_reset(struct failures *f)
{
	if (f->n > 0) {
		memset(f->index, 0, sizeof f->index);
		memset(f->per_endpoint, 0, (size_t)f->nendpoints);
		f->n = 0;
	}
	for (int i = 0; i < f->nother; i++)
		f->other[f->other_order[i]].count = 0;
	f->nother = 0;
	f->total = 0;
}

/* FNV-1a. */
static uint32_t
hash_of(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* The index slot where (endpoint, kind, hash) starts probing. */
static unsigned
slot_of(int endpoint, enum failure_kind kind, uint32_t h)
{
	uint32_t x = h ^ ((uint32_t)endpoint * 0x9e3779b1u) ^ ((uint32_t)kind * 0x85ebca6bu);

	x ^= x >> 15;
	return x & (INDEX_SIZE - 1);
}

/* Adds a sighting to e: count, and the seconds it widens (-1 is unknown). */
static void
bump(struct failure *e, uint64_t count, int64_t first, int64_t last)
{
	e->count += count;
	if (first >= 0 && (e->first < 0 || first < e->first))
		e->first = first;
	if (last > e->last)
		e->last = last;
}

/* The "(other messages)" entry of endpoint and kind, made on first use. */
static struct failure *
other_of(struct failures *f, int endpoint, enum failure_kind kind)
{
	int i = endpoint * FAILURE_NKIND + (int)kind;
	struct failure *o;

	if (f->other == NULL) {
		size_t n = (size_t)f->nendpoints * FAILURE_NKIND;
		f->other = xcalloc(n, sizeof *f->other);
		f->other_order = xcalloc(n, sizeof *f->other_order);
	}
	o = &f->other[i];
	if (o->count == 0) {
		o->endpoint = endpoint;
		o->kind = kind;
		o->other = true;
		o->first = o->last = -1;
		o->len = (uint16_t)strlen(FAILURES_OTHER_TEXT);
		memcpy(o->message, FAILURES_OTHER_TEXT, o->len + 1);
		f->other_order[f->nother++] = i;
	}
	return o;
}

/* The entry of a message, or NULL; *slot is where it is or would go. */
static struct failure *
lookup(const struct failures *f, int endpoint, enum failure_kind kind, const char *msg, size_t len,
    uint32_t h, unsigned *slot)
{
	unsigned s = slot_of(endpoint, kind, h);

	while (f->index[s] != 0) {
		struct failure *e = &f->e[f->index[s] - 1];
		if (e->hash == h && e->endpoint == endpoint && e->kind == kind && e->len == len &&
		    memcmp(e->message, msg, len) == 0)
			return e;
		s = (s + 1) & (INDEX_SIZE - 1);
	}
	*slot = s;
	return NULL;
}

/* Cuts len to FAILURES_MESSAGE_MAX, never inside a UTF-8 character. */
static size_t
cut(const char *msg, size_t len)
{
	if (len <= FAILURES_MESSAGE_MAX)
		return len;
	len = FAILURES_MESSAGE_MAX;
	while (len > 0 && ((unsigned char)msg[len] & 0xC0) == 0x80)
		len--;
	return len;
}

void
failures_add(struct failures *f, int endpoint, enum failure_kind kind, const char *msg,
    size_t len, uint64_t count, int64_t first, int64_t last)
{
	struct failure *e;
	unsigned slot = 0;
	uint32_t h;

	assert(endpoint >= 0 && endpoint < f->nendpoints && kind >= 0 && kind < FAILURE_NKIND);
	len = cut(msg, len);
	h = hash_of(msg, len);
	f->total += count;
	if (f->n > 0 && (e = lookup(f, endpoint, kind, msg, len, h, &slot)) != NULL) {
		bump(e, count, first, last);
		return;
	}
	if (f->n == 0)
		slot = slot_of(endpoint, kind, h);
	if (f->n == FAILURES_RUN_MAX || f->per_endpoint[endpoint] == FAILURES_ENDPOINT_MAX) {
		bump(other_of(f, endpoint, kind), count, first, last);
		return;
	}
	if (f->e == NULL)
		f->e = xmalloc(FAILURES_RUN_MAX * sizeof *f->e);
	e = &f->e[f->n];
	e->endpoint = endpoint;
	e->kind = kind;
	e->other = false;
	e->count = 0;
	e->first = e->last = -1;
	e->hash = h;
	e->len = (uint16_t)len;
	memcpy(e->message, msg, len);
	e->message[len] = '\0';
	bump(e, count, first, last);
	f->index[slot] = (uint16_t)(++f->n);
	f->per_endpoint[endpoint]++;
}

void
failures_add_other(struct failures *f, int endpoint, enum failure_kind kind, uint64_t count,
    int64_t first, int64_t last)
{
	assert(endpoint >= 0 && endpoint < f->nendpoints && kind >= 0 && kind < FAILURE_NKIND);
	if (count == 0)
		return;    /* other_of lists an entry again while its count is 0 */
	f->total += count;
	bump(other_of(f, endpoint, kind), count, first, last);
}

void
failures_merge(struct failures *dst, const struct failures *src, int64_t second)
{
	assert(dst->nendpoints == src->nendpoints);
	for (int i = 0; i < failures_n(src); i++) {
		const struct failure *e = failures_get(src, i);
		int64_t first = e->first >= 0 ? e->first : second;
		int64_t last = e->last >= 0 ? e->last : second;
		if (e->other) {
			failures_add_other(dst, e->endpoint, e->kind, e->count, first, last);
		} else {
			failures_add(dst, e->endpoint, e->kind, e->message, e->len, e->count, first, last);
		}
	}
}

uint64_t
failures_total(const struct failures *f)
{
	return f->total;
}

int
failures_n(const struct failures *f)
{
	return f->n + f->nother;
}

const struct failure *
failures_get(const struct failures *f, int i)
{
	assert(i >= 0 && i < failures_n(f));
	return i < f->n ? &f->e[i] : &f->other[f->other_order[i - f->n]];
}

const struct failure *
failures_find(const struct failures *f, const struct failure *e)
{
	unsigned slot;
	const struct failure *o;

	if (e->endpoint < 0 || e->endpoint >= f->nendpoints)
		return NULL;
	if (!e->other && f->n > 0) {
		const struct failure *hit = lookup(f, e->endpoint, e->kind, e->message, e->len,
		    e->hash, &slot);
		if (hit != NULL)
			return hit;
	}
	if (f->other == NULL)
		return NULL;
	o = &f->other[e->endpoint * FAILURE_NKIND + (int)e->kind];
	return o->count > 0 ? o : NULL;
}

/* qsort's comparison of two entries (pointers to pointers) by count, largest first. */
static int
by_count(const void *a, const void *b)
{
	const struct failure *x = *(const struct failure *const *)a, *y = *(const struct failure *const *)b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->other != y->other)
		return x->other ? 1 : -1;
	return x < y ? -1 : x > y;  /* the same array: order of appearance */
}

/* The same, by endpoint first. */
static int
by_endpoint_count(const void *a, const void *b)
{
	const struct failure *x = *(const struct failure *const *)a, *y = *(const struct failure *const *)b;

	if (x->endpoint != y->endpoint)
		return x->endpoint < y->endpoint ? -1 : 1;
	return by_count(a, b);
}

int
failures_order(const struct failures *f, const struct failure **out, bool by_endpoint)
{
	int n = failures_n(f);

	for (int i = 0; i < n; i++)
		out[i] = failures_get(f, i);
	qsort(out, (size_t)n, sizeof *out, by_endpoint ? by_endpoint_count : by_count);
	return n;
}

const struct failure *
failures_dominant(const struct failures *f)
{
	const struct failure *best = NULL;

	for (int i = 0; i < failures_n(f); i++) {
		const struct failure *e = failures_get(f, i);
		if (best == NULL || e->count > best->count)
			best = e;
	}
	return best;
}

/* Whether s starts with prefix. */
static bool
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

size_t
failures_normalize(char *buf, size_t cap, const char *text)
{
	size_t n = 0;
	const char *p = text;

	assert(cap >= 2);
	while (*p != '\0' && n + 1 < cap) {
		/* libcurl's timings: " after 12 ms", " after 1001 milliseconds with 0 out of 10 bytes
		   received" (7.88 and 8.x word them so) */
		if (starts(p, " after ") && p[7] >= '0' && p[7] <= '9') {
			const char *q = p + 7;
			while (*q >= '0' && *q <= '9')
				q++;
			if (starts(q, " ms")) {
				p = q + 3;
				continue;
			}
			if (starts(q, " milliseconds")) {
				const char *r;
				p = q + 13;
				if (starts(p, " with ") && (r = strstr(p, " received")) != NULL)
					p = r + 9;
				continue;
			}
		}
		buf[n++] = *p++;
	}
	buf[n] = '\0';
	return n;
}

bool
failures_alarm_judge(struct failures_alarm *a, int64_t second, uint64_t requests,
    uint64_t failed, const struct failures *f, const struct plan *plan)
{
	const struct failure *d;
	const char *ep;

	if (a->decided || second < 1 || requests < FAILURES_ALARM_MIN_REQUESTS)
		return false;
	a->decided = true;
	a->second = second;
	a->requests = requests;
	a->failures = failed;
	if ((double)failed * 100.0 < FAILURES_ALARM_PCT * (double)requests)
		return false;
	a->fired = true;
	d = failures_dominant(f);
	if (d == NULL) {
		/* cannot be: every failure is counted in the set; say what is known */
		snprintf(a->text, sizeof a->text, "every request fails: %" PRIu64 " of %" PRIu64
		    " requests failed in the first %" PRId64 " s", failed, requests, second + 1);
		return true;
	}
	a->dominant = *d;
	ep = d->endpoint < plan->nendpoints ? plan->endpoints[d->endpoint].name : "?";
	if (d->kind == FAILURE_HTTP_STATUS || d->kind == FAILURE_CHECK)
		snprintf(a->text, sizeof a->text, "every request fails: %s%s (%s; %" PRIu64 " of %"
		    PRIu64 " requests failed in the first %" PRId64 " s)", d->other ?
		    failure_kind_words(d->kind) : "", d->other ? " " FAILURES_OTHER_TEXT : d->message, ep,
		    failed, requests, second + 1);
	else
		snprintf(a->text, sizeof a->text, "every request fails: %s: %s (%s; %" PRIu64 " of %"
		    PRIu64 " requests failed in the first %" PRId64 " s)", failure_kind_words(d->kind),
		    d->message, ep, failed, requests, second + 1);
	return true;
}
