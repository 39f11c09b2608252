/*
 * api_run_vus: PATCH /api/runs/{id} {"vus": N[, "scenario": NAME]}, changing the VUs of a running
 * run's constant-vus scenario (Locust's "edit users while running"). Runs on the api thread: it
 * checks the body, hands the change to the run manager (runq_set_vus), which asks the engine,
 * records and publishes it, and answers with the run (its `changes` included). Every refusal names
 * the field it is about, as {"error":{"code","message":"<field>: ...","field","errors":[{path,
 * message}]}}, so the dashboard and the CLI can point at it.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "http/api_priv.h"
#include "runs/run_changes.h"
#include "runs/runq.h"
#include "testdef/plan.h"

/* PATCH /api/runs/{id}: 200 with the run after the change. */
void
api_runs_patch(struct api_request *req)
{
	static const char *const no_params[] = { NULL };
	struct runq_vus v = { 0 };
	struct runq_vus_reply out;
	int64_t id = req->params[0];
	json_t *body, *val;
	const char *key;
	char *why = NULL;

	if (!api_need_store(req) || !api_params_ok(req, no_params) || (body = api_body_json(req)) == NULL)
		return;
	if (!json_is_object(body)) {
		api_reply_field(req, 400, "bad_request", "vus", "expected an object like {\"vus\": 10}");
		goto out;
	}
	json_object_foreach(body, key, val) {
		if (strcmp(key, "vus") != 0 && strcmp(key, "scenario") != 0) {
			why = xasprintf("unknown key (a running run takes vus and scenario)");
			api_reply_field(req, 400, "bad_request", key, why);
			goto out;
		}
	}
	val = json_object_get(body, "vus");
	if (!json_is_integer(val) || json_integer_value(val) < 1 ||
	    json_integer_value(val) > PLAN_MAX_VUS) {
		char *got = val != NULL ? json_dumps(val, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
		why = xasprintf("expected an integer from 1 to %d, got %s", PLAN_MAX_VUS,
		    got != NULL ? got : "nothing");
		free(got);
		api_reply_field(req, 400, "bad_request", "vus", why);
		goto out;
	}
	v.vus = json_integer_value(val);
	if ((val = json_object_get(body, "scenario")) != NULL) {
		if (!json_is_string(val)) {
			api_reply_field(req, 400, "bad_request", "scenario", "expected a scenario's name");
			goto out;
		}
		v.scenario = json_string_value(val);
	}
	v.trigger = run_changes_trigger(api_header(req, "X-Rampage-Client"));
	switch (runq_set_vus(req->runq, id, &v, &out)) {
	case RUNQ_OK:
		api_runs_get(req);
		break;
	case RUNQ_NOT_FOUND:
		api_reply_error(req, 404, "not_found", "no run %lld", (long long)id);
		break;
	case RUNQ_CONFLICT:
		api_reply_field(req, out.invalid ? 400 : 409, out.invalid ? "bad_request" : "conflict",
		    out.field, out.cause);
		break;
	case RUNQ_FAILED:
		api_reply_error(req, 500, "internal", "run %lld: the change was made but not recorded: %s",
		    (long long)id, out.cause);
		break;
	}
	free(out.cause);
out:
	free(why);
	json_decref(body);
}
