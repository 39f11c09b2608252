/*
 * api_tests: the saved tests (GET/POST /api/tests, GET/PUT/DELETE /api/tests/{id},
 * POST /api/tests/validate). Every function runs on the api thread; reads use its read-only
 * connection (a test's recent runs come from runs/run_query.h), writes are synchronous store jobs.
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
#include "runs/run_query.h"
#include "store/store.h"
#include "testdef/testdef.h"

#define RECENT_RUNS 10             /* runs per test in lists, newest first */

static const char *const no_params[] = { NULL };

/* ---- store jobs (writer thread) */

enum test_op { TEST_INSERT, TEST_UPDATE, TEST_DELETE };

struct test_write {
	enum test_op op;
	int64_t id;                /* UPDATE, DELETE; INSERT: out */
	const char *name, *definition;
	int64_t now_ms;
	int changes;               /* out */
};

/* Inserts, updates or deletes a test. */
static int
test_write(sqlite3 *db, void *arg, char **cause)
{
	struct test_write *w = arg;
	static const char *const sql[] = {
		[TEST_INSERT] = "INSERT INTO tests (name, definition, created_ms, updated_ms) "
		    "VALUES (?2, ?3, ?4, ?4)",
		[TEST_UPDATE] = "UPDATE tests SET name = ?2, definition = ?3, updated_ms = ?4 WHERE id = ?1",
		[TEST_DELETE] = "DELETE FROM tests WHERE id = ?1",
	};
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql[w->op], -1, &st, NULL) != SQLITE_OK) {
		*cause = xasprintf("prepare: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, w->id);
	if (w->op != TEST_DELETE) {
		sqlite3_bind_text(st, 2, w->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, w->definition, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, w->now_ms);
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		*cause = xasprintf("%s", sqlite3_errmsg(db));
		return -1;
	}
	w->changes = sqlite3_changes(db);
	if (w->op == TEST_INSERT)
		w->id = sqlite3_last_insert_rowid(db);
	return 0;
}

/* ---- reading */

/* A test row (id, name, created_ms, updated_ms[, definition]) as JSON. */
static json_t *
test_json(sqlite3_stmt *st, bool with_definition)
{
	json_t *t = json_pack("{s:I, s:s, s:I, s:I, s:i, s:n, s:[]}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "name", (const char *)sqlite3_column_text(st, 1),
	    "created_ms", (json_int_t)sqlite3_column_int64(st, 2),
	    "updated_ms", (json_int_t)sqlite3_column_int64(st, 3),
	    "runs", 0,
	    "last_run",
	    "recent");

	if (with_definition) {
		json_t *def = json_loadb((const char *)sqlite3_column_text(st, 4),
		    (size_t)sqlite3_column_bytes(st, 4), 0, NULL);
		json_object_set_new(t, "definition", def != NULL ? def : json_null());
	}
	return t;
}

/* One test with its definition and runs: 0 and *test (NULL: none), or -1 and *cause. */
static int
load_test(sqlite3 *db, int64_t id, json_t **test, char **cause)
{
	sqlite3_stmt *st;
	json_t *t = NULL, *byid;
	char key[24];
	int rc;

	*test = NULL;
	if (sqlite3_prepare_v2(db, "SELECT id, name, created_ms, updated_ms, definition FROM tests "
	    "WHERE id = ?", -1, &st, NULL) != SQLITE_OK) {
		*cause = xstrdup(sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		t = test_json(st, true);
	else if (rc != SQLITE_DONE)
		*cause = xstrdup(sqlite3_errmsg(db));
	sqlite3_finalize(st);
	if (t == NULL)
		return rc == SQLITE_DONE ? 0 : -1;
	byid = json_object();
	snprintf(key, sizeof key, "%lld", (long long)id);
	json_object_set(byid, key, t);
	rc = run_query_recent(db, byid, id, RECENT_RUNS, cause);
	json_decref(byid);
	if (rc != 0) {
		json_decref(t);
		return -1;
	}
	*test = t;
	return 0;
}

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
	sqlite3_stmt *st;
	json_t *list, *byid;
	char *cause = NULL;
	int rc;

	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	if (sqlite3_prepare_v2(req->db, "SELECT id, name, created_ms, updated_ms FROM tests ORDER BY id",
	    -1, &st, NULL) != SQLITE_OK) {
		api_reply_db_error(req, "reading tests", NULL);
		return;
	}
	list = json_array();
	byid = json_object();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *t = test_json(st, false);
		char key[24];
		snprintf(key, sizeof key, "%lld", (long long)sqlite3_column_int64(st, 0));
		json_object_set(byid, key, t);
		json_array_append_new(list, t);
	}
	if (rc != SQLITE_DONE)
		cause = xstrdup(sqlite3_errmsg(req->db));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || run_query_recent(req->db, byid, 0, RECENT_RUNS, &cause) != 0) {
		json_decref(list);
		json_decref(byid);
		api_reply_db_error(req, "reading tests", cause);
		free(cause);
		return;
	}
	json_decref(byid);
	api_reply_json_new(req, 200, json_pack("{s:o}", "tests", list));
}

/* Validates the body as a definition and saves it (op TEST_INSERT, or TEST_UPDATE of test id), then
   answers with the test as stored: 201 + Location for a new one, 200 for a replaced one. */
static void
save_test(struct api_request *req, enum test_op op, int64_t id)
{
	struct test_write w = { .op = op, .id = id };
	struct plan *plan;
	json_t *def, *t;
	char *cause = NULL, loc[48];

	if (!api_need_store(req) || !api_params_ok(req, no_params) ||
	    (plan = body_definition(req, &def)) == NULL)
		return;
	w.name = plan->name != NULL ? plan->name : "unnamed";
	w.definition = req->body;
	w.now_ms = clock_wall_ms();
	if (store_write_sync(req->store, test_write, &w, &cause) != 0) {
		api_reply_error(req, 500, "internal", "saving the test: %s", cause);
		free(cause);
	} else if (op == TEST_UPDATE && w.changes == 0) {
		api_reply_error(req, 404, "not_found", "no test %lld", (long long)id);
	} else if (load_test(req->db, w.id, &t, &cause) != 0 || t == NULL) {
		api_reply_db_error(req, "reading the test back", cause);
		free(cause);
	} else if (op == TEST_INSERT) {
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
	save_test(req, TEST_INSERT, 0);
}

/* POST /api/tests/validate: validate without saving. 200 with what the plan holds, or 400. */
void
api_tests_validate(struct api_request *req)
{
	struct plan *plan;
	json_t *def, *sc = json_array(), *eps = json_array();

	if (!api_params_ok(req, no_params) || (plan = body_definition(req, &def)) == NULL) {
		json_decref(sc);
		json_decref(eps);
		return;
	}
	for (int i = 0; i < plan->nscenarios; i++)
		json_array_append_new(sc, json_pack("{s:s, s:s, s:i, s:I}",
		    "name", plan->scenarios[i].name,
		    "executor", plan_executor_name(plan->scenarios[i].executor),
		    "max_vus", plan->scenarios[i].max_vus,
		    "end_ms", (json_int_t)(plan->scenarios[i].end_ns / CLOCK_NS_PER_MS)));
	for (int i = 0; i < plan->nendpoints; i++)
		json_array_append_new(eps, json_pack("{s:i, s:s, s:s}", "idx", i + 1,
		    "name", plan->endpoints[i].name, "method", plan->endpoints[i].method));
	api_reply_json_new(req, 200, json_pack("{s:b, s:s, s:i, s:I, s:o, s:o}",
	    "valid", 1,
	    "name", plan->name != NULL ? plan->name : "unnamed",
	    "max_vus", plan->max_vus,
	    "max_end_ms", (json_int_t)(plan->max_end_ns / CLOCK_NS_PER_MS),
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
	if (load_test(req->db, req->params[0], &t, &cause) != 0)
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
	save_test(req, TEST_UPDATE, req->params[0]);
}

/* DELETE /api/tests/{id}: its runs stay (their test_id becomes null). 204. */
void
api_tests_delete(struct api_request *req)
{
	struct test_write w = { .op = TEST_DELETE, .id = req->params[0] };
	char *cause = NULL;

	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	if (store_write_sync(req->store, test_write, &w, &cause) != 0) {
		api_reply_error(req, 500, "internal", "deleting the test: %s", cause);
		free(cause);
	} else if (w.changes == 0) {
		api_reply_error(req, 404, "not_found", "no test %lld", req->params[0]);
	} else {
		api_reply_raw(req, 204, "application/json", "", 0);
	}
}
