/*
 * api_notify: webhooks in the REST API. PATCH /api/tests/{id} sets a saved test's fields that are
 * not its definition (today `notify`: its webhook targets, runs/webhook.h); GET
 * /api/runs/{id}/notifications lists a run's deliveries (runs/notifier.h). Api thread; the write
 * is a synchronous store job, the reads use the api thread's read-only connection.
 *
 * A notify object is validated as the delivery thread will judge it: each URL parses (core/conf.h's
 * conf_check_url) and passes webhooks.allow, when is a known word; a refusal is 400
 * invalid_request naming the field ("notify.webhooks[1]") and nothing is stored.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "core/xmalloc.h"
#include "http/api_priv.h"
#include "runs/notifier.h"
#include "runs/saved.h"
#include "runs/webhook.h"
#include "security/security.h"
#include "store/store.h"
#include "testdef/testdef.h"

#define RECENT_RUNS 10             /* as api_tests.c: the test read back */

static const char *const no_params[] = { NULL };

/* Answers 400 invalid_request naming field. */
static void
reply_field(struct api_request *req, const char *field, const char *why)
{
	struct testdef_errors errs;

	testdef_errors_init(&errs);
	testdef_errors_add(&errs, field, "%s", why);
	api_reply_invalid(req, "invalid_request", "invalid test fields", &errs);
	testdef_errors_fini(&errs);
}

/* PATCH /api/tests/{id} {"notify": {...} | null}: 200 with the test. */
void
api_tests_patch(struct api_request *req)
{
	struct notifier_test_notify w = { .test_id = req->params[0] };
	struct webhook_targets t = { 0 };
	struct security *allow = NULL;
	json_t *body, *notify, *v, *test;
	const char *key;
	char *field = NULL, *why = NULL, *cause = NULL, *text = NULL;

	if (!api_need_store(req) || !api_params_ok(req, no_params) || (body = api_body_json(req)) == NULL)
		return;
	if (!json_is_object(body)) {
		reply_field(req, "body", "expected an object of the test's fields to change (notify)");
		goto out;
	}
	json_object_foreach(body, key, v) {
		if (strcmp(key, "notify") != 0) {
			reply_field(req, key, "unknown field (PATCH changes notify; PUT replaces the definition)");
			goto out;
		}
	}
	if ((notify = json_object_get(body, "notify")) == NULL) {
		reply_field(req, "notify", "required (an object, or null to remove the test's webhooks)");
		goto out;
	}
	if (!json_is_null(notify)) {
		if ((allow = security_allowlist_new(req->cfg->webhook_allow, "webhooks.allow", &cause)) == NULL) {
			api_reply_error(req, 500, "internal", "%s", cause);
			goto out;
		}
		if (webhook_targets_parse(notify, "notify", allow, &t, &field, &why) != 0) {
			reply_field(req, field, why);
			goto out;
		}
		json_t *canon = webhook_targets_json(&t);
		text = json_dumps(canon, JSON_COMPACT);
		json_decref(canon);
	}
	w.notify = text;
	if (store_write_sync(req->store, notifier_test_notify_write, &w, &cause) != 0)
		api_reply_error(req, 500, "internal", "saving the test: %s", cause);
	else if (w.changes == 0)
		api_reply_error(req, 404, "not_found", "no test %lld", req->params[0]);
	else if (saved_get(req->db, w.test_id, RECENT_RUNS, &test, &cause) != 0 || test == NULL)
		api_reply_db_error(req, "reading the test back", cause);
	else
		api_reply_json_new(req, 200, test);
out:
	webhook_targets_fini(&t);
	security_free(allow);
	json_decref(body);
	free(field);
	free(why);
	free(cause);
	free(text);
}

/* GET /api/runs/{id}/notifications: {"notifications": [...]}, oldest first. */
void
api_runs_notifications(struct api_request *req)
{
	sqlite3_stmt *st;
	json_t *list;
	char *cause = NULL;
	int found;

	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	if (sqlite3_prepare_v2(req->db, "SELECT 1 FROM runs WHERE id = ?", -1, &st, NULL) != SQLITE_OK) {
		api_reply_db_error(req, "reading the run", NULL);
		return;
	}
	sqlite3_bind_int64(st, 1, req->params[0]);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!found)
		api_reply_error(req, 404, "not_found", "no run %lld", req->params[0]);
	else if (notifier_list(req->db, req->params[0], &list, &cause) != 0)
		api_reply_db_error(req, "reading the notifications", cause);
	else
		api_reply_json_new(req, 200, json_pack("{s:I, s:o}", "run_id", (json_int_t)req->params[0],
		    "notifications", list));
	free(cause);
}
