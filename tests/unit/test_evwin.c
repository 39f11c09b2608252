/*
 * test_evwin: an event's finding (metrics/evwin.h) on synthetic per-second series: failed requests
 * placed in the window are counted and those outside are not; the p99 of the window against the
 * seconds before; an event near the start (no seconds before) and near the end (a clipped window);
 * an event added late (after its window closed) and one added after the run ended; the cap of
 * EVWIN_MAX events; the sentence and the JSON.
 */
#include <config.h>

#include <stdint.h>
#include <string.h>

#include "metrics/evwin.h"
#include "metrics/hist.h"
#include "tap.h"

/* Adds seconds [from, to): 100 requests each at lat_us, `failed` of them failed in fail_from..fail_to. */
static void
feed(struct evwin *w, int64_t from, int64_t to, uint64_t lat_us, int64_t fail_from, int64_t fail_to,
    uint64_t failed, uint64_t slow_us)
{
	struct hist *h = hist_new();

	for (int64_t s = from; s < to; s++) {
		bool bad = s >= fail_from && s <= fail_to;
		hist_reset(h);
		hist_record_n(h, bad && slow_us > 0 ? slow_us : lat_us, 100);
		evwin_second(w, s, 100, bad ? failed : 0, h);
	}
	hist_free(h);
}

int
main(void)
{
	struct evwin *w = evwin_new();
	const struct evwin_finding *f;
	char text[256];
	json_t *j;

	/* a reload at 30 s; failures in 31-32 (inside), 40 (outside), slow seconds inside */
	is_int(evwin_add(w, &(struct evwin_event){ .at_ms = 30000, .name = "reload",
	    .source = "definition", .status = 200 }), 0, "an event is added");
	feed(w, 0, 31, 12000, 31, 32, 7, 41000);
	ok(evwin_finding(w, 0) == NULL, "no finding while the window is open (second 30 of 25-34)");
	feed(w, 31, 34, 12000, 31, 32, 7, 41000);
	ok(evwin_finding(w, 0) == NULL, "still open at second 33");
	feed(w, 34, 40, 12000, 31, 32, 7, 41000);
	feed(w, 40, 41, 12000, 40, 40, 50, 0);    /* 50 failures at 40: outside 25-34 */
	feed(w, 41, 50, 12000, 0, -1, 0, 0);
	f = evwin_finding(w, 0);
	ok(f != NULL, "the finding is made when second 34 arrives");
	if (f == NULL)
		return 1;
	is_int(f->from_s, 25, "window from 25");
	is_int(f->to_s, 34, "window to 34 (25-35 s)");
	is_int(f->failed, 14, "the 14 failures of seconds 31-32 are in the window");
	is_int(f->requests, 1000, "10 seconds of 100 requests");
	ok(f->p99_ms >= 40.5 && f->p99_ms <= 41.5, "p99 in the window is the slow seconds' 41 ms (%.2f)",
	    f->p99_ms);
	is_int(f->before_from_s, 15, "before: from 15");
	is_int(f->before_to_s, 24, "before: to 24");
	is_int(f->before_failed, 0, "no failures before");
	ok(f->before_p99_ms >= 11.9 && f->before_p99_ms <= 12.1, "p99 before 12 ms (%.2f)",
	    f->before_p99_ms);
	evwin_text("reload", 30000, f, text, sizeof text);
	is_str(text, "reload at 30 s: 14 failed requests in 25\u201335 s, p99 41 ms (12 ms before)",
	    "the sentence");

	/* late: an event whose window closed before it was added is judged at once */
	is_int(evwin_add(w, &(struct evwin_event){ .at_ms = 41500, .name = "late", .source = "api",
	    .status = -1 }), 0, "a late event is added");
	f = evwin_finding(w, 1);
	ok(f != NULL && f->from_s == 36 && f->to_s == 45, "a late event is judged when added");
	ok(f != NULL && f->failed == 50, "second 40's failures are in this window (got %llu)",
	    f != NULL ? (unsigned long long)f->failed : 0ULL);

	is_int(evwin_add(w, &(struct evwin_event){ .at_ms = 48200, .name = "end", .source = "api",
	    .status = -1 }), 0, "an event near the end");
	ok(evwin_finding(w, 2) == NULL, "its window is open");
	evwin_finish(w);
	f = evwin_finding(w, 2);
	ok(f != NULL && f->from_s == 43 && f->to_s == 49, "the run's end clips the window (43-49)");
	is_int(evwin_add(w, &(struct evwin_event){ .at_ms = 60000, .name = "after", .source = "api",
	    .status = -1 }), 0, "an event after the end");
	ok(evwin_finding(w, 3) != NULL && evwin_finding(w, 3)->requests == 0,
	    "an event after the end is judged at once, with no requests");

	j = evwin_json(w);
	is_int(json_array_size(j), 4, "four events in the JSON");
	is_int(json_integer_value(json_object_get(json_array_get(j, 0), "status")), 200, "status kept");
	ok(json_is_null(json_object_get(json_array_get(j, 1), "status")), "no request: status null");
	is_str(json_string_value(json_object_get(json_object_get(json_array_get(j, 0), "finding"),
	    "text")), "reload at 30 s: 14 failed requests in 25\u201335 s, p99 41 ms (12 ms before)",
	    "the JSON carries the sentence");
	json_decref(j);
	evwin_free(w);

	/* near the start: no seconds before */
	w = evwin_new();
	is_int(evwin_add(w, &(struct evwin_event){ .at_ms = 2000, .name = "early", .source = "api",
	    .status = -1 }), 0, "an early event");
	feed(w, 0, 10, 12000, 0, -1, 0, 0);
	f = evwin_finding(w, 0);
	ok(f != NULL && f->from_s == 0 && f->to_s == 6 && f->before_to_s < f->before_from_s,
	    "an event at 2 s: window 0-6, no seconds before");
	evwin_text("early", 2000, f, text, sizeof text);
	is_str(text, "early at 2 s: 0 failed requests in 0\u20137 s, p99 12 ms (no requests before)",
	    "its sentence");
	evwin_free(w);

	/* the cap */
	w = evwin_new();
	int refused = 0;
	for (int i = 0; i < EVWIN_MAX + 5; i++)
		refused += evwin_add(w, &(struct evwin_event){ .at_ms = i, .name = "x", .source = "api",
		    .status = -1 }) != 0;
	is_int(evwin_count(w), EVWIN_MAX, "at most EVWIN_MAX events");
	is_int(refused, 5, "the rest refused");
	evwin_free(w);
	evwin_free(NULL);
	return done_testing();
}
