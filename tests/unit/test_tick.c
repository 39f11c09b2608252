/*
 * test_tick: merging, resetting and summing ticks is exact. Two ticks filled with pseudo-random
 * requests, merged, must equal one tick that saw every request; tick_sum_total must equal recording
 * every request into the total directly; reset must leave nothing behind.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "metrics/hist.h"
#include "metrics/tick.h"
#include "testdef/plan.h"
#include "tap.h"

#define NEP 3

static uint64_t rng = 88172645463325252ULL;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Records one pseudo-random request of endpoint ep into t (and into its total if `total`). */
static void
record(struct tick *t, int ep, int total)
{
	struct tick_endpoint *e[2] = { &t->endpoints[ep], total ? &t->total : NULL };
	int status = (int)(next() % TICK_NSTATUS);
	enum tick_error err = (enum tick_error)(next() % TICK_NERR);
	uint64_t dur = next() % 5000000, svc = dur / 2, sent = next() % 1000, recv = next() % 100000;

	for (int i = 0; i < 2; i++) {
		if (e[i] == NULL)
			continue;
		e[i]->requests++;
		if (err != TICK_ERR_NONE || status < 200 || status > 399)
			e[i]->failed++;
		if (err != TICK_ERR_NONE)
			e[i]->errors[err]++;
		e[i]->status[status]++;
		e[i]->status_other += status == 99;
		e[i]->failed_status += status == 500;
		e[i]->bytes_sent += sent;
		e[i]->bytes_received += recv;
		for (int p = 0; p < TICK_NPHASE; p++) {
			e[i]->phase_sum_us[p] += (int64_t)(dur / (p + 2));
			if (e[i]->phase[p] != NULL)
				hist_record(e[i]->phase[p], dur / (p + 2));
		}
		hist_record(e[i]->duration, dur);
		hist_record(e[i]->service, svc);
	}
}

static int
endpoint_equal(const struct tick_endpoint *a, const struct tick_endpoint *b, int phases)
{
	if (a->requests != b->requests || a->failed != b->failed ||
	    memcmp(a->errors, b->errors, sizeof a->errors) != 0 ||
	    memcmp(a->status, b->status, sizeof a->status) != 0 ||
	    a->status_other != b->status_other || a->failed_status != b->failed_status ||
	    a->bytes_sent != b->bytes_sent || a->bytes_received != b->bytes_received ||
	    memcmp(a->phase_sum_us, b->phase_sum_us, sizeof a->phase_sum_us) != 0 ||
	    !hist_equal(a->duration, b->duration) || !hist_equal(a->service, b->service))
		return 0;
	for (int p = 0; phases && p < TICK_NPHASE; p++)
		if (!hist_equal(a->phase[p], b->phase[p]))
			return 0;
	return 1;
}

static int
endpoint_empty(const struct tick_endpoint *e)
{
	static const struct tick_endpoint zero;

	if (e->requests || e->failed || memcmp(e->errors, zero.errors, sizeof e->errors) ||
	    memcmp(e->status, zero.status, sizeof e->status) || e->status_other || e->failed_status ||
	    e->bytes_sent || e->bytes_received ||
	    memcmp(e->phase_sum_us, zero.phase_sum_us, sizeof e->phase_sum_us) ||
	    hist_count(e->duration) || hist_count(e->service))
		return 0;
	for (int p = 0; p < TICK_NPHASE; p++)
		if (e->phase[p] != NULL && hist_count(e->phase[p]) != 0)
			return 0;
	return 1;
}

/*
 * tick_record against the same request counted by hand, the way vu.c (endpoints, with the worker's
 * phase histograms) and threshold.c (series, without) each did before they shared it.
 */
static void
test_record(const struct plan *plan)
{
	struct tick *t = tick_new(plan, 0), *ref = tick_new(plan, 1);
	struct hist *phase[NEP * TICK_NPHASE];
	int same = 1;

	for (int i = 0; i < NEP * TICK_NPHASE; i++)
		phase[i] = hist_new();
	for (int i = 0; i < 20000; i++) {
		int e = (int)(next() % NEP), status = (int)(next() % 700);    /* some beyond TICK_NSTATUS */
		enum tick_error err = (enum tick_error)(next() % TICK_NERR);
		int64_t ph[TICK_NPHASE], svc = (int64_t)(next() % 5000000), dur = svc + (int64_t)(next() % 1000);
		struct tick_endpoint *r = &ref->endpoints[e];
		struct tick_sample s = { .error = err, .status = status, .failed = next() % 3 == 0,
		    .bytes_sent = next() % 1000, .bytes_received = next() % 100000, .phase_us = ph,
		    .service_us = svc, .duration_us = dur };

		for (int p = 0; p < TICK_NPHASE; p++)
			ph[p] = (int64_t)(next() % 100000);
		tick_record(&t->endpoints[e], &phase[e * TICK_NPHASE], &s);
		r->requests++;
		if (s.failed)
			r->failed++;
		if (err != TICK_ERR_NONE) {
			r->errors[err]++;
			r->status[0]++;
		} else if (status >= 100 && status < TICK_NSTATUS) {
			r->status[status]++;
		} else {
			r->status_other++;
		}
		if (err == TICK_ERR_NONE && s.failed && (status < 200 || status > 399))
			r->failed_status++;
		r->bytes_sent += s.bytes_sent;
		r->bytes_received += s.bytes_received;
		for (int p = 0; p < TICK_NPHASE; p++) {
			r->phase_sum_us[p] += ph[p];
			hist_record(r->phase[p], (uint64_t)ph[p]);
		}
		hist_record(r->service, (uint64_t)svc);
		hist_record(r->duration, (uint64_t)dur);
	}
	for (int e = 0; e < NEP; e++) {
		same &= endpoint_equal(&t->endpoints[e], &ref->endpoints[e], 0);
		for (int p = 0; p < TICK_NPHASE; p++)
			same &= hist_equal(phase[e * TICK_NPHASE + p], ref->endpoints[e].phase[p]);
	}
	ok(same, "tick_record counts exactly what was counted by hand, phase histograms included");
	is_int(t->endpoints[0].errors[TICK_ERR_NONE], 0, "a request without error counts no error kind");

	/* no phase histograms (a series); negative times count as 0 */
	int64_t neg[TICK_NPHASE] = { -5, -1, 0, -7, 3, -2 };
	struct tick_sample s = { .status = 200, .phase_us = neg, .service_us = -3, .duration_us = -1 };
	struct tick *one = tick_new(plan, 0);
	tick_record(&one->endpoints[1], NULL, &s);
	is_int(one->endpoints[1].requests, 1, "counted once without phase histograms");
	ok(one->endpoints[1].phase_sum_us[TICK_PHASE_BLOCKED] == 0 &&
	    one->endpoints[1].phase_sum_us[TICK_PHASE_WAITING] == 3, "negative phases count as 0");
	ok(hist_count(one->endpoints[1].service) == 1 && hist_max(one->endpoints[1].service) == 0 &&
	    hist_max(one->endpoints[1].duration) == 0, "negative times are recorded as 0");
	is_int(one->endpoints[1].failed, 0, "failed only when the caller says so");

	for (int i = 0; i < NEP * TICK_NPHASE; i++)
		hist_free(phase[i]);
	tick_free(one);
	tick_free(t);
	tick_free(ref);
}

/*
 * The cases, one request each: every request lands in exactly one of the failure kinds or
 * the status classes (status[0] for the kinds, status_other outside 100-599), never in both.
 */
static void
test_classes(const struct plan *plan)
{
	struct tick *t = tick_new(plan, 0);
	struct tick_endpoint *ep = &t->endpoints[0];
	int64_t ph[TICK_NPHASE] = { 0 };
	struct tick_sample s = { .phase_us = ph };
	uint64_t classes = 0, kinds = 0;

	s = (struct tick_sample){ .error = TICK_ERR_RESET, .status = 200, .failed = true, .phase_us = ph };
	tick_record(ep, NULL, &s);         /* a body cut after "200 OK" */
	is_int(ep->status[200], 0, "a reset after a 200 status line is not a 2xx");
	is_int(ep->errors[TICK_ERR_RESET], 1, "it is a reset");
	is_int(ep->status[0], 1, "and counts as no response");
	s = (struct tick_sample){ .status = 999, .failed = true, .phase_us = ph };
	tick_record(ep, NULL, &s);
	is_int(ep->status_other, 1, "status 999 is status_other");
	is_int(ep->failed_status, 1, "and fails by its status (kind http_status)");
	s = (struct tick_sample){ .status = 503, .failed = true, .phase_us = ph };
	tick_record(ep, NULL, &s);
	ok(ep->status[503] == 1 && ep->failed_status == 2, "a failed 503 is a 5xx and an http_status");
	s = (struct tick_sample){ .status = 200, .failed = true, .phase_us = ph };
	tick_record(ep, NULL, &s);         /* a failRequest check */
	ok(ep->status[200] == 1 && ep->failed_status == 2, "a 200 failed by a check is no http_status");
	s = (struct tick_sample){ .status = 101, .phase_us = ph };
	tick_record(ep, NULL, &s);
	is_int(ep->status[101], 1, "a final 101 is a 1xx");
	s = (struct tick_sample){ .error = TICK_ERR_TOO_LARGE, .status = 200, .failed = true,
	    .phase_us = ph };
	tick_record(ep, NULL, &s);
	is_int(ep->errors[TICK_ERR_TOO_LARGE], 1, "too large headers are too_large");
	s = (struct tick_sample){ .error = TICK_ERR_BLOCKED, .status = 302, .failed = true,
	    .phase_us = ph };
	tick_record(ep, NULL, &s);
	ok(ep->errors[TICK_ERR_BLOCKED] == 1 && ep->status[302] == 0,
	    "a redirect the guard blocked is blocked, not a 3xx");
	for (int i = 1; i < TICK_NERR; i++)
		kinds += ep->errors[i];
	for (int c = 100; c < TICK_NSTATUS; c++)
		classes += ep->status[c];
	classes += ep->status_other;
	is_int(kinds, ep->status[0], "status[0] counts exactly the requests with a kind");
	is_int(kinds + classes, ep->requests, "kinds and classes add up to the requests");
	is_str(tick_error_name(TICK_ERR_TOO_LARGE), "too_large", "error name: too_large");
	is_str(tick_error_name(TICK_ERR_BLOCKED), "blocked", "error name: blocked");
	tick_free(t);
}

int
main(void)
{
	struct plan_endpoint eps[NEP] = { { "a", "GET" }, { "b", "GET" }, { "c", "POST" } };
	struct plan plan = { .name = "t", .endpoints = eps, .nendpoints = NEP };

	is_str(tick_error_name(TICK_ERR_CONNECT), "connect", "error name: connect");
	is_str(tick_error_name(TICK_ERR_RESET), "reset", "error name: reset");

	struct tick *a = tick_new(&plan, 0), *b = tick_new(&plan, 0), *ref = tick_new(&plan, 0);
	struct tick *whole = tick_new(&plan, 1), *whole_ref = tick_new(&plan, 1);

	is_int(a->nendpoints, NEP, "a per-second tick has one slot per endpoint");
	is_int(a->second, 0, "a per-second tick starts at second 0");
	is_int(whole->second, -1, "a whole-run tick is second -1");
	ok(a->endpoints[0].phase[0] == NULL && a->total.phase[TICK_NPHASE - 1] == NULL,
	    "per-second ticks have no phase histograms");
	ok(whole->endpoints[2].phase[TICK_PHASE_RECEIVING] != NULL && whole->total.phase[0] != NULL,
	    "whole-run ticks have phase histograms, total included");

	/* 1. merge(a, b) == everything recorded into one tick */
	for (int i = 0; i < 20000; i++) {
		int ep = (int)(next() % NEP);
		uint64_t save = rng;
		record(i % 3 == 0 ? b : a, ep, 0);
		rng = save;
		record(ref, ep, 0);
	}
	a->iterations = 7; b->iterations = 5; ref->iterations = 12;
	a->interrupted_iterations = 1; b->interrupted_iterations = 2; ref->interrupted_iterations = 3;
	a->dropped_iterations = 10; b->dropped_iterations = 0; ref->dropped_iterations = 10;
	a->late_starts = 4; b->late_starts = 6; ref->late_starts = 10;
	hist_record(a->iteration_duration, 100); hist_record(b->iteration_duration, 250000);
	hist_record(ref->iteration_duration, 100); hist_record(ref->iteration_duration, 250000);
	a->vus = 3; b->vus = 8; a->vus_max = 10; b->vus_max = 9;
	a->loop_lag_max_us = 200; b->loop_lag_max_us = 15000;
	a->loop_lag_over_10ms = 0; b->loop_lag_over_10ms = 1;
	a->cpu_pct = 40; b->cpu_pct = 70;
	tick_merge(a, b);
	int same = 1;
	for (int i = 0; i < NEP; i++)
		same &= endpoint_equal(&a->endpoints[i], &ref->endpoints[i], 0);
	ok(same, "merged endpoints equal the endpoints of one tick that saw every request");
	is_int(a->iterations, 12, "iterations add up");
	is_int(a->interrupted_iterations, 3, "interrupted iterations add up");
	is_int(a->dropped_iterations, 10, "dropped iterations add up");
	is_int(a->late_starts, 10, "late starts add up");
	ok(hist_equal(a->iteration_duration, ref->iteration_duration), "iteration durations merge");
	is_int(a->vus, 8, "vus: merge keeps the max");
	is_int(a->vus_max, 10, "vus_max: merge keeps the max");
	is_int(a->loop_lag_max_us, 15000, "loop lag: merge keeps the worst");
	is_int(a->loop_lag_over_10ms, 1, "seconds with lag > 10 ms add up");
	ok(a->cpu_pct == 70, "cpu: merge keeps the max");

	/* 2. sum_total == recording into the total directly */
	struct tick *direct = tick_new(&plan, 0), *summed = tick_new(&plan, 0);
	for (int i = 0; i < 5000; i++) {
		int ep = (int)(next() % NEP);
		uint64_t save = rng;
		record(summed, ep, 0);
		rng = save;
		record(direct, ep, 1);
	}
	summed->total.requests += 99;  /* junk in the total that sum_total must discard */
	hist_record(summed->total.duration, 1);
	tick_sum_total(summed);
	ok(endpoint_equal(&summed->total, &direct->total, 0), "sum_total equals recording into the total");
	is_int(summed->total.requests, 5000, "sum_total counts every request once");

	/* 3. whole-run ticks: phases merge between whole-run ticks, and are left alone by seconds */
	for (int i = 0; i < 3000; i++) {
		int ep = (int)(next() % NEP);
		uint64_t save = rng;
		record(whole, ep, 1);
		rng = save;
		record(whole_ref, ep, 1);
	}
	struct tick *whole2 = tick_new(&plan, 1);
	tick_merge(whole2, whole);
	same = endpoint_equal(&whole2->total, &whole_ref->total, 1);
	for (int i = 0; i < NEP; i++)
		same &= endpoint_equal(&whole2->endpoints[i], &whole_ref->endpoints[i], 1);
	ok(same, "whole-run merge carries the phase histograms");
	tick_merge(whole2, a);     /* a second without phases */
	is_int(hist_count(whole2->endpoints[0].phase[0]), hist_count(whole_ref->endpoints[0].phase[0]),
	    "merging a second leaves the phase histograms alone");
	is_int(whole2->endpoints[1].requests, whole_ref->endpoints[1].requests + a->endpoints[1].requests,
	    "... and adds its counters");

	/* 4. reset empties everything and the tick is reusable */
	tick_reset(a);
	tick_reset(whole2);
	same = endpoint_empty(&a->total) && endpoint_empty(&whole2->total);
	for (int i = 0; i < NEP; i++)
		same &= endpoint_empty(&a->endpoints[i]) && endpoint_empty(&whole2->endpoints[i]);
	ok(same, "reset empties every counter and histogram");
	ok(a->iterations == 0 && a->interrupted_iterations == 0 && a->dropped_iterations == 0 &&
	    a->late_starts == 0 && hist_count(a->iteration_duration) == 0 && a->vus == 0 &&
	    a->vus_max == 0 && a->cpu_pct == 0 && a->loop_lag_max_us == 0 && a->loop_lag_over_10ms == 0,
	    "reset zeroes iterations and gauges");
	ok(whole2->endpoints[0].phase[0] != NULL, "reset keeps the histograms");
	tick_merge(a, ref);
	same = 1;
	for (int i = 0; i < NEP; i++)
		same &= endpoint_equal(&a->endpoints[i], &ref->endpoints[i], 0);
	ok(same, "a reset tick merges like a new one");

	tick_free(a);
	tick_free(b);
	tick_free(ref);
	tick_free(whole);
	tick_free(whole2);
	tick_free(whole_ref);
	tick_free(direct);
	tick_free(summed);
	tick_free(NULL);
	test_record(&plan);
	test_classes(&plan);
	return done_testing();
}
