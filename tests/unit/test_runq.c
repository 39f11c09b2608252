/*
 * Unit tests for daemon/runs: the run state table (names, every legal and illegal move), the
 * overrides (each executor, the shortcut forms, what applies to nothing), the per-second copy and
 * its store job (percentiles, status classes, NULL latency, blobs that decode to the same
 * histogram), and the run manager on a real database: queue positions, cancel, delete rules, a
 * forced stop with its summary, a definition that cannot run (error), and a shutdown that aborts
 * the running run and leaves the queued one for the next start; and a database that fills up under
 * a run (capped with PRAGMA max_page_count): lost seconds, an end kept in memory and written later.
 *
 * The runs aim at a local socket that listens but never answers, so a run lasts until stopped and
 * sends no traffic anywhere else.
 */
#include <config.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/conf.h"
#include "core/log.h"
#include "security/security.h"
#include "core/xmalloc.h"
#include "metrics/hist.h"
#include "metrics/threshold.h"
#include "metrics/tick.h"
#include "runs/overrides.h"
#include "runs/run_metrics.h"
#include "runs/run_store.h"
#include "runs/runq.h"
#include "store/store.h"
#include "testdef/testdef.h"
#include "tap.h"
#include "sqlq.h"

static char dir[] = "/tmp/rampage-test-runq-XXXXXX";

/* ---- states */

static void
test_states(void)
{
	static const char *const names[] = { "queued", "running", "stopping", "passed", "failed",
	    "finished", "stopped", "cancelled", "aborted", "error" };
	/* expected[from] = the states it may move to (run_state.h, docs/api.md "Run states") */
	static const char *const moves[] = { "running cancelled error",
	    "stopping passed failed finished error aborted", "stopped error aborted",
	    "", "", "", "", "", "", "" };
	char list[256] = "";
	int bad = 0;

	is_int(RUN_NSTATES, 10, "ten states");
	for (int s = 0; s < RUN_NSTATES; s++) {
		is_str(run_state_name(s), names[s], "state %d is named %s", s, names[s]);
		is_int(run_state_from_name(names[s]), s, "%s parses back", names[s]);
		is_int(run_state_final(s), s >= RUN_PASSED, "%s is %sfinal", names[s], s >= RUN_PASSED ? "" : "not ");
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", s ? ", " : "", names[s]);
	}
	is_str(run_state_names_list(), list, "the list of names errors quote is every state, in order");
	is_int(run_state_from_name("done"), -1, "an unknown name is -1");
	for (int from = 0; from < RUN_NSTATES; from++) {
		for (int to = 0; to < RUN_NSTATES; to++) {
			char word[16];
			const char *m = moves[from];
			bool want = false;
			int used;
			while (sscanf(m, "%15s%n", word, &used) == 1) {
				if (strcmp(word, names[to]) == 0)
					want = true;
				m += used;
			}
			if (run_state_legal(from, to) != want) {
				printf("# %s -> %s: legal %d, expected %d\n", names[from], names[to],
				    run_state_legal(from, to), want);
				bad++;
			}
		}
	}
	is_int(bad, 0, "the transition table is exactly the documented one");

	/* a run that ended by itself claims a verdict only when it had thresholds */
	is_int(run_state_ended(0, true), RUN_FINISHED, "no thresholds: finished, not passed");
	is_int(run_state_ended(2, true), RUN_PASSED, "thresholds that held: passed");
	is_int(run_state_ended(1, false), RUN_FAILED, "a threshold failed: failed");
	ok(run_verdict_name(RUN_VERDICT_NONE) == NULL, "no verdict is null");
	is_str(run_verdict_name(RUN_VERDICT_FAILED), "failed", "a failed verdict is named");

	/* "a failure" and "passed", as notifications and baselines read them */
	{
		int failures = 0, passes = 0;
		for (int s = 0; s < RUN_NSTATES; s++)
			for (int v = RUN_VERDICT_NONE; v <= RUN_VERDICT_FAILED; v++) {
				failures += run_is_failure(s, v);
				passes += run_is_pass(s);
			}
		ok(run_is_failure(RUN_FAILED, RUN_VERDICT_FAILED) && run_is_failure(RUN_ERROR, RUN_VERDICT_NONE) &&
		    run_is_failure(RUN_ABORTED, RUN_VERDICT_PASSED), "failed, error, aborted are failures");
		ok(run_is_failure(RUN_STOPPED, RUN_VERDICT_FAILED) && !run_is_failure(RUN_STOPPED, RUN_VERDICT_PASSED) &&
		    !run_is_failure(RUN_STOPPED, RUN_VERDICT_NONE), "stopped is a failure only with its thresholds failed");
		ok(!run_is_failure(RUN_FINISHED, RUN_VERDICT_NONE) && !run_is_failure(RUN_CANCELLED, RUN_VERDICT_NONE) &&
		    !run_is_failure(RUN_PASSED, RUN_VERDICT_PASSED), "finished, cancelled, passed are not");
		is_int(failures, 3 * 3 + 1, "nothing else is a failure");
		is_int(passes, 3, "only passed passes (for every verdict)");
	}
}

/* ---- overrides */

/* Applies the overrides in ov_text to def_text; returns the result (compact) or "ERR:<paths>". */
static char *
apply(const char *def_text, const char *ov_text)
{
	json_t *def = json_loads(def_text, 0, NULL), *ov = json_loads(ov_text, 0, NULL);
	struct testdef_errors errs;
	struct overrides o;
	char *out;

	testdef_errors_init(&errs);
	if (overrides_parse(ov, &o, &errs) != 0 || overrides_apply(def, &o, &errs) != 0) {
		size_t n = 0;
		out = xcalloc(1, 256);
		n += (size_t)snprintf(out, 256, "ERR:");
		for (int i = 0; i < errs.n; i++)
			n += (size_t)snprintf(out + n, 256 - n, "%s%s", i ? "," : "", errs.v[i].path);
	} else {
		out = json_dumps(def, JSON_COMPACT | JSON_SORT_KEYS);
	}
	testdef_errors_fini(&errs);
	json_decref(def);
	json_decref(ov);
	return out;
}

#define APPLY(def, ov, want, ...) do { char *got_ = apply(def, ov); is_str(got_, want, __VA_ARGS__); \
	free(got_); } while (0)

static void
test_overrides(void)
{
	const char *mixed = "{\"scenarios\":{"
	    "\"a\":{\"executor\":\"constant-vus\",\"vus\":1,\"duration\":\"1s\"},"
	    "\"b\":{\"executor\":\"ramping-vus\",\"stages\":[]},"
	    "\"c\":{\"executor\":\"constant-arrival-rate\",\"rate\":5,\"duration\":\"1s\",\"preAllocatedVUs\":1,\"maxVUs\":2},"
	    "\"d\":{\"executor\":\"ramping-arrival-rate\",\"stages\":[],\"preAllocatedVUs\":9,\"maxVUs\":20},"
	    "\"e\":{\"executor\":\"per-vu-iterations\"},"
	    "\"f\":{\"executor\":\"shared-iterations\"}}}";

	APPLY(mixed, "{\"vus\":7,\"duration\":\"9s\",\"rate\":2.5}",
	    "{\"scenarios\":{"
	    "\"a\":{\"duration\":\"9s\",\"executor\":\"constant-vus\",\"vus\":7},"
	    "\"b\":{\"executor\":\"ramping-vus\",\"stages\":[]},"
	    "\"c\":{\"duration\":\"9s\",\"executor\":\"constant-arrival-rate\",\"maxVUs\":7,\"preAllocatedVUs\":7,\"rate\":2.5},"
	    "\"d\":{\"executor\":\"ramping-arrival-rate\",\"maxVUs\":20,\"preAllocatedVUs\":7,\"stages\":[]},"
	    "\"e\":{\"executor\":\"per-vu-iterations\",\"maxDuration\":\"9s\",\"vus\":7},"
	    "\"f\":{\"executor\":\"shared-iterations\",\"maxDuration\":\"9s\",\"vus\":7}}}",
	    "each override lands on the parameter its executor has (maxVUs raised, never lowered)");
	APPLY("{\"scenarios\":{\"b\":{\"executor\":\"ramping-vus\"}}}", "{\"vus\":3,\"duration\":\"1s\",\"rate\":1}",
	    "ERR:vus,duration,rate", "a ramping-vus scenario takes no override: each is an error");
	APPLY("{\"vus\":2,\"duration\":\"5s\"}", "{\"vus\":4,\"duration\":\"1m\"}",
	    "{\"duration\":\"1m\",\"vus\":4}", "shortcut duration (constant-vus): vus and duration");
	APPLY("{\"iterations\":10}", "{\"duration\":\"1m\"}", "{\"duration\":\"1m\",\"iterations\":10}",
	    "shortcut iterations: duration is its maxDuration");
	APPLY("{\"stages\":[]}", "{\"vus\":4}", "ERR:vus", "shortcut stages: no vus override");
	APPLY("{\"vus\":3}", "{\"duration\":\"1s\"}", "ERR:duration", "shortcut vus alone: no duration");
	APPLY("{}", "{\"vus\":3}", "{\"vus\":3}", "no shortcut at all: vus is the number of VUs");
	APPLY("{\"duration\":\"1s\"}", "{\"rate\":3}", "ERR:rate", "rate needs constant-arrival-rate");
	APPLY("{}", "{\"vus\":0,\"duration\":\"0s\",\"rate\":-1}", "ERR:vus,duration,rate",
	    "values out of range are errors at their key");
	APPLY("{}", "{\"vus\":\"3\",\"duration\":30,\"rate\":\"x\"}", "ERR:vus,duration,rate",
	    "values of the wrong type are errors at their key");
	APPLY("{\"scenarios\":[]}", "{\"vus\":3}", "{\"scenarios\":[]}",
	    "a definition the validator will refuse is left for it to report");
	APPLY("{\"duration\":\"1s\"}", "{\"note\":\"x\"}", "{\"duration\":\"1s\"}", "no override: unchanged");
	APPLY("{\"duration\":\"1s\"}", "{\"agents\":3}", "{\"agents\":3,\"duration\":\"1s\"}",
	    "agents: sets the definition's agents");
	APPLY("{\"agents\":3,\"duration\":\"1s\"}", "{\"agents\":\"all\"}", "{\"agents\":\"all\",\"duration\":\"1s\"}",
	    "agents: \"all\" replaces a count");
	APPLY("{\"agents\":3,\"duration\":\"1s\"}", "{\"agents\":0}", "{\"duration\":\"1s\"}",
	    "agents: 0 removes it (the run is on the daemon)");
	APPLY("{}", "{\"agents\":-1}", "ERR:agents", "agents: a negative count is an error at its key");
	APPLY("{}", "{\"agents\":\"most\"}", "ERR:agents", "agents: a word other than all is an error");
	APPLY("{}", "{\"agents\":257}", "ERR:agents", "agents: more than 256 is an error");

	/* iterations: k6's --iterations */
	APPLY(mixed, "{\"iterations\":12}",
	    "{\"scenarios\":{"
	    "\"a\":{\"duration\":\"1s\",\"executor\":\"constant-vus\",\"vus\":1},"
	    "\"b\":{\"executor\":\"ramping-vus\",\"stages\":[]},"
	    "\"c\":{\"duration\":\"1s\",\"executor\":\"constant-arrival-rate\",\"maxVUs\":2,\"preAllocatedVUs\":1,\"rate\":5},"
	    "\"d\":{\"executor\":\"ramping-arrival-rate\",\"maxVUs\":20,\"preAllocatedVUs\":9,\"stages\":[]},"
	    "\"e\":{\"executor\":\"per-vu-iterations\",\"iterations\":12},"
	    "\"f\":{\"executor\":\"shared-iterations\",\"iterations\":12}}}",
	    "iterations lands on the iteration executors only");
	APPLY("{\"scenarios\":{\"a\":{\"executor\":\"constant-vus\"}}}", "{\"iterations\":3}", "ERR:iterations",
	    "iterations on constant-vus alone: an error");
	APPLY("{\"vus\":2}", "{\"iterations\":5}", "{\"iterations\":5,\"vus\":2}",
	    "shortcut vus alone: iterations makes it shared-iterations");
	APPLY("{\"vus\":2,\"duration\":\"1m\"}", "{\"iterations\":5}", "{\"duration\":\"1m\",\"iterations\":5,\"vus\":2}",
	    "shortcut duration: iterations makes it shared-iterations with duration as maxDuration (k6)");
	APPLY("{\"stages\":[]}", "{\"iterations\":5}", "ERR:iterations", "shortcut stages: no iterations");
	APPLY("{}", "{\"iterations\":0}", "ERR:iterations", "iterations 0 is an error at its key");
	APPLY("{}", "{\"iterations\":1.5}", "ERR:iterations", "so is a fraction");
}

/* ---- the per-second copy and its job */

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

/* What a running run shows of second t (also its whole run here): the /metrics copy, the live tick. */
static void
test_run_metrics(const struct plan *plan, const struct tick *t, const struct run_tick *rt)
{
	struct threshold_set *th = threshold_set_new(plan);
	struct run_metrics *m = run_metrics_new(42, "rows", plan, t, t);
	const struct run_metrics_endpoint *e = &m->endpoints[0];
	size_t len = 0;
	char *text = run_metrics_tick_json(42, plan, th, rt, t, t, &len);
	json_t *j = text != NULL ? json_loadb(text, len, 0, NULL) : NULL;

	ok(m->refs == 1 && m->run_id == 42 && strcmp(m->test, "rows") == 0 && m->second == 7 &&
	    m->vus == 4 && m->nendpoints == 2, "run_metrics_new: one reference, the run, its second");
	ok(strcmp(e->name, "a") == 0 && e->nstatus == 3 && e->status[0].code == 200 &&
	    e->status[0].count == 90 && e->status[1].code == 204 && e->status[2].code == 503,
	    "the statuses seen, ascending with their counts");
	ok(e->count == 100 && e->sum_us == 5050 * 1000, "count and sum of the durations");
	is_int(e->le[3], hist_count_le(t->endpoints[0].duration, 50000),
	    "le=0.05: the histogram's count of at most 50 ms");
	is_int(e->le[RUN_METRICS_NLE - 1], 100, "le=10: every request");
	ok(m->endpoints[1].count == 0 && m->endpoints[1].nstatus == 0, "an endpoint without requests");
	ok(j != NULL && strlen(text) == len, "the live tick is JSON of the length it says");
	is_str(json_string_value(json_object_get(j, "type")), "tick", "of type tick");
	ok(json_integer_value(json_object_get(j, "second")) == 7 &&
	    json_integer_value(json_object_get(j, "elapsed_ms")) == 8000 &&
	    json_integer_value(json_object_get(j, "run_id")) == 42, "second 7 of run 42, 8 s in");
	ok(json_array_size(json_object_get(j, "endpoints")) == 2 &&
	    strcmp(json_string_value(json_object_get(json_array_get(json_object_get(j, "endpoints"), 0),
	    "name")), "a") == 0, "its endpoints by name");
	ok(json_integer_value(json_object_get(json_object_get(j, "run"), "requests")) == 100 &&
	    json_object_get(j, "thresholds") == NULL, "the run so far; no thresholds key without any");
	json_decref(j);
	free(text);
	run_metrics_free(m);
	threshold_set_free(th);
}

static void
test_tick_rows(struct store *st, sqlite3 *db)
{
	struct plan *plan = plan_of("{\"baseUrl\":\"http://127.0.0.1:9\",\"tasks\":["
	    "{\"name\":\"a\",\"path\":\"/a\"},{\"name\":\"b\",\"path\":\"/b\"}]}");
	struct tick *t = tick_new(plan, 0);
	struct run_tick *rt;
	struct run_store_insert in = { .name = "rows", .definition = "{}", .trigger = "api", .queued_ms = 1 };
	char *cause = NULL;
	struct hist *h = hist_new();
	sqlite3_stmt *q;

	ok(store_write_sync(st, run_store_insert, &in, &cause) == 0 && in.id > 0, "a run row to hang rows on");
	for (int i = 1; i <= 100; i++)
		hist_record(t->endpoints[0].duration, (uint64_t)i * 1000);
	t->endpoints[0].requests = 100;
	t->endpoints[0].failed = 3;
	t->endpoints[0].status[200] = 90;
	t->endpoints[0].status[204] = 5;
	t->endpoints[0].status[503] = 3;
	t->endpoints[0].errors[TICK_ERR_CONNECT] = 2;
	t->endpoints[0].phase_sum_us[TICK_PHASE_WAITING] = 100 * 700;
	tick_sum_total(t);
	t->second = 7;
	t->vus = 4;
	t->iterations = 100;
	t->cpu_pct = 12.3456;
	t->loop_lag_max_us = 321;

	rt = run_tick_new(in.id, plan, t);
	is_int(rt->nrows, 3, "a tick of 2 endpoints gives 3 rows (total first)");
	is_int(rt->rows[1].v[RUN_COL_LAT_P95], hist_percentile(t->endpoints[0].duration, 95),
	    "p95 is the histogram's");
	is_int(rt->rows[1].v[RUN_COL_LAT_MAX], 100000, "max is exact");
	is_int(rt->rows[1].v[RUN_COL_STATUS_2XX], 95, "2xx adds 200 and 204");
	is_int(rt->rows[1].v[RUN_COL_STATUS_5XX], 3, "5xx counted");
	is_int(rt->rows[1].v[RUN_COL_FAIL_REFUSED], 2, "refused connections counted");
	is_int(rt->rows[1].v[RUN_COL_WAITING], 700, "waiting mean is sum / requests");
	ok(rt->rows[1].null[RUN_COL_VUS] && !rt->rows[0].null[RUN_COL_VUS], "vus only on the total row");
	is_int(rt->rows[0].v[RUN_COL_VUS], 4, "total row: vus");
	is_int(rt->rows[0].v[RUN_COL_ITERATIONS], 100, "total row: iterations");
	ok(rt->rows[2].null[RUN_COL_LAT_P50] && rt->rows[2].blob == NULL,
	    "an endpoint without requests has NULL latency and no blob");
	ok(hist_decode(h, rt->rows[1].blob, rt->rows[1].blob_len, NULL) == 0 &&
	    hist_equal(h, t->endpoints[0].duration), "the blob decodes to the same histogram");

	json_t *j = run_row_json(&rt->rows[0]);
	ok(json_object_size(j) == RUN_NCOLS && json_is_null(json_object_get(j, "lat_p50_us")) == 0 &&
	    json_integer_value(json_object_get(j, "requests")) == 100, "a row as JSON has one key per column");
	ok(json_real_value(json_object_get(j, "cpu_pct")) == 12.35, "cpu_pct rounded to 2 decimals");
	json_decref(j);
	test_run_metrics(plan, t, rt);

	store_write(st, run_store_tick, rt);   /* frees rt */
	ok(store_write_sync(st, run_store_state, &(struct run_store_state){ .run_id = in.id,
	    .state = "queued" }, &cause) == 0, "a later job commits too");
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM samples WHERE run_id = %lld AND second = 7",
	    (long long)in.id);
	is_int(q_int(db, sql), 3, "one transaction wrote the 3 rows");
	snprintf(sql, sizeof sql, "SELECT count(*) FROM sample_histograms WHERE run_id = %lld", (long long)in.id);
	is_int(q_int(db, sql), 2, "and a histogram for each row with requests");
	snprintf(sql, sizeof sql, "SELECT lat_p95_us FROM samples WHERE run_id = %lld AND endpoint = 1",
	    (long long)in.id);
	is_int(q_int(db, sql), hist_percentile(t->endpoints[0].duration, 95), "p95 stored");
	snprintf(sql, sizeof sql, "SELECT hist FROM sample_histograms WHERE run_id = %lld AND endpoint = 1",
	    (long long)in.id);
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
		ok(hist_decode(h, sqlite3_column_blob(q, 0), (size_t)sqlite3_column_bytes(q, 0), NULL) == 0 &&
		    hist_equal(h, t->endpoints[0].duration), "the stored blob is the histogram");
	else
		ok(0, "the stored blob is the histogram");
	sqlite3_finalize(q);
	hist_free(h);
	tick_free(t);
	plan_free(plan);
}

/* ---- the run manager */

/* A listening socket that never accepts: connections complete in the backlog, requests get no
   answer, so a VU waits for its timeout (60 s) and a run lasts until it is stopped. */
static int
silent_listener(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 64) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
		return -1;
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Waits (up to 10 s) until run id has state want in the database. */
static bool
wait_state(sqlite3 *db, int64_t id, const char *want)
{
	char sql[128];

	snprintf(sql, sizeof sql, "SELECT state FROM runs WHERE id = %lld", (long long)id);
	for (int i = 0; i < 1000; i++) {
		char *s = q_text(db, sql);
		bool match = s != NULL && strcmp(s, want) == 0;
		free(s);
		if (match)
			return true;
		usleep(10000);
	}
	return false;
}

static int64_t
submit(struct runq *q, const char *name, const char *definition)
{
	struct runq_new nr = { .name = name, .definition = definition, .trigger = "api" };
	char *cause = NULL;
	int64_t id = 0;

	if (runq_submit(q, &nr, &id, &cause) != 0) {
		printf("# submit: %s\n", cause);
		free(cause);
		return -1;
	}
	return id;
}

/* ---- the live stream, as the run manager sees it: a publisher that records what it is given */

struct fake_pub {
	pthread_mutex_t lock;
	sqlite3 *db;               /* read connection of the manager thread (in publish) */
	int64_t run;               /* the run whose topic is watched */
	char topic[32];
	int ticks;                 /* on topic */
	int ticks_uncommitted;     /* ticks whose second was not in the database yet */
	int states;                /* run_state messages on topic */
	int lost;                  /* tick_lost messages on topic */
	char last_state[16];
	int queue;                 /* "queue" messages on "runs" */
};

/* runq_publisher.publish: counts; checks a tick's second was committed before it came. */
static int
fake_publish(void *arg, const char *topic, const char *json, size_t len)
{
	struct fake_pub *p = arg;
	json_t *m = json_loadb(json, len, 0, NULL);
	const char *type = json_string_value(json_object_get(m, "type"));
	char sql[160];

	pthread_mutex_lock(&p->lock);
	if (type != NULL && strcmp(type, "queue") == 0 && strcmp(topic, "runs") == 0)
		p->queue++;
	if (type != NULL && strcmp(topic, p->topic) == 0) {
		if (strcmp(type, "tick") == 0) {
			p->ticks++;
			snprintf(sql, sizeof sql, "SELECT count(*) FROM samples WHERE run_id = %lld AND "
			    "endpoint = 0 AND second = %lld", (long long)p->run,
			    (long long)json_integer_value(json_object_get(m, "second")));
			if (q_int(p->db, sql) != 1)
				p->ticks_uncommitted++;
		} else if (strcmp(type, "tick_lost") == 0) {
			p->lost++;
		} else if (strcmp(type, "run_state") == 0) {
			p->states++;
			snprintf(p->last_state, sizeof p->last_state, "%s",
			    json_string_value(json_object_get(m, "state")));
		}
	}
	pthread_mutex_unlock(&p->lock);
	json_decref(m);
	return 0;
}

/* runq_publisher.clients. */
static int
fake_clients(void *arg)
{
	(void)arg;
	return 7;
}

static void
test_manager(struct store *st, sqlite3 *db, struct conf *cfg)
{
	struct fake_pub fp = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct runq_publisher pub = { .publish = fake_publish, .clients = fake_clients, .arg = &fp };
	struct runq_status s;
	struct runq *q;
	enum run_state state;
	char *cause = NULL, *def, *text, sql[256];
	int port, lfd = silent_listener(&port);
	int64_t a, b, c, d, e;

	ok(lfd >= 0, "a silent listener");
	def = xasprintf("{\"name\":\"hang\",\"baseUrl\":\"http://127.0.0.1:%d\",\"vus\":1,\"duration\":\"60s\","
	    "\"tasks\":[{\"name\":\"slow\",\"path\":\"/\"}]}", port);
	cfg->max_concurrent_runs = 1;
	cfg->workers = 1;
	struct security *sec = security_new(cfg, &cause);
	ok(sec != NULL, "the default security policy");
	fp.db = store_open_reader(st, &cause);
	q = runq_start(cfg, sec, st, &pub, &cause);
	ok(q != NULL, "runq_start: %s", cause ? cause : "ok");
	is_int(runq_live_clients(q), 7, "the live clients are the publisher's");

	a = submit(q, "a", def);
	b = submit(q, "b", def);
	c = submit(q, "c", def);
	ok(a > 0 && b == a + 1 && c == b + 1, "three runs queued with growing ids");
	pthread_mutex_lock(&fp.lock);
	fp.run = a;
	snprintf(fp.topic, sizeof fp.topic, "run:%lld", (long long)a);
	pthread_mutex_unlock(&fp.lock);
	ok(wait_state(db, a, "running"), "the first starts");
	ok(runq_status(q, b, &s) && s.state == RUN_QUEUED && s.position == 1, "the second waits at position 1");
	ok(runq_status(q, c, &s) && s.state == RUN_QUEUED && s.position == 2, "the third at position 2");
	snprintf(sql, sizeof sql, "SELECT count(*) FROM endpoints WHERE run_id = %lld", (long long)a);
	is_int(q_int(db, sql), 1, "a started run has its endpoints");

	is_int(runq_delete(q, a, &state, &cause), RUNQ_CONFLICT, "a running run cannot be deleted");
	is_int(state, RUN_RUNNING, "the conflict says it is running");
	is_int(runq_stop_run(q, b, false, &state), RUNQ_OK, "stopping a queued run cancels it");
	ok(wait_state(db, b, "cancelled"), "it is cancelled");
	snprintf(sql, sizeof sql, "SELECT started_ms IS NULL AND ended_ms > 0 FROM runs WHERE id = %lld",
	    (long long)b);
	is_int(q_int(db, sql), 1, "without ever starting");
	ok(!runq_status(q, b, &s), "and the manager forgot it");
	ok(runq_status(q, c, &s) && s.position == 1, "the third moved up to position 1");
	is_int(runq_stop_run(q, b, false, &state), RUNQ_CONFLICT, "stopping it again is a conflict");
	is_int(state, RUN_CANCELLED, "naming its final state");
	is_int(runq_delete(q, c, &state, &cause), RUNQ_OK, "deleting a queued run cancels and deletes it");
	snprintf(sql, sizeof sql, "SELECT count(*) FROM runs WHERE id = %lld", (long long)c);
	is_int(q_int(db, sql), 0, "its row is gone");
	is_int(runq_delete(q, c, &state, &cause), RUNQ_NOT_FOUND, "deleting it again: not found");
	is_int(runq_stop_run(q, 999999, false, &state), RUNQ_NOT_FOUND, "stopping a run that never was: not found");

	usleep(1200 * 1000);
	ok(runq_status(q, a, &s) && s.have_live && s.live.second >= 0, "a running run has a live second");
	is_int(runq_stop_run(q, a, true, &state), RUNQ_OK, "a forced stop of the running run");
	ok(wait_state(db, a, "stopped"), "ends it stopped");
	snprintf(sql, sizeof sql, "SELECT json_extract(summary, '$.rampage.interrupted') FROM runs WHERE id = %lld",
	    (long long)a);
	is_int(q_int(db, sql), 1, "with a summary that says it was interrupted");
	snprintf(sql, sizeof sql, "SELECT count(*) FROM samples WHERE run_id = %lld AND endpoint = 0", (long long)a);
	ok(q_int(db, sql) >= 1, "and its seconds stored");
	pthread_mutex_lock(&fp.lock);
	ok(fp.ticks >= 1 && fp.ticks_uncommitted == 0, "its ticks were published, each after its second "
	    "committed (%d ticks, %d early)", fp.ticks, fp.ticks_uncommitted);
	ok(fp.states >= 2 && strcmp(fp.last_state, "stopped") == 0, "its state changes were published "
	    "on its topic, the last one stopped (%d, %s)", fp.states, fp.last_state);
	ok(fp.queue >= 1, "the queue was published on runs");
	pthread_mutex_unlock(&fp.lock);

	/* a definition that no longer validates: error */
	d = submit(q, "broken", "{\"vus\": -1}");
	ok(wait_state(db, d, "error"), "a run whose definition does not validate ends in error");
	snprintf(sql, sizeof sql, "SELECT error FROM runs WHERE id = %lld", (long long)d);
	text = q_text(db, sql);
	ok(text != NULL && strstr(text, "vus") != NULL, "its error names the problem: %s", text ? text : "(null)");
	free(text);

	/* shutdown: the running run is aborted, the queued one stays queued */
	a = submit(q, "long", def);
	e = submit(q, "next", def);
	ok(wait_state(db, a, "running"), "another run starts");
	runq_stop(q);
	sqlite3_close(fp.db);
	ok(wait_state(db, a, "aborted"), "runq_stop aborts the running run");
	snprintf(sql, sizeof sql, "SELECT error FROM runs WHERE id = %lld", (long long)a);
	text = q_text(db, sql);
	ok(text != NULL && strstr(text, "daemon stopped") != NULL, "saying why: %s", text ? text : "(null)");
	free(text);
	snprintf(sql, sizeof sql, "SELECT summary IS NOT NULL FROM runs WHERE id = %lld", (long long)a);
	is_int(q_int(db, sql), 1, "with its summary");
	snprintf(sql, sizeof sql, "SELECT state FROM runs WHERE id = %lld", (long long)e);
	text = q_text(db, sql);
	is_str(text, "queued", "the queued run stays queued");
	free(text);

	q = runq_start(cfg, sec, st, NULL, &cause);
	ok(q != NULL && wait_state(db, e, "running"), "the next start picks it up and runs it");
	is_int(runq_stop_run(q, e, true, &state), RUNQ_OK, "stop it");
	ok(wait_state(db, e, "stopped"), "it ends");
	runq_stop(q);
	security_free(sec);
	close(lfd);
	free(def);
}

/* A store job: caps the database at its current size (arg NULL), or lifts the cap: SQLite then fails
   writes that need a new page with SQLITE_FULL, as on a full disk. */
static int
cap_file(sqlite3 *db, void *arg, char **cause)
{
	char sql[64];

	snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld",
	    arg == NULL ? (long long)q_int(db, "PRAGMA page_count") : 1000000000LL);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		*cause = xstrdup(sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/*
 * The database fills up under a running run: its seconds are lost (tick_lost, never a tick for an
 * unstored second) and counted; its final state cannot be written either, so the manager keeps it
 * in memory (runq_status says it ended, the row still says running) and writes it, with the missing
 * seconds, once there is room again.
 */
static void
test_full(struct store *st, sqlite3 *db, struct conf *cfg)
{
	struct fake_pub fp = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct runq_publisher pub = { .publish = fake_publish, .clients = fake_clients, .arg = &fp };
	struct runq_status s = { 0 };
	struct runq *q;
	enum run_state state;
	char *cause = NULL, *def, *text, sql[256], tasks[2048];
	int port, lfd = silent_listener(&port), i, n = 0, nmiss;
	struct security *sec = security_new(cfg, &cause);
	int64_t a;

	/* 40 endpoints: 41 rows a second fill a page every second or so */
	for (i = 1; i <= 40; i++)
		n += snprintf(tasks + n, sizeof tasks - (size_t)n, "%s{\"name\":\"t%d\",\"path\":\"/%d\"}",
		    i > 1 ? "," : "", i, i);
	def = xasprintf("{\"name\":\"fills\",\"baseUrl\":\"http://127.0.0.1:%d\",\"vus\":1,"
	    "\"duration\":\"60s\",\"tasks\":[%s]}", port, tasks);
	fp.db = store_open_reader(st, &cause);
	q = runq_start(cfg, sec, st, &pub, &cause);
	a = submit(q, "fills", def);
	pthread_mutex_lock(&fp.lock);
	fp.run = a;
	snprintf(fp.topic, sizeof fp.topic, "run:%lld", (long long)a);
	pthread_mutex_unlock(&fp.lock);
	ok(wait_state(db, a, "running"), "a run starts");
	ok(store_write_sync(st, cap_file, NULL, &cause) == 0, "the database is capped at its size");
	for (i = 0; i < 1000; i++) {   /* 10 s: a generous bound */
		bool lost = runq_status(q, a, &s) && s.missing_seconds >= 2;
		runq_status_fini(&s);
		if (lost)
			break;
		usleep(10000);
	}
	ok(i < 1000, "its seconds are lost once the file cannot grow");
	text = store_error(st);
	is_str(text, "error: database or disk is full", "the store says why");
	free(text);

	is_int(runq_stop_run(q, a, true, &state), RUNQ_OK, "the run is stopped");
	for (i = 0; i < 1000; i++) {
		bool ended = runq_status(q, a, &s) && s.unrecorded;
		if (ended)
			break;
		runq_status_fini(&s);
		usleep(10000);
	}
	ok(i < 1000 && s.state == RUN_STOPPED && s.ended_ms > 0, "it ended: stopped, from the manager's memory");
	ok(s.missing_seconds >= 2 && s.missing != NULL && s.missing[0] == '[',
	    "with its missing seconds (%lld: %s)", (long long)s.missing_seconds, s.missing);
	runq_status_fini(&s);
	snprintf(sql, sizeof sql, "SELECT state FROM runs WHERE id = %lld", (long long)a);
	text = q_text(db, sql);
	ok(text != NULL && strcmp(text, "stopped") != 0,
	    "the database could not take its end: the row still says %s", text ? text : "(null)");
	free(text);
	is_int(runq_stop_run(q, a, false, &state), RUNQ_CONFLICT, "stopping it again is a conflict");
	is_int(state, RUN_STOPPED, "naming the final state it has in memory");

	ok(store_write_sync(st, cap_file, (void *)1, &cause) == 0, "room returns");
	ok(wait_state(db, a, "stopped"), "the manager writes the end it kept (within 10 s)");
	snprintf(sql, sizeof sql, "SELECT count(*) FROM samples WHERE run_id = %lld AND endpoint = 0", (long long)a);
	n = q_int(db, sql);
	snprintf(sql, sizeof sql, "SELECT (SELECT sum(r.value ->> 1 - r.value ->> 0 + 1) FROM json_each(missing) r)"
	    " FROM runs WHERE id = %lld", (long long)a);
	nmiss = q_int(db, sql);
	ok(nmiss >= 2, "with its missing seconds (%d stored, %d missing)", n, nmiss);
	for (i = 0; i < 1000 && runq_status(q, a, &s); i++) {
		runq_status_fini(&s);
		usleep(10000);
	}
	ok(i < 1000, "and the manager forgot it");
	pthread_mutex_lock(&fp.lock);
	is_int(fp.ticks_uncommitted, 0, "no tick was published for a second that was not stored");
	is_int(fp.lost, nmiss, "a tick_lost for each missing second");
	is_int(fp.ticks + fp.lost, n + nmiss, "every second was a tick or a tick_lost");
	pthread_mutex_unlock(&fp.lock);
	/* the store probes once a second: 10 s is a generous bound */
	for (i = 0; i < 1000 && (text = store_error(st)) != NULL; i++) {
		free(text);
		usleep(10000);
	}
	ok(i < 1000, "the store writes again");
	runq_stop(q);
	sqlite3_close(fp.db);
	security_free(sec);
	close(lfd);
	free(def);
}

int
main(void)
{
	struct conf cfg;
	struct store *st;
	sqlite3 *db;
	char *cause = NULL, *path;

	log_level = LOG_WARNING;
	test_states();
	test_overrides();

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	path = xasprintf("%s/runs.db", dir);
	st = store_open(path, &cause);
	ok(st != NULL, "store_open: %s", cause ? cause : "ok");
	db = store_open_reader(st, &cause);
	conf_init(&cfg);
	test_tick_rows(st, db);
	test_manager(st, db, &cfg);
	test_full(st, db, &cfg);
	sqlite3_close(db);
	store_close(st);
	conf_fini(&cfg);
	{
		char *cmd = xasprintf("rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
		free(cmd);
	}
	free(path);
	return done_testing();
}
