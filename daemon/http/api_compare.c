/*
 * api_compare: baselines and comparisons (docs/api.md, "Baselines" and "Comparing two runs"):
 * GET/PUT/DELETE /api/tests/{id}/baseline, GET /api/runs/{id}/compare?to=, and the `baseline`
 * key of GET /api/runs/{id}. Every function runs on the api thread; the reads are
 * runs/baseline.h's and runs/compare_load.h's on its read-only connection, the writes
 * synchronous store jobs (baseline_write).
 *
 * A run's verdict against its baseline is computed when asked (GET /api/runs/{id}), not stored
 * at its end: the baseline can change after the run ended (a new pin, a later passed run under
 * last-passed), and the answer then follows it. Its cost is one comparison (docs/performance.md).
 */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "http/api_priv.h"
#include "runs/baseline.h"
#include "runs/compare.h"
#include "runs/compare_load.h"
#include "runs/runq.h"
#include "store/store.h"
#include "testdef/testdef.h"

#define NOTE_MAX 1000              /* bytes of a baseline's note */
#define FLOOR_MAX 10.0             /* a floor above 1000% means nothing */

static const char *const no_params[] = { NULL };

/* Answers 400 invalid_baseline naming the body's field. */
static void __attribute__((format(printf, 3, 4)))
bad_field(struct api_request *req, const char *field, const char *fmt, ...)
{
	struct testdef_errors errs;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	testdef_errors_init(&errs);
	testdef_errors_add(&errs, field, "%s", msg);
	api_reply_invalid(req, "invalid_baseline", "invalid baseline", &errs);
	testdef_errors_fini(&errs);
}

/* What a run is: 0 and *state (NULL: no such run; caller frees) and *started, or -1 after 500. */
static int
run_state(struct api_request *req, int64_t id, char **state, bool *started)
{
	sqlite3_stmt *st;
	int rc;

	*state = NULL;
	*started = false;
	if (sqlite3_prepare_v2(req->db, "SELECT state, started_ms IS NOT NULL FROM runs WHERE id = ?",
	    -1, &st, NULL) != SQLITE_OK) {
		api_reply_db_error(req, "reading the run", NULL);
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*state = xstrdup((const char *)sqlite3_column_text(st, 0));
		*started = sqlite3_column_int(st, 1) != 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		api_reply_db_error(req, "reading the run", NULL);
		return -1;
	}
	return 0;
}

/* Whether a run in state (started or not) ended with data a comparison can use. */
static bool
ended_with_data(const char *state, bool started)
{
	return started && (strcmp(state, "passed") == 0 || strcmp(state, "failed") == 0 ||
	    strcmp(state, "finished") == 0 || strcmp(state, "stopped") == 0);
}

/*
 * Checks that run id can be compared; answers and returns false when not: 404 when there is no
 * such run, 409 when it has not ended or ended without data. what names it in messages ("run",
 * "to": the parameter).
 */
static bool
comparable_run(struct api_request *req, int64_t id, const char *param)
{
	char *state;
	bool started, ok = false;

	if (run_state(req, id, &state, &started) != 0)
		return false;
	if (state == NULL) {
		if (param != NULL)
			api_reply_json_new(req, 404, json_pack("{s:{s:s, s:s+, s:s}}", "error", "code",
			    "not_found", "message", param, ": no such run", "parameter", param));
		else
			api_reply_error(req, 404, "not_found", "no run %lld", (long long)id);
	} else if (!run_state_final((enum run_state)run_state_from_name(state)) &&
	    run_state_from_name(state) >= 0) {
		api_reply_error(req, 409, "conflict", "%s%srun %lld is %s: it can be compared once it "
		    "has ended", param ? param : "", param ? ": " : "", (long long)id, state);
	} else if (!ended_with_data(state, started)) {
		api_reply_error(req, 409, "conflict", "%s%srun %lld ended %s without the data of a "
		    "complete run: it cannot be compared", param ? param : "", param ? ": " : "",
		    (long long)id, state);
	} else {
		ok = true;
	}
	free(state);
	return ok;
}

/* GET /api/runs/{id}/compare?to={run id|baseline|previous}. */
void
api_runs_compare(struct api_request *req)
{
	static const char *const allowed[] = { "to", NULL };
	int64_t id = req->params[0], to = 0;
	struct compare_floors floors;
	const char *to_arg = NULL, *mode;
	char *cause = NULL;
	json_t *doc;
	int64_t baseline;

	if (!api_need_store(req) || !api_params_ok(req, allowed) ||
	    api_param_str(req, "to", &to_arg) < 0)
		return;
	if (to_arg == NULL) {
		api_reply_bad_param(req, "to", "required: a run id, \"baseline\" or \"previous\"");
		return;
	}
	if (!comparable_run(req, id, NULL))
		return;
	if (baseline_resolve(req->db, id, &baseline, &mode, &floors, &cause) != 0) {
		api_reply_db_error(req, "reading the baseline", cause);
		free(cause);
		return;
	}
	if (strcmp(to_arg, "baseline") == 0) {
		if (baseline == 0) {
			api_reply_json_new(req, 409, json_pack("{s:{s:s, s:s, s:s}}", "error", "code",
			    "no_baseline", "message", mode == NULL ? "to: the run has no saved test, so no "
			    "baseline (compare with a run id or previous)" : strcmp(mode, "pinned") == 0 ?
			    "to: the run's test has no baseline pinned (PUT /api/tests/{id}/baseline)" :
			    "to: no run of the test passed before this one (baseline: last-passed)",
			    "parameter", "to"));
			return;
		}
		to = baseline;
	} else if (strcmp(to_arg, "previous") == 0) {
		if (baseline_previous(req->db, id, &to, &cause) != 0) {
			api_reply_db_error(req, "reading the runs", cause);
			free(cause);
			return;
		}
		if (to == 0) {
			api_reply_json_new(req, 409, json_pack("{s:{s:s, s:s, s:s}}", "error", "code",
			    "no_previous", "message", "to: no earlier run of the same test ended with data",
			    "parameter", "to"));
			return;
		}
	} else {
		char *end;
		long long v;
		errno = 0;
		v = strtoll(to_arg, &end, 10);
		if (to_arg[0] < '0' || to_arg[0] > '9' || *end != '\0' || errno != 0 || v <= 0) {
			api_reply_bad_param(req, "to", "expected a run id, \"baseline\" or \"previous\", got "
			    "\"%s\"", to_arg);
			return;
		}
		to = v;
	}
	if (to == id) {
		api_reply_bad_param(req, "to", "run %lld cannot be compared with itself", (long long)id);
		return;
	}
	if (!comparable_run(req, to, "to"))
		return;
	if (compare_load_runs(req->db, id, to, &floors, &doc, &cause) != 0) {
		api_reply_db_error(req, "comparing", cause);
		free(cause);
		return;
	}
	json_object_set_new(doc, "to", json_string(strcmp(to_arg, "baseline") == 0 ? "baseline" :
	    strcmp(to_arg, "previous") == 0 ? "previous" : "run"));
	if (mode != NULL)
		json_object_set_new(doc, "baseline_mode", json_string(mode));
	api_reply_json_new(req, 200, doc);
}

void
api_compare_annotate(struct api_request *req, json_t *run)
{
	struct compare_floors floors;
	int64_t id = json_integer_value(json_object_get(run, "id")), baseline;
	const char *mode, *state = json_string_value(json_object_get(run, "state"));
	bool started = json_is_integer(json_object_get(run, "started_ms"));
	char *cause = NULL;
	json_t *doc, *b;

	if (baseline_resolve(req->db, id, &baseline, &mode, &floors, &cause) != 0 || mode == NULL) {
		free(cause);
		json_object_set_new(run, "baseline", json_null());
		return;
	}
	b = json_pack("{s:o, s:s, s:n, s:n}", "run_id", baseline > 0 ? json_integer(baseline) :
	    json_null(), "mode", mode, "verdict", "comparable");
	json_object_set_new(run, "baseline", b);
	if (baseline == 0 || state == NULL || !ended_with_data(state, started))
		return;
	if (compare_load_runs(req->db, id, baseline, &floors, &doc, &cause) != 0) {
		free(cause);
		return;
	}
	json_object_set(b, "verdict", json_object_get(doc, "verdict"));
	json_object_set(b, "comparable", json_object_get(doc, "comparable"));
	json_decref(doc);
}

/* ---- baselines */

/* Answers with test id's baseline document (status), or 404. */
static void
reply_baseline(struct api_request *req, unsigned status, int64_t id)
{
	char *cause = NULL;
	json_t *doc;

	if (baseline_get(req->db, id, &doc, &cause) != 0)
		api_reply_db_error(req, "reading the baseline", cause);
	else if (doc == NULL)
		api_reply_error(req, 404, "not_found", "no test %lld", (long long)id);
	else
		api_reply_json_new(req, status, doc);
	free(cause);
}

/* GET /api/tests/{id}/baseline: the current baseline, the mode, the floors and the history. */
void
api_tests_baseline_get(struct api_request *req)
{
	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	reply_baseline(req, 200, req->params[0]);
}

/* Reads the "floors" object of a PUT into *text (a new JSON text); false after answering. */
static bool
read_floors(struct api_request *req, json_t *fl, char **text)
{
	static const char *const keys[] = { "latency", "throughput", "error_rate" };
	const char *k;
	json_t *v;

	if (!json_is_object(fl)) {
		bad_field(req, "floors", "expected an object like {\"latency\": 0.05, \"throughput\": "
		    "0.03, \"error_rate\": 0.001}");
		return false;
	}
	json_object_foreach(fl, k, v) {
		bool known = false;
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
			known |= strcmp(k, keys[i]) == 0;
		if (!known) {
			char path[96];
			snprintf(path, sizeof path, "floors.%.64s", k);
			bad_field(req, path, "unknown floor (latency, throughput or error_rate)");
			return false;
		}
		if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > FLOOR_MAX) {
			char path[96];
			snprintf(path, sizeof path, "floors.%s", k);
			bad_field(req, path, "expected a number from 0 to %g (0.05 = 5%%; error_rate: an "
			    "absolute rate, 0.001 = 0.1 percentage points)", FLOOR_MAX);
			return false;
		}
	}
	*text = json_dumps(fl, JSON_COMPACT | JSON_SORT_KEYS);
	return true;
}

/* Performs w and answers: 200 with the baseline document, or the outcome's error. */
static void
write_and_reply(struct api_request *req, struct baseline_write *w)
{
	char *cause = NULL;

	if (store_write_sync(req->store, baseline_write, w, &cause) != 0) {
		api_reply_error(req, 500, "internal", "writing the baseline: %s", cause);
		free(cause);
		return;
	}
	switch (w->outcome) {
	case BASELINE_OK:
		if (w->op == BASELINE_CLEAR)
			api_reply_raw(req, 204, "application/json", "", 0);
		else
			reply_baseline(req, 200, w->test_id);
		return;
	case BASELINE_NO_TEST:
		api_reply_error(req, 404, "not_found", "no test %lld", (long long)w->test_id);
		return;
	case BASELINE_NO_RUN:
		bad_field(req, "run", "no run %lld", (long long)w->run_id);
		return;
	case BASELINE_OTHER_TEST:
		if (w->run_test_id > 0)
			bad_field(req, "run", "run %lld is a run of test %lld, not of test %lld",
			    (long long)w->run_id, (long long)w->run_test_id, (long long)w->test_id);
		else
			bad_field(req, "run", "run %lld is not a run of test %lld", (long long)w->run_id,
			    (long long)w->test_id);
		return;
	case BASELINE_NOT_ENDED:
		bad_field(req, "run", "run %lld is %s: a baseline is a run that ended with data "
		    "(passed, failed, finished or stopped after it started)", (long long)w->run_id,
		    w->state);
		return;
	case BASELINE_NONE:
		api_reply_error(req, 404, "not_found", "test %lld has no baseline pinned",
		    (long long)w->test_id);
		return;
	}
}

/*
 * PUT /api/tests/{id}/baseline: {"run": N, "note": "..."} pins run N; {"baseline": "last-passed"}
 * (or "pinned") sets how the baseline is chosen; "floors" sets the practical floors. 200 with the
 * baseline document.
 */
void
api_tests_baseline_put(struct api_request *req)
{
	struct baseline_write w = { .test_id = req->params[0], .now_ms = clock_wall_ms() };
	json_t *body, *run, *note, *mode, *fl, *v;
	char *floors = NULL;
	const char *k;

	if (!api_need_store(req) || !api_params_ok(req, no_params) ||
	    (body = api_body_json(req)) == NULL)
		return;
	if (!json_is_object(body)) {
		bad_field(req, "", "the body must be a JSON object: {\"run\": N, \"note\": \"...\"} or "
		    "{\"baseline\": \"last-passed\"}");
		goto out;
	}
	json_object_foreach(body, k, v) {
		if (strcmp(k, "run") != 0 && strcmp(k, "note") != 0 && strcmp(k, "baseline") != 0 &&
		    strcmp(k, "floors") != 0) {
			bad_field(req, k, "unknown key (run, note, baseline, floors)");
			goto out;
		}
	}
	run = json_object_get(body, "run");
	note = json_object_get(body, "note");
	mode = json_object_get(body, "baseline");
	fl = json_object_get(body, "floors");
	if (run != NULL && (!json_is_integer(run) || json_integer_value(run) <= 0)) {
		bad_field(req, "run", "expected a run id (a positive integer)");
		goto out;
	}
	if (note != NULL && !json_is_null(note) && (!json_is_string(note) ||
	    json_string_length(note) > NOTE_MAX)) {
		bad_field(req, "note", "expected a string of at most %d bytes", NOTE_MAX);
		goto out;
	}
	if (note != NULL && run == NULL) {
		bad_field(req, "note", "a note goes with the run it describes (\"run\")");
		goto out;
	}
	if (mode != NULL && (!json_is_string(mode) || (strcmp(json_string_value(mode), "pinned") != 0 &&
	    strcmp(json_string_value(mode), "last-passed") != 0))) {
		bad_field(req, "baseline", "expected \"pinned\" or \"last-passed\"");
		goto out;
	}
	if (mode != NULL && run != NULL && strcmp(json_string_value(mode), "last-passed") == 0) {
		bad_field(req, "baseline", "\"last-passed\" follows the runs: it pins no run (drop "
		    "\"run\")");
		goto out;
	}
	if (run == NULL && mode == NULL && fl == NULL) {
		bad_field(req, "run", "required: {\"run\": N} pins a run; or give \"baseline\" or "
		    "\"floors\"");
		goto out;
	}
	if (fl != NULL && !read_floors(req, fl, &floors))
		goto out;
	if (run == NULL) {
		w.op = BASELINE_SETTINGS;
		w.mode = mode != NULL ? json_string_value(mode) : NULL;
		w.floors = floors;
		write_and_reply(req, &w);
		goto out;
	}
	w.op = BASELINE_PIN;
	w.run_id = json_integer_value(run);
	w.note = json_is_string(note) ? json_string_value(note) : NULL;
	w.floors = floors;
	write_and_reply(req, &w);
out:
	free(floors);
	json_decref(body);
}

/* DELETE /api/tests/{id}/baseline: clears the pinned run (the history keeps it). 204. */
void
api_tests_baseline_delete(struct api_request *req)
{
	struct baseline_write w = { .op = BASELINE_CLEAR, .test_id = req->params[0],
	    .now_ms = clock_wall_ms() };

	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	write_and_reply(req, &w);
}
