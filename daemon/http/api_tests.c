/*
 * api_tests: the saved tests (GET/POST /api/tests, GET/PUT/DELETE /api/tests/{id},
 * POST /api/tests/validate). Every function runs on the api thread; the reads and writes of the
 * `tests` table are runs/saved.h's (reads on the api thread's read-only connection, writes as
 * synchronous store jobs).
 *
 * A definition is validated exactly as `rampage run` validates it (testdef), under the daemon's
 * limits and target allowlist (run_plan.h), and a test keeps the text it was given,
 * byte for byte, so a GET shows what was written.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/conf.h"
#include "core/xmalloc.h"
#include "http/api_priv.h"
#include "runs/saved.h"
#include "store/store.h"
#include "testdef/testdef.h"

#define RECENT_RUNS 10             /* runs per test in lists, newest first */

static const char *const no_params[] = { NULL };

/* ---- handlers */

/* Loads a request body as a definition and validates it; the plan and *def, or NULL after a 400. */
static struct plan *
body_definition(struct api_request *req, json_t **def)
{
	struct testdef_errors errs;
	struct plan *plan;

	if (req->body_len > (size_t)req->cfg->max_definition_bytes) {
		api_reply_error(req, 413, "payload_too_large",
		    "definitions are limited to %d bytes (limits.max_definition_bytes)",
		    req->cfg->max_definition_bytes);
		*def = NULL;
		return NULL;
	}
	testdef_errors_init(&errs);
	*def = testdef_load_string(req->body, req->body_len, 0, &errs);
	if (*def == NULL) {
		api_reply_invalid(req, "invalid_definition", "invalid definition", &errs);
		testdef_errors_fini(&errs);
		return NULL;
	}
	testdef_errors_fini(&errs);
	if ((plan = api_definition_plan(req, *def)) == NULL) {
		json_decref(*def);
		*def = NULL;
	}
	return plan;
}

/* GET /api/tests: every test, with its run count, last run and recent runs' stats. */
void
api_tests_list(struct api_request *req)
{
	json_t *list;
	char *cause = NULL;

	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	if (saved_list(req->db, RECENT_RUNS, &list, &cause) != 0) {
		api_reply_db_error(req, "reading tests", cause);
		free(cause);
		return;
	}
	api_reply_json_new(req, 200, json_pack("{s:o}", "tests", list));
}

/* Validates the body as a definition and saves it (op SAVED_INSERT, or SAVED_UPDATE of test id), then
   answers with the test as stored: 201 + Location for a new one, 200 for a replaced one. */
static void
save_test(struct api_request *req, enum saved_op op, int64_t id)
{
	struct saved_write w = { .op = op, .id = id };
	struct plan *plan;
	json_t *def, *t;
	char *cause = NULL, loc[48];

	if (!api_need_store(req) || !api_params_ok(req, no_params) ||
	    (plan = body_definition(req, &def)) == NULL)
		return;
	w.name = plan->name != NULL ? plan->name : "unnamed";
	w.definition = req->body;
	w.now_ms = clock_wall_ms();
	if (store_write_sync(req->store, saved_write, &w, &cause) != 0) {
		api_reply_error(req, 500, "internal", "saving the test: %s", cause);
		free(cause);
	} else if (op == SAVED_UPDATE && w.changes == 0) {
		api_reply_error(req, 404, "not_found", "no test %lld", (long long)id);
	} else if (saved_get(req->db, w.id, RECENT_RUNS, &t, &cause) != 0 || t == NULL) {
		api_reply_db_error(req, "reading the test back", cause);
		free(cause);
	} else if (op == SAVED_INSERT) {
		snprintf(loc, sizeof loc, "/api/tests/%lld", (long long)w.id);
		api_add_header(req, "Location", loc);
		api_reply_json_new(req, 201, t);
	} else {
		api_reply_json_new(req, 200, t);
	}
	plan_free(plan);
	json_decref(def);
}

/* POST /api/tests: validate and save a definition (the body). 201 with the test. */
void
api_tests_create(struct api_request *req)
{
	save_test(req, SAVED_INSERT, 0);
}

/* POST /api/tests/validate: validate without saving. 200 with what the plan holds, or 400. */
void
api_tests_validate(struct api_request *req)
{
	struct plan *plan;
	json_t *def, *sc = json_array(), *eps = json_array();
	int64_t planned_ns = 0;
	bool by_iterations = false;

	if (!api_params_ok(req, no_params) || (plan = body_definition(req, &def)) == NULL) {
		json_decref(sc);
		json_decref(eps);
		return;
	}
	/* The planned length leaves out the graceful tails (gracefulStop: in-flight iterations may
	   finish that much later), which the dashboard shows apart; an iteration executor's planned
	   end is its maxDuration, a bound: it ends sooner when its iterations are done. */
	for (int i = 0; i < plan->nscenarios; i++) {
		const struct plan_scenario *s = &plan->scenarios[i];
		int64_t planned = s->end_ns - s->graceful_stop_ns;
		bool iter = s->executor == PLAN_PER_VU_ITERATIONS || s->executor == PLAN_SHARED_ITERATIONS;
		if (planned > planned_ns)
			planned_ns = planned;
		by_iterations |= iter;
		json_array_append_new(sc, json_pack("{s:s, s:s, s:i, s:I, s:I, s:b}",
		    "name", s->name,
		    "executor", plan_executor_name(s->executor),
		    "max_vus", s->max_vus,
		    "end_ms", (json_int_t)(s->end_ns / CLOCK_NS_PER_MS),
		    "planned_end_ms", (json_int_t)(planned / CLOCK_NS_PER_MS),
		    "ends_by_iterations", iter));
	}
	for (int i = 0; i < plan->nendpoints; i++)
		json_array_append_new(eps, json_pack("{s:i, s:s, s:s}", "idx", i + 1,
		    "name", plan->endpoints[i].name, "method", plan->endpoints[i].method));
	api_reply_json_new(req, 200, json_pack("{s:b, s:s, s:i, s:I, s:I, s:b, s:o, s:o}",
	    "valid", 1,
	    "name", plan->name != NULL ? plan->name : "unnamed",
	    "max_vus", plan->max_vus,
	    "max_end_ms", (json_int_t)(plan->max_end_ns / CLOCK_NS_PER_MS),
	    "planned_ms", (json_int_t)(planned_ns / CLOCK_NS_PER_MS),
	    "ends_by_iterations", by_iterations,
	    "scenarios", sc,
	    "endpoints", eps));
	plan_free(plan);
	json_decref(def);
}

/* GET /api/tests/{id}. */
void
api_tests_get(struct api_request *req)
{
	char *cause = NULL;
	json_t *t;

	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	if (saved_get(req->db, req->params[0], RECENT_RUNS, &t, &cause) != 0)
		api_reply_db_error(req, "reading the test", cause);
	else if (t != NULL)
		api_reply_json_new(req, 200, t);
	else
		api_reply_error(req, 404, "not_found", "no test %lld", req->params[0]);
	free(cause);
}

/* PUT /api/tests/{id}: replace the definition (the body), validated. 200 with the test. */
void
api_tests_put(struct api_request *req)
{
	save_test(req, SAVED_UPDATE, req->params[0]);
}

/* DELETE /api/tests/{id}: its runs stay (their test_id becomes null). 204. */
void
api_tests_delete(struct api_request *req)
{
	struct saved_write w = { .op = SAVED_DELETE, .id = req->params[0] };
	char *cause = NULL;

	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	if (store_write_sync(req->store, saved_write, &w, &cause) != 0) {
		api_reply_error(req, 500, "internal", "deleting the test: %s", cause);
		free(cause);
	} else if (w.changes == 0) {
		api_reply_error(req, 404, "not_found", "no test %lld", req->params[0]);
	} else {
		api_reply_raw(req, 204, "application/json", "", 0);
	}
}
