/*
 * threshold: judging a run by its definition's k6 thresholds. A definition's "thresholds" object
 * ({"http_req_duration": ["p(95)<500"], "http_req_failed": [{"threshold": "rate<0.01",
 * "abortOnFail": true}]}) says what counts as passing; `rampage run` exits 99 when any threshold
 * failed. testdef parses and validates them into the plan (testdef/threshold_plan.h: k6's grammar,
 * sub-metrics by tag, and, beyond k6 (grafana/k6#2379), sliding windows: "rate<0.05 over 30s"
 * fails when any 30-second stretch of the run breaks it, so a crash in the last seconds of an
 * hour-long soak fails the run even though the whole-run rate looks fine).
 *
 * Two parts:
 *  - recording: the engine counts each request also in the tagged series its step lists
 *    (threshold_record);
 *  - evaluation: a threshold_set, fed the run's ticks once a second, keeps each windowed
 *    threshold's ring of seconds and says when an abortOnFail threshold calls for a stop;
 *    threshold_final judges the whole run. Pure and deterministic: time is the ticks' second
 *    numbers; nothing reads a clock.
 *
 * Threads: a threshold_set belongs to one thread at a time (the engine's controller thread through
 * on_tick, then whoever reads the results after the run). threshold_record runs on a worker
 * thread, on the per-request path: no allocation, no lock.
 */
#ifndef RAMPAGE_THRESHOLD_H
#define RAMPAGE_THRESHOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct plan;
struct plan_step;
struct tick;
struct tick_endpoint;
struct tick_sample;

/* ---- recording */

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
/*
 * Gives the relative thresholds ("p(95) < baseline * 1.10") their baseline values from a summary
 * document of the baseline run, in either shape: the handleSummary() document (`--out summary=`,
 * what runs store): metrics[<key as written>].values[<aggregation>]; or k6's flattened
 * `--summary-export` file (ours or k6's own): metrics[<key>][<aggregation>], a rate's "rate" named
 * "value" there. A relative threshold left without one is
 * skipped by threshold_final (it passes), or fails when it says baselineRequired. Call before
 * threshold_final. Returns how many were given a value.
 */
int threshold_set_baselines(struct threshold_set *s, json_t *summary);
/* Whether any threshold is relative. */
bool threshold_has_relative(const struct threshold_set *s);
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
	int step_group;            /* group_duration{group:::X}: index in plan->step_groups; else -1 */
	int custom;                /* a custom metric's series: index in plan->metric_slots; else -1 */
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
 *  "failed_window_start" (second, or null), "abort_on_fail", "aborted", "final"}; a relative
 *  threshold adds "baseline" (the baseline's value, or null), "limit" (baseline times the
 *  factor), "skipped" (judged without a baseline) and "baselineRequired".
 */
json_t *threshold_results_json(const struct threshold_set *s);

#endif
