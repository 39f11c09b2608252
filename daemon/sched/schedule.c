/*
 * schedule: see schedule.h. The parse is pure; the jobs run on the store's writer thread; the reads
 * on the caller's (the api thread's, or the scheduler's) with its own read-only connection.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "core/duration.h"
#include "core/xmalloc.h"
#include "sched/cron.h"
#include "sched/schedule.h"
#include "testdef/testdef.h"

#define WEBHOOK_URL_MAX 2048

/* Output-only keys a client may send back unchanged (GET, edit, PUT). */
static const char *const shown_keys[] = { "id", "test_name", "next_fires", "next_fire_ms",
	"next_fire", "never_fires", "last_fire", "created_ms", "updated_ms", NULL };

void
schedule_in_init(struct schedule_in *in)
{
	memset(in, 0, sizeof *in);
	in->timezone = xstrdup("UTC");
	in->overlap = xstrdup("skip");
	in->catchup = xstrdup("latest");
	in->overrides = json_object();
}

void
schedule_in_fini(struct schedule_in *in)
{
	free(in->cron);
	free(in->timezone);
	free(in->overlap);
	free(in->catchup);
	json_decref(in->overrides);
	json_decref(in->notify);
	memset(in, 0, sizeof *in);
}

/* Replaces *slot with a copy of s. */
static void
set_str(char **slot, const char *s)
{
	free(*slot);
	*slot = xstrdup(s);
}

/* Whether s is one of words (NULL-terminated). */
static bool
one_of(const char *s, const char *const *words)
{
	for (; *words != NULL; words++)
		if (strcmp(s, *words) == 0)
			return true;
	return false;
}

/* Checks a webhook URL: an absolute http(s) URL with a host. NULL, or why not (static text). */
static const char *
url_problem(const char *s)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	const char *why = NULL;

	if (strlen(s) > WEBHOOK_URL_MAX)
		why = "longer than 2048 bytes";
	else if (curl_url_set(u, CURLUPART_URL, s, 0) != CURLUE_OK)
		why = "not a URL";
	else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
		why = "not an http or https URL";
	else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0')
		why = "has no host";
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return why;
}

/* Checks notify ({"when", "webhooks"}); returns a normalised copy or NULL (errors added). */
static json_t *
notify_parse(json_t *v, struct testdef_errors *errs)
{
	static const char *const whens[] = { "always", "failure", "change", NULL };
	const char *key, *when = "failure";
	json_t *w, *hooks = NULL, *list;
	int n0 = errs->n;
	size_t i;

	if (!json_is_object(v)) {
		testdef_errors_add(errs, "notify", "expected null or {\"when\": \"always|failure|change\", "
		    "\"webhooks\": [urls]}");
		return NULL;
	}
	json_object_foreach(v, key, w)
		if (strcmp(key, "when") != 0 && strcmp(key, "webhooks") != 0)
			testdef_errors_add(errs, "notify", "unknown key \"%s\" (notify takes when, webhooks)",
			    key);
	if ((w = json_object_get(v, "when")) != NULL) {
		if (!json_is_string(w) || !one_of(json_string_value(w), whens))
			testdef_errors_add(errs, "notify.when", "expected always, failure or change");
		else
			when = json_string_value(w);
	}
	hooks = json_object_get(v, "webhooks");
	if (hooks == NULL || !json_is_array(hooks) || json_array_size(hooks) == 0 ||
	    json_array_size(hooks) > SCHEDULE_WEBHOOKS_MAX) {
		testdef_errors_add(errs, "notify.webhooks", "expected an array of 1 to %d URLs",
		    SCHEDULE_WEBHOOKS_MAX);
		return NULL;
	}
	json_array_foreach(hooks, i, w) {
		char path[48];
		const char *why;
		snprintf(path, sizeof path, "notify.webhooks[%zu]", i);
		if (!json_is_string(w))
			testdef_errors_add(errs, path, "expected a URL string");
		else if ((why = url_problem(json_string_value(w))) != NULL)
			testdef_errors_add(errs, path, "\"%.200s\" is %s", json_string_value(w), why);
	}
	if (errs->n > n0)
		return NULL;
	list = json_deep_copy(hooks);
	return json_pack("{s:s, s:o}", "when", when, "webhooks", list);
}

int
schedule_in_parse(json_t *body, bool partial, struct schedule_in *in, struct testdef_errors *errs)
{
	static const char *const keys[] = { "test_id", "cron", "timezone", "paused", "overrides",
		"overlap", "catchup", "catchup_max_age", "notify", NULL };
	static const char *const overlaps[] = { "skip", "queue", NULL };
	static const char *const catchups[] = { "none", "latest", NULL };
	const char *key;
	json_t *v;
	int n0 = errs->n;
	char *cause = NULL;

	if (!json_is_object(body)) {
		testdef_errors_add(errs, "", "expected a JSON object (a schedule)");
		return -1;
	}
	json_object_foreach(body, key, v)
		if (!one_of(key, keys) && !one_of(key, shown_keys))
			testdef_errors_add(errs, key, "unknown key (a schedule takes test_id, cron, timezone, "
			    "paused, overrides, overlap, catchup, catchup_max_age, notify)");
	if ((v = json_object_get(body, "test_id")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			testdef_errors_add(errs, "test_id", "expected the id of a saved test");
		else
			in->test_id = json_integer_value(v);
	} else if (!partial) {
		testdef_errors_add(errs, "test_id", "required: the id of the saved test to run");
	}
	if ((v = json_object_get(body, "cron")) != NULL) {
		struct cron *c;
		if (!json_is_string(v)) {
			testdef_errors_add(errs, "cron", "expected a cron expression (\"0 2 * * *\")");
		} else if ((c = cron_parse(json_string_value(v), &cause)) == NULL) {
			testdef_errors_add(errs, "cron", "%s", cause);
			free(cause);
			cause = NULL;
		} else {
			cron_free(c);
			set_str(&in->cron, json_string_value(v));
		}
	} else if (!partial) {
		testdef_errors_add(errs, "cron", "required: a cron expression (\"0 2 * * *\")");
	}
	if ((v = json_object_get(body, "timezone")) != NULL) {
		struct cron_zone *z;
		if (!json_is_string(v)) {
			testdef_errors_add(errs, "timezone", "expected an IANA zone name (\"Europe/Berlin\")");
		} else if ((z = cron_zone_new(json_string_value(v), &cause)) == NULL) {
			testdef_errors_add(errs, "timezone", "%s", cause);
			free(cause);
			cause = NULL;
		} else {
			cron_zone_free(z);
			set_str(&in->timezone, json_string_value(v));
		}
	}
	if ((v = json_object_get(body, "paused")) != NULL) {
		if (!json_is_boolean(v))
			testdef_errors_add(errs, "paused", "expected true or false");
		else
			in->paused = json_is_true(v);
	}
	if ((v = json_object_get(body, "overrides")) != NULL) {
		if (json_is_null(v))
			v = json_object();
		else if (!json_is_object(v))
			testdef_errors_add(errs, "overrides", "expected an object of vus, duration, rate, "
			    "tags, note");
		else
			json_incref(v);
		if (json_is_object(v)) {
			json_decref(in->overrides);
			in->overrides = v;
		}
	}
	if ((v = json_object_get(body, "overlap")) != NULL) {
		if (!json_is_string(v) || !one_of(json_string_value(v), overlaps))
			testdef_errors_add(errs, "overlap", "expected skip or queue");
		else
			set_str(&in->overlap, json_string_value(v));
	}
	if ((v = json_object_get(body, "catchup")) != NULL) {
		if (!json_is_string(v) || !one_of(json_string_value(v), catchups))
			testdef_errors_add(errs, "catchup", "expected none or latest");
		else
			set_str(&in->catchup, json_string_value(v));
	}
	if ((v = json_object_get(body, "catchup_max_age")) != NULL) {
		int64_t ns;
		if (json_is_null(v))
			in->catchup_max_age_s = 0;
		else if (!json_is_string(v) || duration_parse(json_string_value(v), &ns) != DURATION_OK ||
		    ns < 1000000000LL || ns > 366LL * 86400 * 1000000000LL)
			testdef_errors_add(errs, "catchup_max_age", "expected null (the configuration's) or "
			    "a duration from 1s to 366d (\"6h\")");
		else
			in->catchup_max_age_s = ns / 1000000000LL;
	}
	if ((v = json_object_get(body, "notify")) != NULL) {
		json_t *n = json_is_null(v) ? NULL : notify_parse(v, errs);
		if (json_is_null(v) || n != NULL) {
			json_decref(in->notify);
			in->notify = n;
		}
	}
	return errs->n > n0 ? -1 : 0;
}

/* Text of column i, or def when NULL. */
static const char *
col_text(sqlite3_stmt *st, int i, const char *def)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t != NULL ? (const char *)t : def;
}

#define SELECT_COLS "s.id, s.test_id, s.cron, s.timezone, s.enabled, s.overrides, s.overlap, " \
	"s.catchup, s.catchup_max_age_s, s.notify, s.next_fire_ms, s.last_fire_ms, s.created_ms, " \
	"s.updated_ms, t.name"

/* Fills in from a row of SELECT_COLS. */
static void
in_from_row(sqlite3_stmt *st, struct schedule_in *in)
{
	in->test_id = sqlite3_column_int64(st, 1);
	set_str(&in->cron, col_text(st, 2, ""));
	set_str(&in->timezone, col_text(st, 3, "UTC"));
	in->paused = sqlite3_column_int(st, 4) == 0;
	json_decref(in->overrides);
	in->overrides = json_loads(col_text(st, 5, "{}"), 0, NULL);
	if (!json_is_object(in->overrides)) {
		json_decref(in->overrides);
		in->overrides = json_object();
	}
	set_str(&in->overlap, col_text(st, 6, "skip"));
	set_str(&in->catchup, col_text(st, 7, "latest"));
	in->catchup_max_age_s = sqlite3_column_int64(st, 8);
	json_decref(in->notify);
	in->notify = sqlite3_column_type(st, 9) == SQLITE_NULL ? NULL : json_loads(col_text(st, 9, "null"),
	    0, NULL);
}

int
schedule_in_load(sqlite3 *db, int64_t id, struct schedule_in *in, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT " SELECT_COLS " FROM schedules s LEFT JOIN tests t ON "
	    "t.id = s.test_id WHERE s.id = ?", -1, &st, NULL) != SQLITE_OK) {
		*cause = xstrdup(sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		in_from_row(st, in);
		rc = 1;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		*cause = xstrdup(sqlite3_errmsg(db));
		rc = -1;
	}
	sqlite3_finalize(st);
	return rc;
}

int64_t
schedule_next_ms(const char *cron, const char *tz, int64_t after_ms)
{
	char *cause = NULL;
	struct cron *c = cron_parse(cron, &cause);
	struct cron_zone *z = c != NULL ? cron_zone_new(tz, &cause) : NULL;
	int64_t next = -1, s;

	if (c != NULL && z != NULL && cron_next(c, z, after_ms >= 0 ? after_ms / 1000 :
	    -((-after_ms + 999) / 1000), &s))
		next = s * 1000;
	free(cause);
	cron_free(c);
	cron_zone_free(z);
	return next;
}

/* ---- store jobs */

static int
db_fail(sqlite3 *db, sqlite3_stmt *st, const char *what, char **cause)
{
	*cause = xasprintf("%s: %s", what, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return -1;
}

int
schedule_write(sqlite3 *db, void *arg, char **cause)
{
	struct schedule_write *w = arg;
	const struct schedule_in *in = w->in;
	sqlite3_stmt *st = NULL;
	char *ov = NULL, *nt = NULL;
	const char *sql;
	int rc;

	if (w->op == SCHEDULE_DELETE) {
		if (sqlite3_prepare_v2(db, "DELETE FROM schedules WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
			return db_fail(db, st, "delete schedule", cause);
		sqlite3_bind_int64(st, 1, w->id);
		goto step;
	}
	if (w->op == SCHEDULE_INSERT)
		sql = "INSERT INTO schedules (test_id, cron, timezone, enabled, overrides, overlap, catchup, "
		    "catchup_max_age_s, notify, next_fire_ms, created_ms, updated_ms) "
		    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)";
	else if (w->reset_next)
		sql = "UPDATE schedules SET test_id = ?1, cron = ?2, timezone = ?3, enabled = ?4, "
		    "overrides = ?5, overlap = ?6, catchup = ?7, catchup_max_age_s = ?8, notify = ?9, "
		    "next_fire_ms = ?10, updated_ms = ?11 WHERE id = ?12";
	else
		sql = "UPDATE schedules SET test_id = ?1, cron = ?2, timezone = ?3, enabled = ?4, "
		    "overrides = ?5, overlap = ?6, catchup = ?7, catchup_max_age_s = ?8, notify = ?9, "
		    "updated_ms = ?11 WHERE id = ?12";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, st, "write schedule", cause);
	ov = json_dumps(in->overrides, JSON_COMPACT);
	nt = in->notify != NULL ? json_dumps(in->notify, JSON_COMPACT) : NULL;
	sqlite3_bind_int64(st, 1, in->test_id);
	sqlite3_bind_text(st, 2, in->cron, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, in->timezone, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, in->paused ? 0 : 1);
	sqlite3_bind_text(st, 5, ov, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, in->overlap, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, in->catchup, -1, SQLITE_STATIC);
	if (in->catchup_max_age_s > 0)
		sqlite3_bind_int64(st, 8, in->catchup_max_age_s);
	if (nt != NULL)
		sqlite3_bind_text(st, 9, nt, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_index(st, "?10") > 0 && w->next_fire_ms >= 0)
		sqlite3_bind_int64(st, 10, w->next_fire_ms);
	sqlite3_bind_int64(st, 11, w->now_ms);
	if (w->op == SCHEDULE_UPDATE)
		sqlite3_bind_int64(st, 12, w->id);
step:
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		free(ov);
		free(nt);
		return db_fail(db, st, "write schedule", cause);
	}
	w->changes = sqlite3_changes(db);
	if (w->op == SCHEDULE_INSERT)
		w->id = sqlite3_last_insert_rowid(db);
	sqlite3_finalize(st);
	free(ov);
	free(nt);
	return 0;
}

int
schedule_fire_record(sqlite3 *db, const struct schedule_fire *f, int64_t cursor_ms, int64_t next_ms,
    int64_t last_ms, char **cause)
{
	sqlite3_stmt *st = NULL;

	if (cursor_ms < 0)
		goto insert;
	if (sqlite3_prepare_v2(db, "UPDATE schedules SET next_fire_ms = ?, last_fire_ms = ? WHERE id = ? "
	    "AND enabled = 1 AND (next_fire_ms = ?4 OR next_fire_ms IS NULL)", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, st, "advance schedule", cause);
	if (next_ms >= 0)
		sqlite3_bind_int64(st, 1, next_ms);
	sqlite3_bind_int64(st, 2, last_ms);
	sqlite3_bind_int64(st, 3, f->schedule_id);
	sqlite3_bind_int64(st, 4, cursor_ms);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_fail(db, st, "advance schedule", cause);
	sqlite3_finalize(st);
	if (sqlite3_changes(db) != 1) {
		/* edited, paused or deleted since the scheduler read it: this fire is not due any more */
		*cause = xasprintf("schedule %lld changed", (long long)f->schedule_id);
		return -1;
	}
insert:
	if (sqlite3_prepare_v2(db, "INSERT INTO schedule_fires (schedule_id, due_ms, last_due_ms, count, "
	    "outcome, reason, run_id, recorded_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_fail(db, st, "record fire", cause);
	sqlite3_bind_int64(st, 1, f->schedule_id);
	sqlite3_bind_int64(st, 2, f->due_ms);
	if (f->last_due_ms > 0)
		sqlite3_bind_int64(st, 3, f->last_due_ms);
	sqlite3_bind_int64(st, 4, f->count);
	sqlite3_bind_text(st, 5, f->outcome, -1, SQLITE_STATIC);
	if (f->reason != NULL)
		sqlite3_bind_text(st, 6, f->reason, -1, SQLITE_STATIC);
	if (f->run_id > 0)
		sqlite3_bind_int64(st, 7, f->run_id);
	sqlite3_bind_int64(st, 8, f->now_ms);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_fail(db, st, "record fire", cause);
	sqlite3_finalize(st);
	return 0;
}

/* ---- reads */

/* An ISO 8601 time of ms in zone z (or UTC when z is NULL), as a JSON string. */
static json_t *
iso_json(const struct cron_zone *z, int64_t ms)
{
	char buf[CRON_ISO_SIZE];
	struct cron_zone *utc = NULL;
	char *cause = NULL;
	json_t *j;

	if (z == NULL && (z = utc = cron_zone_new("UTC", &cause)) == NULL) {
		free(cause);
		return json_null();
	}
	j = json_string(cron_format(z, ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000), buf));
	cron_zone_free(utc);
	return j;
}

json_t *
schedule_fire_json(const struct schedule_fire *f, int64_t id, const char *tz, const char *run_state)
{
	char *cause = NULL;
	struct cron_zone *z = cron_zone_new(tz != NULL ? tz : "UTC", &cause);
	json_t *j;

	free(cause);
	j = json_pack("{s:I, s:I, s:o, s:I, s:I, s:s, s:o, s:o, s:o, s:I}",
	    "id", (json_int_t)id,
	    "schedule_id", (json_int_t)f->schedule_id,
	    "due", iso_json(z, f->due_ms),
	    "due_ms", (json_int_t)f->due_ms,
	    "count", (json_int_t)f->count,
	    "outcome", f->outcome,
	    "reason", f->reason != NULL ? json_string(f->reason) : json_null(),
	    "run_id", f->run_id > 0 ? json_integer(f->run_id) : json_null(),
	    "run_state", run_state != NULL ? json_string(run_state) : json_null(),
	    "recorded_ms", (json_int_t)f->now_ms);
	if (f->last_due_ms > 0) {
		json_object_set_new(j, "last_due", iso_json(z, f->last_due_ms));
		json_object_set_new(j, "last_due_ms", json_integer(f->last_due_ms));
	} else {
		json_object_set_new(j, "last_due", json_null());
		json_object_set_new(j, "last_due_ms", json_null());
	}
	cron_zone_free(z);
	return j;
}

#define FIRE_COLS "f.id, f.schedule_id, f.due_ms, f.last_due_ms, f.count, f.outcome, f.reason, " \
	"f.run_id, f.recorded_ms, r.state, s.timezone"
#define FIRE_FROM " FROM schedule_fires f JOIN schedules s ON s.id = f.schedule_id " \
	"LEFT JOIN runs r ON r.id = f.run_id "

static json_t *
fire_from_row(sqlite3_stmt *st)
{
	struct schedule_fire f = {
		.schedule_id = sqlite3_column_int64(st, 1),
		.due_ms = sqlite3_column_int64(st, 2),
		.last_due_ms = sqlite3_column_int64(st, 3),
		.count = sqlite3_column_int64(st, 4),
		.outcome = col_text(st, 5, "missed"),
		.reason = col_text(st, 6, NULL),
		.run_id = sqlite3_column_int64(st, 7),
		.now_ms = sqlite3_column_int64(st, 8),
	};
	return schedule_fire_json(&f, sqlite3_column_int64(st, 0), col_text(st, 10, "UTC"),
	    col_text(st, 9, NULL));
}

/* The statement last_fire runs (the caller finalizes it), or NULL. */
static sqlite3_stmt *
last_fire_stmt(sqlite3 *db)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "SELECT " FIRE_COLS FIRE_FROM "WHERE f.schedule_id = ? "
	    "ORDER BY f.id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

/* The last fire of schedule id (JSON null when none), with lf (last_fire_stmt, reused per row). */
static json_t *
last_fire(sqlite3_stmt *lf, int64_t id)
{
	json_t *j = NULL;

	if (lf == NULL)
		return json_null();
	sqlite3_reset(lf);
	sqlite3_bind_int64(lf, 1, id);
	if (sqlite3_step(lf) == SQLITE_ROW)
		j = fire_from_row(lf);
	sqlite3_reset(lf);
	return j != NULL ? j : json_null();
}

/* A schedule row of SELECT_COLS as the API shows it. */
static json_t *
schedule_from_row(sqlite3_stmt *lf, sqlite3_stmt *st, int64_t now_ms)
{
	struct schedule_in in;
	struct cron *c;
	struct cron_zone *z;
	char *cause = NULL, age[DURATION_FMT_SIZE];
	json_t *j, *next = json_array();
	int64_t id = sqlite3_column_int64(st, 0);
	bool never = false;

	schedule_in_init(&in);
	in_from_row(st, &in);
	c = cron_parse(in.cron, &cause);
	free(cause);
	cause = NULL;
	z = cron_zone_new(in.timezone, &cause);
	free(cause);
	if (c != NULL && z != NULL && !in.paused) {
		/* the cursor first (a due fire not handled yet), then the fires after it */
		int64_t t = sqlite3_column_type(st, 10) != SQLITE_NULL ? sqlite3_column_int64(st, 10) / 1000 :
		    -1;
		if (t < 0 && !cron_next(c, z, now_ms / 1000, &t))
			t = -1;
		never = t < 0;
		for (int i = 0; t >= 0 && i < SCHEDULE_NEXT_SHOWN; i++) {
			json_array_append_new(next, iso_json(z, t * 1000));
			if (!cron_next(c, z, t, &t))
				break;
		}
	}
	j = json_pack("{s:I, s:I, s:o, s:s, s:s, s:b, s:O, s:s, s:s, s:o, s:o, s:o, s:o, s:b, s:o, "
	    "s:I, s:I}",
	    "id", (json_int_t)id,
	    "test_id", (json_int_t)in.test_id,
	    "test_name", sqlite3_column_type(st, 14) != SQLITE_NULL ? json_string(col_text(st, 14, "")) :
	        json_null(),
	    "cron", in.cron,
	    "timezone", in.timezone,
	    "paused", in.paused,
	    "overrides", in.overrides,
	    "overlap", in.overlap,
	    "catchup", in.catchup,
	    "catchup_max_age", in.catchup_max_age_s > 0 ?
	        json_string(duration_format(in.catchup_max_age_s * 1000000000LL, age)) : json_null(),
	    "notify", in.notify != NULL ? json_incref(in.notify) : json_null(),
	    "next_fires", next,
	    "next_fire_ms", sqlite3_column_type(st, 10) != SQLITE_NULL ?
	        json_integer(sqlite3_column_int64(st, 10)) : json_null(),
	    "never_fires", never,
	    "last_fire", last_fire(lf, id),
	    "created_ms", (json_int_t)sqlite3_column_int64(st, 12),
	    "updated_ms", (json_int_t)sqlite3_column_int64(st, 13));
	cron_free(c);
	cron_zone_free(z);
	schedule_in_fini(&in);
	return j;
}

int
schedule_get(sqlite3 *db, int64_t id, int64_t now_ms, json_t **out, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	if (sqlite3_prepare_v2(db, "SELECT " SELECT_COLS " FROM schedules s LEFT JOIN tests t ON "
	    "t.id = s.test_id WHERE s.id = ?", -1, &st, NULL) != SQLITE_OK) {
		*cause = xstrdup(sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		sqlite3_stmt *lf = last_fire_stmt(db);
		*out = schedule_from_row(lf, st, now_ms);
		sqlite3_finalize(lf);
	}
	else if (rc != SQLITE_DONE)
		*cause = xstrdup(sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
schedule_list(sqlite3 *db, int64_t test_id, int64_t now_ms, json_t **out, char **cause)
{
	sqlite3_stmt *st, *lf;
	int rc;

	*out = NULL;
	/* two texts, so that a test's schedules are an index lookup (schedules_by_test) */
	if (sqlite3_prepare_v2(db, test_id > 0 ? "SELECT " SELECT_COLS " FROM schedules s LEFT JOIN tests t "
	    "ON t.id = s.test_id WHERE s.test_id = ?1 ORDER BY s.id" : "SELECT " SELECT_COLS " FROM "
	    "schedules s LEFT JOIN tests t ON t.id = s.test_id ORDER BY s.id", -1, &st, NULL) != SQLITE_OK) {
		*cause = xstrdup(sqlite3_errmsg(db));
		return -1;
	}
	if (test_id > 0)
		sqlite3_bind_int64(st, 1, test_id);
	*out = json_array();
	lf = last_fire_stmt(db);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(*out, schedule_from_row(lf, st, now_ms));
	sqlite3_finalize(lf);
	if (rc != SQLITE_DONE) {
		*cause = xstrdup(sqlite3_errmsg(db));
		json_decref(*out);
		*out = NULL;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
schedule_fires(sqlite3 *db, int64_t id, int64_t before_id, int limit, json_t **out, bool *more,
    char **cause)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	*out = NULL;
	*more = false;
	if (sqlite3_prepare_v2(db, "SELECT " FIRE_COLS FIRE_FROM "WHERE f.schedule_id = ?1 AND "
	    "(?2 = 0 OR f.id < ?2) ORDER BY f.id DESC LIMIT ?3", -1, &st, NULL) != SQLITE_OK) {
		*cause = xstrdup(sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, before_id);
	sqlite3_bind_int(st, 3, limit + 1);
	*out = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ == limit) {
			*more = true;
			continue;
		}
		json_array_append_new(*out, fire_from_row(st));
	}
	if (rc != SQLITE_DONE) {
		*cause = xstrdup(sqlite3_errmsg(db));
		json_decref(*out);
		*out = NULL;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
