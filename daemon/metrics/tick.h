/*
 * tick: the metrics of one second of a run (or, merged, of the whole run), per endpoint and in total.
 *
 * Each worker records into its own `struct tick` (no locks, no allocation on the request path: every
 * array is sized from the plan at tick_new). Once a second the controller swaps each worker's tick for
 * an empty one, merges them into one tick for that second, and hands it (read-only) to its readers:
 * the store, live push, the CLI progress line; it also merges it into the whole-run tick. Whole-run
 * percentiles therefore come from merged histograms, never from averaged percentiles.
 */
#ifndef RAMPAGE_TICK_H
#define RAMPAGE_TICK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics/failures.h"

struct hist;
struct plan;

/*
 * Why a request got no complete response (a transport failure). The model: a request either got a
 * complete response, which has a status class (1xx..5xx, or `other` for a status outside 100-599)
 * and fails by its status (kind http_status: outside 200-399), or it got none and has exactly one
 * of these kinds and no status class. No request is both (tick_record enforces it).
 */
enum tick_error {
	TICK_ERR_NONE,
	TICK_ERR_CONNECT,          /* connection refused / unreachable */
	TICK_ERR_TIMEOUT,          /* request timeout */
	TICK_ERR_RESET,            /* connection reset / closed mid-response (also after a status line) */
	TICK_ERR_DNS,              /* name resolution */
	TICK_ERR_TLS,              /* TLS handshake or certificate */
	TICK_ERR_TOO_LARGE,        /* the response's headers passed libcurl's limit */
	TICK_ERR_BLOCKED,          /* the connect guard refused the address (security.allow_targets),
	                              e.g. a redirect to a host that is not listed */
	TICK_ERR_OTHER,
	TICK_NERR,
};
/* Short name of an error kind ("connect", "timeout", ...). */
const char *tick_error_name(enum tick_error e);
/* The failure kind (failures.h) of a transport error kind other than TICK_ERR_NONE. */
enum failure_kind tick_error_failure_kind(enum tick_error e);

/* libcurl's timing phases (k6's http_req_blocked, ..._connecting, ...: metric_of_phase in
   testdef/metric.h). */
enum tick_phase {
	TICK_PHASE_BLOCKED,        /* queued before connecting (name lookup included) */
	TICK_PHASE_CONNECTING,
	TICK_PHASE_TLS,
	TICK_PHASE_SENDING,
	TICK_PHASE_WAITING,        /* time to first byte after sending */
	TICK_PHASE_RECEIVING,
	TICK_NPHASE,
};

#define TICK_NSTATUS 600           /* status codes 100..599 by code; [0] = no response (a transport
                                      failure); others count as status_other */
#define TICK_GROUP_MAX 100         /* distinct values a groupBy keeps; the rest count as `other` */
#define TICK_GROUP_VALUE_MAX 64    /* bytes of a groupBy value kept (longer values are cut) */

/* One endpoint (or the total) over one second or the whole run. */
struct tick_endpoint {
	uint64_t requests;         /* completed requests, failed or not */
	uint64_t failed;           /* k6 http_req_failed: transport error or status outside 200-399 */
	uint64_t errors[TICK_NERR];/* transport errors by kind ([TICK_ERR_NONE] unused) */
	uint64_t failed_status;    /* failure kind http_status: failed responses whose status is
	                              outside 200-399 */
	uint64_t status[TICK_NSTATUS];     /* responses by code; [0]: requests without one */
	uint64_t status_other;     /* responses whose status is outside 100-599 (999, or none) */
	uint64_t bytes_sent, bytes_received;
	int64_t phase_sum_us[TICK_NPHASE];   /* sums, for per-second means */
	struct hist *duration;     /* http_req_duration in µs; open model: from the intended start */
	struct hist *service;      /* service time in µs (from the actual send); == duration when closed */
	struct hist *phase[TICK_NPHASE];     /* only in whole-run ticks (NULL per second); the engine
	                                        fills them when the run ends (workers keep their own) */
	uint64_t extract_failures; /* `extract` entries that found nothing (the variable stays unset) */
	uint64_t extract_truncated;/* extracted values longer than the variable cap, cut */
};

/* One check name (k6's `checks` rate, per name). */
struct tick_check {
	uint64_t passes, fails;
};

/* One distinct value of a groupBy and its count. */
struct tick_group_value {
	uint64_t count;
	uint32_t hash;             /* of the value: compared before the bytes */
	uint8_t len;
	char value[TICK_GROUP_VALUE_MAX];
};

/* A groupBy's distribution: responses per distinct value (bounded, no allocation). */
struct tick_group {
	int n;                     /* distinct values kept, in order of first appearance */
	struct tick_group_value v[TICK_GROUP_MAX];
	uint64_t other;            /* responses whose value came after the table was full */
	uint64_t missing;          /* responses without the value (no such header or JSON value) */
};

/* One custom metric's series (plan->metric_slots[i]): k6's Trend, Counter, Rate or Gauge, whose
   type says which fields mean something. */
struct tick_custom {
	uint64_t n;                /* values added */
	double sum;                /* counter: its count; trend: for the mean */
	double min, max;           /* gauge and trend (n > 0) */
	double last;               /* gauge: the latest value ... */
	int64_t last_ns;           /* ... added at this CLOCK_MONOTONIC time (merges keep the later) */
	uint64_t nonzero;          /* rate: values that were not 0 (k6's passes) */
	uint64_t missing;          /* values that could not be read (no such variable, JSON value or
	                              header, not a number): nothing added */
	struct hist *h;            /* trend: values in thousandths (µs for a time in ms); else NULL */
};

/* One monitored value (plan->monitor_values[i], engine/scrape.h): per second its value as the
   latest scrape in that second read it (n 0 or 1); merged over seconds, their count, sum, min, max
   and latest. */
struct tick_monitor {
	uint64_t n;                /* seconds with a value */
	double sum, min, max;
	double last;               /* the latest second's value ... */
	int64_t last_second;       /* ... and that second */
	uint64_t scrapes;          /* scrapes that read it */
	uint64_t gaps;             /* scrapes that failed (no answer, not 2xx, unreadable) or lacked it */
	bool rate;                 /* a counter's per-second rate (else the value as read) */
};

struct tick {
	int64_t second;            /* whole seconds since the run started; -1 for the whole run */
	int nendpoints;
	struct tick_endpoint *endpoints;   /* [nendpoints], indexed like plan->endpoints */
	struct tick_endpoint total;
	int nseries;               /* thresholds' sub-metric series (plan->nseries, metrics/threshold.h): */
	struct tick_endpoint *series;      /* [nseries]; never per-phase histograms, even whole-run */
	uint64_t iterations;       /* completed iterations */
	uint64_t interrupted_iterations;   /* cut by gracefulStop / ramp-down / stop */
	uint64_t dropped_iterations;       /* open model: due with no VU free and maxVUs reached */
	uint64_t late_starts;      /* open model: started > 1 ms after the intended time */
	struct hist *iteration_duration;   /* µs */
	int vus;                   /* active VUs at the end of the second (whole run: last value) */
	int vus_max;               /* allocated VUs (whole run: peak) */
	/* generator health */
	double cpu_pct;            /* the busiest worker thread's own CPU in this second, % of one core
	                              (0..100; whole run: mean of the seconds) */
	double host_cpu_pct;       /* the host's CPU (all cores, all processes), % of all cores; -1
	                              unknown (whole run: max); not stored, read by the verdict */
	int64_t loop_lag_max_us;   /* worst event-loop lag of any worker in this second */
	int64_t loop_lag_over_10ms;/* whole run: seconds with lag > 10 ms; per second: 0/1 */
	int nchecks;
	struct tick_check *checks; /* [nchecks], indexed like plan->check_names */
	int ngroups;
	struct tick_group *groups; /* [ngroups], indexed like plan->groups */
	int ngroups_dur;           /* groups of steps (plan->nstep_groups), k6's group_duration: */
	struct hist **group_duration;      /* [ngroups_dur]: each group's, µs */
	struct hist *group_duration_all;   /* every group's: the metric without a tag (NULL: no groups) */
	int ncustom;
	struct tick_custom *custom;/* [ncustom]: custom metrics and their sub-metrics, indexed like
	                              plan->metric_slots */
	int nmonitors;
	struct tick_monitor *monitors;     /* [nmonitors]: plan->monitor_values; filled by the
	                                      controller (or a fleet), never by a worker */
	struct failures *failures; /* why requests failed: distinct messages per endpoint (bounded);
	                              the recorder adds each failed request (tick_record does not) */
};

/* One request's result, as a tick counts it. Times in µs; a negative one counts as 0. */
struct tick_sample {
	enum tick_error error;     /* TICK_ERR_NONE: a complete response arrived */
	int status;                /* HTTP status; ignored when error is set (no status class) */
	bool failed;               /* k6's http_req_failed: the caller decides (error, status, a
	                              failRequest check) */
	uint64_t bytes_sent, bytes_received;
	const int64_t *phase_us;   /* [TICK_NPHASE] */
	int64_t service_us;        /* from the actual send */
	int64_t duration_us;       /* open model: from the intended start; else == service_us */
};

/*
 * Records one request into ep: counted, failed or not, by error kind (then as status 0) or else by
 * status (status_other outside 100-599; failed_status when it failed outside 200-399), its bytes, its
 * phases' sums and its duration and service time in ep's histograms; each phase also into
 * phase[p] when phase is not NULL (the worker's whole-run phase histograms: per-second ticks keep
 * the sums only). The one recording path of the engine's endpoints and of the thresholds' series
 * (threshold_record). Worker thread, per request: no allocation, no lock.
 */
void tick_record(struct tick_endpoint *ep, struct hist *const *phase, const struct tick_sample *s);

/* Requests of ep that were unavailable: no response (every transport error kind) or a 5xx. */
uint64_t tick_unavailable(const struct tick_endpoint *ep);

/* Allocates an empty tick sized for plan (with per-phase histograms if `whole_run`). */
struct tick *tick_new(const struct plan *plan, int whole_run);
/* Frees a tick. NULL is a no-op. */
void tick_free(struct tick *t);
/* Zeroes every counter and histogram, keeping the memory. */
void tick_reset(struct tick *t);
/* Adds src into dst (same plan): counters and histograms add up (loop_lag_over_10ms included; phase
   histograms only where both ticks have them; failure messages as failures_merge, those whose
   seconds are unknown taking src->second); gauges (vus, vus_max, cpu_pct, host_cpu_pct, loop_lag_max_us) keep
   the max. The engine then sets the gauges a merge cannot know (vus summed over workers, whole-run
   cpu_pct as the mean). */
void tick_merge(struct tick *dst, const struct tick *src);
/* Recomputes dst->total from dst->endpoints (counters and histograms). */
void tick_sum_total(struct tick *t);
/* Adds value v (finite) to a custom series of type `type` (enum metric_type) at now_ns (gauges).
   A trend's count, sum, min and max are exact; its histogram (percentiles) keeps v in thousandths
   from 0 to HIST_MAX_US (3.6e6 units). Worker thread, per record entry: no allocation. */
void tick_custom_add(struct tick_custom *c, int type, double v, int64_t now_ns);

/* Sets second t's value of monitored value m (tick_reset left it empty): v when has_value, with
   the scrapes and gaps counted in that second. Controller thread. */
void tick_monitor_set(struct tick_monitor *m, int64_t second, bool has_value, double v, bool rate,
    uint64_t scrapes, uint64_t gaps);

/* Counts `count` responses with value s (len bytes; cut to TICK_GROUP_VALUE_MAX) in g: a new value
   takes a free entry, or counts as `other` when all TICK_GROUP_MAX are taken. No allocation. */
void tick_group_add(struct tick_group *g, const char *s, size_t len, uint64_t count);

#endif
