/*
 * executor: see executor.h. Everything is integer arithmetic on the stage boundaries (128-bit where
 * products of durations meet), so a value at t never depends on the values before it: no state, no
 * accumulated rounding. Floating point only guesses where a quadratic's root is; an exact search
 * around the guess decides.
 *
 * Arrival rates, in integers: a rate r per time unit U becomes R = r * m per U' = U * m, with m the
 * smallest power of ten (<= 10^6) that makes every rate of the schedule whole. Then twice the
 * integral of the rate over [0, t), in units of "iterations * 2U'", is an integer at every stage
 * boundary: S_i = sum over earlier stages of D_j * (R_j start + R_j end). Inside stage i at offset e,
 * 2U' * D_i * integral = S_i * D_i + G(e) with G(e) = 2 a e D_i + (b - a) e^2 (a, b: the stage's start
 * and end rates), which is non-decreasing on [0, D_i] because the rate is never negative.
 */
#include <config.h>

#include <assert.h>
#include <math.h>

#include "engine/executor.h"

typedef __int128 i128;

int64_t
executor_stages_duration_ns(const struct plan_stage *stages, int nstages)
{
	int64_t d = 0;

	for (int i = 0; i < nstages; i++) {
		assert(stages[i].duration_ns >= 0 && stages[i].duration_ns <= PLAN_MAX_STAGE_NS);
		d += stages[i].duration_ns;
	}
	return d;
}

int64_t
executor_share(int64_t total, int64_t parts, int64_t i)
{
	assert(total >= 0 && parts > 0 && i >= 0 && i < parts);
	return total / parts + (i < total % parts);
}

/* ---- closed model */

/* A stage's target as a VU count. */
static int64_t
vus_of(double target)
{
	assert(target >= 0 && target <= PLAN_MAX_VUS && target == floor(target));
	return (int64_t)target;
}

/* The count at offset e (0 <= e < d) of a ramp from a to b over d: k6 moves off a only when the line
   crosses the next integer (floor going up, ceil going down). */
static int64_t
interp(int64_t a, int64_t b, int64_t e, int64_t d)
{
	if (b >= a)
		return a + (int64_t)((i128)e * (b - a) / d);
	return a - (int64_t)((i128)e * (a - b) / d);
}

/*
 * The target at t >= 0 with the last stage's target holding forever after the stages (what the
 * graceful ceiling is built on).
 */
static int64_t
target_hold(const struct executor_vus *s, int64_t t)
{
	int64_t from = s->start_vus, start = 0;

	for (int i = 0; i < s->nstages; i++) {
		int64_t d = s->stages[i].duration_ns, to = vus_of(s->stages[i].target);
		if (d > 0 && t < start + d)
			return interp(from, to, t - start, d);
		start += d;
		from = to;
	}
	return from;
}

void
executor_vus_constant(struct executor_vus *s, struct plan_stage *stage, int64_t vus, int64_t duration_ns,
    int64_t graceful_stop_ns)
{
	stage->duration_ns = duration_ns;
	stage->target = (double)vus;
	s->start_vus = vus;
	s->stages = stage;
	s->nstages = 1;
	s->graceful_ramp_down_ns = 0;
	s->graceful_stop_ns = graceful_stop_ns;
}

int64_t
executor_vus_duration_ns(const struct executor_vus *s)
{
	return executor_stages_duration_ns(s->stages, s->nstages);
}

int64_t
executor_vus_end_ns(const struct executor_vus *s)
{
	assert(s->graceful_stop_ns >= 0);
	return executor_vus_duration_ns(s) + s->graceful_stop_ns;
}

int64_t
executor_vus_target(const struct executor_vus *s, int64_t t)
{
	assert(s->start_vus >= 0 && s->start_vus <= PLAN_MAX_VUS);
	if (t < 0 || t >= executor_vus_duration_ns(s))
		return 0;
	return target_hold(s, t);
}

int64_t
executor_vus_allowed(const struct executor_vus *s, int64_t t)
{
	int64_t w, from = s->start_vus, start = 0, best = 0;

	assert(s->start_vus >= 0 && s->start_vus <= PLAN_MAX_VUS && s->graceful_ramp_down_ns >= 0);
	if (t < 0 || t >= executor_vus_end_ns(s))
		return 0;
	w = t - s->graceful_ramp_down_ns;
	if (w < 0)
		w = 0;
	/* Each stage is monotone: its largest value over [x, y] is at y going up, at x going down. */
	for (int i = 0; i < s->nstages; i++) {
		int64_t d = s->stages[i].duration_ns, to = vus_of(s->stages[i].target);
		if (d > 0) {
			int64_t x = w > start ? w : start;
			int64_t y = t < start + d - 1 ? t : start + d - 1;
			if (x <= y) {
				int64_t v = interp(from, to, (to >= from ? y : x) - start, d);
				if (v > best)
					best = v;
			}
		}
		start += d;
		from = to;
	}
	if (t >= start && from > best)    /* past the stages: the last target holds */
		best = from;
	return best;
}

int64_t
executor_vus_max(const struct executor_vus *s)
{
	int64_t m = s->start_vus;

	for (int i = 0; i < s->nstages; i++) {
		int64_t v = vus_of(s->stages[i].target);
		if (v > m)
			m = v;
	}
	return m;
}

/* The first time > x at which target_hold may change: its next step inside a ramp, or the next
   stage boundary. EXECUTOR_NEVER past the stages. */
static int64_t
next_point(const struct executor_vus *s, int64_t x)
{
	int64_t from = s->start_vus, start = 0;

	if (x < 0)
		return 0;
	for (int i = 0; i < s->nstages; i++) {
		int64_t d = s->stages[i].duration_ns, to = vus_of(s->stages[i].target);
		if (d > 0 && x < start + d) {
			int64_t e = x - start, v = interp(from, to, e, d), k;
			i128 need;
			if (to == from)
				return start + d;
			/* first offset whose value differs from v */
			k = to > from ? v + 1 - from : from - v + 1;
			need = ((i128)k * d + (to > from ? to - from : from - to) - 1) /
			    (to > from ? to - from : from - to);
			return need < d ? start + (int64_t)need : start + d;
		}
		start += d;
		from = to;
	}
	return x < start ? start : EXECUTOR_NEVER;
}

/* a + b without overflowing past EXECUTOR_NEVER. */
static int64_t
add_never(int64_t a, int64_t b)
{
	return a == EXECUTOR_NEVER || a > EXECUTOR_NEVER - b ? EXECUTOR_NEVER : a + b;
}

int64_t
executor_vus_next_change(const struct executor_vus *s, int64_t t)
{
	int64_t g = s->graceful_ramp_down_ns, end = executor_vus_end_ns(s), dur = executor_vus_duration_ns(s);
	int64_t c, best = EXECUTOR_NEVER;

	if (t >= end)
		return EXECUTOR_NEVER;
	/* target changes at its own points; allowed also when a value leaves the window, g later */
	c = next_point(s, t);
	best = c < best ? c : best;
	c = add_never(next_point(s, t - g), g);
	best = c < best ? c : best;
	if (dur > t && dur < best)
		best = dur;
	if (end < best)
		best = end;
	return best;
}

/* ---- open model */

#define SCALE_MAX 1000000          /* rates are exact to 6 decimals */
#define SCALED_RATE_MAX 5e7        /* R * D^2 * 2 stays below 2^127 with D <= 1e15 */

/* The power of ten that makes every rate of s whole (see the file comment). */
static int64_t
scale_of(const struct executor_rate *s)
{
	double top = s->start_rate;
	int64_t m;

	for (int i = 0; i < s->nstages; i++)
		if (s->stages[i].target > top)
			top = s->stages[i].target;
	for (m = 1; m < SCALE_MAX; m *= 10) {
		int whole = 1;
		for (int i = -1; i < s->nstages && whole; i++) {
			double r = (i < 0 ? s->start_rate : s->stages[i].target) * (double)m;
			whole = fabs(r - nearbyint(r)) <= 1e-9 * (r > 1 ? r : 1);
		}
		if (whole)
			break;
	}
	while (m > 1 && top * (double)m > SCALED_RATE_MAX)
		m /= 10;
	return m;
}

/* A rate scaled by m, as an integer. */
static int64_t
scaled(double rate, int64_t m)
{
	assert(rate >= 0 && rate <= PLAN_MAX_RATE);
	return (int64_t)nearbyint(rate * (double)m);
}

/* 2 a e d + (b - a) e^2: 2U' * d times the iterations of a stage's first e ns. */
static inline i128
area2(i128 a, i128 b, i128 d, i128 e)
{
	return 2 * a * e * d + (b - a) * e * e;
}

/*
 * Smallest e in [0, d] with area2(e) >= wd, given area2(d) >= wd. Starts from the closed-form root
 * (the numerically stable form w / (a + sqrt(a^2 + (b - a) w / d))), gallops until the answer is
 * bracketed, then bisects: exact whatever the rounding of the guess.
 */
static int64_t
solve(int64_t a, int64_t b, int64_t d, i128 w)
{
	i128 wd = w * d;
	double disc = (double)a * (double)a + ((double)b - (double)a) * (double)w / (double)d;
	double den = (double)a + sqrt(disc > 0 ? disc : 0);
	double guess = den > 0 ? ceil((double)w / den) : (double)d;
	int64_t e, lo, hi, step = 1;

	e = guess < 0 ? 0 : guess > (double)d ? d : (int64_t)guess;
	if (area2(a, b, d, e) >= wd) {    /* invariant: area2(hi) >= wd, lo < 0 or area2(lo) < wd */
		hi = e;
		for (lo = e - 1; lo >= 0 && area2(a, b, d, lo) >= wd; lo = hi - step) {
			hi = lo;
			step *= 2;
		}
		if (lo < -1)
			lo = -1;
	} else {
		lo = e;
		for (hi = e + 1; hi < d && area2(a, b, d, hi) < wd; hi = lo + step) {
			lo = hi;
			step *= 2;
		}
		if (hi > d)
			hi = d;
	}
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;
		if (area2(a, b, d, mid) >= wd)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

void
executor_rate_constant(struct executor_rate *s, struct plan_stage *stage, double rate, int64_t time_unit_ns,
    int64_t duration_ns, int64_t graceful_stop_ns)
{
	stage->duration_ns = duration_ns;
	stage->target = rate;
	s->start_rate = rate;
	s->time_unit_ns = time_unit_ns;
	s->stages = stage;
	s->nstages = 1;
	s->graceful_stop_ns = graceful_stop_ns;
	s->first_at_zero = true;
}

int64_t
executor_rate_duration_ns(const struct executor_rate *s)
{
	return executor_stages_duration_ns(s->stages, s->nstages);
}

int64_t
executor_rate_end_ns(const struct executor_rate *s)
{
	assert(s->graceful_stop_ns >= 0);
	return executor_rate_duration_ns(s) + s->graceful_stop_ns;
}

/* floor(integral of the rate over [0, t]) for 0 <= t < duration, or -1 when the schedule has no
   area at all. */
static int64_t
whole_iterations(const struct executor_rate *s, int64_t t)
{
	int64_t m = scale_of(s), a = scaled(s->start_rate, m), start = 0;
	i128 unit2 = (i128)2 * s->time_unit_ns * m, acc = 0, total = 0;

	assert(s->time_unit_ns > 0);
	for (int i = 0; i < s->nstages; i++)
		total += (i128)s->stages[i].duration_ns *
		    (scaled(i ? s->stages[i - 1].target : s->start_rate, m) + scaled(s->stages[i].target, m));
	if (total == 0)
		return -1;
	for (int i = 0; i < s->nstages; i++) {
		int64_t d = s->stages[i].duration_ns, b = scaled(s->stages[i].target, m);
		if (d > 0 && t < start + d)
			return (int64_t)((acc + area2(a, b, d, t - start) / d) / unit2);
		acc += (i128)d * (a + b);
		start += d;
		a = b;
	}
	return (int64_t)(acc / unit2);
}

/* Iterations due by t without the cap at the total; t < duration. */
static int64_t
due_raw(const struct executor_rate *s, int64_t t)
{
	int64_t n = whole_iterations(s, t);

	if (n < 0)
		return 0;
	return s->first_at_zero ? n + 1 : n;
}

int64_t
executor_rate_total(const struct executor_rate *s)
{
	int64_t dur = executor_rate_duration_ns(s);

	return dur > 0 ? due_raw(s, dur - 1) : 0;
}

int64_t
executor_rate_due(const struct executor_rate *s, int64_t t)
{
	int64_t dur = executor_rate_duration_ns(s);

	if (t < 0 || dur == 0)
		return 0;
	return due_raw(s, t < dur ? t : dur - 1);
}

int64_t
executor_rate_time_of(const struct executor_rate *s, int64_t k)
{
	int64_t m, a, start = 0;
	i128 need, acc = 0;

	if (k < 0 || k >= executor_rate_total(s))
		return EXECUTOR_NEVER;
	m = scale_of(s);
	a = scaled(s->start_rate, m);
	/* k < total keeps this below the schedule's whole area: no overflow */
	need = (i128)2 * s->time_unit_ns * m * (s->first_at_zero ? k : k + 1);
	for (int i = 0; i < s->nstages; i++) {
		int64_t d = s->stages[i].duration_ns, b = scaled(s->stages[i].target, m);
		i128 area = (i128)d * (a + b);
		if (d > 0 && acc + area >= need)
			return start + solve(a, b, d, need - acc);
		acc += area;
		start += d;
		a = b;
	}
	assert(!"iteration within the total but beyond the stages");
	return EXECUTOR_NEVER;
}

double
executor_rate_at(const struct executor_rate *s, int64_t t)
{
	double a = s->start_rate;
	int64_t start = 0;

	if (t < 0)
		return 0;
	for (int i = 0; i < s->nstages; i++) {
		int64_t d = s->stages[i].duration_ns;
		double b = s->stages[i].target;
		if (d > 0 && t < start + d)
			return a + (b - a) * (double)(t - start) / (double)d;
		start += d;
		a = b;
	}
	return 0;
}

/* ---- iteration executors */

int64_t
executor_iters_total(const struct executor_iters *s)
{
	int64_t n;

	assert(s->vus >= 0 && s->iterations >= 0);
	if (s->shared)
		return s->iterations;
	return __builtin_mul_overflow(s->vus, s->iterations, &n) ? INT64_MAX : n;
}

int64_t
executor_iters_vus(const struct executor_iters *s)
{
	if (s->shared && s->iterations < s->vus)
		return s->iterations;
	return s->vus;
}

int64_t
executor_iters_quota(const struct executor_iters *s, int64_t vu)
{
	assert(vu >= 0 && vu < s->vus);
	if (!s->shared)
		return s->iterations;
	return executor_share(s->iterations, s->vus, vu);
}

int64_t
executor_iters_end_ns(const struct executor_iters *s)
{
	assert(s->max_duration_ns >= 0 && s->graceful_stop_ns >= 0);
	return s->max_duration_ns + s->graceful_stop_ns;
}
