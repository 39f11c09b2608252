/*
 * api_schedules: the schedules (docs/api.md, "Schedules"): list, create, get, replace, patch and
 * delete one, run one now, its fire history, and the editor's preview of next fire times. Every
 * handler runs on the api thread: reads on its read-only connection (sched/schedule.h), writes as
 * synchronous store jobs, after which the scheduler thread is told (sched_changed) and reads the
 * schedule again. A schedule is judged whole before anything is stored: its own fields
 * (schedule_in_parse), then its test and overrides (runs/saved_start.h: would a run of it start
 * under the daemon's policy now?), each error a 400 naming the field.
 *
 * Also the adapter through which the scheduler starts runs (api_sched_runner): sched and runs are
 * one layer and may not include each other, so this layer, above both, joins them.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/conf.h"
#include "core/xmalloc.h"
#include "http/api_priv.h"
#include "runs/runq.h"
#include "runs/saved_start.h"
#include "runs/webhook.h"
#include "sched/cron.h"
#include "sched/sched.h"
#include "sched/schedule.h"
#include "security/security.h"
#include "store/store.h"
#include "testdef/testdef.h"

#define FIRES_LIMIT_DEFAULT 50
#define FIRES_LIMIT_MAX     500
#define PREVIEW_MAX         100

static const char *const no_params[] = { NULL };

/* ---- the scheduler's way to the run queue */

static int
runner_start(void *arg, sqlite3 *db, int64_t test_id, int64_t schedule_id, json_t *overrides,
    int (*with)(sqlite3 *, int64_t, void *, char **), void *with_arg, int64_t *run_id, char **cause)
{
	struct api_sched_link *link = arg;
	struct saved_start ss = { .test_id = test_id, .schedule_id = schedule_id, .trigger = "schedule",
		.overrides = overrides, .with = with, .with_arg = with_arg };
	char *err;

	if ((err = store_error(link->store)) != NULL) {
		/* the store cannot write: try again (it would fail anyway, unrecorded) */
		*cause = err;
		return -1;
	}
	switch (saved_start_run(link->runq, link->sec, db, &ss, run_id, cause)) {
	case SAVED_START_OK:
		return 0;
	case SAVED_START_NO_TEST:
	case SAVED_START_INVALID:
		return 1;
	default:
		return -1;
	}
}

static bool
runner_active(void *arg, int64_t run_id)
{
	struct api_sched_link *link = arg;
	struct runq_status st;
	bool active = false;

	if (runq_status(link->runq, run_id, &st)) {
		active = !run_state_final(st.state);
		runq_status_fini(&st);
	}
	return active;
}

void
api_sched_runner(struct api_sched_link *link, struct sched_runner *out)
{
	*out = (struct sched_runner){ .start = runner_start, .active = runner_active, .arg = link };
}

/* ---- helpers */

/* Answers with schedule id (status 200 or 201), or 404. */
static void
reply_schedule(struct api_request *req, unsigned status, int64_t id)
{
	char *cause = NULL, loc[48];
	json_t *s;

	if (schedule_get(req->db, id, clock_wall_ms(), &s, &cause) != 0) {
		api_reply_db_error(req, "reading the schedule", cause);
	} else if (s == NULL) {
		api_reply_error(req, 404, "not_found", "no schedule %lld", (long long)id);
	} else {
		if (status == 201) {
			snprintf(loc, sizeof loc, "/api/schedules/%lld", (long long)id);
			api_add_header(req, "Location", loc);
		}
		api_reply_json_new(req, status, s);
	}
	free(cause);
}

/*
 * Whether a schedule's notify targets pass webhooks.allow, as a test's do (PATCH /api/tests/{id}):
 * false with the field ("notify.webhooks[1]") and the reason added to errs. schedule_in_parse has
 * checked their shape; the allowlist is the daemon's, so it is judged here.
 */
static bool
notify_allowed(struct api_request *req, const json_t *notify, struct testdef_errors *errs)
{
	struct webhook_targets t = { 0 };
	struct security *allow;
	char *field = NULL, *why = NULL, *cause = NULL;
	bool ok;

	if ((allow = security_allowlist_new(req->cfg->webhook_allow, "webhooks.allow", &cause)) == NULL) {
		testdef_errors_add(errs, "notify", "%s", cause);
		free(cause);
		return false;
	}
	ok = webhook_targets_parse(notify, "notify", allow, &t, &field, &why) == 0;
	if (!ok)
		testdef_errors_add(errs, field, "%s", why);
	webhook_targets_fini(&t);
	security_free(allow);
	free(field);
	free(why);
	return ok;
}

/*
 * Judges in (its test, overrides and notify targets) and stores it: op INSERT, or UPDATE of id (reset_next: its
 * timing changed). Answers the request either way.
 */
static void
save(struct api_request *req, enum schedule_op op, int64_t id, struct schedule_in *in, bool reset_next)
{
	struct schedule_write w = { .op = op, .id = id, .in = in, .reset_next = reset_next,
		.now_ms = clock_wall_ms() };
	struct testdef_errors errs;
	char *cause = NULL;

	testdef_errors_init(&errs);
	if (in->notify != NULL && !notify_allowed(req, in->notify, &errs)) {
		api_reply_invalid(req, "invalid_schedule", "invalid schedule", &errs);
		goto out;
	}
	switch (saved_start_try(api_security(req->api), req->db, in->test_id,
	    in->overrides, "overrides", &errs, &cause)) {
	case SAVED_START_OK:
		break;
	case SAVED_START_NO_TEST:
		testdef_errors_add(&errs, "test_id", "no test %lld", (long long)in->test_id);
		api_reply_invalid(req, "invalid_schedule", "invalid schedule", &errs);
		goto out;
	case SAVED_START_INVALID:
		api_reply_invalid(req, "invalid_schedule", "invalid schedule", &errs);
		goto out;
	default:
		api_reply_db_error(req, "reading the test", cause);
		goto out;
	}
	w.next_fire_ms = in->paused ? -1 : schedule_next_ms(in->cron, in->timezone, w.now_ms);
	if (store_write_sync(req->store, schedule_write, &w, &cause) != 0) {
		api_reply_error(req, 500, "internal", "saving the schedule: %s", cause);
	} else if (op == SCHEDULE_UPDATE && w.changes == 0) {
		api_reply_error(req, 404, "not_found", "no schedule %lld", (long long)id);
	} else {
		sched_changed(req->sched, w.id, false);
		reply_schedule(req, op == SCHEDULE_INSERT ? 201 : 200, w.id);
	}
out:
	free(cause);
	testdef_errors_fini(&errs);
}

/* Reads the body as a schedule over in (partial: PATCH); -1 after answering 400. */
static int
read_body(struct api_request *req, bool partial, struct schedule_in *in)
{
	struct testdef_errors errs;
	json_t *body;
	int rc;

	if ((body = api_body_json(req)) == NULL)
		return -1;
	testdef_errors_init(&errs);
	rc = schedule_in_parse(body, partial, in, &errs);
	if (rc != 0)
		api_reply_invalid(req, "invalid_schedule", "invalid schedule", &errs);
	testdef_errors_fini(&errs);
	json_decref(body);
	return rc;
}

/* Loads schedule id into in (init'ed); false after answering 404 or 500. */
static bool
load(struct api_request *req, int64_t id, struct schedule_in *in)
{
	char *cause = NULL;
	int rc = schedule_in_load(req->db, id, in, &cause);

	if (rc < 0)
		api_reply_db_error(req, "reading the schedule", cause);
	else if (rc == 0)
		api_reply_error(req, 404, "not_found", "no schedule %lld", (long long)id);
	free(cause);
	return rc == 1;
}

/* ---- handlers */

/* GET /api/schedules?test=ID: every schedule (or a test's), with next fires and last fire. */
void
api_schedules_list(struct api_request *req)
{
	static const char *const allowed[] = { "test", NULL };
	long long test = 0;
	char *cause = NULL;
	json_t *list;

	if (!api_need_store(req) || !api_params_ok(req, allowed) ||
	    api_param_int(req, "test", 1, INT64_MAX, &test) < 0)
		return;
	if (schedule_list(req->db, test, clock_wall_ms(), &list, &cause) != 0)
		api_reply_db_error(req, "reading schedules", cause);
	else
		api_reply_json_new(req, 200, json_pack("{s:o}", "schedules", list));
	free(cause);
}

/* POST /api/schedules: 201 with the schedule. */
void
api_schedules_create(struct api_request *req)
{
	struct schedule_in in;

	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	schedule_in_init(&in);
	if (read_body(req, false, &in) == 0)
		save(req, SCHEDULE_INSERT, 0, &in, true);
	schedule_in_fini(&in);
}

/* GET /api/schedules/{id}. */
void
api_schedules_get(struct api_request *req)
{
	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	reply_schedule(req, 200, req->params[0]);
}

/* Whether the fire times of b differ from a's (the cursor then starts again from now). */
static bool
timing_changed(const struct schedule_in *a, const struct schedule_in *b)
{
	return strcmp(a->cron, b->cron) != 0 || strcmp(a->timezone, b->timezone) != 0 ||
	    a->paused != b->paused;
}

/* PUT (partial false) and PATCH (true). */
static void
update(struct api_request *req, bool partial)
{
	struct schedule_in old, in;

	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	schedule_in_init(&old);
	if (!load(req, req->params[0], &old)) {
		schedule_in_fini(&old);
		return;
	}
	schedule_in_init(&in);
	if (partial && !load(req, req->params[0], &in)) {
		schedule_in_fini(&in);
		schedule_in_fini(&old);
		return;
	}
	if (read_body(req, partial, &in) == 0)
		save(req, SCHEDULE_UPDATE, req->params[0], &in, timing_changed(&old, &in));
	schedule_in_fini(&in);
	schedule_in_fini(&old);
}

/* PUT /api/schedules/{id}: replace it (keys left out take their defaults). */
void
api_schedules_put(struct api_request *req)
{
	update(req, false);
}

/* PATCH /api/schedules/{id}: change the keys given ({"paused": true} pauses it). */
void
api_schedules_patch(struct api_request *req)
{
	update(req, true);
}

/* DELETE /api/schedules/{id}: its fire history goes with it; the runs it started stay. 204. */
void
api_schedules_delete(struct api_request *req)
{
	struct schedule_write w = { .op = SCHEDULE_DELETE, .id = req->params[0] };
	char *cause = NULL;

	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	if (store_write_sync(req->store, schedule_write, &w, &cause) != 0) {
		api_reply_error(req, 500, "internal", "deleting the schedule: %s", cause);
		free(cause);
	} else if (w.changes == 0) {
		api_reply_error(req, 404, "not_found", "no schedule %lld", req->params[0]);
	} else {
		sched_changed(req->sched, req->params[0], true);
		api_reply_raw(req, 204, "application/json", "", 0);
	}
}

/* POST /api/schedules/{id}/run: start a run of it now (not a fire: no fire record). 202. */
void
api_schedules_run(struct api_request *req)
{
	struct schedule_in in;
	struct saved_start ss = { .schedule_id = req->params[0], .trigger = "api" };
	enum saved_start_result r;
	char *cause = NULL, loc[48];
	int64_t run_id;

	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	schedule_in_init(&in);
	if (!load(req, req->params[0], &in))
		goto out;
	if ((cause = store_error(req->store)) != NULL) {
		api_add_header(req, "Retry-After", "5");
		api_reply_error(req, 503, "store_unavailable", "the database cannot be written (%s): no run "
		    "starts until it can", cause + strlen("error: "));
		goto out;
	}
	ss.test_id = in.test_id;
	ss.overrides = in.overrides;
	r = saved_start_run(req->runq, api_security(req->api), req->db, &ss, &run_id, &cause);
	if (r == SAVED_START_OK) {
		snprintf(loc, sizeof loc, "/api/runs/%lld", (long long)run_id);
		api_add_header(req, "Location", loc);
		api_reply_json_new(req, 202, json_pack("{s:I, s:I}", "run_id", (json_int_t)run_id,
		    "schedule_id", (json_int_t)req->params[0]));
	} else if (r == SAVED_START_NO_TEST || r == SAVED_START_INVALID) {
		api_reply_error(req, 409, "cannot_start", "%s", cause);
	} else {
		api_reply_error(req, 500, "internal", "starting the run: %s", cause);
	}
out:
	free(cause);
	schedule_in_fini(&in);
}

/* GET /api/schedules/{id}/fires?limit=&cursor=: newest first, keyset pagination. */
void
api_schedules_fires(struct api_request *req)
{
	static const char *const allowed[] = { "limit", "cursor", NULL };
	struct schedule_in in;
	long long limit = FIRES_LIMIT_DEFAULT;
	const char *cursor_arg = NULL;
	char cursor[API_CURSOR_MAX], *cause = NULL;
	int64_t before = 0;
	json_t *list, *last;
	bool more;

	if (!api_need_store(req) || !api_params_ok(req, allowed) ||
	    api_param_int(req, "limit", 1, FIRES_LIMIT_MAX, &limit) < 0 ||
	    api_param_str(req, "cursor", &cursor_arg) < 0)
		return;
	if (cursor_arg != NULL && api_cursor_decode(cursor_arg, &before) != 0) {
		api_reply_bad_param(req, "cursor", "not a cursor this API gave (use next_cursor from a "
		    "previous page)");
		return;
	}
	schedule_in_init(&in);
	if (!load(req, req->params[0], &in))
		goto out;
	if (schedule_fires(req->db, req->params[0], before, (int)limit, &list, &more, &cause) != 0) {
		api_reply_db_error(req, "reading fires", cause);
		goto out;
	}
	if (more && (last = json_array_get(list, json_array_size(list) - 1)) != NULL)
		api_cursor_encode(json_integer_value(json_object_get(last, "id")), cursor);
	api_reply_json_new(req, 200, json_pack("{s:o, s:o}", "fires", list,
	    "next_cursor", more ? json_string(cursor) : json_null()));
out:
	free(cause);
	schedule_in_fini(&in);
}

/* GET /api/schedules/preview?cron=&tz=&count=&after=: the next fire times of an expression. */
void
api_schedules_preview(struct api_request *req)
{
	static const char *const allowed[] = { "cron", "tz", "count", "after", NULL };
	const char *expr = NULL, *tz = "UTC";
	long long count = SCHEDULE_NEXT_SHOWN, after = 0;
	struct cron *c = NULL;
	struct cron_zone *z = NULL;
	char *cause = NULL, buf[CRON_ISO_SIZE];
	json_t *next, *next_ms;
	int64_t t;
	int i;

	if (!api_params_ok(req, allowed) || api_param_str(req, "cron", &expr) < 0 ||
	    api_param_str(req, "tz", &tz) < 0 || api_param_int(req, "count", 1, PREVIEW_MAX, &count) < 0 ||
	    api_param_int(req, "after", 0, INT64_MAX / 2, &after) < 0)
		return;
	if (expr == NULL) {
		api_reply_bad_param(req, "cron", "required: a cron expression (\"0 2 * * *\")");
		return;
	}
	if ((c = cron_parse(expr, &cause)) == NULL) {
		api_reply_bad_param(req, "cron", "%s", cause);
		goto out;
	}
	if ((z = cron_zone_new(tz, &cause)) == NULL) {
		api_reply_bad_param(req, "tz", "%s", cause);
		goto out;
	}
	next = json_array();
	next_ms = json_array();
	t = (after > 0 ? after : clock_wall_ms()) / 1000;
	for (i = 0; i < count && cron_next(c, z, t, &t); i++) {
		json_array_append_new(next, json_string(cron_format(z, t, buf)));
		json_array_append_new(next_ms, json_integer(t * 1000));
	}
	api_reply_json_new(req, 200, json_pack("{s:s, s:s, s:b, s:b, s:b, s:o, s:o}",
	    "cron", expr, "timezone", tz,
	    "has_seconds", cron_has_seconds(c),
	    "fixed_time", cron_fixed_time(c),
	    "never_fires", i == 0,
	    "next", next, "next_ms", next_ms));
out:
	free(cause);
	cron_free(c);
	cron_zone_free(z);
}
