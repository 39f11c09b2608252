/*
 * api_run_failures: GET /api/runs/{id}/failures, why a run's requests failed (docs/api.md,
 * "Failures"): each distinct message per endpoint with its kind, count and first and last second,
 * and the early "every request fails" warning if it fired. Api thread; the read is
 * runs/run_failures.h's on the api thread's read-only connection. While the run goes, the rows are
 * those of the seconds stored so far.
 */
#include <config.h>

#include <stdbool.h>
#include <stdlib.h>

#include "http/api_priv.h"
#include "runs/run_failures.h"
#include "runs/run_query.h"

void
api_runs_failures(struct api_request *req)
{
	static const char *const none[] = { NULL };
	int64_t id = req->params[0];
	char *cause = NULL;
	bool exists;
	json_t *doc;

	if (!api_need_store(req) || !api_params_ok(req, none))
		return;
	if (run_query_exists(req->db, id, &exists, &cause) != 0) {
		api_reply_db_error(req, "reading the run", cause);
	} else if (!exists) {
		api_reply_error(req, 404, "not_found", "no run %lld", (long long)id);
	} else if (run_failures_query(req->db, id, &doc, &cause) != 0) {
		api_reply_db_error(req, "reading the failures", cause);
	} else {
		api_reply_json_new(req, 200, doc);
	}
	free(cause);
}
