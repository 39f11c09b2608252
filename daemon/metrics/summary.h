/*
 * summary: the end of a run, k6-compatible. From the whole-run tick (merged histograms, so
 * percentiles are exact to the histogram's 1%, never averages of per-second percentiles), the plan,
 * the run's duration and a few things only the per-second ticks know (gauge minima, generator
 * health), it builds
 *   - the k6 handleSummary() object (metrics.<name>.type/contains/values, root_group, options, state)
 *     with Rampage's extras under a top-level "rampage" key (`--out summary=`, the API's summary);
 *   - from that, the flattened document k6's own `--summary-export` writes (summary_k6.c);
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

struct failures_alarm;
struct findings_series;
struct hist;
struct plan;
struct segment;
struct threshold_set;
struct tick;

/* A distribution in milliseconds, as k6 reports a time trend. */
struct summary_trend {
	uint64_t count;
	double avg, min, med, max, p90, p95, p99;   /* ms */
};
/* Fills *out from a histogram of microseconds; NULL or empty gives all zeros. Any thread. */
void summary_trend_of(const struct hist *h_us, struct summary_trend *out);

/* Generator health, judged per second from the second's tick; the first second (VU creation,
   connection set-up) is not judged, and one bad second is not a trend. A judged second is
     - "generator bound" when the busiest worker thread used >= SUMMARY_CPU_SATURATED_PCT of its core
       (a worker is one thread: it cannot go faster), or >= SUMMARY_LATE_STARTS_PCT of its
       iterations started late (open model: the engine knows each one's intended start), or an
       event loop woke > SUMMARY_LAG_LIMIT_US late, unless the next case explains it;
     - "host busy" when iterations started late or an event loop woke late while every worker's
       own CPU was below SUMMARY_CPU_LOW_PCT and the host's CPU was >= SUMMARY_HOST_BUSY_PCT (other
       processes took the cores: a shared CI runner; fewer VUs would not help).
   The verdict is "saturated" (or else "host_busy") when at least SUMMARY_MIN_BAD_SECONDS and
   SUMMARY_BAD_SECONDS_PCT of the judged seconds were so. */
#define SUMMARY_CPU_SATURATED_PCT 90.0   /* of one core: a worker this busy is the bottleneck */
#define SUMMARY_CPU_LOW_PCT       50.0   /* of one core: a worker this idle did not delay itself */
#define SUMMARY_HOST_BUSY_PCT     80.0   /* of all cores: others left the workers little room */
#define SUMMARY_LAG_LIMIT_US      10000  /* 10 ms late: a send is visibly delayed */
#define SUMMARY_LATE_STARTS_PCT   10.0   /* of a second's iterations: one late start (> 1 ms) is
                                            a scheduler hiccup, a tenth of them is a trend */
#define SUMMARY_BAD_SECONDS_PCT   5.0
#define SUMMARY_MIN_BAD_SECONDS   2      /* a single late wake-up is not saturation */

enum summary_gen {
	SUMMARY_GEN_OK,
	SUMMARY_GEN_SATURATED,     /* the generator was the bottleneck */
	SUMMARY_GEN_HOST_BUSY,     /* other processes took the cores */
};
/* "ok", "saturated", "host_busy". */
const char *summary_gen_name(enum summary_gen g);

/* What only the per-second ticks know. Plain data: read its fields freely. */
struct summary_series {
	int workers;               /* worker threads of the run */
	int64_t seconds;           /* ticks added */
	int64_t judged_seconds;    /* ticks added after the first */
	int vus_min, vus_max, vus_last;            /* active VUs over the seconds */
	int vus_max_min, vus_max_max, vus_max_last;/* allocated VUs over the seconds */
	double cpu_max_pct, cpu_sum_pct;           /* busiest worker's own CPU, % of one core */
	double host_cpu_max_pct;   /* the host's CPU, % of all cores; -1 unknown */
	int64_t lag_max_us;        /* worst event-loop lag of any judged second */
	uint64_t late_starts;      /* open model: iterations started late, judged seconds */
	int64_t cpu_saturated_seconds;             /* judged seconds with a worker >= 90% */
	int64_t late_seconds;      /* judged seconds with late starts */
	int64_t lag_seconds;       /* judged seconds with lag > 10 ms */
	int64_t host_busy_seconds; /* of those, the ones the host's other processes explain */
	int64_t bad_seconds;       /* judged seconds the generator was the bottleneck */
};
/* Starts an empty series for a run with `workers` worker threads (>= 1). */
void summary_series_init(struct summary_series *s, int workers);
/* Adds one second's tick. Call it from on_tick; one thread at a time. */
void summary_series_add(struct summary_series *s, const struct tick *second);
/*
 * Judges whether the load generator was the bottleneck (see above). Writes one line without a
 * newline into buf naming the cause and the figures checked: "WARNING: the load generator was the
 * bottleneck in 3 of 9 s: ...", "WARNING: the host was busy in 4 of 9 s: ..." or "generator: ok
 * (workers' cpu max 4%, ...)".
 */
enum summary_gen summary_verdict(const struct summary_series *s, char *buf, size_t len);

/* Everything a summary is built from; all borrowed. */
struct summary_run {
	const struct plan *plan;
	const struct tick *whole;  /* whole-run tick (engine_totals): per-phase histograms included */
	const struct summary_series *series;
	int64_t duration_ns;       /* the run's duration: rates are per second of it */
	bool interrupted;          /* stopped early by a signal */
	int64_t missing_seconds;   /* seconds of the daemon's run not stored (a full disk); 0: none */
	const struct threshold_set *thresholds;   /* judged (threshold_final); NULL: none */
	const struct failures_alarm *alarm;       /* the early "every request fails" warning, as
	                                             judged while the run went (NULL: not judged) */
	bool stdout_tty, stderr_tty;   /* reported as state.isStdOutTTY / isStdErrTTY */
	const json_t *events;      /* the run's events with their findings (engine_events_json:
	                              rampage.events, and a line each in the text); NULL: none */
	const struct segment *segment; /* the execution segment run (core/segment.h); NULL: whole */
	bool histograms;           /* add rampage.histograms (summary_histograms_json): the summary
	                              can then be merged with others (metrics/summary_merge.h) */
	const struct findings_series *findings;   /* the per-second series for the findings
	                                             (metrics/findings.h); NULL: whole-run ones only */
};

/* True when a scenario of the plan uses an arrival-rate (open-model) executor. */
bool summary_open_model(const struct plan *plan);
/*
 * Builds the handleSummary() object: metrics (every one of testdef/metric.h, in its order; checks
 * only when the plan has checks), root_group, options, state, and "rampage" (endpoints with status
 * codes, error kinds and failure messages, the early failure alarm, generator health, open-model note with service-time percentiles,
 * dropped/late/interrupted counts).
 * Thresholds go into their metric's entry as "thresholds": {"<source as written>": {"ok": bool}};
 * a sub-metric a threshold names ("http_req_duration{name:login}") gets an entry of its own, as in
 * k6; rampage.thresholds holds the full results (threshold_results_json). Returns a new reference.
 */
json_t *summary_json(const struct summary_run *run);
/* The encoding named in rampage.histograms.encoding. */
#define SUMMARY_HIST_ENCODING "rampage-hist-v1+base64"
/*
 * rampage.histograms: every trend metric's whole-run histogram ({"metrics": {"http_req_duration":
 * blob, ...}}), each endpoint's and the total's duration (and, with an open model, service_time)
 * histogram ({"endpoints": {name: {...}}, "total": {...}}), each the hist_encode blob in base64, and
 * "encoding": SUMMARY_HIST_ENCODING. What summary_merge needs for exact percentiles. New reference.
 */
json_t *summary_histograms_json(const struct summary_run *run);
/* Writes summary_json to path (4-space indent, as k6). 0, or -1 and *cause. */
int summary_export(const struct summary_run *run, const char *path, char **cause);
/*
 * k6's --summary-export document from a handleSummary() document (summary_json's): metrics flattened
 * to their values (a rate's "rate" named "value"), thresholds as {"<expression>": true when it
 * FAILED} (k6's quirk, issue #1498), root_group's groups and checks keyed by name, no options, state
 * or "rampage". Returns a new reference; rich is not changed.
 */
json_t *summary_k6_legacy(const json_t *rich);

/*
 * The latency spectrum of h, as HdrHistogram prints it: [{"p", "us"}] at percentiles that halve the
 * remaining tail twice per halving (0, 29.3, 50, 64.6, 75, ... 99.9, ...), each p rounded to 4
 * places and its value judged at that rounded p, while the rounded p leaves at least one request
 * beyond it; then the maximum at p 100. Empty for an empty histogram. GET /api/runs/{id}/latency
 * and the compare view's spectra both use it.
 */
json_t *summary_spectrum(const struct hist *h);

/* A histogram as its blob (metrics/hist.h) in base64: the summary's histograms, a merge's, an
   agent's tick. */
json_t *summary_hist_b64(const struct hist *h);
/* Writes summary_k6_legacy(summary_json(run)) to path (4-space indent). 0, or -1 and *cause. */
int summary_k6_export(const struct summary_run *run, const char *path, char **cause);
/* Prints the k6-style text summary (thresholds first, marked ✓/✗ with their observed values), the
   per-endpoint table, the failures by endpoint, kind and message, the findings and the generator
   verdict to f. */
void summary_print(FILE *f, const struct summary_run *run);

/* The values of custom metric series `slot` (plan->metric_slots) in tick t, as k6 shapes its type's
   (trend: avg, min, med, max, p(90), p(95), p(99); counter: count, rate per second of duration_ns;
   rate: rate, passes, fails; gauge: value, min, max). New reference. Any thread. */
json_t *summary_custom_values(const struct plan *plan, const struct tick *t, int slot, int64_t duration_ns);

/* Formats like k6's text summary: a duration given in ms ("1.35s", "209.41ms", "7µs", "0s"), a byte
   count ("1.3 MB", "81 kB", "7 B"), a plain number with at most 6 decimals ("4.36938"). */
void summary_fmt_ms(char *buf, size_t len, double ms);
void summary_fmt_bytes(char *buf, size_t len, double bytes);
void summary_fmt_num(char *buf, size_t len, double v);

#endif
