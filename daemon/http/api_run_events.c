/*
 * api_run_events: a run's markers (docs/api.md, "Events"). POST /api/runs/{id}/events {"name":
 * "reload"} marks the moment now of a running run (201 with the event; 409 when the run is not
 * running or has 1,000 events); GET lists them in time order, those of the definition's timed
 * `events` (with their request's status) included. Api thread: the body is checked here, the
 * manager records and publishes the event (runq_mark); the list is runs/run_events.h's read on the
 * api thread's read-only connection. Every refusal names its field.
 */
#include <config.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "http/api_priv.h"
#include "runs/run_changes.h"
#include "runs/run_events.h"
#include "runs/run_query.h"
#include "runs/runq.h"
#include "testdef/testdef.h"

/* POST /api/runs/{id}/events: 201 with the event. */
void
api_runs_events_post(struct api_request *req)
{
	static const char *const no_params[] = { NULL };
	struct runq_mark mk = { 0 };
	struct runq_mark_reply out;
	int64_t id = req->params[0];
	json_t *body, *val;
	const char *key, *why = NULL;

	if (!api_need_store(req) || !api_params_ok(req, no_params) || (body = api_body_json(req)) == NULL)
		return;
	if (!json_is_object(body)) {
		api_reply_field(req, 400, "bad_request", "name", "expected an object like {\"name\": \"reload\"}");
		goto out;
	}
	json_object_foreach(body, key, val) {
		if (strcmp(key, "name") != 0) {
			api_reply_field(req, 400, "bad_request", key, "unknown field (an event takes a name)");
			goto out;
		}
	}
	val = json_object_get(body, "name");
	if (!json_is_string(val)) {
		api_reply_field(req, 400, "bad_request", "name", val == NULL ? "required: a name like \"reload\"" :
		    "expected a string like \"reload\"");
		goto out;
	}
	if (testdef_event_name_check(json_string_value(val), json_string_length(val), &why) != 0 ||
	    strlen(json_string_value(val)) != json_string_length(val)) {
		api_reply_field(req, 400, "bad_request", "name", why != NULL ? why : "no NUL characters");
		goto out;
	}
	mk.name = json_string_value(val);
	mk.trigger = run_changes_trigger(api_header(req, "X-Rampage-Client"));
	switch (runq_mark(req->runq, id, &mk, &out)) {
	case RUNQ_OK:
		api_reply_json_new(req, 201, out.event);
		out.event = NULL;
		break;
	case RUNQ_NOT_FOUND:
		api_reply_error(req, 404, "not_found", "no run %lld", (long long)id);
		break;
	case RUNQ_CONFLICT:
		api_reply_field(req, 409, "conflict", "run", out.cause);
		break;
	case RUNQ_FAILED:
		api_reply_error(req, 500, "internal", "run %lld: the event was not recorded: %s",
		    (long long)id, out.cause);
		break;
	}
	json_decref(out.event);
	free(out.cause);
out:
	json_decref(body);
}

/* GET /api/runs/{id}/events: {"run_id", "events": [...]}. */
void
api_runs_events_get(struct api_request *req)
{
	static const char *const none[] = { NULL };
	int64_t id = req->params[0];
	char *cause = NULL;
	bool exists;
	json_t *list;

	if (!api_need_store(req) || !api_params_ok(req, none))
		return;
	if (run_query_exists(req->db, id, &exists, &cause) != 0) {
		api_reply_db_error(req, "reading the run", cause);
	} else if (!exists) {
		api_reply_error(req, 404, "not_found", "no run %lld", (long long)id);
	} else if ((list = run_events_read(req->db, id, &cause)) == NULL) {
		api_reply_db_error(req, "reading the events", cause);
	} else {
		api_reply_json_new(req, 200, json_pack("{s:I, s:o}", "run_id", (json_int_t)id, "events",
		    list));
	}
	free(cause);
}
