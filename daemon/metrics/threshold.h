/*
 * threshold: k6 thresholds. A definition's "thresholds" object ({"http_req_duration": ["p(95)<500"],
 * "http_req_failed": [{"threshold": "rate<0.01", "abortOnFail": true}]}) says what counts as passing;
 * `rampage run` exits 99 when any threshold failed. k6's grammar and meaning (metrics/thresholds.go,
 * thresholds_parser.go), plus sub-metrics by tag ("http_req_duration{name:login}") and, beyond k6
 * (grafana/k6#2379), sliding windows: "rate<0.05 over 30s" fails when any 30-second stretch of the
 * run breaks it, so a crash in the last seconds of an hour-long soak fails the run even though the
 * whole-run rate looks fine.
 *
 * Two halves:
 *  - parsing, at definition time: testdef calls threshold_plan_parse, which validates every
 *    expression against the plan (metric names, tags naming real endpoints/scenarios/tasks,
 *    aggregations that fit the metric's type), stores the result in plan->thresholds and decides
 *    which tagged series the engine records (plan->nseries, plan_step.series);
 *  - evaluation: a threshold_set, fed the run's ticks once a second, keeps each windowed
 *    threshold's ring of seconds and says when an abortOnFail threshold calls for a stop;
 *    threshold_final judges the whole run. Pure and deterministic: time is the ticks' second
 *    numbers; nothing reads a clock.
 *
 * Threads: parsing on the caller's thread. A threshold_set belongs to one thread at a time (the
 * engine's controller thread through on_tick, then whoever reads the results after the run).
 * threshold_record runs on a worker thread, on the per-request path: no allocation, no lock.
 */
#ifndef RAMPAGE_THRESHOLD_H
#define RAMPAGE_THRESHOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct plan;
struct plan_step;
struct testdef_errors;
struct tick;
struct tick_endpoint;
struct tick_sample;

/* Longest window: its ring keeps one encoded histogram per second (hundreds of bytes to ~1.5 KB). */
#define THRESHOLD_MAX_WINDOW_S 3600

/* ---- one expression: "p(95) < 500", "rate<0.05 over 30s" */

enum threshold_agg {
	THRESHOLD_AVG, THRESHOLD_MIN, THRESHOLD_MAX, THRESHOLD_MED, THRESHOLD_PCT,
	THRESHOLD_RATE, THRESHOLD_COUNT, THRESHOLD_VALUE,
};
enum threshold_op { THRESHOLD_LT, THRESHOLD_LE, THRESHOLD_GT, THRESHOLD_GE, THRESHOLD_EQ, THRESHOLD_NE };

struct threshold_expr {
	enum threshold_agg agg;
	double pct;                /* THRESHOLD_PCT: N of p(N), 0..100 */
	enum threshold_op op;
	double value;              /* right-hand side; times in ms, as k6 */
	int64_t window_s;          /* "over D": D in whole seconds (1..THRESHOLD_MAX_WINDOW_S); 0: whole run */
};

/*
 * Parses one expression: aggregation, operator, number (k6: `avg min max med p(N) rate count value`,
 * `< <= > >= == === !=`, spaces allowed around each part), then optionally "over" and a duration of
 * whole seconds. Checks the syntax and ranges only, not whether the aggregation fits a metric.
 * Any thread. 0, or -1 and *cause (caller frees), a whole message such as
 * `expected an expression like "p(95)<500", got "p95<500"`.
 */
int threshold_expr_parse(const char *src, struct threshold_expr *out, char **cause);
/* k6 name of an aggregation: "avg", "p(95)" (pct used for THRESHOLD_PCT). Writes into buf. */
const char *threshold_agg_name(enum threshold_agg agg, double pct, char *buf, size_t len);
/* "<", "<=", ... */
const char *threshold_op_name(enum threshold_op op);

/* ---- the plan's thresholds */

/* Parsed thresholds of a plan (plan->thresholds): immutable after threshold_plan_parse. */
struct threshold_plan;

/* One sub-metric series a step's requests also count in (plan_step.series): tick->series[series],
   when the response also matches the tags only a response can tell (status, expected_response). */
struct threshold_series_ref {
	int series;                /* index into tick->series */
	int status;                /* -1: any; else only responses with this status (0: none) */
	int expected;              /* -1: any; 1: k6's expected_response (not counted by
	                              http_req_failed); 0: the others */
};

/*
 * Validates `thresholds` (the definition's member; NULL when absent) against plan, whose scenarios,
 * tasks and endpoints must be parsed already, and stores the result: plan->thresholds (NULL when
 * there are none), plan->nseries and each step's series/nseries. Every problem is added to errs with
 * its JSON path ("thresholds.http_req_duration[0]: ..."). Returns the number of errors added.
 * Caller's thread.
 */
int threshold_plan_parse(struct plan *plan, json_t *thresholds, struct testdef_errors *errs);
/* Frees plan->thresholds and every step's series list, leaving them NULL (plan_free calls it
   first). */
void threshold_plan_free(struct plan *plan);

/*
 * Records one request, the sample its endpoint recorded (tick_record), into each series of step st
 * whose response tags (status, expected_response) it matches. Call only when st->nseries > 0: the
 * caller's test keeps the common case free of a call. Worker thread; no allocation.
 */
void threshold_record(struct tick *t, const struct plan_step *st, const struct tick_sample *s);

/* ---- evaluation */

struct threshold_set;

/* Creates the evaluation state of plan's thresholds (none: an empty set that always passes). The
   plan must outlive the set. */
struct threshold_set *threshold_set_new(const struct plan *plan);
/* Frees a set. NULL is a no-op. */
void threshold_set_free(struct threshold_set *s);

/*
 * Feeds one second's tick (seconds 0, 1, 2, ... as the engine gives them; a missing second counts
 * as empty, an old one is ignored). Windowed thresholds add the second to their ring and judge
 * every complete window; whole-run thresholds are judged on `whole` (the run so far; may be NULL:
 * not judged live). Returns true exactly once: when a failing abortOnFail threshold's
 * delayAbortEval has passed; the caller then stops the run (engine_stop, graceful), and that
 * threshold stays failed.
 */
bool threshold_tick(struct threshold_set *s, const struct tick *second, const struct tick *whole);
/*
 * Judges the whole run on the whole-run tick (per-phase histograms included) lasting duration_ns
 * (counter rates are per second of it). Windowed thresholds keep their verdict; one whose run was
 * shorter than its window is judged on the whole run, as one window.
 */
void threshold_final(struct threshold_set *s, const struct tick *whole, int64_t duration_ns);
/* True when every threshold passes (so far, or finally after threshold_final). */
bool threshold_passed(const struct threshold_set *s);
/* True when an abortOnFail threshold stopped the run. */
bool threshold_aborted(const struct threshold_set *s);

/* What is known about one threshold. Strings are borrowed from the set. */
struct threshold_result {
	const char *metric;        /* key as written: "http_req_duration{name:login}" */
	const char *base;          /* its metric: "http_req_duration" */
	const char *type;          /* k6 type of the metric: "trend", "rate", "counter", "gauge" */
	const char *contains;      /* "time", "data" or "default" */
	const char *source;        /* expression as written: "p(95)<500 over 1m" */
	char agg[32];              /* "p(95)", "rate", ... */
	bool ok;                   /* passes (so far; finally once threshold_final ran) */
	bool judged;               /* false: no samples yet (passes, as in k6) */
	double value;              /* observed: whole run; window: the first failing window's, or
	                              while passing the worst window's; ms for times */
	int64_t window_s;          /* 0: whole run */
	int64_t window_start;      /* second at which that window starts; -1: none */
	bool abort_on_fail, aborted;
	bool final;                /* judged by threshold_final */
	int check;                 /* checks{check:X}: index in plan->check_names; else -1 */
};
/* Number of thresholds, in definition order (grouped by metric key as written). */
int threshold_count(const struct threshold_set *s);
/* Fills *out with threshold i (0 <= i < threshold_count). */
void threshold_get(const struct threshold_set *s, int i, struct threshold_result *out);
/*
 * The tick data a sub-metric threshold reads in `t` (an endpoint for {name:...} alone, else its
 * series); NULL for a threshold on a whole metric. For the summary's sub-metric entries.
 */
const struct tick_endpoint *threshold_sub_endpoint(const struct threshold_set *s, int i,
    const struct tick *t);
/*
 * The results as a JSON array (new reference), one object per threshold:
 * {"metric", "source", "ok", "value" (null: no samples), "aggregation", "window_s" (windows only),
 *  "failed_window_start" (second, or null), "abort_on_fail", "aborted", "final"}.
 */
json_t *threshold_results_json(const struct threshold_set *s);

#endif
