/*
 * routes: the REST API's route table, one line per route (see api_priv.h for the rules), and the
 * small system handlers. Handlers of a resource live in their own file (api_tests.c, api_runs.c,
 * api_run_data.c; GET /metrics in prometheus.c). Every handler runs on the api thread.
 */
#include <config.h>

#include <stdlib.h>

#include "http/api_priv.h"
#include "store/store.h"

/*
 * GET /api/health: liveness, a `SELECT 1` on the api thread's read connection, and whether the store
 * can write (store_error: a full disk). db is "ok", or "error" (cannot read), or "error: WHY" (cannot
 * write); anything but ok answers 503.
 */
static void
get_health(struct api_request *req)
{
	sqlite3_stmt *st;
	char *write_error = NULL;
	int db_ok = 0;

	if (req->db != NULL && sqlite3_prepare_v2(req->db, "SELECT 1", -1, &st, NULL) == SQLITE_OK) {
		db_ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
		sqlite3_finalize(st);
	}
	if (db_ok && req->store != NULL && (write_error = store_error(req->store)) != NULL)
		db_ok = 0;
	api_reply_json_new(req, db_ok ? 200 : 503, json_pack("{s:s, s:s, s:I, s:s}",
	    "status", db_ok ? "ok" : "error",
	    "version", PACKAGE_VERSION,
	    "uptime_s", (json_int_t)api_uptime_s(req->api),
	    "db", db_ok ? "ok" : write_error != NULL ? write_error : "error"));
	free(write_error);
}

const struct api_route api_routes[] = {
	{ "GET", "/api/health", get_health },
	{ "GET",    "/api/agents",                      api_agents_list },
	{ "GET",    "/api/tests",                       api_tests_list },
	{ "POST",   "/api/tests",                       api_tests_create },
	{ "POST",   "/api/tests/validate",              api_tests_validate },
	{ "GET",    "/api/tests/{id}",                  api_tests_get },
	{ "PUT",    "/api/tests/{id}",                  api_tests_put },
	{ "PATCH",  "/api/tests/{id}",                  api_tests_patch },
	{ "DELETE", "/api/tests/{id}",                  api_tests_delete },
	{ "POST",   "/api/tests/{id}/runs",             api_runs_create_for_test },
	{ "GET",    "/api/tests/{id}/trend",            api_tests_trend },
	{ "GET",    "/api/tests/{id}/baseline",         api_tests_baseline_get },
	{ "PUT",    "/api/tests/{id}/baseline",         api_tests_baseline_put },
	{ "DELETE", "/api/tests/{id}/baseline",         api_tests_baseline_delete },
	{ "GET",    "/api/runs",                        api_runs_list },
	{ "POST",   "/api/runs",                        api_runs_create },
	{ "GET",    "/api/runs/{id}",                   api_runs_get },
	{ "DELETE", "/api/runs/{id}",                   api_runs_delete },
	{ "PATCH",  "/api/runs/{id}",                   api_runs_patch },
	{ "POST",   "/api/runs/{id}/stop",              api_runs_stop },
	{ "GET",    "/api/runs/{id}/samples",           api_runs_samples },
	{ "GET",    "/api/runs/{id}/samples.csv",       api_runs_samples_csv },
	{ "GET",    "/api/runs/{id}/endpoints",         api_runs_endpoints },
	{ "GET",    "/api/runs/{id}/summary",           api_runs_summary },
	{ "GET",    "/api/runs/{id}/findings",          api_runs_findings },
	{ "GET",    "/api/runs/{id}/latency",           api_runs_latency },
	{ "GET",    "/api/runs/{id}/failures",          api_runs_failures },
	{ "POST",   "/api/runs/{id}/events",            api_runs_events_post },
	{ "GET",    "/api/runs/{id}/events",            api_runs_events_get },
	{ "GET",    "/api/runs/{id}/custom-metrics",    api_runs_custom_metrics },
	{ "GET",    "/api/runs/{id}/monitors",          api_runs_monitors },
	{ "GET",    "/api/runs/{id}/monitors.csv",      api_runs_monitors_csv },
	{ "GET",    "/api/runs/{id}/compare",           api_runs_compare },
	{ "GET",    "/api/schedules",                   api_schedules_list },
	{ "POST",   "/api/schedules",                   api_schedules_create },
	{ "GET",    "/api/schedules/preview",           api_schedules_preview },
	{ "GET",    "/api/schedules/{id}",              api_schedules_get },
	{ "PUT",    "/api/schedules/{id}",              api_schedules_put },
	{ "PATCH",  "/api/schedules/{id}",              api_schedules_patch },
	{ "DELETE", "/api/schedules/{id}",              api_schedules_delete },
	{ "POST",   "/api/schedules/{id}/run",          api_schedules_run },
	{ "GET",    "/api/schedules/{id}/fires",        api_schedules_fires },
	{ "GET",    "/api/runs/{id}/notifications",     api_runs_notifications },
	{ "GET",    "/api/runs/{id}/junit.xml",         api_runs_junit },
	{ "GET",    "/api/runs/{id}/report.html",       api_runs_report },
	{ "GET",    "/metrics",                         api_prometheus_metrics },
};
const size_t api_nroutes = sizeof api_routes / sizeof api_routes[0];
