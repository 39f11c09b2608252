/*
 * test_findings: the findings' detectors (metrics/findings.h) on synthetic per-second series with
 * fixed seeds: the capacity knee within one second of where it was placed (and no knee on a linear
 * ramp), the p95 and error-rate crossings, the spike's recovery time within 2 s (and "did not
 * recover"), the Theil-Sen drift slope within 10% and no drift on flat noise (the false-positive
 * rates measured are printed as diagnostics and quoted in docs/findings.md), the plan's load at a
 * time, and availability and distribution from a whole-run tick.
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "metrics/findings.h"
#include "metrics/summary.h"
#include "metrics/tick.h"
#include "testdef/plan.h"
#include "tap.h"

#define TRIALS 300

static uint64_t rng_state = 0x5eed1414u;

static uint64_t
rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static double
uniform(void)
{
	return ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0;
}

/* A standard normal draw (Box-Muller). */
static double
gauss(void)
{
	return sqrt(-2.0 * log(uniform())) * cos(2 * M_PI * uniform());
}

static double noise = 0.03;        /* of the throughput, in the ramps */

static uint32_t
count(double v)
{
	return v < 0 ? 0 : (uint32_t)lround(v);
}

/* A ramp of load t+1 over n s; throughput 10/s per unit up to knee_load, flat after it (`noise`);
   p95 5 ms, 30 ms from p95_load on; 5% errors from err_load on. knee_load 0: no knee. */
static void
ramp(struct findings_second *s, int n, double knee_load, double p95_load, double err_load)
{
	for (int t = 0; t < n; t++) {
		double load = t + 1, x = knee_load > 0 && load > knee_load ? knee_load : load;
		s[t].load = (float)load;
		s[t].requests = count(10 * x * (1 + noise * gauss()));
		s[t].p95_ms = (float)((p95_load > 0 && load >= p95_load ? 30 : 5) * (1 + 0.05 * gauss()));
		s[t].failed = err_load > 0 && load >= err_load ? count(0.05 * s[t].requests) : 0;
	}
}

static void
test_knee(void)
{
	struct findings_second s[80];
	struct findings_knee k;
	int fp = 0, p95_ok = 0, err_ok = 0;

	/* throughput noise of 1% and of 3% of the second's requests */
	for (int pass = 0; pass < 2; pass++) {
		int within1 = 0, within2 = 0;
		noise = pass == 0 ? 0.01 : 0.03;
		for (int i = 0; i < TRIALS; i++) {
			int knee = 15 + (int)(uniform() * 40);      /* load 15..54: second knee-1 */
			ramp(s, 70, knee, knee + 5, knee + 10);
			findings_knee(s, 70, &k);
			within1 += k.knee_second >= 0 && llabs(k.knee_second - (knee - 1)) <= 1;
			within2 += k.knee_second >= 0 && llabs(k.knee_second - (knee - 1)) <= 2;
			p95_ok += k.p95_second == knee + 4;
			err_ok += k.err_second == knee + 9;
		}
		printf("# knee within 1 s with %.0f%% noise: %d of %d trials\n", 100 * noise, within1,
		    TRIALS);
		if (pass == 0)
			is_int(within1, TRIALS, "1%% noise: the knee within one second of where it was "
			    "placed, %d trials", TRIALS);
		else
			ok(within1 >= TRIALS * 97 / 100 && within2 == TRIALS, "3%% noise: the knee within "
			    "one second in >= 97%% of trials (%d), within two in all (%d)", within1, within2);
	}
	is_int(p95_ok, 2 * TRIALS, "p95 > 3x its low-load value: found at the second it was placed");
	is_int(err_ok, 2 * TRIALS, "error rate > 1%%: found at the second it was placed");
	for (int i = 0; i < TRIALS; i++) {
		ramp(s, 70, 0, 0, 0);
		findings_knee(s, 70, &k);
		fp += k.knee_second >= 0;
	}
	printf("# knee on a linear ramp with 3%% noise: %d of %d trials (%.1f%%)\n", fp, TRIALS,
	    100.0 * fp / TRIALS);
	ok(fp <= TRIALS / 50, "a linear ramp has no knee in at least 98%% of trials (%d found)", fp);
	ok(k.ramp && k.ramp_start == 0 && k.ramp_end == 69, "the ramp spans the seconds up to the peak");
	ok(k.p95_second == -1 && k.err_second == -1, "no latency or error crossing on a healthy ramp");

	/* flat load: no ramp */
	for (int t = 0; t < 70; t++)
		s[t].load = 10;
	ok(!findings_knee(s, 70, &k), "constant load is no ramp");
}

/* base load 10 for 40 s, up to 50 over 5 s, 20 s held, down over 5 s, then `after` s at 10; p95
   100 ms and 5% errors from the rise until `recover` s after the spike ended (-1: never). */
static int
spike(struct findings_second *s, int after, int recover)
{
	int n = 0, end;

	for (int t = 0; t < 40; t++)
		s[n++].load = 10;
	for (int t = 1; t <= 5; t++)
		s[n++].load = (float)(10 + 8 * t);
	for (int t = 0; t < 20; t++)
		s[n++].load = 50;
	for (int t = 1; t <= 5; t++)
		s[n++].load = (float)(50 - 8 * t);
	end = n - 1;       /* the first second back at 10 */
	for (int t = 0; t < after; t++)
		s[n++].load = 10;
	for (int t = 0; t < n; t++) {
		bool bad = t >= 40 && (recover < 0 || t < end + recover);
		s[t].requests = count(s[t].load * 10 * (1 + 0.03 * gauss()));
		s[t].p95_ms = (float)((bad ? 100 : 10) * (1 + 0.05 * gauss()));
		s[t].failed = bad ? count(0.05 * s[t].requests) : 0;
	}
	return n;
}

static void
test_spike(void)
{
	struct findings_second s[200];
	struct findings_spike sp;
	int within = 0, n;

	for (int i = 0; i < TRIALS; i++) {
		int r = (int)(uniform() * 40);
		n = spike(s, 60, r);
		findings_spike(s, n, &sp);
		within += sp.spike && sp.recovery_s >= 0 && llabs(sp.recovery_s - r) <= 2;
	}
	is_int(within, TRIALS, "recovery time within 2 s of where it was placed, %d trials", TRIALS);
	ok(sp.base_load == 10 && sp.peak_load == 50 && sp.rise == 39, "base %g, peak %g, rise at %lld",
	    sp.base_load, sp.peak_load, (long long)sp.rise);
	ok(fabs(sp.pre_p95_ms - 10) < 1, "pre-spike p95 %.2f ms", sp.pre_p95_ms);
	n = spike(s, 60, -1);
	ok(findings_spike(s, n, &sp) && sp.recovery_s == -1 && sp.recovered_second == -1,
	    "a target that stays slow did not recover");
	n = spike(s, 60, 55);
	ok(findings_spike(s, n, &sp) && sp.recovery_s == -1,
	    "recovery needs %d good seconds in a row before the run ends", FINDINGS_RECOVERY_RUN);
	/* a ramp up and down to nothing is no spike: nothing after it to recover */
	for (int t = 0; t < 60; t++)
		s[t].load = (float)(t < 30 ? t + 1 : 60 - t - 1);
	ok(!findings_spike(s, 60, &sp), "a ramp from and back to 0 is no spike");
}

/* a steady hour: p95 = 20 ms + slope ms/h, per-second gaussian noise of 2 ms; 200 req/s */
static void
steady(struct findings_second *s, int n, double slope_ms_h)
{
	for (int t = 0; t < n; t++) {
		s[t].load = 20;
		s[t].requests = count(200 + 10 * gauss());
		s[t].p95_ms = (float)(20 + slope_ms_h * t / 3600.0 + 2 * gauss());
		s[t].failed = 0;
	}
}

static void
test_drift(void)
{
	enum { N = 3600 };
	struct findings_second *s = calloc(N, sizeof *s);
	struct findings_drift d[4];
	int within = 0, fp = 0, nd = 0, trials = 100;

	for (int i = 0; i < trials; i++) {
		double slope = 5 + uniform() * 45;
		steady(s, N, slope);
		nd = findings_drift(s, N, 600, d, 4);
		within += nd == 1 && fabs(d[0].p95_ms.slope - slope) <= 0.1 * slope &&
		    d[0].p95_ms.significant;
	}
	is_int(within, trials, "drift slope within 10%% and significant, %d trials", trials);
	ok(nd == 1 && d[0].window_s == 60 && d[0].start == 0 && d[0].end == N,
	    "one steady stage, one-minute means");
	for (int i = 0; i < TRIALS; i++) {
		steady(s, N, 0);
		nd = findings_drift(s, N, 600, d, 4);
		fp += nd == 1 && (d[0].p95_ms.significant || d[0].rps.significant ||
		    d[0].err_pct.significant);
	}
	printf("# drift reported on flat noise: %d of %d trials (%.1f%%)\n", fp, TRIALS,
	    100.0 * fp / TRIALS);
	ok(fp <= TRIALS / 20, "flat noise reports drift in at most 5%% of trials (%d)", fp);
	/* a stage shorter than driftMinSteady is not judged */
	steady(s, 500, 50);
	is_int(findings_drift(s, 500, 600, d, 4), 0, "a 500 s stage is below a 600 s driftMinSteady");
	is_int(findings_drift(s, 500, 60, d, 4), 1, "and is judged when driftMinSteady is 60 s");
	ok(d[0].window_s == 49 && d[0].points == 10, "short stages: ten windows (%d s, %d points)",
	    d[0].window_s, d[0].points);
	free(s);

	/* Theil-Sen resists outliers: a line with two wild points */
	double x[20], y[20];
	struct findings_slope sl;
	for (int i = 0; i < 20; i++) {
		x[i] = i * 60.0;
		y[i] = 100 + i;        /* 1 per minute: 60 per hour */
	}
	y[3] = 1e6;
	y[17] = -1e6;
	findings_theil_sen(x, y, 20, 0, &sl);
	ok(fabs(sl.slope - 60) < 1e-9, "Theil-Sen slope %.3f/h ignores two outliers", sl.slope);
}

static void
test_load(void)
{
	struct plan_stage st[2] = { { 10000000000LL, 10 }, { 10000000000LL, 10 } };
	struct plan_scenario sc = { .executor = PLAN_RAMPING_VUS, .start_vus = 0, .stages = st,
	    .nstages = 2 };
	struct plan p = { .scenarios = &sc, .nscenarios = 1 };

	ok(fabs(findings_load_at(&p, 5000000000LL) - 5) < 1e-9, "ramping-vus: 5 VUs at 5 s");
	ok(fabs(findings_load_at(&p, 15000000000LL) - 10) < 1e-9, "10 VUs while held");
	is_int((int)findings_load_at(&p, 25000000000LL), 0, "no load after the stages");
	sc.executor = PLAN_RAMPING_ARRIVAL_RATE;
	sc.time_unit_ns = 100000000LL;     /* per 100 ms: 10x per second */
	ok(fabs(findings_load_at(&p, 5000000000LL) - 50) < 1e-9, "ramping-arrival-rate: per second");
	sc.executor = PLAN_SHARED_ITERATIONS;
	ok(findings_load_at(&p, 5000000000LL) < 0, "iteration executors: unknown");
}

static void
test_whole(void)
{
	struct plan_endpoint eps[2] = { { .name = "a" }, { .name = "b" } };
	struct plan_group grp = { .name = "a", .source = "header X-Node" };
	struct plan p = { .endpoints = eps, .nendpoints = 2, .groups = &grp, .ngroups = 1 };
	struct tick *w = tick_new(&p, 1);
	struct summary_run run = { .plan = &p, .whole = w };
	json_t *list, *f, *num;
	size_t i;

	w->endpoints[0].requests = 100;
	w->endpoints[0].status[200] = 90;
	w->endpoints[0].status[404] = 5;
	w->endpoints[0].status[503] = 3;
	w->endpoints[0].errors[TICK_ERR_CONNECT] = 1;
	w->endpoints[0].errors[TICK_ERR_TIMEOUT] = 1;
	w->endpoints[0].status[0] = 2;
	w->endpoints[1].requests = 50;
	w->endpoints[1].status[200] = 50;
	tick_sum_total(w);
	tick_group_add(&w->groups[0], "n1", 2, 60);
	tick_group_add(&w->groups[0], "n2", 2, 20);
	tick_group_add(&w->groups[0], "n3", 2, 20);

	list = findings_json(NULL, &run);
	f = NULL;
	json_array_foreach(list, i, f)
		if (strcmp(json_string_value(json_object_get(f, "kind")), "availability") == 0)
			break;
	ok(f != NULL && i < json_array_size(list), "an availability finding");
	num = json_object_get(f, "numbers");
	is_int(json_integer_value(json_object_get(num, "requests")), 150, "over every request");
	is_int(json_integer_value(json_object_get(num, "unavailable")), 5,
	    "3 x 503 and 2 without a response are unavailable; 404s are not");
	ok(fabs(json_real_value(json_object_get(num, "availability")) - (1 - 5.0 / 150)) < 1e-12,
	    "availability 1 - 5/150");
	is_str(json_string_value(json_object_get(f, "severity")), "red flag", "96.7%% is a red flag");
	json_t *e0 = json_array_get(json_object_get(num, "endpoints"), 0);
	ok(fabs(json_real_value(json_object_get(e0, "availability")) - 0.95) < 1e-12,
	    "per endpoint: a 95%%");
	json_array_foreach(list, i, f)
		if (strcmp(json_string_value(json_object_get(f, "kind")), "distribution") == 0)
			break;
	ok(i < json_array_size(list), "a distribution finding");
	is_str(json_string_value(json_object_get(f, "severity")), "warning sign",
	    "60%% of three values is above 1.5x the even share");
	num = json_object_get(f, "numbers");
	ok(fabs(json_real_value(json_object_get(num, "max_min_ratio")) - 3) < 1e-9, "max/min 3");
	ok(fabs(json_real_value(json_object_get(json_object_get(num, "shares"), "n1")) - 0.6) < 1e-12,
	    "n1's share 0.6");
	json_decref(list);

	/* an even spread and full availability */
	tick_reset(w);
	w->endpoints[0].requests = w->endpoints[0].status[200] = 1000;
	tick_sum_total(w);
	tick_group_add(&w->groups[0], "n1", 2, 34);
	tick_group_add(&w->groups[0], "n2", 2, 33);
	tick_group_add(&w->groups[0], "n3", 2, 33);
	list = findings_json(NULL, &run);
	is_int(json_array_size(list), 2, "two findings");
	json_array_foreach(list, i, f)
		is_str(json_string_value(json_object_get(f, "severity")), "good sign", "%s: good sign",
		    json_string_value(json_object_get(f, "id")));
	json_decref(list);
	tick_free(w);
}

int
main(void)
{
	test_knee();
	test_spike();
	test_drift();
	test_load();
	test_whole();
	return done_testing();
}
