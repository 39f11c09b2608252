/*
 * hist: a log-linear (HdrHistogram-style) histogram of durations in microseconds. Fixed memory,
 * mergeable, serialisable. One per worker per endpoint per second on the engine's hot path, merged
 * once a second by the controller and into whole-run histograms.
 *
 * Guarantee: hist_percentile(h, p) is within 1/256 (0.4%, inside the required 1%) of the exact p-th
 * percentile of the recorded values (the sample a sorted array would give, same semantics), for values
 * from 0 to HIST_MAX_US (1 hour); values 0..255 are exact. min, max, count and sum (so the mean) are
 * exact. Values above HIST_MAX_US are recorded as HIST_MAX_US and counted by hist_clamped().
 *
 * Layout: values 0..255 have a bucket each; above, every power-of-two range [2^k, 2^(k+1)) is split
 * into 128 equal buckets, so a bucket is never wider than 1/128 of its lowest value. A bucket reports
 * its midpoint (clamped to the recorded min..max), hence the 1/256 bound. 3287 buckets of uint64_t:
 * sizeof(struct hist) is 26,336 bytes, allocated once by hist_new; nothing allocates after that.
 *
 * Threads: a histogram belongs to one thread at a time; no function locks.
 */
#ifndef RAMPAGE_HIST_H
#define RAMPAGE_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HIST_MAX_US 3600000000ULL  /* 1 hour: the largest value kept; larger ones are clamped to it */
#define HIST_BLOB_MAX 39500        /* no valid blob is longer (hist_decode rejects longer ones) */

struct hist;

/* Allocates an empty histogram (dies on OOM, like xmalloc). */
struct hist *hist_new(void);
/* Frees a histogram. NULL is a no-op. */
void hist_free(struct hist *h);
/* Empties h, keeping its memory. Costs in proportion to the range of values recorded. */
void hist_reset(struct hist *h);

/* Records one duration in µs. O(1), branch-free, no allocation: the per-request call. */
void hist_record(struct hist *h, uint64_t value_us);
/* Records `n` occurrences of the same duration (n == 0 does nothing). */
void hist_record_n(struct hist *h, uint64_t value_us, uint64_t n);
/* Adds every sample of src into dst; the result equals recording both into one histogram. */
void hist_merge(struct hist *dst, const struct hist *src);
/*
 * Removes src's samples from dst, where src was merged into dst before (each of src's buckets holds
 * at most what dst's does: asserted). For sliding windows: merge the second that enters, subtract
 * the one that leaves. Buckets, count, sum and clamped are then exact, and so are min and max unless
 * src held dst's extreme value: then they become the bound of the nearest non-empty bucket, within
 * the histogram's precision (percentiles stay within their 1/256 bound). O(src's range).
 */
void hist_subtract(struct hist *dst, const struct hist *src);
/* True when every sample of src is also in dst (each bucket, count, min, max, clamped): when
   hist_subtract(dst, src) is allowed. For callers that cannot be sure src was merged into dst. */
bool hist_contains(const struct hist *dst, const struct hist *src);
/* True when a and b hold exactly the same samples (buckets, min, max, sum, clamped). */
bool hist_equal(const struct hist *a, const struct hist *b);

/* Exact queries. min and max are 0 when empty; the mean is 0 when empty. */
uint64_t hist_count(const struct hist *h);
uint64_t hist_min(const struct hist *h);
uint64_t hist_max(const struct hist *h);
uint64_t hist_sum(const struct hist *h);       /* µs; saturates at UINT64_MAX */
uint64_t hist_clamped(const struct hist *h);   /* samples that were above HIST_MAX_US */
double hist_mean(const struct hist *h);
/* Population standard deviation in µs, computed from bucket values around the exact mean. */
double hist_stddev(const struct hist *h);

/*
 * Value at percentile p (0..100; out of range is clamped), HdrHistogram semantics: the value of the
 * first bucket at which at least ceil(p% of count) samples (at least one) are <= it. p = 0 gives the
 * min, p = 100 the max. 0 when empty.
 */
uint64_t hist_percentile(const struct hist *h, double p);
/*
 * Number of samples whose reported bucket value is <= value_us. Consistent with hist_percentile:
 * hist_percentile(h, p) <= x exactly when hist_count_le(h, x) >= ceil(p% of count). For thresholds
 * like "95% of requests under 500 ms" and Apdex-style fractions.
 */
uint64_t hist_count_le(const struct hist *h, uint64_t value_us);

/* One non-empty bucket, for exports (Prometheus buckets, charts). */
struct hist_bucket {
	uint64_t lo_us, hi_us;     /* every value in [lo_us, hi_us] lands in this bucket */
	uint64_t value_us;         /* the value reported for it: midpoint, clamped to min..max */
	uint64_t count;
};
/* Visits the non-empty buckets in increasing order: set *pos = 0 first. False when there are no more. */
bool hist_next(const struct hist *h, size_t *pos, struct hist_bucket *b);

/*
 * Serialises h into buf (at most len bytes) and returns the blob's full size, like snprintf: call
 * with len 0 to learn the size. The blob is canonical (equal histograms give equal bytes) and sparse:
 * ~20 bytes plus ~2-4 per non-empty bucket; an empty histogram takes 7. Format (version 1): 'H', 1,
 * varint count, [varint min, max-min, sum-min*count, clamped, then (gap, count) varint pairs for the
 * non-empty buckets], CRC-32 of everything before it (4 bytes, little-endian).
 */
size_t hist_encode(const struct hist *h, void *buf, size_t len);
/*
 * Replaces dst's contents with the histogram in blob. The blob is untrusted: its length, version,
 * checksum, every varint and every invariant (bucket bounds, counts adding up, min/max in their
 * buckets, sum in range) are checked. 0, or -1 with *cause (caller frees; cause may be NULL) and dst
 * unchanged.
 */
int hist_decode(struct hist *dst, const void *blob, size_t len, char **cause);
/* Adds the histogram in blob to dst (hist_decode + hist_merge without the copy): the same checks,
   and on -1 (with *cause, as hist_decode) dst is unchanged. */
int hist_merge_blob(struct hist *dst, const void *blob, size_t len, char **cause);

#endif
