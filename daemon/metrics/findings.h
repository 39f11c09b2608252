/*
 * findings: what a run's numbers say, in words, computed at its end (issue 14): the capacity knee of
 * a ramp, the recovery after a spike, drift over steady stages, availability, the groupBy
 * distribution and the generator's health. Each finding has a kind, a severity in the guide's words
 * ("good sign", "warning sign", "red flag"), one sentence and its numbers. Findings never change a
 * run's state: thresholds do that.
 *
 * The detectors are pure functions of a per-second series (struct findings_second[]): no clock, no
 * I/O, so the unit tests feed them synthetic series. The series itself is kept during the run by
 * findings_series_add on the thread that receives the engine's ticks (once a second, never per
 * request), in memory bounded by FINDINGS_MAX_SECONDS; findings_json builds the list at the end on
 * the caller's thread. docs/findings.md explains every detector.
 */
#ifndef RAMPAGE_FINDINGS_H
#define RAMPAGE_FINDINGS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

struct plan;
struct summary_run;
struct tick;

#define FINDINGS_MAX_SECONDS (48 * 3600)  /* seconds kept (20 bytes each); later ones not analysed */
#define FINDINGS_DRIFT_MIN_STEADY_NS (600LL * 1000000000LL)  /* driftMinSteady's default: 10 m */

/* One second of the run, as the detectors see it. */
struct findings_second {
	uint32_t requests;         /* completed requests */
	uint32_t failed;           /* of them, k6's http_req_failed */
	uint32_t unavailable;      /* of them, transport errors and 5xx */
	float p95_ms;              /* http_req_duration's p95 in this second (0: no requests) */
	float load;                /* the plan's target at mid-second: VUs (closed model) or
	                              iterations per second (open model); < 0 unknown */
};

/* ---- detectors: pure, any thread */

/* Where throughput stops rising with load on the ramp-up (the seconds up to the peak of load). */
struct findings_knee {
	bool ramp;                 /* a ramp was found (load rises at least 2x over >= 8 s) */
	int64_t ramp_start, ramp_end;      /* its seconds [start, end] */
	double low_slope;          /* throughput per unit of load at low load (req/s per VU or per it/s) */
	int64_t knee_second;       /* first second past the knee; -1: throughput kept up */
	double knee_load, knee_rps;        /* the load there and the throughput beyond it */
	double high_slope;         /* throughput per added unit of load past the knee */
	double low_p95_ms;         /* p95 at low load (median of its seconds) */
	int64_t p95_second;        /* first second p95 > 3x low_p95_ms (and the next two); -1 never */
	double p95_load, p95_ms;
	int64_t err_second;        /* first second the error rate > 1% (and the next two); -1 never */
	double err_load, err_rate;
};
/* Looks for a ramp in s[0..n) and its knee. Returns out->ramp. */
bool findings_knee(const struct findings_second *s, int64_t n, struct findings_knee *out);

/* Recovery after a spike: a peak of load followed by a drop back towards the level before it. */
struct findings_spike {
	bool spike;                /* a spike was found (peak >= 1.5x the level before, load after) */
	int64_t rise, end;         /* the second the load began to rise; the first second back down */
	double base_load, peak_load;
	double pre_p95_ms, pre_err;        /* before the spike: median p95, error rate (0..1) */
	int64_t recovered_second;  /* first of 10 consecutive good seconds from `end` on; -1 never */
	int64_t recovery_s;        /* recovered_second - end; -1: did not recover */
	int64_t after_s;           /* seconds observed from `end` on */
};
#define FINDINGS_RECOVERY_RUN 10   /* consecutive good seconds that make a recovery */
/* Looks for a spike in s[0..n) and the recovery after it. Returns out->spike. */
bool findings_spike(const struct findings_second *s, int64_t n, struct findings_spike *out);

/* A Theil-Sen slope and whether it is told apart from noise. */
struct findings_slope {
	double slope;              /* per hour */
	double lo, hi;             /* its 95% interval (Sen's, from Kendall's tau), per hour */
	double level;              /* the median of the points */
	double change;             /* slope * the span: what it adds up to over the stage */
	bool significant;          /* interval excludes 0 and |change| >= 10% of level (and >= min_change) */
};
/*
 * The Theil-Sen slope of y over x (x in seconds, n points, n <= 2000) per hour, its interval and
 * whether it is distinguishable from noise: the interval excludes 0 and the change over the span is
 * at least 10% of the level and at least `min_change` (absolute, to ignore tiny levels). n < 3: all 0.
 */
void findings_theil_sen(const double *x, const double *y, int n, double min_change,
    struct findings_slope *out);

/* One steady stage's drift: Theil-Sen over window means (60 s, or stage/10 when shorter). */
struct findings_drift {
	int64_t start, end;        /* seconds [start, end) of the steady stage */
	double load;
	int window_s;              /* the window of the means */
	int points;
	struct findings_slope p95_ms, rps, err_pct;
};
/* Finds steady stages (constant load, requests in every second) of at least min_steady_s seconds
   (their first 5 s left out) and measures their drift; at most max stages into out. Returns how many. */
int findings_drift(const struct findings_second *s, int64_t n, int64_t min_steady_s,
    struct findings_drift *out, int max);

/* The drift of one more series over stage d (as findings_drift found it): Theil-Sen over the same
   windows' means of v's seconds that have a value (NaN: none in that second; n: v's length). False,
   *out zeroed, when fewer than 3 windows have one. min_change as findings_theil_sen's. */
bool findings_drift_of(const float *v, int64_t n, const struct findings_drift *d, double min_change,
    struct findings_slope *out);

/* ---- the series kept during a run */

struct findings_series;
/* Starts an empty series for plan (borrowed: it must outlive the series). */
struct findings_series *findings_series_new(const struct plan *plan);
/* Frees it. NULL is a no-op. */
void findings_series_free(struct findings_series *fs);
/* Adds one second's tick (second->second says which). One thread at a time; once a second. */
void findings_series_add(struct findings_series *fs, const struct tick *second);
/* The plan's target at t_ns since the run's start: VUs or iterations per second (the model of
   every load-bearing scenario must agree), or -1 when unknown (iteration executors, mixed). */
double findings_load_at(const struct plan *plan, int64_t t_ns);

/*
 * The findings of a run: a new JSON array of {"id", "kind", "severity", "sentence", "numbers"},
 * from fs (NULL: only those the whole-run tick tells: availability, distribution, generator).
 */
json_t *findings_json(const struct findings_series *fs, const struct summary_run *run);
/* Prints a "findings" section listing a findings array (as findings_json's) to f; nothing if empty. */
void findings_print(FILE *f, const json_t *findings);

#endif
