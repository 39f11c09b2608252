/*
 * segment: see segment.h. Rationals are reduced int64 pairs with denominators up to 10^9, so every
 * comparison is one 128-bit cross product. The striping table (this segment's positions in one
 * period of L) is built once by dealing 0..L-1 in order: each position goes to the first segment,
 * biggest length first (ties keep sequence order), whose next due position has been reached, a
 * segment of n/L being due at its c-th element once the position passes c * L / n. That is k6's
 * rule, which its published offsets pin down (tests/unit/test_segment.c checks them).
 */
#include <config.h>

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/segment.h"
#include "core/xmalloc.h"

#define MAX_DEN 1000000000LL

struct rat {
	int64_t num, den;          /* reduced, den > 0 */
};

struct segment {
	int64_t lcd;               /* L: the striping period */
	int64_t *pos;              /* [npos]: this segment's positions in [0, L), ascending */
	int64_t npos;
	bool whole;
	double fraction;
	char *text;                /* "1/3:2/3" */
	char *seq_text;            /* "0,1/3,2/3,1" */
};

static int64_t
gcd(int64_t a, int64_t b)
{
	while (b != 0) {
		int64_t t = a % b;
		a = b;
		b = t;
	}
	return a < 0 ? -a : a;
}

static struct rat
rat_make(int64_t num, int64_t den)
{
	int64_t g = gcd(num, den);
	struct rat r = { num / (g ? g : 1), den / (g ? g : 1) };
	return r;
}

static int
rat_cmp(struct rat a, struct rat b)
{
	__int128 x = (__int128)a.num * b.den, y = (__int128)b.num * a.den;
	return x < y ? -1 : x > y;
}

/* b - a, reduced; den may reach 10^18 before reduction: done in 128 bits. */
static int
rat_sub(struct rat b, struct rat a, struct rat *out)
{
	__int128 num = (__int128)b.num * a.den - (__int128)a.num * b.den, den = (__int128)a.den * b.den;
	__int128 x = num < 0 ? -num : num, y = den;
	while (y != 0) {
		__int128 t = x % y;
		x = y;
		y = t;
	}
	if (x == 0)
		x = 1;
	num /= x;
	den /= x;
	if (den > MAX_DEN)
		return -1;
	out->num = (int64_t)num;
	out->den = (int64_t)den;
	return 0;
}

/* Digits only, at least one; the value up to `max`. 0 or -1. */
static int
parse_digits(const char *s, size_t n, int64_t max, int64_t *out)
{
	int64_t v = 0;

	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

/* A value as k6 reads one: "1/3", "0.25", "25%", "1". n characters of s. 0 or -1. */
static int
parse_rat(const char *s, size_t n, struct rat *r)
{
	const char *slash = memchr(s, '/', n), *dot = memchr(s, '.', n);
	int64_t a = 0, b = 0;

	if (n > 0 && s[n - 1] == '%') {
		if (parse_digits(s, n - 1, 100, &a) != 0)
			return -1;
		*r = rat_make(a, 100);
		return 0;
	}
	if (slash != NULL) {
		if (parse_digits(s, (size_t)(slash - s), MAX_DEN, &a) != 0 ||
		    parse_digits(slash + 1, n - (size_t)(slash - s) - 1, MAX_DEN, &b) != 0 || b == 0)
			return -1;
		*r = rat_make(a, b);
		return 0;
	}
	if (dot != NULL) {
		size_t ni = (size_t)(dot - s), nf = n - ni - 1;
		int64_t den = 1, f = 0;
		if (nf > 9 || (ni == 0 && nf == 0) || (ni > 0 && parse_digits(s, ni, 1, &a) != 0) ||
		    (nf > 0 && parse_digits(dot + 1, nf, MAX_DEN, &f) != 0))
			return -1;
		if (ni == 0)
			a = 0;
		for (size_t i = 0; i < nf; i++)
			den *= 10;
		*r = rat_make(a * den + f, den);
		return 0;
	}
	if (parse_digits(s, n, 1, &a) != 0)
		return -1;
	*r = rat_make(a, 1);
	return 0;
}

static char *
rat_text(struct rat r)
{
	return r.den == 1 ? xasprintf("%lld", (long long)r.num) :
	    xasprintf("%lld/%lld", (long long)r.num, (long long)r.den);
}

/* Appends "p" to a growing comma list. */
static char *
append(char *list, struct rat p)
{
	char *t = rat_text(p), *out = list == NULL ? xstrdup(t) : xasprintf("%s,%s", list, t);
	free(t);
	free(list);
	return out;
}

void
segment_free(struct segment *s)
{
	if (s == NULL)
		return;
	free(s->pos);
	free(s->text);
	free(s->seq_text);
	free(s);
}

struct segment *
segment_new(const char *seg, const char *seq, char **cause)
{
	struct rat from = { 0, 1 }, to = { 1, 1 }, zero = { 0, 1 }, one = { 1, 1 };
	struct rat *pts = NULL, *len = NULL;
	int npts = 0, index = -1;
	struct segment *s = NULL;
	int64_t lcd = 1, *num = NULL, *count = NULL;
	int *order = NULL;

	*cause = NULL;
	if (seg != NULL && *seg != '\0') {
		const char *colon = strchr(seg, ':');
		if (colon != NULL && parse_rat(seg, (size_t)(colon - seg), &from) != 0)
			goto bad_seg;
		if (parse_rat(colon != NULL ? colon + 1 : seg, strlen(colon != NULL ? colon + 1 : seg), &to) != 0)
			goto bad_seg;
		if (rat_cmp(from, to) >= 0 || rat_cmp(to, one) > 0) {
			*cause = xasprintf("--execution-segment: \"%s\": expected from:to with 0 <= from < to <= 1",
			    seg);
			goto fail;
		}
	}

	/* The sequence's points, filled to start at 0 and end at 1. */
	if (seq != NULL && *seq != '\0') {
		const char *p = seq;
		size_t n = 1;
		for (const char *q = seq; *q; q++)
			n += *q == ',';
		pts = xcalloc(n + 2, sizeof *pts);
		npts = 1;                  /* room for a leading 0 */
		for (;;) {
			const char *comma = strchr(p, ',');
			size_t len1 = comma != NULL ? (size_t)(comma - p) : strlen(p);
			struct rat r;
			if (parse_rat(p, len1, &r) != 0 || rat_cmp(r, one) > 0) {
				*cause = xasprintf("--execution-segment-sequence: \"%.*s\" is not a fraction, decimal "
				    "or percentage from 0 to 1", (int)len1, p);
				goto fail;
			}
			if (npts > 1 && rat_cmp(r, pts[npts - 1]) <= 0) {
				*cause = xasprintf("--execution-segment-sequence: \"%s\": the points must increase", seq);
				goto fail;
			}
			pts[npts++] = r;
			if (comma == NULL)
				break;
			p = comma + 1;
		}
		if (npts < 3) {
			*cause = xasprintf("--execution-segment-sequence: \"%s\": at least 2 points are needed", seq);
			goto fail;
		}
		if (rat_cmp(pts[1], zero) == 0)
			memmove(pts, pts + 1, (size_t)--npts * sizeof *pts);
		else
			pts[0] = zero;
		if (rat_cmp(pts[npts - 1], one) != 0)
			pts[npts++] = one;
	} else {
		pts = xcalloc(4, sizeof *pts);
		pts[npts++] = zero;
		if (rat_cmp(from, zero) != 0)
			pts[npts++] = from;
		pts[npts++] = to;
		if (rat_cmp(to, one) != 0)
			pts[npts++] = one;
	}
	for (int i = 0; i + 1 < npts; i++)
		if (rat_cmp(pts[i], from) == 0 && rat_cmp(pts[i + 1], to) == 0)
			index = i;
	if (index < 0) {
		char *f = rat_text(from), *t = rat_text(to);
		*cause = xasprintf("--execution-segment: %s:%s is not one of the segments of the sequence "
		    "\"%s\"", f, t, seq);
		free(f);
		free(t);
		goto fail;
	}

	/* Lengths and their least common denominator. */
	int nseg = npts - 1;
	len = xcalloc((size_t)nseg, sizeof *len);
	for (int i = 0; i < nseg; i++) {
		if (rat_sub(pts[i + 1], pts[i], &len[i]) != 0)
			goto too_fine;
		int64_t g = gcd(lcd, len[i].den);
		if (lcd / g > SEGMENT_MAX_LCD / len[i].den)
			goto too_fine;
		lcd = lcd / g * len[i].den;
	}

	/* Deal the positions 0..L-1 (see the file comment); keep this segment's. */
	num = xcalloc((size_t)nseg, sizeof *num);
	count = xcalloc((size_t)nseg, sizeof *count);
	order = xcalloc((size_t)nseg, sizeof *order);
	for (int i = 0; i < nseg; i++) {
		num[i] = len[i].num * (lcd / len[i].den);
		int j = i;
		while (j > 0 && num[order[j - 1]] < num[i]) {     /* stable: ties keep sequence order */
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	s = xcalloc(1, sizeof *s);
	s->lcd = lcd;
	s->pos = xcalloc((size_t)num[index], sizeof *s->pos);
	for (int64_t p = 0; p < lcd; p++) {
		int k;
		for (k = 0; k < nseg; k++) {
			int i = order[k];
			if (count[i] >= num[i])
				continue;
			__int128 c = (__int128)count[i] * lcd;
			int64_t q = (int64_t)(c / num[i]);
			if (p > q || (p == q && c % num[i] == 0))
				break;
		}
		assert(k < nseg);      /* the numerators add up to L: someone is always due */
		int i = order[k];
		count[i]++;
		if (i == index)
			s->pos[s->npos++] = p;
	}
	assert(s->npos == num[index]);
	s->whole = nseg == 1;
	s->fraction = (double)len[index].num / (double)len[index].den;
	{
		char *f = rat_text(from), *t = rat_text(to);
		s->text = xasprintf("%s:%s", f, t);
		free(f);
		free(t);
	}
	for (int i = 0; i < npts; i++)
		s->seq_text = append(s->seq_text, pts[i]);
	goto out;

bad_seg:
	*cause = xasprintf("--execution-segment: \"%s\" is not a segment (from:to of fractions, decimals or "
	    "percentages, like 1/3:2/3)", seg);
	goto fail;
too_fine:
	*cause = xasprintf("--execution-segment-sequence: \"%s\": its segments' common denominator exceeds %d",
	    seq != NULL && *seq ? seq : seg, SEGMENT_MAX_LCD);
fail:
	segment_free(s);
	s = NULL;
out:
	free(pts);
	free(len);
	free(num);
	free(count);
	free(order);
	return s;
}

bool
segment_is_whole(const struct segment *s)
{
	return s == NULL || s->whole;
}

int64_t
segment_scale(const struct segment *s, int64_t value)
{
	int64_t r, n = 0, lo = 0, hi;

	assert(value >= 0);
	if (segment_is_whole(s))
		return value;
	r = value % s->lcd;
	/* positions below r: a binary search in the ascending table */
	hi = s->npos;
	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;
		if (s->pos[mid] < r)
			lo = mid + 1;
		else
			hi = mid;
	}
	n = lo;
	return value / s->lcd * s->npos + n;
}

int64_t
segment_global(const struct segment *s, int64_t j)
{
	assert(j >= 0);
	if (segment_is_whole(s))
		return j;
	return j / s->npos * s->lcd + s->pos[j % s->npos];
}

const char *
segment_string(const struct segment *s)
{
	return s->text;
}

const char *
segment_sequence_string(const struct segment *s)
{
	return s->seq_text;
}

double
segment_fraction(const struct segment *s)
{
	return s == NULL ? 1.0 : s->fraction;
}
