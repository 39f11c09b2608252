/*
 * api_runs: the runs (docs/api.md): start one (from a saved test, with overrides, or inline), list
 * them with keyset pagination, get, stop and delete one. Every function runs on the api thread:
 * reads go through runs/run_query.h on its read-only connection; state changes go to the run
 * manager (runq.h), which owns every transition. What a run measured is api_run_data.c's.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "http/api_priv.h"
#include "runs/overrides.h"
#include "runs/run_query.h"
#include "runs/runq.h"
#include "store/store.h"
#include "testdef/testdef.h"

#define LIST_LIMIT_DEFAULT 50
#define LIST_LIMIT_MAX     500
#define NOTE_MAX           4096       /* bytes */
#define TAGS_MAX           32
#define TAG_KEY_MAX        64
#define TAG_VALUE_MAX      256

static const char *const no_params[] = { NULL };

/* ---- runs as JSON */

/* run_query_add_fn: what the run manager knows of a run that has not ended (position, stop, live
   second). arg: the request. */
static void
add_status(void *arg, json_t *run, int64_t id, int64_t started_ms)
{
	struct api_request *req = arg;
	struct runq_status s;

	if (!runq_status(req->runq, id, &s))
		return;
	if (s.unrecorded) {
		/* ended, but the store could not write it yet: the truth is in memory */
		json_object_set_new(run, "state", json_string(run_state_name(s.state)));
		json_object_set_new(run, "ended_ms", json_integer(s.ended_ms));
		json_object_set_new(run, "error", s.error != NULL ? json_string(s.error) : json_null());
	}
	if (s.missing != NULL)
		run_query_set_missing(run, s.missing);
	if (s.state == RUN_QUEUED)
		json_object_set_new(run, "position", json_integer(s.position));
	json_object_set_new(run, "stop_requested", json_boolean(s.stop_requested));
	if (s.have_live) {
		int64_t elapsed = started_ms > 0 ? clock_wall_ms() - started_ms : s.live.elapsed_ms;
		json_object_set_new(run, "live", json_pack("{s:I, s:I, s:i, s:I, s:f, s:o, s:f, s:I, s:I}",
		    "second", (json_int_t)s.live.second,
		    "elapsed_ms", (json_int_t)elapsed,
		    "vus", s.live.vus,
		    "requests", (json_int_t)s.live.requests,
		    "rps", s.live.rps,
		    "p95_us", s.live.p95_us >= 0 ? json_integer(s.live.p95_us) : json_null(),
		    "error_rate", s.live.error_rate,
		    "total_requests", (json_int_t)s.live.total_requests,
		    "total_failures", (json_int_t)s.live.total_failures));
	}
	runq_status_fini(&s);
}

/* Answers 200/202 with a run, or 404. */
static void
reply_run(struct api_request *req, unsigned status, int64_t id)
{
	json_t *r;
	char *cause = NULL;

	if (run_query_get(req->db, id, add_status, req, &r, &cause) != 0)
		api_reply_db_error(req, "reading the run", cause);
	else if (r != NULL) {
		if (status == 200)
			api_compare_annotate(req, r);
		api_reply_json_new(req, status, r);
	} else
		api_reply_error(req, 404, "not_found", "no run %lld", (long long)id);
	free(cause);
}

/* ---- starting runs */

/* What the body of a start request says besides the definition. */
struct start {
	struct overrides ov;
	const char *note;          /* borrowed from the body */
	char *tags;                /* JSON text (xmalloc'd), NULL: {} */
};

/* Checks a start body's keys and values; -1 after answering 400 invalid_overrides. */
static int
read_start(struct api_request *req, json_t *body, bool with_definition, struct start *s)
{
	static const char *const keys[] = { "vus", "duration", "rate", "iterations", "agents", "tags",
	    "note", "definition" };
	size_t nkeys = with_definition ? 8 : 7;
	struct testdef_errors errs;
	const char *key;
	json_t *v, *tags;

	memset(s, 0, sizeof *s);
	testdef_errors_init(&errs);
	json_object_foreach(body, key, v) {
		size_t i;
		for (i = 0; i < nkeys && strcmp(keys[i], key) != 0; i++)
			;
		if (i == nkeys)
			testdef_errors_add(&errs, key, "unknown key (a start request takes %s)",
			    with_definition ? "definition, vus, duration, rate, iterations, agents, tags, note" :
			    "vus, duration, rate, iterations, agents, tags, note");
	}
	overrides_parse(body, &s->ov, &errs);
	if ((v = json_object_get(body, "note")) != NULL) {
		if (!json_is_string(v) || json_string_length(v) > NOTE_MAX)
			testdef_errors_add(&errs, "note", "expected a string of at most %d bytes", NOTE_MAX);
		else
			s->note = json_string_value(v);
	}
	if ((tags = json_object_get(body, "tags")) != NULL) {
		if (!json_is_object(tags) || json_object_size(tags) > TAGS_MAX) {
			testdef_errors_add(&errs, "tags", "expected an object of at most %d string tags",
			    TAGS_MAX);
		} else {
			json_object_foreach(tags, key, v) {
				char path[TAG_KEY_MAX + 16];
				snprintf(path, sizeof path, "tags.%s", key);
				if (strlen(key) == 0 || strlen(key) > TAG_KEY_MAX)
					testdef_errors_add(&errs, "tags", "tag names have 1 to %d bytes",
					    TAG_KEY_MAX);
				else if (!json_is_string(v) || json_string_length(v) > TAG_VALUE_MAX)
					testdef_errors_add(&errs, path, "expected a string of at most %d bytes",
					    TAG_VALUE_MAX);
			}
			s->tags = json_dumps(tags, JSON_COMPACT);
		}
	}
	if (errs.n > 0) {
		api_reply_invalid(req, "invalid_overrides", "invalid start request", &errs);
		testdef_errors_fini(&errs);
		free(s->tags);
		s->tags = NULL;
		return -1;
	}
	testdef_errors_fini(&errs);
	return 0;
}

/* What started a run, as the request says (docs/api.md, "Run states"): the CLI and the dashboard
   send X-Rampage-Client: cli / dashboard; anything else is "api". A client can claim either, as
   it can set any header: the trigger is a label, not an authentication. */
static const char *
request_trigger(struct api_request *req)
{
	const char *client = api_header(req, "X-Rampage-Client");

	if (client != NULL && strcmp(client, "cli") == 0)
		return "cli";
	if (client != NULL && strcmp(client, "dashboard") == 0)
		return "dashboard";
	return "api";
}

/*
 * Applies the overrides to def, validates it and queues the run. stored_text: the definition's
 * text when it is to be kept byte for byte (a saved test with no override), else NULL.
 */
static void
start_run(struct api_request *req, json_t *def, const char *stored_text, int64_t test_id,
    struct start *s)
{
	struct testdef_errors errs;
	struct plan *plan;
	struct runq_new nr = { .test_id = test_id, .trigger = request_trigger(req), .note = s->note,
	    .tags = s->tags };
	char *text = NULL, *cause = NULL, loc[48];
	int64_t id;

	testdef_errors_init(&errs);
	if (overrides_apply(def, &s->ov, &errs) != 0) {
		api_reply_invalid(req, "invalid_overrides", "invalid start request", &errs);
		testdef_errors_fini(&errs);
		return;
	}
	testdef_errors_fini(&errs);
	if ((plan = api_definition_plan(req, def)) == NULL)
		return;
	if (stored_text == NULL || overrides_any(&s->ov))
		stored_text = text = json_dumps(def, JSON_COMPACT);
	nr.name = plan->name != NULL ? plan->name : "unnamed";
	nr.definition = stored_text;
	if ((cause = store_error(req->store)) != NULL) {
		/* a run would lose its seconds: refuse it until the store writes again (health says) */
		api_add_header(req, "Retry-After", "5");
		api_reply_error(req, 503, "store_unavailable", "the database cannot be written (%s): no run "
		    "starts until it can", cause + strlen("error: "));
		free(cause);
	} else if (runq_submit(req->runq, &nr, &id, &cause) != 0) {
		api_reply_error(req, 500, "internal", "queueing the run: %s", cause);
		free(cause);
	} else {
		snprintf(loc, sizeof loc, "/api/runs/%lld", (long long)id);
		api_add_header(req, "Location", loc);
		reply_run(req, 202, id);
	}
	free(text);
	plan_free(plan);
}

/* POST /api/tests/{id}/runs: start a run of a saved test; the body (optional) holds overrides. */
void
api_runs_create_for_test(struct api_request *req)
{
	json_t *body = NULL, *def = NULL;
	struct start s;
	char *text = NULL, *cause = NULL;

	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	if (req->body_len > 0) {
		if ((body = api_body_json(req)) == NULL)
			return;
		if (!json_is_object(body)) {
			api_reply_error(req, 400, "bad_request", "the body must be a JSON object of "
			    "overrides (vus, duration, rate, tags, note)");
			goto out;
		}
	} else {
		body = json_object();
	}
	if (read_start(req, body, false, &s) != 0)
		goto out;
	if (run_query_test_definition(req->db, req->params[0], &text, &cause) != 0) {
		api_reply_db_error(req, "reading the test", cause);
		goto out_s;
	}
	if (text == NULL) {
		api_reply_error(req, 404, "not_found", "no test %lld", req->params[0]);
		goto out_s;
	}
	if ((def = json_loads(text, JSON_REJECT_DUPLICATES, NULL)) == NULL) {
		api_reply_error(req, 500, "internal", "test %lld holds a definition that is not JSON",
		    req->params[0]);
		goto out_s;
	}
	start_run(req, def, text, req->params[0], &s);
out_s:
	free(s.tags);
out:
	free(cause);
	free(text);
	json_decref(def);
	json_decref(body);
}

/* POST /api/runs: start a run of an inline definition ({"definition": {...}, overrides...}). */
void
api_runs_create(struct api_request *req)
{
	json_t *body, *def;
	struct start s;

	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	if ((body = api_body_json(req)) == NULL)
		return;
	if (!json_is_object(body)) {
		api_reply_error(req, 400, "bad_request", "the body must be a JSON object: "
		    "{\"definition\": {...}, \"vus\": ..., \"note\": ...}");
	} else if (read_start(req, body, true, &s) == 0) {
		if ((def = json_object_get(body, "definition")) == NULL) {
			struct testdef_errors errs;
			testdef_errors_init(&errs);
			testdef_errors_add(&errs, "", "a \"definition\" object is required");
			api_reply_invalid(req, "invalid_definition", "invalid definition", &errs);
			testdef_errors_fini(&errs);
		} else {
			start_run(req, def, NULL, 0, &s);
		}
		free(s.tags);
	}
	json_decref(body);
}

/* ---- listing, getting, stopping, deleting */

/* GET /api/runs?test=&state=&since=&limit=&cursor=: newest first, keyset pagination. */
void
api_runs_list(struct api_request *req)
{
	static const char *const allowed[] = { "test", "state", "since", "limit", "cursor", NULL };
	long long test = 0, since = 0, limit = LIST_LIMIT_DEFAULT;
	const char *states_arg = NULL, *cursor_arg = NULL;
	enum run_state states[RUN_QUERY_STATES_MAX];
	struct run_query_page page = { .states = states };
	int64_t next = 0;
	char cursor[API_CURSOR_MAX], *cause = NULL;
	json_t *list;

	if (!api_need_store(req) || !api_params_ok(req, allowed))
		return;
	if (api_param_int(req, "test", 1, INT64_MAX, &test) < 0 ||
	    api_param_int(req, "since", 0, INT64_MAX, &since) < 0 ||
	    api_param_int(req, "limit", 1, LIST_LIMIT_MAX, &limit) < 0 ||
	    api_param_str(req, "state", &states_arg) < 0 || api_param_str(req, "cursor", &cursor_arg) < 0)
		return;
	if (states_arg != NULL) {
		const char *p = states_arg;
		for (;;) {
			size_t wl = strcspn(p, ",");
			char word[16];
			int s = -1;
			if (wl < sizeof word) {
				memcpy(word, p, wl);
				word[wl] = '\0';
				s = run_state_from_name(word);
			}
			if (s < 0) {
				api_reply_bad_param(req, "state", "expected run states separated by commas "
				    "(%s), got \"%s\"", run_state_names_list(), states_arg);
				return;
			}
			if (page.nstates == RUN_QUERY_STATES_MAX) {
				api_reply_bad_param(req, "state", "at most %d states", RUN_QUERY_STATES_MAX);
				return;
			}
			states[page.nstates++] = (enum run_state)s;
			if (p[wl] == '\0')
				break;
			p += wl + 1;
		}
	}
	if (cursor_arg != NULL && api_cursor_decode(cursor_arg, &page.after_id) != 0) {
		api_reply_bad_param(req, "cursor", "not a cursor this API gave (use next_cursor from a "
		    "previous page)");
		return;
	}
	page.test_id = test;
	page.since_ms = since;
	page.limit = (int)limit;
	if (run_query_list(req->db, &page, add_status, req, &list, &next, &cause) != 0) {
		api_reply_db_error(req, "listing runs", cause);
		free(cause);
		return;
	}
	if (next > 0)
		api_cursor_encode(next, cursor);
	api_reply_json_new(req, 200, json_pack("{s:o, s:o}", "runs", list,
	    "next_cursor", next > 0 ? json_string(cursor) : json_null()));
}

/* GET /api/runs/{id}. */
void
api_runs_get(struct api_request *req)
{
	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	reply_run(req, 200, req->params[0]);
}

/* POST /api/runs/{id}/stop[?force=true]: 202 with the run. */
void
api_runs_stop(struct api_request *req)
{
	static const char *const allowed[] = { "force", NULL };
	const char *force_arg = NULL;
	bool force = false;
	enum run_state state;
	int64_t id = req->params[0];

	if (!api_need_store(req) || !api_params_ok(req, allowed) ||
	    api_param_str(req, "force", &force_arg) < 0)
		return;
	if (force_arg != NULL) {
		if (strcmp(force_arg, "true") == 0 || strcmp(force_arg, "1") == 0)
			force = true;
		else if (strcmp(force_arg, "false") != 0 && strcmp(force_arg, "0") != 0) {
			api_reply_bad_param(req, "force", "expected true or false, got \"%s\"", force_arg);
			return;
		}
	}
	switch (runq_stop_run(req->runq, id, force, &state)) {
	case RUNQ_OK:
		reply_run(req, 202, id);
		break;
	case RUNQ_NOT_FOUND:
		api_reply_error(req, 404, "not_found", "no run %lld", (long long)id);
		break;
	case RUNQ_CONFLICT:
		api_reply_error(req, 409, "conflict", "run %lld has already ended (%s)", (long long)id,
		    run_state_name(state));
		break;
	case RUNQ_FAILED:
		api_reply_error(req, 500, "internal", "stopping run %lld failed", (long long)id);
		break;
	}
}

/* DELETE /api/runs/{id}: a queued run is cancelled and deleted; a running one is refused. 204. */
void
api_runs_delete(struct api_request *req)
{
	enum run_state state;
	int64_t id = req->params[0];
	char *cause = NULL;

	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	switch (runq_delete(req->runq, id, &state, &cause)) {
	case RUNQ_OK:
		api_reply_raw(req, 204, "application/json", "", 0);
		break;
	case RUNQ_NOT_FOUND:
		api_reply_error(req, 404, "not_found", "no run %lld", (long long)id);
		break;
	case RUNQ_CONFLICT:
		api_reply_error(req, 409, "conflict", "run %lld is %s: stop it first (POST "
		    "/api/runs/%lld/stop), then delete it once it has ended", (long long)id,
		    run_state_name(state), (long long)id);
		break;
	case RUNQ_FAILED:
		api_reply_error(req, 500, "internal", "deleting run %lld: %s", (long long)id,
		    cause != NULL ? cause : "failed");
		break;
	}
	free(cause);
}
