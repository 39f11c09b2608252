/*
 * threshold_plan: a definition's "thresholds" ({"http_req_duration": ["p(95)<500"],
 * "http_req_failed": [{"threshold": "rate<0.01", "abortOnFail": true}]}) as the plan holds them
 * (plan->thresholds), and k6's expression grammar. k6's grammar and meaning
 * (metrics/thresholds.go, thresholds_parser.go), plus sub-metrics by tag
 * ("http_req_duration{name:login}") and, beyond k6 (grafana/k6#2379), sliding windows:
 * "rate<0.05 over 30s".
 *
 * testdef_parse validates every expression against the rest of the plan (metric names, tags naming
 * real endpoints, scenarios and tasks, aggregations that fit the metric's type) and decides which
 * tagged series the engine records (plan->nseries, plan_step.series). What the thresholds mean
 * during and after a run (windows, abortOnFail, verdicts) is metrics/threshold.h's.
 *
 * Parsing runs on the thread that parses the definition; afterwards everything here is immutable
 * and any thread reads it.
 */
#ifndef RAMPAGE_THRESHOLD_PLAN_H
#define RAMPAGE_THRESHOLD_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "testdef/metric.h"

/* Longest window: its ring keeps one encoded histogram per second (hundreds of bytes to ~1.5 KB). */
#define THRESHOLD_MAX_WINDOW_S 3600
/* A status tag is 0..THRESHOLD_NSTATUS-1 (0: no response): the statuses a tick counts. */
#define THRESHOLD_NSTATUS 600

/* ---- one expression: "p(95) < 500", "rate<0.05 over 30s" */

enum threshold_agg {
	THRESHOLD_AVG, THRESHOLD_MIN, THRESHOLD_MAX, THRESHOLD_MED, THRESHOLD_PCT,
	THRESHOLD_RATE, THRESHOLD_COUNT, THRESHOLD_VALUE,
	THRESHOLD_LAST,            /* a monitored value's latest second (monitors only) */
};
enum threshold_op { THRESHOLD_LT, THRESHOLD_LE, THRESHOLD_GT, THRESHOLD_GE, THRESHOLD_EQ, THRESHOLD_NE };

struct threshold_expr {
	enum threshold_agg agg;
	double pct;                /* THRESHOLD_PCT: N of p(N), 0..100 */
	enum threshold_op op;
	double value;              /* right-hand side; times in ms, as k6; relative: the factor */
	bool relative;             /* "baseline * F": judged at the end against F times the baseline
	                              run's value of the same metric and aggregation */
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

/* A sub-metric series: the requests matching every set tag (tick->series[i] for series i). */
struct threshold_series {
	int scenario;              /* scenario index, -1: any */
	char *group;               /* task name, NULL: any */
	int endpoint;              /* endpoint index, -1: any */
	char *method;              /* NULL: any */
	int status;                /* -1: any */
	int expected;              /* -1: any */
	char *tag_name, *tag_value;/* a request's own tag ("tags": {"kind": "write"}); NULL: any */
};

/* One threshold. */
struct threshold_def {
	char *key;                 /* metric key as written */
	char *source;              /* expression as written */
	enum metric_id metric;     /* a built-in metric; unused when custom >= 0 */
	int custom;                /* a custom metric's series: plan->metric_slots[custom] and
	                              tick->custom[custom]; -1: a built-in metric */
	enum metric_type custom_type;      /* custom >= 0: the custom metric's type */
	int monitor;               /* "monitor:NAME": plan->monitor_values[monitor] and
	                              tick->monitors[monitor]; -1: not a monitored value */
	int endpoint;              /* {name:X} alone: endpoint index; else -1 */
	int series;                /* other selectors: series index; else -1 */
	int check;                 /* checks{check:X}: plan->check_names index; else -1 */
	int step_group;            /* group_duration{group:::X}: plan->step_groups index; else -1 */
	struct threshold_expr expr;
	bool abort_on_fail;
	int64_t delay_abort_ns;    /* 0: none */
	bool baseline_required;    /* "baselineRequired": a relative threshold without a baseline
	                              fails (else it is skipped) */
};

/* Parsed thresholds of a plan (plan->thresholds), in definition order (grouped by metric key as
   written). */
struct threshold_plan {
	struct threshold_def *v;
	int n;
	struct threshold_series *series;
	int nseries;               /* == plan->nseries */
};

/* One sub-metric series a step's requests also count in (plan_step.series): tick->series[series],
   when the response also matches the tags only a response can tell (status, expected_response). */
struct threshold_series_ref {
	int series;                /* index into tick->series */
	int status;                /* -1: any; else only responses with this status (0: none) */
	int expected;              /* -1: any; 1: k6's expected_response (not counted by
	                              http_req_failed); 0: the others */
};

#endif
