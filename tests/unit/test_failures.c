/*
 * test_failures: the bounded set of distinct failure messages. Counts land in one entry per
 * (endpoint, kind, message); the caps (per endpoint, per run) send the rest to "(other messages)"
 * with every failure still counted once; merging keeps the caps and the seconds; libcurl's timings
 * are taken out of messages; the early alarm fires once, only when nearly every request failed.
 */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/failures.h"
#include "testdef/plan.h"
#include "tap.h"

/* Sum of the counts of endpoint ep (-1: all). */
static uint64_t
sum(const struct failures *f, int ep)
{
	uint64_t n = 0;

	for (int i = 0; i < failures_n(f); i++)
		if (ep < 0 || failures_get(f, i)->endpoint == ep)
			n += failures_get(f, i)->count;
	return n;
}

/* Entries of endpoint ep that are messages (not "(other messages)"). */
static int
distinct(const struct failures *f, int ep)
{
	int n = 0;

	for (int i = 0; i < failures_n(f); i++)
		n += failures_get(f, i)->endpoint == ep && !failures_get(f, i)->other;
	return n;
}

static void
test_basic(void)
{
	struct failures *f = failures_new(2);
	const char *m = "Failed to connect to 127.0.0.1 port 9: Couldn't connect to server";
	const struct failure *e;

	failures_add(f, 0, FAILURE_REFUSED, m, strlen(m), 1, -1, -1);
	failures_add(f, 0, FAILURE_REFUSED, m, strlen(m), 2, -1, -1);
	failures_add(f, 1, FAILURE_REFUSED, m, strlen(m), 1, -1, -1);      /* another endpoint */
	failures_add(f, 0, FAILURE_HTTP_STATUS, "HTTP 503", 8, 4, -1, -1);
	failures_add(f, 0, FAILURE_TIMEOUT, m, strlen(m), 1, -1, -1);      /* another kind */
	is_int(failures_n(f), 4, "one entry per endpoint, kind and message");
	e = failures_get(f, 0);
	is_int(e->count, 3, "the same message counts in one entry");
	is_str(e->message, m, "the message is kept");
	is_int(e->first, -1, "seconds unknown until merged");
	is_int(failures_total(f), 9, "total counts every failure");
	is_str(failures_dominant(f)->message, "HTTP 503", "dominant: the largest count");

	failures_reset(f);
	is_int(failures_n(f), 0, "reset empties");
	is_int(failures_total(f), 0, "reset zeroes the total");
	failures_add(f, 1, FAILURE_DNS, "x", 1, 1, 5, 5);
	is_int(failures_n(f), 1, "usable after a reset");
	is_int(failures_get(f, 0)->first, 5, "first second kept");
	failures_free(f);
}

static void
test_truncation(void)
{
	struct failures *f = failures_new(1);
	char big[600], other[600];

	memset(big, 'a', sizeof big);
	memcpy(other, big, sizeof other);
	other[500] = 'b';          /* differs only after the cut: the same message */
	failures_add(f, 0, FAILURE_OTHER, big, sizeof big, 1, 0, 0);
	failures_add(f, 0, FAILURE_OTHER, other, sizeof other, 1, 0, 0);
	is_int(failures_n(f), 1, "messages are compared after the cut");
	is_int(failures_get(f, 0)->len, FAILURES_MESSAGE_MAX, "cut to FAILURES_MESSAGE_MAX bytes");
	is_int(strlen(failures_get(f, 0)->message), FAILURES_MESSAGE_MAX, "NUL-terminated");

	/* a cut never splits a UTF-8 character */
	failures_reset(f);
	memset(big, 'a', sizeof big);
	memcpy(big + FAILURES_MESSAGE_MAX - 1, "\xc3\xa9", 2);   /* é across the limit */
	failures_add(f, 0, FAILURE_OTHER, big, sizeof big, 1, 0, 0);
	is_int(failures_get(f, 0)->len, FAILURES_MESSAGE_MAX - 1, "the cut backs off a split character");
	failures_free(f);
}

static void
test_caps(void)
{
	struct failures *f = failures_new(10);
	char msg[32];
	uint64_t all = 0;

	/* endpoint 0: 100 distinct messages, twice each */
	for (int r = 0; r < 2; r++)
		for (int i = 0; i < 100; i++) {
			int n = snprintf(msg, sizeof msg, "HTTP %d", 400 + i);
			failures_add(f, 0, FAILURE_HTTP_STATUS, msg, (size_t)n, 1, r, r);
			all++;
		}
	is_int(distinct(f, 0), FAILURES_ENDPOINT_MAX, "at most FAILURES_ENDPOINT_MAX per endpoint");
	is_int(sum(f, 0), 200, "the rest counted as (other messages): nothing lost");
	{
		struct failure key = { .endpoint = 0, .kind = FAILURE_HTTP_STATUS };
		const struct failure *o;
		key.len = (uint16_t)snprintf(key.message, sizeof key.message, "HTTP %d", 499);
		o = failures_find(f, &key);
		ok(o != NULL && o->other, "a message without room is found as its (other messages)");
		is_int(o != NULL ? o->count : 0, 2 * (100 - FAILURES_ENDPOINT_MAX), "... with its count");
		is_str(o != NULL ? o->message : "", FAILURES_OTHER_TEXT, "... named so");
		is_int(o != NULL ? o->first : -2, 0, "... first second");
		is_int(o != NULL ? o->last : -2, 1, "... last second");
	}
	/* endpoints 1..9: 32 each would be 288 > FAILURES_RUN_MAX */
	for (int ep = 1; ep < 10; ep++)
		for (int i = 0; i < 40; i++) {
			int n = snprintf(msg, sizeof msg, "m %d", i);
			failures_add(f, ep, FAILURE_RESET, msg, (size_t)n, 1, 3, 3);
			all++;
		}
	{
		int real = 0;
		for (int i = 0; i < failures_n(f); i++)
			real += !failures_get(f, i)->other;
		is_int(real, FAILURES_RUN_MAX, "at most FAILURES_RUN_MAX in all");
	}
	is_int(sum(f, -1), all, "every failure counted once");
	is_int(failures_total(f), all, "total agrees");
	for (int ep = 1; ep < 10; ep++)
		if (sum(f, ep) != 40)
			break;
		else if (ep == 9)
			ok(1, "each endpoint's counts add up to its failures");
	failures_free(f);
}

static void
test_merge(void)
{
	struct failures *w1 = failures_new(1), *w2 = failures_new(1), *sec = failures_new(1),
	    *run = failures_new(1);
	char msg[32];

	failures_add(w1, 0, FAILURE_REFUSED, "refused", 7, 5, -1, -1);
	failures_add(w2, 0, FAILURE_REFUSED, "refused", 7, 3, -1, -1);
	failures_add(w2, 0, FAILURE_TIMEOUT, "timed out", 9, 1, -1, -1);
	failures_merge(sec, w1, 4);
	failures_merge(sec, w2, 4);
	is_int(failures_n(sec), 2, "workers' entries merge by message");
	is_int(failures_get(sec, 0)->count, 8, "counts add");
	is_int(failures_get(sec, 0)->first, 4, "unknown seconds take the tick's second");
	failures_merge(run, sec, -1);
	failures_reset(sec);
	failures_add(sec, 0, FAILURE_REFUSED, "refused", 7, 2, 7, 7);
	failures_merge(run, sec, -1);
	is_int(failures_get(run, 0)->count, 10, "the run's count");
	is_int(failures_get(run, 0)->first, 4, "the run's first second");
	is_int(failures_get(run, 0)->last, 7, "the run's last second");

	/* a second's overflow stays counted in the run's */
	failures_reset(sec);
	for (int i = 0; i < 50; i++) {
		int n = snprintf(msg, sizeof msg, "HTTP %d", 500 + i);
		failures_add(sec, 0, FAILURE_HTTP_STATUS, msg, (size_t)n, 1, 9, 9);
	}
	failures_merge(run, sec, -1);
	is_int(sum(run, 0), 10 + 1 + 50, "merged overflow counted");
	is_int(distinct(run, 0), FAILURES_ENDPOINT_MAX, "the cap holds in the merge");
	failures_free(w1);
	failures_free(w2);
	failures_free(sec);
	failures_free(run);
}

static void
test_normalize(void)
{
	char b[256];

	failures_normalize(b, sizeof b, "Failed to connect to 127.0.0.1 port 9 after 0 ms: "
	    "Couldn't connect to server");
	is_str(b, "Failed to connect to 127.0.0.1 port 9: Couldn't connect to server", "connect: no ms");
	failures_normalize(b, sizeof b, "Operation timed out after 1001 milliseconds with 0 out of 10 "
	    "bytes received");
	is_str(b, "Operation timed out", "timeout: no figures");
	failures_normalize(b, sizeof b, "Operation timed out after 500 milliseconds with 0 bytes received");
	is_str(b, "Operation timed out", "timeout (other wording)");
	failures_normalize(b, sizeof b, "Connection timed out after 2000 milliseconds");
	is_str(b, "Connection timed out", "connect timeout");
	failures_normalize(b, sizeof b, "Recv failure: Connection reset by peer");
	is_str(b, "Recv failure: Connection reset by peer", "others unchanged");
	failures_normalize(b, sizeof b, "wait after a moment");
	is_str(b, "wait after a moment", "\"after\" without a number stays");
	failures_normalize(b, 8, "0123456789");
	is_str(b, "0123456", "bounded by cap");
}

static void
test_alarm(void)
{
	struct plan_endpoint eps[1] = { { .name = "GET /", .method = "GET" } };
	struct plan plan = { .endpoints = eps, .nendpoints = 1 };
	struct failures *f = failures_new(1);
	const char *m = "Failed to connect to 127.0.0.1 port 9: Couldn't connect to server";
	struct failures_alarm a = { 0 };

	failures_add(f, 0, FAILURE_REFUSED, m, strlen(m), 500, 0, 1);
	ok(!failures_alarm_judge(&a, 0, 500, 500, f, &plan), "not judged in the first second");
	ok(!failures_alarm_judge(&a, 1, 5, 5, f, &plan), "not judged under the minimum of requests");
	ok(failures_alarm_judge(&a, 2, 500, 500, f, &plan), "fires when every request failed");
	ok(strstr(a.text, "every request fails: connection refused: Failed to connect to 127.0.0.1 "
	    "port 9") != NULL, "names the kind and message: %s", a.text);
	ok(strstr(a.text, "500 of 500") != NULL && strstr(a.text, "GET /") != NULL,
	    "and the figures and endpoint");
	ok(!failures_alarm_judge(&a, 3, 900, 900, f, &plan), "fires once");

	memset(&a, 0, sizeof a);
	ok(!failures_alarm_judge(&a, 1, 1000, 989, f, &plan), "98.9%% failed: no alarm");
	ok(a.decided && !a.fired, "decided, and no alarm");
	ok(!failures_alarm_judge(&a, 2, 2000, 2000, f, &plan), "decided once: later seconds are not early");

	memset(&a, 0, sizeof a);
	failures_reset(f);
	failures_add(f, 0, FAILURE_HTTP_STATUS, "HTTP 503", 8, 100, 0, 1);
	ok(failures_alarm_judge(&a, 1, 100, 99, f, &plan), "99%% failed: alarm");
	ok(strstr(a.text, "every request fails: HTTP 503 (GET /;") != NULL, "a status says itself: %s",
	    a.text);
	failures_free(f);
}

int
main(void)
{
	test_basic();
	test_truncation();
	test_caps();
	test_merge();
	test_normalize();
	test_alarm();
	return done_testing();
}
