/*
 * run_metrics: what a running run shows of itself each second, built from the engine's ticks on the
 * run's controller thread (engine_sink.on_tick), so that the run manager only passes finished
 * products along:
 *
 *   - the live tick, the JSON message published on topic "run:<id>" (docs/api.md, live stream):
 *     the second's rows (total and per endpoint), VUs, the run-so-far counts, the thresholds as
 *     judged so far, every check's counts and the custom metrics' values;
 *   - the run so far as GET /metrics shows it (struct run_metrics): per endpoint, the statuses seen
 *     and the latency histogram in Prometheus buckets; bytes; checks. The run manager installs it
 *     in the run's status cell, shares it by reference and frees it with run_metrics_free.
 *
 * Pure functions of their arguments; no locks. The queue and its state machine are runq.c's.
 */
#ifndef RAMPAGE_RUN_METRICS_H
#define RAMPAGE_RUN_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct plan;
struct run_tick;
struct threshold_set;
struct tick;

#define RUN_METRICS_NLE 11         /* latency buckets (le, seconds) besides +Inf */
extern const double run_metrics_le_s[RUN_METRICS_NLE];   /* 0.005 .. 10 */

#define RUN_METRICS_STATUS_OTHER 1000   /* the code of the responses whose status is outside
                                           100-599 (tick's status_other) */
struct run_metrics_status {
	int code;                  /* HTTP status; 0 = no response (transport error); last,
	                              RUN_METRICS_STATUS_OTHER */
	uint64_t count;
};

struct run_metrics_endpoint {
	char *name;                /* the plan's endpoint name */
	int nstatus;
	struct run_metrics_status *status;   /* [nstatus]: the codes seen, ascending */
	uint64_t le[RUN_METRICS_NLE];        /* requests whose duration is <= run_metrics_le_s[i] */
	uint64_t count;            /* requests (the +Inf bucket) */
	uint64_t sum_us;           /* of their durations */
};

#define RUN_METRICS_NQ 4           /* a custom trend's quantiles: */
extern const double run_metrics_q[RUN_METRICS_NQ];       /* 0.5, 0.9, 0.95, 0.99 */

/* A custom metric (the definition's `metrics`) over the run so far. */
struct run_metrics_custom {
	char *name;
	int type;                  /* enum metric_type (testdef/metric.h) */
	uint64_t n;                /* values recorded */
	double sum;                /* counter: its count; trend: the values' sum */
	double last;               /* gauge */
	uint64_t nonzero;          /* rate: passes */
	double q[RUN_METRICS_NQ];  /* trend: quantiles run_metrics_q */
};

/* A run so far; immutable once built, but for refs. */
struct run_metrics {
	int refs;                  /* 1 when built; the run queue counts them under its lock */
	int64_t run_id;
	char *test;                /* the run's name */
	int64_t second;            /* of the tick it was built from */
	int vus;
	uint64_t bytes_sent, bytes_received;
	int nendpoints;
	struct run_metrics_endpoint *endpoints;    /* [nendpoints], in plan order */
	int nchecks;
	char **check_names;        /* [nchecks] */
	uint64_t *check_passes, *check_fails;      /* [nchecks] */
	int ncustom;
	struct run_metrics_custom *custom;         /* [ncustom]: custom metrics, in plan order */
};

/*
 * The run so far (run run_id, named name, of plan) after second sec, from the whole-run tick whole.
 * Returns a new struct with refs = 1; free with run_metrics_free.
 */
struct run_metrics *run_metrics_new(int64_t run_id, const char *name, const struct plan *plan,
    const struct tick *sec, const struct tick *whole);
/* Frees m whatever its refs (the owner counts them). NULL is a no-op. */
void run_metrics_free(struct run_metrics *m);

/*
 * The live tick of a second: rt (that second's rows, run_store.h) with the endpoints' names from
 * plan, sec's VUs, the run so far from whole, and the thresholds as th judged them so far
 * (threshold_tick must have run for this second; th may hold none). A new string (caller frees) of
 * *len bytes, or NULL if it cannot be encoded.
 */
char *run_metrics_tick_json(int64_t run_id, const struct plan *plan, const struct threshold_set *th,
    const struct run_tick *rt, const struct tick *sec, const struct tick *whole, size_t *len);

#endif
