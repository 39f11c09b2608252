/* Unit tests for metrics/hist: accuracy against exact percentiles, merge, blobs, hostile blobs. */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/hist.h"
#include "tap.h"

#define N 100000

/* splitmix64: deterministic, good enough for test data. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}
static double
unif(void)
{
	return ((double)(rnd() >> 11) + 0.5) / 9007199254740992.0;
}
static double
gauss(void)
{
	return sqrt(-2.0 * log(unif())) * cos(2.0 * M_PI * unif());
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Exact percentile of sorted samples with the header's semantics; p in tenths of a percent. */
static uint64_t
exact_at(const uint64_t *sorted, size_t n, unsigned p_tenths)
{
	uint64_t rank = ((uint64_t)p_tenths * n + 999) / 1000;
	if (rank < 1)
		rank = 1;
	return sorted[rank - 1];
}

/* |got - want| <= want / 256: the header's guarantee (0.4%), well inside the required 1%. */
static int
close_enough(uint64_t got, uint64_t want)
{
	uint64_t diff = got > want ? got - want : want - got;
	return diff * 256 <= want;
}

enum dist { UNIFORM, LOGNORMAL, BIMODAL, CONSTANT, HUGE, SMALL, NDIST };
static const char *dist_name[] = { "uniform 1us-1s", "lognormal ~50ms", "bimodal 2ms/300ms", "constant",
	"huge near 1h", "small 0-300us" };

static uint64_t
sample(enum dist d)
{
	double x;
	switch (d) {
	case UNIFORM:
		return 1 + rnd() % 1000000;
	case LOGNORMAL:
		return (uint64_t)llround(50000.0 * exp(0.6 * gauss()));
	case BIMODAL:
		x = (rnd() & 1) ? 2000.0 + 300.0 * gauss() : 300000.0 + 40000.0 * gauss();
		return x < 1 ? 1 : (uint64_t)x;
	case CONSTANT:
		return 12345;
	case HUGE:
		return HIST_MAX_US - 100000000 + rnd() % 100000000;
	case SMALL:
		return rnd() % 301;
	default:
		return 0;
	}
}

static uint64_t samples[N];

static void
test_accuracy(enum dist d)
{
	static const unsigned ps[] = { 0, 1, 500, 900, 950, 990, 999, 1000 };
	struct hist *h = hist_new();
	unsigned __int128 sum = 0;
	int all_ok = 1;

	for (size_t i = 0; i < N; i++) {
		samples[i] = sample(d);
		sum += samples[i];
		hist_record(h, samples[i]);
	}
	qsort(samples, N, sizeof samples[0], cmp_u64);
	is_int(hist_count(h), N, "%s: count", dist_name[d]);
	is_int(hist_min(h), samples[0], "%s: min is exact", dist_name[d]);
	is_int(hist_max(h), samples[N - 1], "%s: max is exact", dist_name[d]);
	is_int(hist_sum(h), (uint64_t)sum, "%s: sum is exact", dist_name[d]);
	ok(fabs(hist_mean(h) - (double)sum / N) < 1e-6 * ((double)sum / N) + 1e-9, "%s: mean is exact",
	    dist_name[d]);
	for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++) {
		uint64_t want = exact_at(samples, N, ps[k]), got = hist_percentile(h, ps[k] / 10.0);
		if (!close_enough(got, want)) {
			all_ok = 0;
			printf("#   %s p%.1f: got %llu, exact %llu\n", dist_name[d], ps[k] / 10.0,
			    (unsigned long long)got, (unsigned long long)want);
		}
	}
	ok(all_ok, "%s: p0/p0.1/p50/p90/p95/p99/p99.9/p100 within 1/256 of the exact values", dist_name[d]);

	/* every percentile in 0.1 steps, and count_le agrees with percentile */
	all_ok = 1;
	for (unsigned p = 0; p <= 1000; p++) {
		uint64_t want = exact_at(samples, N, p), got = hist_percentile(h, p / 10.0);
		uint64_t rank = ((uint64_t)p * N + 999) / 1000;
		if (rank < 1)
			rank = 1;
		if (!close_enough(got, want) || hist_count_le(h, got) < rank ||
		    (got > 0 && hist_count_le(h, got - 1) >= rank))
			all_ok = 0;
	}
	ok(all_ok, "%s: all 1001 percentiles accurate, count_le(p) >= rank > count_le(p - 1)", dist_name[d]);

	/* stddev from buckets vs exact */
	double mean = (double)sum / N, acc = 0;
	for (size_t i = 0; i < N; i++)
		acc += ((double)samples[i] - mean) * ((double)samples[i] - mean);
	double sd = sqrt(acc / N);
	/* each value moves by <= 1/256 of itself, so the stddev by <= rms(x) / 256 */
	double rms = sqrt(mean * mean + sd * sd);
	ok(fabs(hist_stddev(h) - sd) <= rms / 256 + 1e-6, "%s: stddev %.1f within rms/256 of exact %.1f",
	    dist_name[d], hist_stddev(h), sd);

	/* the bucket walk covers every sample once, in order, each value inside its bucket */
	struct hist_bucket b;
	size_t pos = 0;
	uint64_t seen = 0, prev_hi = 0;
	int order_ok = 1;
	while (hist_next(h, &pos, &b)) {
		if (b.count == 0 || b.lo_us > b.hi_us || (seen > 0 && b.lo_us <= prev_hi) ||
		    b.value_us < b.lo_us || b.value_us > b.hi_us)
			order_ok = 0;
		seen += b.count;
		prev_hi = b.hi_us;
	}
	ok(order_ok && seen == N, "%s: hist_next visits %llu samples in increasing buckets", dist_name[d],
	    (unsigned long long)seen);

	/* encode / decode round trip */
	size_t len = hist_encode(h, NULL, 0);
	unsigned char *blob = malloc(len), *blob2 = malloc(len);
	ok(hist_encode(h, blob, len) == len && len <= HIST_BLOB_MAX, "%s: encodes into %zu bytes", dist_name[d],
	    len);
	struct hist *back = hist_new();
	hist_record(back, 77);          /* decode must replace, not add */
	is_int(hist_decode(back, blob, len, NULL), 0, "%s: decodes", dist_name[d]);
	ok(hist_equal(h, back), "%s: decoded histogram is identical", dist_name[d]);
	ok(hist_encode(back, blob2, len) == len && memcmp(blob, blob2, len) == 0,
	    "%s: re-encoding gives the same bytes", dist_name[d]);
	free(blob);
	free(blob2);
	hist_free(back);
	hist_free(h);
}

static void
test_merge(void)
{
	struct hist *a = hist_new(), *b = hist_new(), *all = hist_new(), *empty = hist_new();

	for (int i = 0; i < 50000; i++) {
		uint64_t v = sample(LOGNORMAL);
		hist_record(a, v);
		hist_record(all, v);
	}
	for (int i = 0; i < 30000; i++) {
		uint64_t v = sample(i % 2 ? BIMODAL : HUGE);
		hist_record(b, v);
		hist_record(all, v);
	}
	hist_record(b, HIST_MAX_US + 5);
	hist_record(all, HIST_MAX_US + 5);
	ok(!hist_equal(a, all), "a alone differs from everything");

	/* hist_merge_blob adds a stored histogram in one pass: the same as decode + merge */
	{
		static unsigned char ba[HIST_BLOB_MAX], bb[HIST_BLOB_MAX], be[64];
		size_t la = hist_encode(a, ba, sizeof ba), lb = hist_encode(b, bb, sizeof bb);
		size_t le = hist_encode(empty, be, sizeof be);
		struct hist *m = hist_new();
		hist_record(m, 7);
		is_int(hist_merge_blob(m, be, le, NULL), 0, "merge_blob of an empty histogram's blob");
		is_int(hist_count(m), 1, "... changes nothing");
		hist_reset(m);
		is_int(hist_merge_blob(m, ba, la, NULL), 0, "merge_blob(a) into an empty histogram");
		ok(hist_equal(m, a), "... equals a");
		is_int(hist_merge_blob(m, bb, lb, NULL), 0, "merge_blob(b) on top");
		ok(hist_equal(m, all), "... equals recording both into one (counts, min, max, sum, clamped)");
		hist_free(m);
	}
	hist_merge(a, b);
	ok(hist_equal(a, all), "merge(a, b) equals recording both into one");
	is_int(hist_clamped(a), 1, "merge adds clamped counts");
	hist_merge(a, empty);
	ok(hist_equal(a, all), "merging an empty histogram changes nothing");
	hist_merge(empty, all);
	ok(hist_equal(empty, all), "merging into an empty histogram copies");
	is_int(hist_percentile(empty, 99), hist_percentile(all, 99), "merged p99 equals the direct p99");
	hist_free(a);
	hist_free(b);
	hist_free(all);
	hist_free(empty);
}

/* hist_subtract: the inverse of hist_merge, for sliding windows. */
static void
test_subtract(void)
{
	struct hist *a = hist_new(), *b = hist_new(), *sum = hist_new(), *win = hist_new(), *ref = hist_new();
	struct hist *sec[20];
	int exact = 1, close = 1, bounds = 1;

	for (int i = 0; i < 20000; i++)
		hist_record(a, 1000 + sample(LOGNORMAL));
	for (int i = 0; i < 5000; i++)
		hist_record(b, i % 2 ? sample(BIMODAL) : sample(SMALL));
	hist_record(b, HIST_MAX_US + 9);
	hist_merge(sum, a);
	hist_merge(sum, b);
	ok(hist_contains(sum, b) && hist_contains(sum, a), "contains: both parts are in their merge");
	ok(!hist_contains(a, b) && !hist_contains(b, sum), "contains: a histogram not merged in is not");
	hist_subtract(sum, b);
	ok(!hist_contains(sum, b), "contains: not after it was subtracted");
	is_int(hist_count(sum), hist_count(a), "subtract: count exact");
	is_int(hist_sum(sum), hist_sum(a), "subtract: sum exact");
	is_int(hist_clamped(sum), 0, "subtract: clamped exact");
	ok(hist_min(sum) <= hist_min(a) && (hist_min(a) - hist_min(sum)) * 128 <= hist_min(a),
	    "subtract: b held the min: it becomes a bucket's bound, within a bucket (%llu vs %llu)",
	    (unsigned long long)hist_min(sum), (unsigned long long)hist_min(a));
	ok(hist_max(sum) >= hist_max(a) && (hist_max(sum) - hist_max(a)) * 128 <= hist_max(a),
	    "subtract: b held the max: within a bucket (%llu vs %llu)", (unsigned long long)hist_max(sum),
	    (unsigned long long)hist_max(a));
	for (double p = 0; p <= 100; p += 0.5) {
		uint64_t g = hist_percentile(sum, p), w = hist_percentile(a, p);
		if ((g > w ? g - w : w - g) * 128 > w)
			close = 0;
	}
	ok(close, "subtract: every percentile within a bucket of the direct one");
	hist_subtract(sum, a);
	ok(hist_count(sum) == 0 && hist_min(sum) == 0 && hist_max(sum) == 0 && hist_sum(sum) == 0,
	    "subtract everything: empty again");
	hist_merge(sum, b);
	ok(hist_equal(sum, b), "and usable: merge after emptying equals b");
	hist_merge(sum, a);
	hist_subtract(sum, a);       /* a did not hold b's extremes: min and max stay exact */
	ok(hist_equal(sum, b), "subtract of a sample set not holding the extremes: exactly b again");

	/* A sliding window of 5 over 20 seconds equals re-merging the 5 seconds, bucket for bucket. */
	for (int i = 0; i < 20; i++) {
		sec[i] = hist_new();
		for (int k = 0; k < 500; k++)
			hist_record(sec[i], i % 7 == 3 ? sample(HUGE) / 1000 : sample(i % 2 ? UNIFORM : LOGNORMAL));
		hist_merge(win, sec[i]);
		if (i >= 5)
			hist_subtract(win, sec[i - 5]);
		if (i >= 4) {
			hist_reset(ref);
			for (int j = i - 4; j <= i; j++)
				hist_merge(ref, sec[j]);
			if (hist_count(win) != hist_count(ref) || hist_sum(win) != hist_sum(ref))
				exact = 0;
			if (hist_min(win) > hist_min(ref) || hist_max(win) < hist_max(ref))
				bounds = 0;
			for (double p = 1; p <= 100; p += 1) {
				uint64_t g = hist_percentile(win, p), w = hist_percentile(ref, p);
				if ((g > w ? g - w : w - g) * 128 > w)
					close = 0;
			}
			for (uint64_t x = 1; x < 1000000; x = x * 3 + 1)
				if (hist_count_le(win, x) != hist_count_le(ref, x) &&
				    x >= hist_min(ref) && x < hist_max(ref) && x >= hist_min(win) && x < hist_max(win))
					exact = 0;
		}
	}
	ok(exact, "sliding window: counts, sums and count_le match a re-merge");
	ok(bounds, "sliding window: min/max still bound the samples");
	ok(close, "sliding window: percentiles within a bucket of a re-merge");
	for (int i = 0; i < 20; i++)
		hist_free(sec[i]);
	hist_free(a);
	hist_free(b);
	hist_free(sum);
	hist_free(win);
	hist_free(ref);
}

static void
test_edges(void)
{
	struct hist *h = hist_new(), *fresh = hist_new(), *n = hist_new();

	is_int(hist_count(h), 0, "empty: count 0");
	is_int(hist_percentile(h, 50), 0, "empty: p50 is 0");
	is_int(hist_min(h), 0, "empty: min 0");
	is_int(hist_max(h), 0, "empty: max 0");
	ok(hist_mean(h) == 0 && hist_stddev(h) == 0, "empty: mean and stddev 0");
	is_int(hist_count_le(h, 1000), 0, "empty: count_le 0");

	/* zero values */
	for (int i = 0; i < 10; i++)
		hist_record(h, 0);
	hist_record(h, 5);
	is_int(hist_min(h), 0, "zero recorded: min 0");
	is_int(hist_percentile(h, 50), 0, "zero recorded: p50 0");
	is_int(hist_percentile(h, 100), 5, "zero recorded: p100 5");
	is_int(hist_count_le(h, 0), 10, "count_le(0) counts the zeros");
	is_int(hist_count_le(h, 4), 10, "count_le(4) excludes 5");
	is_int(hist_count_le(h, 5), 11, "count_le(5) includes it");

	/* small values are exact */
	hist_reset(h);
	ok(hist_equal(h, fresh), "reset gives an empty histogram");
	for (uint64_t v = 0; v < 256; v++)
		hist_record(h, v);
	int exact = 1;
	for (uint64_t v = 0; v < 256; v++)
		if (hist_percentile(h, (v + 1) * 100.0 / 256) != v)
			exact = 0;
	ok(exact, "values 0..255 come back exactly");

	/* clamping */
	hist_reset(h);
	hist_record(h, HIST_MAX_US + 1);
	hist_record(h, UINT64_MAX);
	hist_record_n(h, 10ULL * HIST_MAX_US, 3);
	hist_record(h, HIST_MAX_US);
	is_int(hist_clamped(h), 5, "values above 1 h are counted as clamped");
	is_int(hist_count(h), 6, "and still counted");
	is_int(hist_max(h), HIST_MAX_US, "max is clamped to 1 h");
	is_int(hist_percentile(h, 100), HIST_MAX_US, "p100 is 1 h");
	is_int(hist_percentile(h, 1), HIST_MAX_US, "p1 is 1 h too");
	is_int(hist_sum(h), 6 * HIST_MAX_US, "sum uses clamped values");
	hist_record(h, 1);
	is_int(hist_percentile(h, 10), 1, "a small value next to the top is still exact");

	/* record_n == n x record */
	hist_reset(h);
	hist_record_n(h, 123456, 1000);
	hist_record_n(h, 9, 0);
	for (int i = 0; i < 1000; i++)
		hist_record(n, 123456);
	ok(hist_equal(h, n), "record_n(v, 1000) equals 1000 x record(v); n = 0 records nothing");

	/* stddev of two equal groups */
	hist_reset(h);
	hist_record_n(h, 100000, 500);
	hist_record_n(h, 200000, 500);
	ok(fabs(hist_stddev(h) - 50000) < 500, "stddev of {100 ms, 200 ms} is ~50 ms (%.1f)", hist_stddev(h));
	ok(close_enough(hist_percentile(h, 50), 100000), "p50 of the two groups is the low one");
	ok(close_enough(hist_percentile(h, 50.1), 200000), "p50.1 is the high one");

	/* reset after use, then record again */
	hist_reset(h);
	hist_record(h, 42);
	is_int(hist_min(h), 42, "min after reset + record");
	is_int(hist_max(h), 42, "max after reset + record");
	hist_free(h);
	hist_free(fresh);
	hist_free(n);
}

/* Appends the CRC-32 the way hist_encode does (recomputed here independently). */
static uint32_t
crc32(const unsigned char *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
	}
	return ~c;
}
static size_t
seal(unsigned char *b, size_t n)
{
	uint32_t c = crc32(b, n);
	for (int k = 0; k < 4; k++)
		b[n + k] = (unsigned char)(c >> (8 * k));
	return n + 4;
}

/* Decoding blob must fail and leave dst equal to twin. */
static int
rejects(struct hist *dst, const struct hist *twin, const unsigned char *blob, size_t len, const char *want)
{
	char *cause = NULL, *cause2 = NULL;
	int r = hist_decode(dst, blob, len, &cause);
	int good = r == -1 && hist_equal(dst, twin) && cause != NULL && (want == NULL || strstr(cause, want));
	if (!good)
		printf("#   decode of %zu bytes: r=%d cause=%s\n", len, r, cause ? cause : "(null)");
	/* hist_merge_blob checks the same way and leaves dst alone too */
	int r2 = hist_merge_blob(dst, blob, len, &cause2);
	int good2 = r2 == -1 && hist_equal(dst, twin) && cause2 != NULL && cause != NULL && strcmp(cause, cause2) == 0;
	if (!good2)
		printf("#   merge_blob of %zu bytes: r=%d cause=%s\n", len, r2, cause2 ? cause2 : "(null)");
	free(cause);
	free(cause2);
	return good && good2;
}

static void
test_hostile(void)
{
	struct hist *h = hist_new(), *dst = hist_new(), *twin = hist_new();
	unsigned char blob[4096], bad[HIST_BLOB_MAX + 16];
	size_t len, i;
	int all;

	for (i = 0; i < 200; i++)
		hist_record(h, sample(LOGNORMAL));
	hist_record(h, HIST_MAX_US + 1);
	len = hist_encode(h, blob, sizeof blob);
	ok(len < sizeof blob, "hostile: a %zu-byte valid blob", len);
	hist_record(dst, 31337);        /* dst holds something; failures must leave it alone */
	hist_record(twin, 31337);

	all = 1;
	for (i = 0; i < len; i++)
		all &= rejects(dst, twin, blob, i, NULL);
	ok(all, "every truncation (0..%zu bytes) is rejected, dst unchanged", len - 1);

	all = 1;
	for (i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(bad, blob, len);
			bad[i] ^= (unsigned char)(1 << bit);
			all &= rejects(dst, twin, bad, len, NULL);
		}
	}
	ok(all, "every single-bit corruption is rejected");

	memcpy(bad, blob, len);
	bad[1] = 2;
	seal(bad, len - 4);
	ok(rejects(dst, twin, bad, len, "version"), "a version-2 blob is rejected as such");
	char *cause = NULL;
	hist_decode(dst, bad, len, &cause);
	char want[96];
	snprintf(want, sizeof want, "histogram blob (%zu bytes): unsupported histogram blob version", len);
	is_str(cause, want, "the cause names the blob and the reason");
	free(cause);
	memcpy(bad, blob, len);
	bad[0] = 'X';
	seal(bad, len - 4);
	ok(rejects(dst, twin, bad, len, "not a histogram"), "a wrong magic is rejected");

	memcpy(bad, blob, len - 4);
	bad[len - 4] = 0;
	seal(bad, len - 3);
	ok(rejects(dst, twin, bad, len + 1, "trailing"), "a trailing byte (valid CRC) is rejected");
	memset(bad, 0, sizeof bad);
	ok(rejects(dst, twin, bad, HIST_BLOB_MAX + 1, "too long"), "an oversized blob is rejected");

	/* structurally wrong blobs with a valid checksum */
	static const struct {
		const char *what, *why;
		unsigned char bytes[24];
		size_t n;
	} cases[] = {
		{ "count 2, one bucket of 1", "truncated", { 'H', 1, 2, 10, 0, 0, 0, 0, 1 }, 9 },
		{ "count 1, bucket count 2", "add up", { 'H', 1, 1, 10, 0, 0, 0, 0, 2 }, 9 },
		{ "bucket count 0", "add up", { 'H', 1, 1, 10, 0, 0, 0, 0, 0, 0, 1 }, 11 },
		{ "min not in first bucket", "min", { 'H', 1, 1, 10, 5, 0, 0, 1, 1 }, 9 },
		{ "max beyond last bucket", "max", { 'H', 1, 1, 10, 5, 0, 0, 0, 1 }, 9 },
		{ "gap past the end", "range", { 'H', 1, 2, 10, 1, 1, 0, 0, 1, 9, 1 }, 11 },
		{ "min above 1 h", "range", { 'H', 1, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 0, 1 }, 13 },
		{ "sum above max * count", "sum", { 'H', 1, 1, 10, 0, 1, 0, 0, 1 }, 9 },
		{ "clamped > count", "clamped", { 'H', 1, 1, 10, 0, 0, 2, 0, 1 }, 9 },
		{ "clamped without max at 1 h", "clamped", { 'H', 1, 1, 10, 0, 0, 1, 0, 1 }, 9 },
		{ "overlong varint", "count", { 'H', 1, 0x81, 0x00, 10, 0, 0, 0, 0, 1 }, 10 },
		{ "varint past 64 bits", "count", { 'H', 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		    0x7f }, 12 },
		{ "empty with trailing", "trailing", { 'H', 1, 0, 0 }, 4 },
		{ "truncated buckets", "truncated", { 'H', 1, 3, 10, 0, 0, 0, 0, 1 }, 9 },
	};
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memcpy(bad, cases[i].bytes, cases[i].n);
		size_t n = seal(bad, cases[i].n);
		ok(rejects(dst, twin, bad, n, cases[i].why), "rejects %s (valid CRC)", cases[i].what);
	}
	/* the same shapes done right decode, so the cases above fail for the stated reason */
	unsigned char good[] = { 'H', 1, 2, 10, 0, 0, 0, 0, 2, 0, 0, 0, 0 };
	is_int(hist_decode(dst, good, seal(good, 9), NULL), 0, "a hand-made blob of two 10s decodes");
	is_int(hist_percentile(dst, 50), 10, "and holds two 10s");
	hist_reset(dst);
	hist_record(dst, 31337);

	/* random garbage with a valid header and checksum must not crash (ASan watches) */
	int crashed_or_accepted_bad = 0;
	for (i = 0; i < 20000; i++) {
		size_t n = 2 + rnd() % 60;
		bad[0] = 'H';
		bad[1] = 1;
		for (size_t k = 2; k < n; k++)
			bad[k] = (unsigned char)(rnd() % 4 ? rnd() % 16 : rnd());
		n = seal(bad, n);
		struct hist *g = hist_new();
		if (hist_decode(g, bad, n, NULL) == 0) {
			/* accepted: must be self-consistent and re-encode to the same bytes */
			unsigned char re[256];
			if (hist_encode(g, re, sizeof re) != n || memcmp(re, bad, n) != 0)
				crashed_or_accepted_bad++;
		}
		hist_free(g);
	}
	is_int(crashed_or_accepted_bad, 0, "20000 random sealed blobs: any accepted one is canonical");

	/* an empty histogram */
	struct hist *e = hist_new();
	len = hist_encode(e, blob, sizeof blob);
	is_int(len, 7, "an empty histogram encodes into 7 bytes");
	is_int(hist_decode(dst, blob, len, NULL), 0, "and decodes");
	ok(hist_equal(dst, e), "into an empty histogram");
	hist_free(e);
	hist_free(h);
	hist_free(dst);
	hist_free(twin);
}

static void
test_blob_sizes(void)
{
	struct hist *h = hist_new();
	static const uint64_t few[] = { 1200, 1250, 4800, 51000, 230000 };
	unsigned char blob[HIST_BLOB_MAX];
	size_t len;

	for (int i = 0; i < 1000; i++)
		hist_record(h, few[i % 5]);
	len = hist_encode(h, blob, sizeof blob);
	ok(len < 200, "1000 samples of 5 distinct latencies: %zu bytes (< 200)", len);
	hist_reset(h);
	for (int i = 0; i < 1000; i++)
		hist_record(h, sample(LOGNORMAL));
	len = hist_encode(h, blob, sizeof blob);
	ok(len < 1000, "1000 lognormal samples: %zu bytes", len);
	hist_reset(h);
	for (uint64_t v = 0; v <= HIST_MAX_US; v += v / 200 + 1)
		hist_record_n(h, v, UINT32_MAX);
	len = hist_encode(h, blob, sizeof blob);
	ok(len <= HIST_BLOB_MAX, "every bucket full with large counts: %zu bytes <= HIST_BLOB_MAX", len);
	ok(hist_decode(h, blob, len, NULL) == 0, "and decodes");
	hist_free(h);
}

int
main(void)
{
	for (int d = 0; d < NDIST; d++)
		test_accuracy(d);
	test_merge();
	test_subtract();
	test_edges();
	test_hostile();
	test_blob_sizes();
	return done_testing();
}
