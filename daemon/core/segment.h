/*
 * segment: k6's execution segments, so that several rampage processes each run a deterministic share
 * of one test. A segment `from:to` (0 <= from < to <= 1, rationals: "1/3", "0.25", "25%") is one
 * piece of a segment sequence `0,1/3,2/3,1`; every whole number the plan holds (VUs, iterations) and
 * every open-model iteration index is divided by "striping" over the sequence's least common
 * denominator L: positions 0..L-1 are dealt to the sequence's segments, biggest first, each at even
 * spacing, and the pattern repeats every L. So the shares of one sequence add up to the whole for
 * every value, and a share never shrinks as the value grows (the semantics of k6's
 * ExecutionSegmentSequenceWrapper; written from its documentation and tests).
 *
 * Without a sequence, k6 fills one around the segment (1/3:2/3 alone is taken as 0,1/3,2/3,1; 0:1/3
 * alone as 0,1/3,1), so processes given different lone segments stripe over different sequences and
 * their shares need not add up: give every process the same sequence.
 *
 * Pure: a struct segment is immutable once built; any thread.
 */
#ifndef RAMPAGE_SEGMENT_H
#define RAMPAGE_SEGMENT_H

#include <stdbool.h>
#include <stdint.h>

/* Largest least common denominator of a sequence: the striping table has this many entries. */
#define SEGMENT_MAX_LCD 1000000

struct segment;

/*
 * Builds the share `seg` of the sequence `seq` (NULL or "": filled around seg, as k6 does). seg
 * NULL or "" means the whole run (0:1). A segment without ':' is the end of a first segment ("1/3"
 * is 0:1/3). Returns NULL and *cause (naming the flag: --execution-segment or
 * --execution-segment-sequence) when a value is malformed, out of [0, 1], not increasing, when seg
 * is not one of the sequence's segments, or when the sequence's denominator exceeds SEGMENT_MAX_LCD.
 */
struct segment *segment_new(const char *seg, const char *seq, char **cause);
/* Frees s. NULL is a no-op. */
void segment_free(struct segment *s);

/* True when s is the whole run (its filled sequence has one segment): every value is unscaled. */
bool segment_is_whole(const struct segment *s);
/*
 * This share of a whole number `value` >= 0 (VUs, iterations, a VU target at an instant): how many of
 * the positions 0..value-1 belong to this segment. NULL: value. Summed over every segment of one
 * sequence it is exactly value; it never decreases as value grows.
 */
int64_t segment_scale(const struct segment *s, int64_t value);
/*
 * The global index of this share's j-th element (j >= 0): the j-th smallest position belonging to
 * this segment. NULL: j. Strictly increasing in j; segment_scale(s, segment_global(s, j)) == j.
 */
int64_t segment_global(const struct segment *s, int64_t j);
/* "1/3:2/3" (reduced fractions; "0:1" for the whole); owned by s. */
const char *segment_string(const struct segment *s);
/* The filled sequence, "0,1/3,2/3,1"; owned by s. */
const char *segment_sequence_string(const struct segment *s);
/* The segment's length to - from, as a double (for display). */
double segment_fraction(const struct segment *s);

#endif
