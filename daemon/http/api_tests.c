/*
 * api_tests: the saved tests (GET/POST /api/tests, GET/PUT/DELETE /api/tests/{id},
 * POST /api/tests/validate), and the definition checks that api_runs.c shares. Every function runs
 * on the api thread; reads use its read-only connection, writes are synchronous store jobs.
 *
 * A definition is validated exactly as `rampage run` validates it (testdef), under the daemon's
 * limits and target allowlist (run_plan.h), and a test keeps the text it was given,
 * byte for byte, so a GET shows what was written.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/conf.h"
#include "core/xmalloc.h"
#include "http/api_priv.h"
#include "runs/run_plan.h"
#include "store/store.h"
#include "testdef/testdef.h"

#define RECENT_RUNS 10             /* runs per test in lists, newest first */

static const char *const no_params[] = { NULL };

/* ---- shared with api_runs.c */

json_t *
api_json_text(const char *s)
{
	json_t *v = json_string(s);
	char *copy;

	if (v != NULL)
		return v;
	copy = xstrdup(s);   /* not UTF-8 (a name from a request can be anything): keep the ASCII */
	for (char *c = copy; *c != '\0'; c++)
		if ((unsigned char)*c >= 0x80)
			*c = '?';
	v = json_string(copy);
	free(copy);
	return v;
}

void
api_reply_invalid(struct api_request *req, const char *code, const char *what,
    const struct testdef_errors *errs)
{
	json_t *list = json_array(), *err = json_object();
	char *msg;

	for (int i = 0; i < errs->n; i++) {
		json_t *e = json_object();
		json_object_set_new(e, "path", api_json_text(errs->v[i].path));
		json_object_set_new(e, "message", api_json_text(errs->v[i].message));
		json_array_append_new(list, e);
	}
	if (errs->n == 0)
		msg = xstrdup(what);
	else
		msg = xasprintf("%s: %s: %s%s", what,
		    errs->v[0].path[0] != '\0' ? errs->v[0].path : "definition", errs->v[0].message,
		    errs->n + errs->dropped > 1 ? " (and more: see errors)" : "");
	json_object_set_new(err, "code", json_string(code));
	json_object_set_new(err, "message", api_json_text(msg));
	json_object_set_new(err, "errors", list);
	free(msg);
	if (errs->dropped > 0)
		json_object_set_new(err, "more_errors", json_integer(errs->dropped));
	api_reply_json_new(req, 400, json_pack("{s:o}", "error", err));
}

struct plan *
api_definition_plan(struct api_request *req, json_t *def)
{
	struct testdef_errors errs;
	struct plan *plan;

	testdef_errors_init(&errs);
	plan = run_plan_new(api_security(req->api), def, &errs);
	if (plan == NULL)
		api_reply_invalid(req, "invalid_definition", "invalid definition", &errs);
	testdef_errors_fini(&errs);
	return plan;
}

bool
api_need_store(struct api_request *req)
{
	if (req->db != NULL && req->store != NULL && req->runq != NULL)
		return true;
	api_reply_error(req, 503, "unavailable", "the database is not available");
	return false;
}

json_t *
api_opt_int(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? json_null() :
	    json_integer(sqlite3_column_int64(st, col));
}

json_t *
api_opt_text(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	return s != NULL ? json_string(s) : json_null();
}

json_t *
api_run_stats(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	return json_pack("{s:I, s:f, s:o, s:f}",
	    "requests", (json_int_t)sqlite3_column_int64(st, col),
	    "rps", round(sqlite3_column_double(st, col + 1) * 1000) / 1000,
	    "p95_us", sqlite3_column_type(st, col + 2) == SQLITE_NULL ? json_null() :
	    json_integer(llround(sqlite3_column_double(st, col + 2) * 1000)),
	    "error_rate", sqlite3_column_double(st, col + 3));
}

void
api_reply_db_error(struct api_request *req, const char *what)
{
	api_reply_error(req, 500, "internal", "%s: %s", what, req->db != NULL ?
	    sqlite3_errmsg(req->db) : "no database");
}

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

/*
 * Adds "runs" (how many), "last_run" and "recent" (the newest RECENT_RUNS with their stats) to each
 * test object of `byid` (keyed by the id in decimal). only > 0: just that test. -1 on a db error.
 */
static int
attach_runs(sqlite3 *db, json_t *byid, int64_t only)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db,
	    "SELECT test_id, id, state, queued_ms, started_ms, ended_ms,"
	    " json_extract(summary, '$.metrics.http_reqs.values.count'),"
	    " json_extract(summary, '$.metrics.http_reqs.values.rate'),"
	    " json_extract(summary, '$.metrics.http_req_duration.values.\"p(95)\"'),"
	    " json_extract(summary, '$.metrics.http_req_failed.values.rate'), n"
	    " FROM (SELECT test_id, id, state, queued_ms, started_ms, ended_ms, summary,"
	    "       row_number() OVER (PARTITION BY test_id ORDER BY id DESC) AS rn,"
	    "       count(*) OVER (PARTITION BY test_id) AS n"
	    "       FROM runs WHERE test_id IS NOT NULL AND (?1 = 0 OR test_id = ?1))"
	    " WHERE rn <= ?2 ORDER BY test_id, id DESC", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, only);
	sqlite3_bind_int(st, 2, RECENT_RUNS);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char key[24];
		json_t *t, *recent, *run;

		snprintf(key, sizeof key, "%lld", (long long)sqlite3_column_int64(st, 0));
		if ((t = json_object_get(byid, key)) == NULL)
			continue;
		run = json_pack("{s:I, s:s, s:I, s:o, s:o, s:o}",
		    "id", (json_int_t)sqlite3_column_int64(st, 1),
		    "state", (const char *)sqlite3_column_text(st, 2),
		    "queued_ms", (json_int_t)sqlite3_column_int64(st, 3),
		    "started_ms", api_opt_int(st, 4),
		    "ended_ms", api_opt_int(st, 5),
		    "stats", api_run_stats(st, 6));
		recent = json_object_get(t, "recent");
		if (json_array_size(recent) == 0) {
			json_object_set_new(t, "runs", json_integer(sqlite3_column_int64(st, 10)));
			json_object_set(t, "last_run", run);
		}
		json_array_append_new(recent, run);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

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

/* One test with its definition and runs; NULL when there is none, or on a db error (*dberr). */
static json_t *
load_test(sqlite3 *db, int64_t id, bool *dberr)
{
	sqlite3_stmt *st;
	json_t *t = NULL, *byid;
	char key[24];
	int rc;

	*dberr = true;
	if (sqlite3_prepare_v2(db, "SELECT id, name, created_ms, updated_ms, definition FROM tests "
	    "WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		t = test_json(st, true);
	sqlite3_finalize(st);
	if (t == NULL) {
		*dberr = rc != SQLITE_DONE;
		return NULL;
	}
	byid = json_object();
	snprintf(key, sizeof key, "%lld", (long long)id);
	json_object_set(byid, key, t);
	rc = attach_runs(db, byid, id);
	json_decref(byid);
	if (rc != 0) {
		json_decref(t);
		return NULL;
	}
	*dberr = false;
	return t;
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
	int rc;

	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	if (sqlite3_prepare_v2(req->db, "SELECT id, name, created_ms, updated_ms FROM tests ORDER BY id",
	    -1, &st, NULL) != SQLITE_OK) {
		api_reply_db_error(req, "reading tests");
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
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || attach_runs(req->db, byid, 0) != 0) {
		json_decref(list);
		json_decref(byid);
		api_reply_db_error(req, "reading tests");
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
	bool dberr;

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
	} else if ((t = load_test(req->db, w.id, &dberr)) == NULL) {
		api_reply_db_error(req, "reading the test back");
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
	bool dberr;
	json_t *t;

	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	if ((t = load_test(req->db, req->params[0], &dberr)) != NULL)
		api_reply_json_new(req, 200, t);
	else if (dberr)
		api_reply_db_error(req, "reading the test");
	else
		api_reply_error(req, 404, "not_found", "no test %lld", req->params[0]);
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
