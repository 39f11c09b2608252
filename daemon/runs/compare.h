/*
 * compare: the statistics of comparing two runs (GET /api/runs/{a}/compare, `rampage compare`).
 * Pure functions of their arguments: no database, no clock, no global state; the bootstrap draws
 * from a generator seeded by the caller, so the same inputs give the same verdict. Any thread.
 *
 * The method (docs/design.md, "Comparing two runs"): each run's steady part is cut into windows
 * of about 10 seconds (compare_window_seconds); each window gives one value per metric (its
 * requests per second, its error rate, the p95 of its merged histogram ...). A window, not a
 * second, is the unit of resampling, because neighbouring seconds are alike (autocorrelated) and
 * treating them as independent would make every interval too narrow. A block bootstrap draws each
 * run's windows with replacement COMPARE_BOOTSTRAP times and gives a 95% interval for the ratio
 * (latency, throughput) or the difference (error rate, check pass rate) of the two runs. The
 * verdict is practical and statistical at once: `regressed` only when the whole interval lies
 * beyond the practical floor in the bad direction, `improved` beyond it in the good one,
 * `unchanged` when the whole interval lies inside the floor, `inconclusive` otherwise.
 * Only the primary metrics (p95, requests/s, error rate) get verdicts; the others are shown as
 * description, which keeps the number of verdicts, and so of false alarms, small.
 */
#ifndef RAMPAGE_COMPARE_H
#define RAMPAGE_COMPARE_H

#include <stdbool.h>
#include <stdint.h>

struct hist;

#define COMPARE_BOOTSTRAP 1000      /* resamples per interval */
#define COMPARE_WINDOW_S 10         /* the window length once the steady part is a minute or more */
#define COMPARE_MIN_WINDOWS 6       /* a shorter steady part is cut into this many windows */

/* The metrics compared, in the order they are shown. */
enum compare_metric {
	COMPARE_RPS,               /* requests per second (higher is better) */
	COMPARE_ERROR_RATE,        /* failed requests / requests (lower is better; absolute floor) */
	COMPARE_P50, COMPARE_P90, COMPARE_P95, COMPARE_P99, COMPARE_MAX, COMPARE_MEAN,   /* µs */
	COMPARE_BLOCKED, COMPARE_CONNECTING, COMPARE_TLS, COMPARE_SENDING, COMPARE_WAITING,
	COMPARE_RECEIVING,         /* means of the request phases, µs */
	COMPARE_CHECKS,            /* checks passed / checks run (higher is better; absolute floor) */
	COMPARE_NMETRICS,
};
/* The metric's name in documents ("p95_us", "rps", "error_rate", ...). */
const char *compare_metric_name(enum compare_metric m);
/* Whether a larger value is worse (latency, error rate) or better (rps, checks). */
bool compare_higher_is_worse(enum compare_metric m);
/* Whether the metric is compared as a difference (rates) rather than a ratio. */
bool compare_is_rate(enum compare_metric m);
/* Whether the metric is in the primary set (p95, rps, error rate): the ones that get verdicts. */
bool compare_is_primary(enum compare_metric m);

enum compare_verdict {
	COMPARE_NONE,              /* not judged: a descriptive metric, or nothing to compare */
	COMPARE_UNCHANGED,
	COMPARE_IMPROVED,
	COMPARE_REGRESSED,
	COMPARE_INCONCLUSIVE,
};
/* "unchanged", "improved", "regressed", "inconclusive"; NULL for COMPARE_NONE. */
const char *compare_verdict_name(enum compare_verdict v);

/* The practical floors: how large a change must be to matter. */
struct compare_floors {
	double latency;            /* ratio: 0.05 = 5% */
	double throughput;         /* ratio: 0.03 = 3% */
	double error_rate;         /* absolute: 0.001 = 0.1 percentage points (also checks) */
};
/* The defaults above. */
void compare_floors_default(struct compare_floors *f);
/* The floor of metric m under f. */
double compare_floor(const struct compare_floors *f, enum compare_metric m);

/* One window of one endpoint of a run: what its seconds add up to. */
struct compare_window {
	double seconds;            /* stored seconds it holds */
	double requests, failures;
	double checks_passed, checks_failed;
	double v[COMPARE_NMETRICS];/* the window's value of each metric (NAN: none, e.g. no requests) */
};
/*
 * Fills w from a window's merged latency histogram h (NULL: none), its counters and its phase
 * sums (phase_us[i]: the sum over its seconds of each second's mean phase times its requests,
 * for COMPARE_BLOCKED + i; NULL: none).
 */
void compare_window_fill(struct compare_window *w, const struct hist *h, double seconds,
    double requests, double failures, double checks_passed, double checks_failed,
    const double *phase_us);

/* The window length for a steady part of steady_s seconds: COMPARE_WINDOW_S, or shorter so that
   there are at least COMPARE_MIN_WINDOWS (never under 1 s). */
int compare_window_seconds(int64_t steady_s);

/* One run's side of a metric: its windows and the value shown (from the merged histogram). */
struct compare_side {
	const struct compare_window *win;
	int nwin;
	double shown;              /* NAN: none */
};

/* The comparison of one metric. */
struct compare_result {
	double a, b;               /* values shown (NAN: none) */
	double diff;               /* b - a */
	double ratio;              /* b / a (NAN when a is 0 or either is missing) */
	double lo, hi;             /* 95% interval of the ratio (ratio metrics) or of the difference
	                              (rates); NAN when there are too few windows (then the verdict
	                              is practical only: the value shown against the floor) */
	enum compare_verdict verdict;
	bool practical_only;       /* judged on the floor alone (no interval) */
};
/*
 * Compares metric m of run a (the earlier, the baseline) with run b, under floor (compare_floor);
 * judges it (when judge is true: then with an interval; without, values only) and fills *out. seed fixes the bootstrap. Needs at least 2
 * windows with a value on each side for an interval; with fewer, or with practical_only, the
 * verdict compares the values shown with the floor.
 */
void compare_metric(enum compare_metric m, const struct compare_side *a,
    const struct compare_side *b, double floor, bool judge, bool practical_only, uint64_t seed,
    struct compare_result *out);

/* The verdict of a whole comparison from the verdicts of its primary metrics: regressed if any
   regressed, else improved if any improved, else unchanged if all were unchanged, else
   inconclusive (COMPARE_NONE when there were none). */
enum compare_verdict compare_overall(const enum compare_verdict *v, int n);

#endif
