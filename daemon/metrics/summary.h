/*
 * summary: the end of a run, k6-compatible. From the whole-run tick (merged histograms, so
 * percentiles are exact to the histogram's 1%, never averages of per-second percentiles), the plan,
 * the run's duration and a few things only the per-second ticks know (gauge minima, generator
 * health), it builds
 *   - the k6 handleSummary() object (metrics.<name>.type/contains/values, root_group, options, state)
 *     with Rampage's extras under a top-level "rampage" key (`--summary-export`, the API later);
 *   - the k6-style text summary, a per-endpoint table and the generator-health verdict.
 *
 * summary.c holds what both forms share, summary_json.c the document, summary_text.c the text.
 *
 * Threads: summary_series_add runs wherever ticks arrive (the engine's controller thread, through
 * on_tick); everything else on the caller's thread once the run has ended. No shared state.
 */
#ifndef RAMPAGE_SUMMARY_H
#define RAMPAGE_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

struct hist;
struct plan;
struct threshold_set;
struct tick;

/* A distribution in milliseconds, as k6 reports a time trend. */
struct summary_trend {
	uint64_t count;
	double avg, min, med, max, p90, p95, p99;   /* ms */
};
/* Fills *out from a histogram of microseconds; NULL or empty gives all zeros. Any thread. */
void summary_trend_of(const struct hist *h_us, struct summary_trend *out);

/* Generator health: a second is "bad" when the process used >= 90% of workers x 100% CPU or a worker's
   event loop lagged > 10 ms; the verdict is "saturated" when >= 5% of the seconds were bad. */
#define SUMMARY_CPU_SATURATED_PCT 90.0
#define SUMMARY_LAG_LIMIT_US      10000
#define SUMMARY_BAD_SECONDS_PCT   5.0

/* What only the per-second ticks know. Plain data: read its fields freely. */
struct summary_series {
	int workers;               /* worker threads of the run (the CPU budget is workers x 100%) */
	int64_t seconds;           /* ticks added */
	int vus_min, vus_max, vus_last;            /* active VUs over the seconds */
	int vus_max_min, vus_max_max, vus_max_last;/* allocated VUs over the seconds */
	double cpu_max_pct, cpu_sum_pct;           /* process CPU, % of one core */
	int64_t lag_max_us;        /* worst event-loop lag of any second */
	int64_t cpu_saturated_seconds;             /* seconds at >= 90% of the CPU budget */
	int64_t lag_seconds;       /* seconds with lag > 10 ms */
	int64_t bad_seconds;       /* seconds with either */
};
/* Starts an empty series for a run with `workers` worker threads (>= 1). */
void summary_series_init(struct summary_series *s, int workers);
/* Adds one second's tick. Call it from on_tick; one thread at a time. */
void summary_series_add(struct summary_series *s, const struct tick *second);
/*
 * Judges whether the load generator was the bottleneck. Writes one line without a newline into buf:
 * "WARNING: the load generator was saturated for 37% of the run: these numbers may describe
 * Rampage, not the target (details)" or "generator: ok (cpu max 43%, loop lag max 2.1 ms)". Returns
 * true when saturated.
 */
bool summary_verdict(const struct summary_series *s, char *buf, size_t len);

/* Everything a summary is built from; all borrowed. */
struct summary_run {
	const struct plan *plan;
	const struct tick *whole;  /* whole-run tick (engine_totals): per-phase histograms included */
	const struct summary_series *series;
	int64_t duration_ns;       /* the run's duration: rates are per second of it */
	bool interrupted;          /* stopped early by a signal */
	int64_t missing_seconds;   /* seconds of the daemon's run not stored (a full disk); 0: none */
	const struct threshold_set *thresholds;   /* judged (threshold_final); NULL: none */
	bool stdout_tty, stderr_tty;   /* reported as state.isStdOutTTY / isStdErrTTY */
};

/* True when a scenario of the plan uses an arrival-rate (open-model) executor. */
bool summary_open_model(const struct plan *plan);
/*
 * Builds the handleSummary() object: metrics (every one of testdef/metric.h, in its order; checks
 * only when the plan has checks), root_group, options, state, and "rampage" (endpoints with status
 * codes and error kinds, generator health, open-model note with service-time percentiles,
 * dropped/late/interrupted counts).
 * Thresholds go into their metric's entry as "thresholds": {"<source as written>": {"ok": bool}};
 * a sub-metric a threshold names ("http_req_duration{name:login}") gets an entry of its own, as in
 * k6; rampage.thresholds holds the full results (threshold_results_json). Returns a new reference.
 */
json_t *summary_json(const struct summary_run *run);
/* Writes summary_json to path (4-space indent, as k6). 0, or -1 and *cause. */
int summary_export(const struct summary_run *run, const char *path, char **cause);
/* Prints the k6-style text summary (thresholds first, marked ✓/✗ with their observed values), the
   per-endpoint table and the generator verdict to f. */
void summary_print(FILE *f, const struct summary_run *run);

/* Formats like k6's text summary: a duration given in ms ("1.35s", "209.41ms", "7µs", "0s"), a byte
   count ("1.3 MB", "81 kB", "7 B"), a plain number with at most 6 decimals ("4.36938"). */
void summary_fmt_ms(char *buf, size_t len, double ms);
void summary_fmt_bytes(char *buf, size_t len, double bytes);
void summary_fmt_num(char *buf, size_t len, double v);

#endif
