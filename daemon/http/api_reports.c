/*
 * api_reports: a finished run's reports for people and CI (docs/reports.md): GET
 * /api/runs/{id}/junit.xml, the JUnit XML of its thresholds and checks (metrics/junit.h), made from
 * the summary stored with the run, so it is the document `rampage run --out junit=` writes.
 *
 * Runs on the api thread; the run is read through runs/run_query.h on its read-only connection.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "http/api_priv.h"
#include "metrics/junit.h"
#include "runs/run_query.h"
#include "runs/runq.h"

static const char *const no_params[] = { NULL };

/*
 * The run with its summary, or NULL after answering: 404 no such run, 409 it has not ended, 404 it
 * ended without a summary (error, or aborted by a crash). what names the report in the messages.
 */
static json_t *
finished_run(struct api_request *req, int64_t id, const char *what)
{
	json_t *r = NULL;
	char *cause = NULL;
	int state;

	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return NULL;
	if (run_query_get(req->db, id, NULL, NULL, &r, &cause) != 0) {
		api_reply_db_error(req, "reading the run", cause);
		free(cause);
		return NULL;
	}
	if (r == NULL) {
		api_reply_error(req, 404, "not_found", "no run %lld", (long long)id);
		return NULL;
	}
	if (json_is_object(json_object_get(r, "summary")))
		return r;
	state = run_state_from_name(json_string_value(json_object_get(r, "state")));
	if (state >= 0 && !run_state_final((enum run_state)state))
		api_reply_error(req, 409, "conflict", "run %lld is %s: its %s is made when it ends",
		    (long long)id, run_state_name((enum run_state)state), what);
	else
		api_reply_error(req, 404, "not_found", "run %lld has no %s (it ended %s before its summary "
		    "was written)", (long long)id, what, json_string_value(json_object_get(r, "state")));
	json_decref(r);
	return NULL;
}

/* GET /api/runs/{id}/junit.xml */
void
api_runs_junit(struct api_request *req)
{
	int64_t id = req->params[0];
	json_t *r = finished_run(req, id, "JUnit report");
	json_t *started;
	char *xml;

	if (r == NULL)
		return;
	started = json_object_get(r, "started_ms");
	struct junit_meta meta = {
		.suite = json_string_value(json_object_get(r, "name")),
		.started_unix = json_is_integer(started) ? (int64_t)(json_integer_value(started) / 1000) : 0,
		.run_id = id,
	};
	xml = junit_xml(json_object_get(r, "summary"), &meta);
	api_reply_raw(req, 200, "application/xml; charset=utf-8", xml, strlen(xml));
	free(xml);
	json_decref(r);
}
