/*
 * hist: see hist.h. The bucket of a value is computed without a branch or a table: the position of
 * its highest bit gives the power-of-two range, the next 7 bits the linear sub-bucket. min and max
 * bound the non-empty buckets, so reset, merge, encode and the queries only touch that range.
 */
#include <config.h>

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/xmalloc.h"
#include "metrics/hist.h"

#define SUB_BITS 7                 /* 128 linear buckets per power of two */
#define SUB_HALF (1u << SUB_BITS)
#define NBUCKETS 3287              /* bucket_of(HIST_MAX_US) + 1, checked in hist_new */

#define BLOB_MAGIC 'H'
#define BLOB_VERSION 1

struct hist {
	uint64_t count;
	uint64_t sum;                  /* of recorded (clamped) values */
	uint64_t min, max;             /* min = UINT64_MAX when empty */
	uint64_t clamped;
	uint64_t counts[NBUCKETS];
};

/* Bucket index of a value <= HIST_MAX_US. */
static inline unsigned
bucket_of(uint64_t v)
{
	unsigned msb = 63 - (unsigned)__builtin_clzll(v | SUB_HALF);
	unsigned shift = msb - SUB_BITS;

	return (shift << SUB_BITS) + (unsigned)(v >> shift);
}

/* Lowest value and width of bucket i. */
static inline void
bucket_range(unsigned i, uint64_t *lo, uint64_t *width)
{
	unsigned r = i >> SUB_BITS;
	unsigned shift = (r > 0 ? r : 1) - 1;

	*lo = (uint64_t)(i - (shift << SUB_BITS)) << shift;
	*width = (uint64_t)1 << shift;
}

/* The value reported for bucket i: its midpoint, clamped to the recorded min..max. */
static inline uint64_t
bucket_value(const struct hist *h, unsigned i)
{
	uint64_t lo, width, v;

	bucket_range(i, &lo, &width);
	v = lo + width / 2;
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}

struct hist *
hist_new(void)
{
	struct hist *h = xmalloc(sizeof *h);

	assert(bucket_of(HIST_MAX_US) == NBUCKETS - 1);
	memset(h, 0, sizeof *h);
	h->min = UINT64_MAX;
	return h;
}

void
hist_free(struct hist *h)
{
	free(h);
}

void
hist_reset(struct hist *h)
{
	if (h->count > 0) {
		unsigned lo = bucket_of(h->min), hi = bucket_of(h->max);
		memset(&h->counts[lo], 0, (hi - lo + 1) * sizeof h->counts[0]);
	}
	h->count = h->sum = h->max = h->clamped = 0;
	h->min = UINT64_MAX;
}

void
hist_record(struct hist *h, uint64_t v)
{
	uint64_t over = v > HIST_MAX_US;

	v = over ? HIST_MAX_US : v;
	h->counts[bucket_of(v)]++;
	h->count++;
	h->sum += v;
	h->clamped += over;
	h->min = v < h->min ? v : h->min;
	h->max = v > h->max ? v : h->max;
}

/* a + b, saturating. */
static inline uint64_t
sat_add(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

void
hist_record_n(struct hist *h, uint64_t v, uint64_t n)
{
	uint64_t s;

	if (n == 0)
		return;
	if (v > HIST_MAX_US) {
		v = HIST_MAX_US;
		h->clamped += n;
	}
	h->counts[bucket_of(v)] += n;
	h->count += n;
	h->sum = sat_add(h->sum, __builtin_mul_overflow(v, n, &s) ? UINT64_MAX : s);
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void
hist_merge(struct hist *dst, const struct hist *src)
{
	unsigned i, lo, hi;

	if (src->count == 0)
		return;
	lo = bucket_of(src->min);
	hi = bucket_of(src->max);
	for (i = lo; i <= hi; i++)
		dst->counts[i] += src->counts[i];
	dst->count += src->count;
	dst->sum = sat_add(dst->sum, src->sum);
	dst->clamped += src->clamped;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

bool
hist_contains(const struct hist *dst, const struct hist *src)
{
	unsigned lo, hi;

	if (src->count == 0)
		return true;
	if (src->count > dst->count || src->min < dst->min || src->max > dst->max ||
	    src->clamped > dst->clamped)
		return false;
	lo = bucket_of(src->min);
	hi = bucket_of(src->max);
	for (unsigned i = lo; i <= hi; i++)
		if (dst->counts[i] < src->counts[i])
			return false;
	return true;
}

void
hist_subtract(struct hist *dst, const struct hist *src)
{
	unsigned i, lo, hi;
	uint64_t width;

	if (src->count == 0)
		return;
	assert(src->count <= dst->count && src->min >= dst->min && src->max <= dst->max);
	lo = bucket_of(src->min);
	hi = bucket_of(src->max);
	for (i = lo; i <= hi; i++) {
		assert(dst->counts[i] >= src->counts[i]);
		dst->counts[i] -= src->counts[i];
	}
	dst->count -= src->count;
	dst->sum = dst->sum >= src->sum ? dst->sum - src->sum : 0;   /* only when sum saturated */
	dst->clamped -= src->clamped;
	if (dst->count == 0) {
		dst->sum = dst->max = dst->clamped = 0;
		dst->min = UINT64_MAX;
		return;
	}
	/* min and max must keep bounding the non-empty buckets; a sample equal to dst's extreme that
	   src did not hold is still there, so they only move when src held it. */
	if (src->min == dst->min) {
		for (i = bucket_of(dst->min); dst->counts[i] == 0; i++)
			;
		if (i != bucket_of(dst->min))
			bucket_range(i, &dst->min, &width);
	}
	if (src->max == dst->max) {
		for (i = bucket_of(dst->max); dst->counts[i] == 0; i--)
			;
		if (i != bucket_of(dst->max)) {
			bucket_range(i, &dst->max, &width);
			dst->max += width - 1;
			if (dst->max > HIST_MAX_US)
				dst->max = HIST_MAX_US;
		}
	}
}

bool
hist_equal(const struct hist *a, const struct hist *b)
{
	if (a->count != b->count || a->sum != b->sum || a->min != b->min || a->max != b->max ||
	    a->clamped != b->clamped)
		return false;
	if (a->count == 0)
		return true;
	unsigned lo = bucket_of(a->min), hi = bucket_of(a->max);
	return memcmp(&a->counts[lo], &b->counts[lo], (hi - lo + 1) * sizeof a->counts[0]) == 0;
}

uint64_t
hist_count(const struct hist *h)
{
	return h->count;
}

uint64_t
hist_min(const struct hist *h)
{
	return h->count > 0 ? h->min : 0;
}

uint64_t
hist_max(const struct hist *h)
{
	return h->max;
}

uint64_t
hist_sum(const struct hist *h)
{
	return h->sum;
}

uint64_t
hist_clamped(const struct hist *h)
{
	return h->clamped;
}

double
hist_mean(const struct hist *h)
{
	return h->count > 0 ? (double)h->sum / (double)h->count : 0.0;
}

double
hist_stddev(const struct hist *h)
{
	double mean = hist_mean(h), acc = 0.0;
	unsigned i, lo, hi;

	if (h->count < 2)
		return 0.0;
	lo = bucket_of(h->min);
	hi = bucket_of(h->max);
	for (i = lo; i <= hi; i++) {
		if (h->counts[i] > 0) {
			double d = (double)bucket_value(h, i) - mean;
			acc += d * d * (double)h->counts[i];
		}
	}
	return sqrt(acc / (double)h->count);
}

/* How many samples must be <= the value at percentile p: ceil(p% of count), at least 1. */
static uint64_t
rank_of(const struct hist *h, double p)
{
	double x, eps;
	uint64_t r;

	if (!(p > 0.0))                /* also NaN */
		p = 0.0;
	if (p > 100.0)
		p = 100.0;
	x = p / 100.0 * (double)h->count;
	/* 99.9% of 1000 must be 999, not ceil(999.0000000000001) */
	eps = x * 1e-12 < 0.5 ? x * 1e-12 : 0.5;
	x = ceil(x - eps);
	r = x < 1.0 ? 1 : (uint64_t)x;
	return r < h->count ? r : h->count;
}

uint64_t
hist_percentile(const struct hist *h, double p)
{
	uint64_t rank, cum = 0;
	unsigned i, lo, hi;

	if (h->count == 0)
		return 0;
	rank = rank_of(h, p);
	lo = bucket_of(h->min);
	hi = bucket_of(h->max);
	for (i = lo; i < hi; i++) {
		cum += h->counts[i];
		if (cum >= rank)
			break;
	}
	return bucket_value(h, i);
}

uint64_t
hist_count_le(const struct hist *h, uint64_t x)
{
	uint64_t n = 0;
	unsigned i, lo, at;

	if (h->count == 0 || x < h->min)
		return 0;
	if (x >= h->max)
		return h->count;
	/* min <= x < max <= HIST_MAX_US: buckets below x's report values <= x, buckets above > x */
	lo = bucket_of(h->min);
	at = bucket_of(x);
	for (i = lo; i < at; i++)
		n += h->counts[i];
	if (bucket_value(h, at) <= x)
		n += h->counts[at];
	return n;
}

bool
hist_next(const struct hist *h, size_t *pos, struct hist_bucket *b)
{
	unsigned i, hi;

	if (h->count == 0)
		return false;
	hi = bucket_of(h->max);
	i = *pos > bucket_of(h->min) ? (unsigned)*pos : bucket_of(h->min);
	for (; i <= hi; i++) {
		if (h->counts[i] > 0) {
			uint64_t width;
			bucket_range(i, &b->lo_us, &width);
			b->hi_us = b->lo_us + width - 1;
			b->value_us = bucket_value(h, i);
			b->count = h->counts[i];
			*pos = i + 1;
			return true;
		}
	}
	*pos = NBUCKETS;
	return false;
}

/* ---- serialisation */

/* Writes into a bounded buffer while counting the full size of what was produced. */
struct out {
	unsigned char *buf;
	size_t len, pos;
};

static void
put_byte(struct out *o, unsigned char c)
{
	if (o->pos < o->len)
		o->buf[o->pos] = c;
	o->pos++;
}

static void
put_varint(struct out *o, uint64_t v)
{
	while (v >= 0x80) {
		put_byte(o, (unsigned char)(v | 0x80));
		v >>= 7;
	}
	put_byte(o, (unsigned char)v);
}

size_t
hist_encode(const struct hist *h, void *buf, size_t len)
{
	struct out o = { buf, len, 0 };
	uint32_t crc;

	put_byte(&o, BLOB_MAGIC);
	put_byte(&o, BLOB_VERSION);
	put_varint(&o, h->count);
	if (h->count > 0) {
		unsigned i, prev, lo = bucket_of(h->min), hi = bucket_of(h->max);
		put_varint(&o, h->min);
		put_varint(&o, h->max - h->min);
		/* sum >= min * count unless it saturated, in which case decode rejects it anyway */
		put_varint(&o, h->sum - h->min * h->count);
		put_varint(&o, h->clamped);
		prev = lo;
		for (i = lo; i <= hi; i++) {
			if (h->counts[i] == 0)
				continue;
			put_varint(&o, i - prev);
			put_varint(&o, h->counts[i]);
			prev = i + 1;
		}
	}
	/* CRC-32 of everything before it (zlib's crc32: IEEE, reflected); only a blob that fits is
	   written whole, so only then does the value matter. */
	crc = o.pos <= len ? (uint32_t)crc32(0L, buf, (uInt)o.pos) : 0;
	for (int k = 0; k < 4; k++)
		put_byte(&o, (unsigned char)(crc >> (8 * k)));
	return o.pos;
}

struct in {
	const unsigned char *p;
	size_t len, pos;
};

/* Reads a minimal LEB128 varint of at most 64 bits; -1 if truncated, overlong or too large. Most
   are one byte (bucket gaps and per-second counts): that case first, inline. */
static inline int
get_varint(struct in *in, uint64_t *v)
{
	uint64_t r = 0;

	if (in->pos < in->len && in->p[in->pos] < 0x80) {
		*v = in->p[in->pos++];
		return 0;
	}

	for (unsigned shift = 0; shift < 64; shift += 7) {
		unsigned char c;
		if (in->pos >= in->len)
			return -1;
		c = in->p[in->pos++];
		if (shift == 63 && c > 1)
			return -1;
		r |= (uint64_t)(c & 0x7f) << shift;
		if ((c & 0x80) == 0) {
			if (c == 0 && shift > 0)
				return -1;     /* overlong: a final zero byte */
			*v = r;
			return 0;
		}
	}
	return -1;
}

enum parse_mode { PARSE_CHECK, PARSE_WRITE, PARSE_ADD };

/* Parses and checks a blob (PARSE_CHECK, CRC included), or, once checked, writes it into dst
   (PARSE_WRITE, dst reset first) or adds it to dst (PARSE_ADD). NULL or a reason. */
static const char *
parse(struct hist *dst, enum parse_mode mode, const unsigned char *p, size_t len)
{
	struct in in = { p, len - 4, 2 };
	uint64_t count, min, span, extra, clamped, cum = 0, gap, n, max;
	uint32_t crc;
	unsigned i, lo, hi, last = 0;

	if (p[0] != BLOB_MAGIC)
		return "not a histogram blob";
	if (p[1] != BLOB_VERSION)
		return "unsupported histogram blob version";
	crc = (uint32_t)p[len - 4] | (uint32_t)p[len - 3] << 8 | (uint32_t)p[len - 2] << 16 |
	    (uint32_t)p[len - 1] << 24;
	if (mode == PARSE_CHECK && crc != (uint32_t)crc32(0L, p, (uInt)(len - 4)))
		return "checksum mismatch";
	if (get_varint(&in, &count) != 0)
		return "bad count";
	if (count == 0) {
		if (in.pos != in.len)
			return "trailing bytes";
		if (mode == PARSE_WRITE)
			hist_reset(dst);
		return NULL;
	}
	if (mode == PARSE_WRITE)
		hist_reset(dst);
	if (get_varint(&in, &min) != 0 || get_varint(&in, &span) != 0 ||
	    get_varint(&in, &extra) != 0 || get_varint(&in, &clamped) != 0)
		return "truncated header";
	if (min > HIST_MAX_US || span > HIST_MAX_US - min)
		return "min or max out of range";
	max = min + span;
	if (clamped > count || (clamped > 0 && max != HIST_MAX_US))
		return "bad clamped count";
	if ((unsigned __int128)extra > (unsigned __int128)span * count ||
	    (unsigned __int128)min * count + extra > UINT64_MAX)
		return "sum out of range";
	lo = bucket_of(min);
	hi = bucket_of(max);
	i = lo;
	while (cum < count) {
		if (get_varint(&in, &gap) != 0 || get_varint(&in, &n) != 0)
			return "truncated buckets";
		if (i > hi || gap > (uint64_t)(hi - i))
			return "bucket out of range";
		i += (unsigned)gap;
		if (cum == 0 && i != lo)
			return "min is not in the first bucket";
		if (n == 0 || n > count - cum)
			return "bucket counts do not add up";
		if (mode != PARSE_CHECK)
			dst->counts[i] += n;
		cum += n;
		last = i++;
	}
	if (last != hi)
		return "max is not in the last bucket";
	if (in.pos != in.len)
		return "trailing bytes";
	if (mode != PARSE_CHECK) {
		dst->count += count;
		if (min < dst->min)
			dst->min = min;
		if (max > dst->max)
			dst->max = max;
		dst->sum = sat_add(dst->sum, min * count + extra);
		dst->clamped += clamped;
	}
	return NULL;
}

/* Checks an untrusted blob, then writes or adds it into dst. 0, or -1 with *cause and dst unchanged. */
static int
load(struct hist *dst, enum parse_mode mode, const void *blob, size_t len, char **cause)
{
	const char *why;

	if (len < 7)                   /* magic, version, count, CRC */
		why = "truncated";
	else if (len > HIST_BLOB_MAX)
		why = "too long";
	else
		why = parse(NULL, PARSE_CHECK, blob, len);
	if (why != NULL) {
		if (cause != NULL)
			*cause = xasprintf("histogram blob (%zu bytes): %s", len, why);
		return -1;
	}
	parse(dst, mode, blob, len);
	return 0;
}

int
hist_decode(struct hist *dst, const void *blob, size_t len, char **cause)
{
	return load(dst, PARSE_WRITE, blob, len, cause);
}

int
hist_merge_blob(struct hist *dst, const void *blob, size_t len, char **cause)
{
	return load(dst, PARSE_ADD, blob, len, cause);
}
