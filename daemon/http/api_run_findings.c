/*
 * api_run_findings: GET /api/runs/{id}/findings, what the run's numbers say in words (docs/api.md,
 * "Findings"; metrics/findings.h computes them when the run ends and they are stored in its summary
 * under "findings"). Api thread; reads the stored summary on the api thread's read-only connection.
 * The 404/409 answers are the summary's: no run, cancelled, not ended yet, ended without a summary.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "http/api_priv.h"
#include "runs/run_query.h"
#include "runs/run_state.h"

void
api_runs_findings(struct api_request *req)
{
	static const char *const none[] = { NULL };
	int64_t id = req->params[0];
	char *summary = NULL, *cause = NULL;
	json_t *doc = NULL, *list;
	json_error_t jerr;
	int state;

	if (!api_need_store(req) || !api_params_ok(req, none))
		return;
	if (run_query_summary(req->db, id, &state, &summary, &cause) != 0)
		api_reply_db_error(req, "reading the run", cause);
	else if (state < 0)
		api_reply_error(req, 404, "not_found", "no run %lld", (long long)id);
	else if (summary == NULL && state == RUN_CANCELLED)
		api_reply_error(req, 404, "not_found", "run %lld has no findings: it was cancelled "
		    "before it started, so it sent no load", (long long)id);
	else if (summary == NULL && !run_state_final((enum run_state)state))
		api_reply_error(req, 409, "conflict", "run %lld is %s: its findings are computed when "
		    "it ends", (long long)id, run_state_name((enum run_state)state));
	else if (summary == NULL)
		api_reply_error(req, 404, "not_found", "run %lld has no findings (it ended %s before "
		    "its summary was written)", (long long)id, run_state_name((enum run_state)state));
	else if ((doc = json_loads(summary, 0, &jerr)) == NULL)
		api_reply_error(req, 500, "internal", "run %lld: its stored summary is not JSON: %s",
		    (long long)id, jerr.text);
	else if (!json_is_array(list = json_object_get(doc, "findings")))
		api_reply_error(req, 404, "not_found", "run %lld has no findings: its summary was "
		    "written by a version of Rampage before findings", (long long)id);
	else
		api_reply_json_new(req, 200, json_pack("{s:I, s:s, s:O}", "run", (json_int_t)id,
		    "state", run_state_name((enum run_state)state), "findings", list));
	json_decref(doc);
	free(summary);
	free(cause);
}
