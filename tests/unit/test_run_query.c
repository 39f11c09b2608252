/*
 * Unit tests for runs/run_window (the downsampling merge, pure) and runs/run_query (the API's reads
 * of the runs tables) against a real SQLite file written through the run store's own jobs.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "metrics/hist.h"
#include "metrics/tick.h"
#include "runs/run_changes.h"
#include "runs/run_query.h"
#include "runs/run_store.h"
#include "runs/run_window.h"
#include "store/store.h"
#include "testdef/testdef.h"
#include "tap.h"

static char dir[] = "/tmp/rampage-test-run-query-XXXXXX";

#define SECONDS 5              /* stored seconds of the finished run */

static struct plan *
plan_of(const char *text)
{
	struct testdef_errors errs;
	json_t *def;
	struct plan *plan = NULL;

	testdef_errors_init(&errs);
	def = testdef_load_string(text, strlen(text), 0, &errs);
	if (def != NULL)
		plan = testdef_parse(def, NULL, &errs);
	if (plan == NULL)
		testdef_errors_print(&errs, stdout, "# ");
	testdef_errors_fini(&errs);
	json_decref(def);
	return plan;
}

/* An encoded histogram of the values from..to µs (step 1 ms); *len its size. Caller frees. */
static unsigned char *
blob_of(int from_ms, int to_ms, size_t *len)
{
	struct hist *h = hist_new();
	unsigned char *b;

	for (int v = from_ms; v <= to_ms; v++)
		hist_record(h, (uint64_t)v * 1000);
	*len = hist_encode(h, NULL, 0);
	b = xmalloc(*len);
	hist_encode(h, b, *len);
	hist_free(h);
	return b;
}

/* ---- run_window */

static void
test_window(void)
{
	struct run_window w;
	struct run_row a = { 0 }, b = { 0 }, out;
	struct hist *both = hist_new();
	size_t alen, blen;
	unsigned char *ablob = blob_of(1, 10, &alen), *bblob = blob_of(11, 40, &blen);
	char *cause = NULL;

	hist_decode(both, ablob, alen, &cause);
	hist_merge_blob(both, bblob, blen, &cause);
	for (int c = 0; c < RUN_NCOLS; c++)
		a.null[c] = b.null[c] = true;
	a.null[RUN_COL_REQUESTS] = b.null[RUN_COL_REQUESTS] = false;
	a.v[RUN_COL_REQUESTS] = 10;
	b.v[RUN_COL_REQUESTS] = 30;
	a.null[RUN_COL_WAITING] = b.null[RUN_COL_WAITING] = false;
	a.v[RUN_COL_WAITING] = 100;
	b.v[RUN_COL_WAITING] = 200;
	a.null[RUN_COL_VUS] = b.null[RUN_COL_VUS] = false;
	a.v[RUN_COL_VUS] = 5;
	b.v[RUN_COL_VUS] = 3;
	a.null[RUN_COL_CPU_PCT] = b.null[RUN_COL_CPU_PCT] = false;
	a.cpu_pct = 10.5;
	b.cpu_pct = 7.25;
	a.null[RUN_COL_LAT_MAX] = false;   /* only the first second has one */
	a.v[RUN_COL_LAT_MAX] = 10000;

	run_window_init(&w);
	run_window_reset(&w, 60);
	run_window_add(&w, &a, ablob, alen);
	run_window_add(&w, &b, bblob, blen);
	is_int(w.start, 60, "a window remembers its first second");
	is_int(w.n, 2, "and how many seconds it merged");
	run_window_row(&w, &out);
	is_int(out.v[RUN_COL_REQUESTS], 40, "counters add up");
	is_int(out.v[RUN_COL_WAITING], 175, "phase means are weighted by requests ((100x10 + 200x30) / 40)");
	is_int(out.v[RUN_COL_VUS], 5, "maxima take the worst second");
	ok(!out.null[RUN_COL_CPU_PCT] && out.cpu_pct == 10.5, "cpu_pct too (a real column)");
	ok(!out.null[RUN_COL_LAT_MAX] && out.v[RUN_COL_LAT_MAX] == 10000,
	    "a maximum only one second had");
	ok(out.null[RUN_COL_LOOP_LAG], "a maximum no second had stays NULL");
	is_int(out.v[RUN_COL_LAT_P95], hist_percentile(both, 95),
	    "p95 is the merged histogram's, not a mean of the seconds' p95s");
	is_int(out.v[RUN_COL_LAT_P50], hist_percentile(both, 50), "p50 too");
	ok(out.blob == NULL, "a window row carries no blob");

	run_window_reset(&w, 120);
	run_window_add(&w, &(struct run_row){ 0 }, NULL, 0);   /* a second of no requests */
	run_window_row(&w, &out);
	ok(w.start == 120 && w.n == 1 && out.v[RUN_COL_REQUESTS] == 0, "reset empties the window");
	ok(out.null[RUN_COL_WAITING] && out.null[RUN_COL_LAT_P95],
	    "without requests a mean is NULL, and so are the percentiles");
	run_window_fini(&w);
	hist_free(both);
	free(ablob);
	free(bblob);
}

/* ---- run_query */

/* store_write_fn: runs the SQL in arg. */
static int
exec_job(sqlite3 *db, void *arg, char **cause)
{
	char *err = NULL;

	if (sqlite3_exec(db, arg, NULL, NULL, &err) != SQLITE_OK) {
		*cause = xstrdup(err != NULL ? err : "?");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/* Run 1 (of test 1): SECONDS seconds of endpoint a (second s: 10(s+1) requests of s+1..s+10 ms),
   passed with a summary and its one threshold held. Run 2 (inline): queued. */
static int
fill(struct store *st, const struct plan *plan)
{
	struct run_store_insert in1 = { .test_id = 1, .name = "one", .definition = "{}",
	    .trigger = "api", .queued_ms = 1000 };
	struct run_store_insert in2 = { .name = "two", .definition = "{}", .trigger = "api",
	    .queued_ms = 2000 };
	char *cause = NULL;
	int rc = 0;

	rc |= store_write_sync(st, exec_job, "INSERT INTO tests (id, name, definition, created_ms, "
	    "updated_ms) VALUES (1, 't', '{\"name\":\"t\"}', 1, 1)", &cause);
	rc |= store_write_sync(st, run_store_insert, &in1, &cause);
	rc |= store_write_sync(st, run_store_state, &(struct run_store_state){ .run_id = in1.id,
	    .state = "running", .started_ms = 1100, .plan = plan }, &cause);
	for (int s = 0; s < SECONDS; s++) {
		struct tick *t = tick_new(plan, 0);
		for (int v = s + 1; v <= s + 10; v++)
			for (int k = 0; k < s + 1; k++)
				hist_record(t->endpoints[0].duration, (uint64_t)v * 1000);
		t->endpoints[0].requests = (uint64_t)(10 * (s + 1));
		t->endpoints[0].status[200] = (uint64_t)(10 * (s + 1));
		tick_sum_total(t);
		t->second = s;
		t->vus = s + 1;
		store_write(st, run_store_tick, run_tick_new(in1.id, plan, t));
		tick_free(t);
	}
	rc |= store_write_sync(st, run_store_state, &(struct run_store_state){ .run_id = in1.id,
	    .state = "passed", .ended_ms = 1100 + SECONDS * 1000,
	    .summary = "{\"metrics\":{\"http_reqs\":{\"values\":{\"count\":150,\"rate\":30}}}}",
	    .thresholds = "[{\"metric\":\"http_req_duration\",\"ok\":true}]" },
	    &cause);
	rc |= store_write_sync(st, run_store_insert, &in2, &cause);
	if (rc != 0)
		printf("# fill: %s\n", cause);
	free(cause);
	return rc == 0 && in1.id == 1 && in2.id == 2 ? 0 : -1;
}

/* run_query_add_fn: marks the run. */
static void
add_mark(void *arg, json_t *run, int64_t id, int64_t started_ms)
{
	int *calls = arg;

	(*calls)++;
	json_object_set_new(run, "mark", json_pack("{s:I, s:I}", "id", (json_int_t)id, "started_ms",
	    (json_int_t)started_ms));
}

/* What a samples read gave. */
struct rows {
	int n;
	int64_t second[16];
	int seconds[16];
	int64_t requests[16], p95[16], vus[16];
	int stop_after;            /* > 0: stop after that many rows */
};

/* run_query_row_fn: records the rows. */
static int
take_row(void *arg, int64_t second, const struct run_row *row, int seconds)
{
	struct rows *r = arg;

	if (r->n < 16) {
		r->second[r->n] = second;
		r->seconds[r->n] = seconds;
		r->requests[r->n] = row->v[RUN_COL_REQUESTS];
		r->p95[r->n] = row->null[RUN_COL_LAT_P95] ? -1 : row->v[RUN_COL_LAT_P95];
		r->vus[r->n] = row->null[RUN_COL_VUS] ? -1 : row->v[RUN_COL_VUS];
	}
	r->n++;
	return r->stop_after > 0 && r->n >= r->stop_after ? -1 : 0;
}

static void
test_samples(sqlite3 *db)
{
	struct run_query_samples q = { .run_id = 1, .endpoint = 0, .from = 0, .to = 1000, .step = 1 };
	struct rows r = { 0 };
	struct hist *h = hist_new();
	char *cause = NULL;
	int rc;

	rc = run_query_samples(db, &q, take_row, &r, &cause);
	ok(rc == 0 && r.n == SECONDS, "step 1: every stored second, one row each (rc %d, %d rows)", rc,
	    r.n);
	ok(r.second[0] == 0 && r.second[4] == 4 && r.seconds[2] == 1 && r.requests[2] == 30 &&
	    r.vus[4] == 5, "in second order, as stored");

	memset(&r, 0, sizeof r);
	q.step = 2;
	rc = run_query_samples(db, &q, take_row, &r, &cause);
	ok(rc == 0 && r.n == 3, "step 2: windows 0, 2 and 4 (%d rows)", r.n);
	ok(r.second[1] == 2 && r.seconds[1] == 2 && r.requests[1] == 30 + 40 && r.vus[1] == 4,
	    "a window adds its seconds' counters and keeps the worst vus");
	ok(r.second[2] == 4 && r.seconds[2] == 1 && r.requests[2] == 50, "the last window is partial");
	for (int v = 3; v <= 12; v++)
		for (int k = 0; k < 3; k++)
			hist_record(h, (uint64_t)v * 1000);
	for (int v = 4; v <= 13; v++)
		for (int k = 0; k < 4; k++)
			hist_record(h, (uint64_t)v * 1000);
	is_int(r.p95[1], hist_percentile(h, 95), "its p95 is from the seconds' blobs merged");

	memset(&r, 0, sizeof r);
	q.from = 1;
	q.to = 3;
	q.endpoint = 1;
	rc = run_query_samples(db, &q, take_row, &r, &cause);
	ok(rc == 0 && r.n == 2 && r.second[0] == 0 && r.seconds[0] == 1 && r.second[1] == 2 &&
	    r.seconds[1] == 2, "from/to cut the seconds; windows stay aligned on multiples of step");
	ok(r.vus[0] == -1, "an endpoint's row has no vus");

	memset(&r, 0, sizeof r);
	r.stop_after = 1;
	q = (struct run_query_samples){ .run_id = 1, .from = 0, .to = 1000, .step = 1 };
	rc = run_query_samples(db, &q, take_row, &r, &cause);
	ok(rc == 1 && r.n == 1, "the row function can stop the read (rc %d, %d rows)", rc, r.n);

	memset(&r, 0, sizeof r);
	q.run_id = 2;
	ok(run_query_samples(db, &q, take_row, &r, &cause) == 0 && r.n == 0,
	    "a run without seconds gives no row");
	hist_free(h);
	free(cause);
}

static void
test_runs(sqlite3 *db)
{
	char *cause = NULL, *text = NULL;
	json_t *run = NULL, *list = NULL, *byid, *t;
	struct run_query_page page = { .limit = 1 };
	enum run_state passed = RUN_PASSED;
	int64_t next = -1, count[RUN_NSTATES];
	int calls = 0, idx = 0, state = 0;
	bool exists = false;

	ok(run_query_get(db, 1, add_mark, &calls, &run, &cause) == 0 && run != NULL,
	    "run_query_get finds run 1");
	text = json_dumps(run, JSON_COMPACT);
	ok(calls == 1 && json_integer_value(json_object_get(json_object_get(run, "mark"),
	    "started_ms")) == 1100, "the add function is called with the run's started_ms");
	ok(text != NULL && strstr(text, "\"stats\"") < strstr(text, "\"mark\"") &&
	    strstr(text, "\"mark\"") < strstr(text, "\"definition\""),
	    "what it adds comes after the stats and before the definition");
	ok(json_integer_value(json_object_get(json_object_get(run, "stats"), "requests")) == 150,
	    "the stats come from the stored summary");
	is_str(json_string_value(json_object_get(run, "verdict")), "passed", "its verdict comes from its thresholds");
	free(text);
	json_decref(run);
	ok(run_query_get(db, 2, NULL, NULL, &run, &cause) == 0 && json_is_null(json_object_get(run, "verdict")),
	    "a queued run has no verdict (null)");
	json_decref(run);
	ok(run_query_get(db, 99, NULL, NULL, &run, &cause) == 0 && run == NULL, "no run 99: NULL, no error");

	ok(run_query_list(db, &page, NULL, NULL, &list, &next, &cause) == 0 &&
	    json_array_size(list) == 1 && next == 2, "a page of 1: the newest run, and a next page after 2");
	ok(json_integer_value(json_object_get(json_array_get(list, 0), "id")) == 2 &&
	    json_object_get(json_array_get(list, 0), "definition") == NULL,
	    "newest first; lists carry no definition");
	json_decref(list);
	page.after_id = next;
	ok(run_query_list(db, &page, NULL, NULL, &list, &next, &cause) == 0 &&
	    json_array_size(list) == 1 && next == 0, "the next page is the last");
	json_decref(list);
	page = (struct run_query_page){ .limit = 10, .states = &passed, .nstates = 1 };
	ok(run_query_list(db, &page, NULL, NULL, &list, &next, &cause) == 0 &&
	    json_array_size(list) == 1 && next == 0 &&
	    json_integer_value(json_object_get(json_array_get(list, 0), "id")) == 1, "filtered by state");
	json_decref(list);
	page = (struct run_query_page){ .limit = 10, .test_id = 1, .since_ms = 1500 };
	ok(run_query_list(db, &page, NULL, NULL, &list, &next, &cause) == 0 &&
	    json_array_size(list) == 0, "by test and since: none");
	json_decref(list);

	byid = json_pack("{s:{s:[]}, s:{s:[]}}", "1", "recent", "7", "recent");
	ok(run_query_recent(db, byid, 0, 10, &cause) == 0, "run_query_recent");
	t = json_object_get(byid, "1");
	ok(json_integer_value(json_object_get(t, "runs")) == 1 &&
	    json_array_size(json_object_get(t, "recent")) == 1 &&
	    json_integer_value(json_object_get(json_object_get(t, "last_run"), "id")) == 1,
	    "a test's run count, last run and recent runs");
	ok(json_array_size(json_object_get(json_object_get(byid, "7"), "recent")) == 0,
	    "a test without runs is left alone");
	json_decref(byid);

	ok(run_query_exists(db, 2, &exists, &cause) == 0 && exists, "run 2 exists");
	ok(run_query_exists(db, 3, &exists, &cause) == 0 && !exists, "run 3 does not");
	ok(run_query_endpoint_idx(db, 1, "b", &idx, &cause) == 0 && idx == 2, "endpoint b is 2");
	ok(run_query_endpoint_idx(db, 1, "c", &idx, &cause) == 0 && idx == -1, "no endpoint c: -1");

	ok(run_query_summary(db, 1, &state, &text, &cause) == 0 && state == RUN_PASSED &&
	    text != NULL && strstr(text, "http_reqs") != NULL, "a finished run's summary");
	free(text);
	ok(run_query_summary(db, 2, &state, &text, &cause) == 0 && state == RUN_QUEUED && text == NULL,
	    "a queued run has none yet");
	ok(run_query_summary(db, 9, &state, &text, &cause) == 0 && state == -1, "no run 9: state -1");

	ok(run_query_count_states(db, count, &cause) == 0 && count[RUN_PASSED] == 1 &&
	    count[RUN_QUEUED] == 1 && count[RUN_RUNNING] == 0, "runs by state");
	ok(run_query_test_definition(db, 1, &text, &cause) == 0 && text != NULL &&
	    strcmp(text, "{\"name\":\"t\"}") == 0, "a saved test's definition, as stored");
	free(text);
	ok(run_query_test_definition(db, 2, &text, &cause) == 0 && text == NULL, "no test 2: NULL");
	free(cause);
}

static void
test_endpoints(sqlite3 *db)
{
	json_t *doc = NULL, *a;
	char *cause = NULL;

	ok(run_query_endpoints(db, 1, 0, &doc, &cause) == 0 && doc != NULL, "run_query_endpoints");
	a = json_array_get(json_object_get(doc, "endpoints"), 0);
	ok(json_array_size(json_object_get(doc, "endpoints")) == 2 &&
	    strcmp(json_string_value(json_object_get(a, "name")), "a") == 0, "both endpoints, by name");
	is_int(json_integer_value(json_object_get(json_object_get(doc, "total"), "requests")), 150,
	    "the total adds every second");
	ok(json_real_value(json_object_get(doc, "duration_s")) == SECONDS &&
	    json_real_value(json_object_get(a, "rps")) == 30, "rps over the run's length");
	is_str(json_string_value(json_object_get(doc, "source")), "sample_histograms",
	    "without whole-run histograms the seconds' are merged");
	ok(json_integer_value(json_object_get(a, "lat_max_us")) >= 14000 &&
	    json_is_null(json_object_get(json_array_get(json_object_get(doc, "endpoints"), 1),
	    "lat_p95_us")), "latency where there were requests, null where none");
	json_decref(doc);
	free(cause);
}

/* run_changes: the trigger words, a change stored and read back in order, in the Run object. */
static void
test_changes(struct store *st, sqlite3 *db)
{
	struct run_change a = { .run_id = 1, .at_ms = 2480, .scenario = "load", .from = 2, .to = 5,
	    .trigger = run_changes_trigger(NULL), .changed_ms = 1000 };
	struct run_change b = { .run_id = 1, .at_ms = 7010, .scenario = "load", .from = 5, .to = 1,
	    .trigger = run_changes_trigger("cli"), .changed_ms = 2000 };
	char *cause = NULL, *text;
	json_t *list, *run = NULL;

	ok(strcmp(run_changes_trigger("dashboard"), "dashboard") == 0 &&
	    strcmp(run_changes_trigger("cli"), "cli") == 0 && strcmp(run_changes_trigger("ci"), "api") == 0 &&
	    strcmp(run_changes_trigger(NULL), "api") == 0, "triggers: dashboard, cli, anything else api");
	list = run_changes_read(db, 1, &cause);
	ok(list != NULL && json_array_size(list) == 0, "no change yet: an empty list");
	json_decref(list);
	ok(store_write_sync(st, run_changes_insert, &a, &cause) == 0 &&
	    store_write_sync(st, run_changes_insert, &b, &cause) == 0, "two changes stored");
	list = run_changes_read(db, 1, &cause);
	text = json_dumps(list, JSON_COMPACT);
	is_str(text, "[{\"second\":2,\"at_ms\":2480,\"scenario\":\"load\",\"field\":\"vus\",\"from\":2,"
	    "\"to\":5,\"trigger\":\"api\",\"changed_ms\":1000},{\"second\":7,\"at_ms\":7010,"
	    "\"scenario\":\"load\",\"field\":\"vus\",\"from\":5,\"to\":1,\"trigger\":\"cli\","
	    "\"changed_ms\":2000}]", "read back in order, second from at_ms");
	free(text);
	json_decref(list);
	ok(run_query_get(db, 1, NULL, NULL, &run, &cause) == 0 &&
	    json_array_size(json_object_get(run, "changes")) == 2, "the Run object has them");
	json_decref(run);
	ok(run_query_get(db, 2, NULL, NULL, &run, &cause) == 0 &&
	    json_array_size(json_object_get(run, "changes")) == 0, "another run has none");
	json_decref(run);
	b.trigger = "schedule";
	ok(store_write_sync(st, run_changes_insert, &b, &cause) != 0, "the table refuses another trigger");
	free(cause);
}

int
main(void)
{
	struct store *st;
	struct plan *plan;
	sqlite3 *db;
	char *cause = NULL, *path;

	log_level = LOG_WARNING;
	test_window();
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	path = xasprintf("%s/runs.db", dir);
	st = store_open(path, &cause);
	ok(st != NULL, "store_open: %s", cause ? cause : "ok");
	db = store_open_reader(st, &cause);
	plan = plan_of("{\"baseUrl\":\"http://127.0.0.1:9\",\"tasks\":["
	    "{\"name\":\"a\",\"path\":\"/a\"},{\"name\":\"b\",\"path\":\"/b\"}]}");
	ok(plan != NULL && fill(st, plan) == 0, "two runs, one with %d seconds", SECONDS);
	test_samples(db);
	test_runs(db);
	test_endpoints(db);
	test_changes(st, db);
	plan_free(plan);
	sqlite3_close(db);
	store_close(st);
	{
		char *cmd = xasprintf("rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
		free(cmd);
	}
	free(path);
	return done_testing();
}
