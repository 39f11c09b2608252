/*
 * api_trend: GET /api/tests/{id}/trend?metric=&endpoint=&limit=, a test's runs as one figure each
 * and the change points among them (runs/run_trend.h reads and judges; this file answers HTTP).
 * The api thread.
 */
#include <config.h>

#include <stdlib.h>

#include "http/api_priv.h"
#include "runs/run_trend.h"

void
api_tests_trend(struct api_request *req)
{
	static const char *const allowed[] = { "metric", "endpoint", "limit", NULL };
	struct run_trend_query q = { .test_id = req->params[0], .metric = RUN_TREND_P95,
	    .limit = RUN_TREND_LIMIT_DEFAULT };
	enum run_trend_status status;
	const char *metric = NULL;
	long long limit;
	char *cause = NULL;
	json_t *doc;
	int rc;

	if (!api_need_store(req) || !api_params_ok(req, allowed) ||
	    api_param_str(req, "metric", &metric) < 0 ||
	    api_param_str(req, "endpoint", &q.endpoint) < 0 ||
	    (rc = api_param_int(req, "limit", 1, RUN_TREND_LIMIT_MAX, &limit)) < 0)
		return;
	if (rc > 0)
		q.limit = (int)limit;
	if (metric != NULL) {
		int m = run_trend_metric(metric);
		if (m < 0) {
			api_reply_bad_param(req, "metric", "expected one of %s, got \"%s\"",
			    run_trend_metric_names, metric);
			return;
		}
		q.metric = (enum run_trend_metric)m;
	}
	if (run_trend(req->db, &q, &doc, &status, &cause) != 0) {
		api_reply_db_error(req, "reading the trend", cause);
		free(cause);
		return;
	}
	if (status == RUN_TREND_NO_TEST)
		api_reply_error(req, 404, "not_found", "no test %lld", req->params[0]);
	else if (status == RUN_TREND_NO_ENDPOINT)
		api_reply_bad_param(req, "endpoint", "no run of test %lld has an endpoint named \"%s\" "
		    "(see GET /api/runs/{id}/endpoints; \"total\" is every endpoint together)",
		    req->params[0], q.endpoint);
	else
		api_reply_json_new(req, 200, doc);
}
