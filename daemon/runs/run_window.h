/*
 * run_window: the merge behind the samples API's `step`: consecutive one-second rows of a run
 * (run_store.h's struct run_row, each with its encoded duration histogram) added up into one row
 * per window of `step` seconds. Each column combines as its kind in run_cols says: counters add
 * up; maxima (lat_max_us, vus, cpu_pct, loop_lag_us) take the worst; phase means are weighted by
 * requests; latency percentiles and the mean come from the window's merged histogram, so a
 * window's p95 is the p95 of its requests, not an average of per-second p95s.
 *
 * Pure (no I/O); one window belongs to one thread (the reader's: the api thread).
 */
#ifndef RAMPAGE_RUN_WINDOW_H
#define RAMPAGE_RUN_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runs/run_store.h"

struct hist;

/* A window of seconds being merged. Fields are the merge's own; read start and n. */
struct run_window {
	int64_t start;             /* first second of the window (a multiple of step) */
	int n;                     /* seconds merged */
	int64_t v[RUN_NCOLS];      /* SUM: sum; MAX: max */
	bool have[RUN_NCOLS];      /* MAX/MEAN columns: some row had a value */
	double cpu;                /* max cpu_pct */
	double wsum[RUN_NCOLS];    /* MEAN: sum of value x requests */
	int64_t wn[RUN_NCOLS];     /* MEAN: requests behind wsum */
	struct hist *h;            /* the merged duration histogram */
};

/* Prepares an empty window starting at second 0 (allocates its histogram). */
void run_window_init(struct run_window *w);
/* Frees what init allocated. */
void run_window_fini(struct run_window *w);
/* Empties w for the window that starts at second start. */
void run_window_reset(struct run_window *w, int64_t start);
/*
 * Adds one second's row; blob (blob_len bytes, hist_encode, may be NULL) is that second's duration
 * histogram. A blob that does not decode is left out of the percentiles.
 */
void run_window_add(struct run_window *w, const struct run_row *row, const void *blob,
    size_t blob_len);
/* The row the window adds up to (blob left NULL); a column no second had is NULL. */
void run_window_row(const struct run_window *w, struct run_row *row);

#endif
