/*
 * executor: the k6 executors as pure functions of time. No clock reads, no I/O, no globals, no
 * allocation: t is nanoseconds since the scenario's start (its startTime already subtracted), so the
 * run controller asks "how many VUs now?" / "which iterations are due?" on each tick, and the tests
 * can walk every schedule exhaustively. Any thread.
 *
 * Closed model (constant-vus, ramping-vus): a target VU count along linearly interpolated stages,
 * rounded as k6 rounds (the count moves off a stage's start value only when the line crosses the next
 * integer), plus the ceiling that gracefulRampDown and gracefulStop allow. Open model
 * (constant-arrival-rate, ramping-arrival-rate): the intended start time of iteration k and the
 * number of iterations due by t, both computed from stage boundaries in exact 128-bit integer
 * arithmetic, so nothing drifts however many iterations there are, and
 * executor_rate_due(s, executor_rate_time_of(s, k)) == k + 1 for every k (while the rate stays below one
 * iteration per nanosecond). Iteration executors (per-vu-iterations, shared-iterations): the pure
 * accounting.
 *
 * Limits (testdef validates them; functions assert): a stage lasts at most PLAN_MAX_STAGE_NS, a VU
 * target is a whole number up to PLAN_MAX_VUS, a rate is at most PLAN_MAX_RATE per time unit and is
 * exact to 6 decimals.
 */
#ifndef RAMPAGE_EXECUTOR_H
#define RAMPAGE_EXECUTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "testdef/plan.h"      /* struct plan_stage, PLAN_MAX_* */

#define EXECUTOR_NEVER INT64_MAX       /* "no such time": an iteration beyond the schedule */

/* Sum of the stage durations. */
int64_t executor_stages_duration_ns(const struct plan_stage *stages, int nstages);
/* Part i's share (0 <= i < parts) when `total` is split as evenly as possible over `parts`: the first
   total % parts parts get one more. */
int64_t executor_share(int64_t total, int64_t parts, int64_t i);

/* ---- closed model: constant-vus, ramping-vus */

struct executor_vus {
	int64_t start_vus;         /* startVUs; constant-vus: vus */
	const struct plan_stage *stages;  /* borrowed; constant-vus: one stage {duration, vus} */
	int nstages;
	int64_t graceful_ramp_down_ns;     /* gracefulRampDown (k6: 30 s); constant-vus: irrelevant */
	int64_t graceful_stop_ns;  /* gracefulStop (k6: 30 s) */
};

/* Fills *s (and *stage, which it points to) for constant-vus. */
void executor_vus_constant(struct executor_vus *s, struct plan_stage *stage, int64_t vus,
    int64_t duration_ns, int64_t graceful_stop_ns);
/* When the stages end: from then on no VU starts a new iteration. */
int64_t executor_vus_duration_ns(const struct executor_vus *s);
/* When the executor ends: duration + gracefulStop. Every VU still running is interrupted then. */
int64_t executor_vus_end_ns(const struct executor_vus *s);
/*
 * VUs that should be looping at t (k6's "raw execution steps"): VU slots [0, target) run iterations
 * back to back; a slot at or above it finishes its current iteration and starts no new one. 0 before
 * 0 and from the stages' end on. A zero-duration stage replaces the value at its instant, so a ramp's
 * end value followed at once by a zero-duration stage is never active.
 */
int64_t executor_vus_target(const struct executor_vus *s, int64_t t_ns);
/*
 * VUs allowed to exist at t (k6's "graceful steps"): slots at or above it are interrupted now. It is
 * the largest target over [t - gracefulRampDown, t], where the last stage's target is taken to hold
 * past the stages' end (those VUs get gracefulStop instead), and 0 from executor_vus_end_ns on. Always
 * >= executor_vus_target. Matches k6's GetExecutionRequirements on its examples.
 */
int64_t executor_vus_allowed(const struct executor_vus *s, int64_t t_ns);
/* Most VUs ever allowed at once (the VU pool to prepare): max(startVUs, stage targets). */
int64_t executor_vus_max(const struct executor_vus *s);
/*
 * A time > t_ns at or before which target or allowed next change (it may be earlier than the change,
 * never later); EXECUTOR_NEVER when neither changes again. For the controller's next wake-up.
 */
int64_t executor_vus_next_change(const struct executor_vus *s, int64_t t_ns);

/* ---- open model: constant-arrival-rate, ramping-arrival-rate */

struct executor_rate {
	double start_rate;         /* startRate: iterations per time unit at t = 0 */
	int64_t time_unit_ns;      /* timeUnit (k6: 1 s), > 0 */
	const struct plan_stage *stages;  /* borrowed; constant-arrival-rate: one stage {duration, rate} */
	int nstages;
	int64_t graceful_stop_ns;  /* gracefulStop (k6: 30 s) */
	/*
	 * k6 differs between its two executors, and so do we: constant-arrival-rate starts iteration k at
	 * k / rate (the first at 0; set this), ramping-arrival-rate when the integral of the rate reaches
	 * k + 1 (the first after one iteration's worth of time; leave it false).
	 */
	bool first_at_zero;
};

/* Fills *s (and *stage, which it points to) for constant-arrival-rate. */
void executor_rate_constant(struct executor_rate *s, struct plan_stage *stage, double rate,
    int64_t time_unit_ns, int64_t duration_ns, int64_t graceful_stop_ns);
/* When the stages end: no iteration starts at or after it. */
int64_t executor_rate_duration_ns(const struct executor_rate *s);
/* When the executor ends: duration + gracefulStop; iterations still running are interrupted. */
int64_t executor_rate_end_ns(const struct executor_rate *s);
/* Iterations in the whole schedule: those whose intended start is before the duration. */
int64_t executor_rate_total(const struct executor_rate *s);
/*
 * Intended start of iteration k (0-based), in ns, rounded up to the nanosecond: latency of an open-
 * model iteration is measured from it. Strictly increasing in k (at rates below 1/ns). EXECUTOR_NEVER if
 * k < 0 or k >= executor_rate_total. O(nstages + log(error)).
 */
int64_t executor_rate_time_of(const struct executor_rate *s, int64_t k);
/*
 * Iterations due by t: how many have an intended start <= t_ns (0 before the first, the total from
 * the last one on). Monotone in t. The next iteration to start is number executor_rate_due(s, now), at
 * executor_rate_time_of(s, that). O(nstages).
 */
int64_t executor_rate_due(const struct executor_rate *s, int64_t t_ns);
/* The configured rate at t in iterations per time unit (0 outside [0, duration)), for display. */
double executor_rate_at(const struct executor_rate *s, int64_t t_ns);

/* ---- iteration executors: per-vu-iterations, shared-iterations */

struct executor_iters {
	int64_t vus;               /* vus (k6: 1) */
	int64_t iterations;        /* per-vu: each VU's; shared: the total (k6: 1) */
	bool shared;               /* shared-iterations */
	int64_t max_duration_ns;   /* maxDuration (k6: 10 min): no iteration starts after it */
	int64_t graceful_stop_ns;  /* gracefulStop (k6: 30 s) */
};

/* Iterations to run in all. */
int64_t executor_iters_total(const struct executor_iters *s);
/* VUs that get any work: vus, or for shared-iterations at most one per iteration. */
int64_t executor_iters_vus(const struct executor_iters *s);
/*
 * Iterations VU `vu` (0 <= vu < vus) runs. Shared iterations are claimed dynamically by whichever VU
 * is free (k6); this is the even static split, for handing out per-worker blocks.
 */
int64_t executor_iters_quota(const struct executor_iters *s, int64_t vu);
/* When the executor ends: maxDuration + gracefulStop. */
int64_t executor_iters_end_ns(const struct executor_iters *s);

#endif
