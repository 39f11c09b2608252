/*
 * summary_merge: several summaries (summary_json documents written with rampage.histograms, see
 * summary.h) merged into one, for the shares of one test run by hand on several machines
 * (`rampage run --execution-segment ...`, then `rampage merge`). Caller's thread; pure on its inputs.
 *
 * What is exact: every trend (metrics and each endpoint's duration and service time) comes from the
 * merged histograms, so its percentiles are those of one histogram of all the requests (within the
 * histogram's own 1/256 bound, metrics/hist.h); counters, rates' passes and fails, status codes,
 * errors, bytes, iterations, checks, groupBy values and failure messages add up. Recomputed: a
 * counter's rate and an endpoint's rate per second of the longest share (the shares run side by
 * side), a rate's share of passes. Gauges (vus, vus_max) are the sum of the shares' values, mins and
 * maxes (the maxes as an upper bound: the shares' peaks need not coincide). Not merged, and said so
 * in rampage.merge: thresholds (dropped: a merge does not re-judge them), sub-metric entries
 * ("metric{tag:value}", which only thresholds create), the generator verdict (each share's is kept
 * in rampage.merge.shares).
 */
#ifndef RAMPAGE_SUMMARY_MERGE_H
#define RAMPAGE_SUMMARY_MERGE_H

#include <jansson.h>

/*
 * Merges docs[0..n-1] (n >= 1; names[i] names docs[i] in errors, e.g. its file). Refuses a document
 * that is not a Rampage summary with histograms (k6's flattened --summary-export, or one written
 * without --summary-histograms), naming it. Returns a new document (with merged rampage.histograms,
 * so it can be merged again and rampage.merge describing the shares), or NULL and *cause.
 */
json_t *summary_merge(json_t *const *docs, const char *const *names, int n, char **cause);

#endif
