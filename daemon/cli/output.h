/*
 * output: what `rampage run` writes while a run goes on: `--out csv=PATH` (one row per second per
 * endpoint plus a total row), `--out json=PATH` (one JSON object per line per second, every endpoint
 * inside) and the live progress line on a terminal.
 *
 * Threads: output_second_new runs in the engine's on_tick (controller thread) and turns the tick,
 * whose histograms are only valid during that call, into plain numbers; the result is handed to the
 * main thread, which does every write. Files are written with stdio and flushed once a second.
 */
#ifndef RAMPAGE_OUTPUT_H
#define RAMPAGE_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "metrics/summary.h"

struct plan;
struct tick;

/* One endpoint (or the total) in one second, as plain numbers. */
struct output_endpoint {
	const char *name;          /* borrowed from the plan ("total" for the total) */
	uint64_t requests, failed;
	uint64_t bytes_sent, bytes_received;
	uint64_t status_class[7];  /* [0] no response, [1]..[5] 1xx..5xx, [6] a status outside
	                              100-599: every request in exactly one */
	uint64_t errors;           /* transport errors of every kind */
	struct summary_trend duration;   /* ms */
};

/* One second of a run. */
struct output_second {
	int64_t second;            /* whole seconds since the start (0 = the first) */
	int vus, vus_max;
	uint64_t iterations, dropped_iterations, late_starts, interrupted_iterations;
	double cpu_pct;
	int64_t loop_lag_max_us;
	struct output_endpoint total;
	int nendpoints;
	struct output_endpoint *endpoints;   /* [nendpoints], indexed like plan->endpoints */
};

/* Copies a second's tick into plain numbers (percentiles computed now). The plan must outlive it. */
struct output_second *output_second_new(const struct plan *plan, const struct tick *second);
/* Frees it. NULL is a no-op. */
void output_second_free(struct output_second *s);

/* A --out writer. */
struct output;
/*
 * Opens a writer from a --out value: "csv=PATH" or "json=PATH" (the file is created or truncated;
 * the CSV header is written at once). NULL + *cause on a bad spec or an unwritable file.
 */
struct output *output_open(const char *spec, char **cause);
/* Writes one second (CSV: a row per endpoint, then "total"; JSON: one line). 0, or -1 + *cause (the
   writer then ignores later seconds). */
int output_write(struct output *o, const struct output_second *s, char **cause);
/* Flushes and closes. 0, or -1 + *cause when a write failed. NULL is a no-op returning 0. */
int output_close(struct output *o, char **cause);

/* The CSV header line (without newline), for tests and docs. */
extern const char output_csv_header[];

/*
 * Redraws the progress line in place ("\r...\033[K", no newline):
 * "  12s/30s  vus 50/50  2345.0 req/s  p95 12.3ms  errors 0.00%  [stopping]", the rates and
 * percentile being those of second s. elapsed_ns: the run's time so far; total_ns: its nominal
 * length (0 = unknown, e.g. iteration executors). Main thread.
 */
void output_progress(FILE *f, const struct output_second *s, int64_t elapsed_ns, int64_t total_ns,
    int stopping);
/* Erases the progress line. */
void output_progress_clear(FILE *f);

#endif
