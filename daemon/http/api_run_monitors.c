/*
 * api_run_monitors: GET /api/runs/{id}/monitors[?name=NAME], a run's monitored values second
 * by second (docs/api.md, "Monitors"). Api thread; the read is runs/run_monitors.h's on the api
 * thread's read-only connection. While the run goes, the seconds stored so far.
 */
#include <config.h>

#include <stdbool.h>
#include <stdlib.h>

#include "http/api_priv.h"
#include "runs/run_monitors.h"
#include "runs/run_query.h"

void
api_runs_monitors(struct api_request *req)
{
	static const char *const allowed[] = { "name", NULL };
	int64_t id = req->params[0];
	char *cause = NULL;
	bool exists;
	json_t *doc;

	if (!api_need_store(req) || !api_params_ok(req, allowed))
		return;
	if (run_query_exists(req->db, id, &exists, &cause) != 0) {
		api_reply_db_error(req, "reading the run", cause);
	} else if (!exists) {
		api_reply_error(req, 404, "not_found", "no run %lld", (long long)id);
	} else if (run_monitors_query(req->db, id, api_query(req, "name"), &doc, &cause) != 0) {
		api_reply_db_error(req, "reading the monitors", cause);
	} else {
		api_reply_json_new(req, 200, doc);
	}
	free(cause);
}
