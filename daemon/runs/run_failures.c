/*
 * run_failures: see run_failures.h. run_failures_changed runs on a run's controller thread (inside
 * on_tick), the writes on the store's writer thread, the query on the api thread's read-only
 * connection.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "metrics/failures.h"
#include "metrics/tick.h"
#include "runs/run_failures.h"
#include "testdef/plan.h"

struct run_failures *
run_failures_changed(const struct tick *sec, const struct tick *whole,
    const struct failures_alarm *alarm, bool alarm_new)
{
	int n = failures_n(sec->failures);
	struct run_failures *f;

	if (n == 0 && alarm == NULL)
		return NULL;
	f = xcalloc(1, sizeof *f);
	f->v = xcalloc((size_t)n + 1, sizeof *f->v);
	for (int i = 0; i < n; i++) {
		const struct failure *w = failures_find(whole->failures, failures_get(sec->failures, i));
		bool seen = false;
		if (w == NULL)
			continue;      /* cannot be: the second was merged into the run */
		/* several of the second's messages may have gone to one "(other messages)" */
		for (int k = 0; k < f->n && !seen; k++)
			seen = f->v[k].endpoint == w->endpoint && f->v[k].kind == w->kind &&
			    f->v[k].other == w->other && f->v[k].len == w->len &&
			    memcmp(f->v[k].message, w->message, w->len) == 0;
		if (!seen)
			f->v[f->n++] = *w;
	}
	if (alarm != NULL) {
		f->alarm = true;
		f->alarm_new = alarm_new;
		f->a = *alarm;
	}
	return f;
}

void
run_failures_free(struct run_failures *f)
{
	if (f == NULL)
		return;
	free(f->v);
	free(f);
}

/* A message as a JSON string: cut bytes that are not UTF-8 (a target's words) are replaced. */
static json_t *
message_json(const char *s, size_t len)
{
	json_t *j = json_stringn(s, len);

	return j != NULL ? j : json_string("(not UTF-8)");
}

/* The name of endpoint i (0-based) of plan. */
static const char *
endpoint_name(const struct plan *plan, int i)
{
	return i >= 0 && i < plan->nendpoints ? plan->endpoints[i].name : "?";
}

json_t *
run_failure_json(const struct failure *e, const struct plan *plan)
{
	return json_pack("{s:s, s:i, s:s, s:o, s:I, s:I, s:I, s:b}",
	    "endpoint", endpoint_name(plan, e->endpoint),
	    "idx", e->endpoint + 1,
	    "kind", failure_kind_name(e->kind),
	    "message", message_json(e->message, e->len),
	    "count", (json_int_t)e->count,
	    "first_second", (json_int_t)e->first,
	    "last_second", (json_int_t)e->last,
	    "other", e->other);
}

json_t *
run_failure_alarm_json(const struct failures_alarm *a, const struct plan *plan)
{
	const struct failure *d = &a->dominant;

	return json_pack("{s:o, s:I, s:I, s:I, s:s, s:i, s:s, s:o}",
	    "text", message_json(a->text, strlen(a->text)),
	    "second", (json_int_t)a->second,
	    "requests", (json_int_t)a->requests,
	    "failures", (json_int_t)a->failures,
	    "endpoint", endpoint_name(plan, d->endpoint),
	    "idx", d->endpoint + 1,
	    "kind", failure_kind_name(d->kind),
	    "message", message_json(d->message, d->len));
}

/* ---- writes (store thread) */

#define UPSERT "INSERT OR REPLACE INTO run_failures (run_id, endpoint, kind, other, message, count, " \
	"first_second, last_second) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"

/* *cause from the connection's last error. */
static int
fail(sqlite3 *db, const char *what, char **cause)
{
	*cause = xasprintf("%s: %s", what, sqlite3_errmsg(db));
	return -1;
}

/* Writes one entry with st (UPSERT). */
static int
put(sqlite3 *db, sqlite3_stmt *st, int64_t run_id, const struct failure *e, char **cause)
{
	int rc;

	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int(st, 2, e->endpoint + 1);
	sqlite3_bind_text(st, 3, failure_kind_name(e->kind), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, e->other);
	sqlite3_bind_text(st, 5, e->message, (int)e->len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, e->count > INT64_MAX ? INT64_MAX : (int64_t)e->count);
	sqlite3_bind_int64(st, 7, e->first);
	sqlite3_bind_int64(st, 8, e->last);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : fail(db, "insert run_failures", cause);
}

/* Writes the alarm of run_id. */
static int
put_alarm(sqlite3 *db, int64_t run_id, const struct failures_alarm *a, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO run_failure_alarms (run_id, second, "
	    "requests, failures, endpoint, kind, message, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", -1,
	    &st, NULL) != SQLITE_OK)
		return fail(db, "prepare", cause);
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, a->second);
	sqlite3_bind_int64(st, 3, (int64_t)a->requests);
	sqlite3_bind_int64(st, 4, (int64_t)a->failures);
	sqlite3_bind_int(st, 5, a->dominant.endpoint + 1);
	sqlite3_bind_text(st, 6, failure_kind_name(a->dominant.kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, a->dominant.message, (int)a->dominant.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, a->text, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(db, "insert run_failure_alarms", cause);
}

int
run_failures_write(sqlite3 *db, int64_t run_id, const struct run_failures *f, char **cause)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (f->n > 0) {
		if (sqlite3_prepare_v2(db, UPSERT, -1, &st, NULL) != SQLITE_OK)
			return fail(db, "prepare", cause);
		for (int i = 0; i < f->n && rc == 0; i++)
			rc = put(db, st, run_id, &f->v[i], cause);
		sqlite3_finalize(st);
	}
	if (rc == 0 && f->alarm_new)
		rc = put_alarm(db, run_id, &f->a, cause);
	return rc;
}

int
run_failures_write_whole(sqlite3 *db, int64_t run_id, const struct failures *f,
    const struct failures_alarm *alarm, char **cause)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (failures_n(f) > 0) {
		if (sqlite3_prepare_v2(db, UPSERT, -1, &st, NULL) != SQLITE_OK)
			return fail(db, "prepare", cause);
		for (int i = 0; i < failures_n(f) && rc == 0; i++)
			rc = put(db, st, run_id, failures_get(f, i), cause);
		sqlite3_finalize(st);
	}
	if (rc == 0 && alarm != NULL)
		rc = put_alarm(db, run_id, alarm, cause);
	return rc;
}

/* ---- reads (api thread) */

int
run_failures_query(sqlite3 *db, int64_t run_id, json_t **out, char **cause)
{
	sqlite3_stmt *st = NULL;
	json_t *doc = NULL, *rows = json_array(), *alarm = json_null();
	int rc;

	*out = NULL;
	if (sqlite3_prepare_v2(db, "SELECT f.endpoint, coalesce(e.name, '?'), f.kind, f.other, "
	    "f.message, f.count, f.first_second, f.last_second FROM run_failures f LEFT JOIN endpoints e "
	    "ON e.run_id = f.run_id AND e.idx = f.endpoint WHERE f.run_id = ? "
	    "ORDER BY f.count DESC, f.other, f.endpoint, f.message", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, run_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(rows, json_pack("{s:i, s:s, s:s, s:o, s:I, s:I, s:I, s:b}",
		    "idx", sqlite3_column_int(st, 0),
		    "endpoint", (const char *)sqlite3_column_text(st, 1),
		    "kind", (const char *)sqlite3_column_text(st, 2),
		    "message", message_json((const char *)sqlite3_column_text(st, 4),
		        (size_t)sqlite3_column_bytes(st, 4)),
		    "count", (json_int_t)sqlite3_column_int64(st, 5),
		    "first_second", (json_int_t)sqlite3_column_int64(st, 6),
		    "last_second", (json_int_t)sqlite3_column_int64(st, 7),
		    "other", sqlite3_column_int(st, 3) != 0));
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, "SELECT a.text, a.second, a.requests, a.failures, "
	    "coalesce(e.name, '?'), a.endpoint, a.kind, a.message FROM run_failure_alarms a "
	    "LEFT JOIN endpoints e ON e.run_id = a.run_id AND e.idx = a.endpoint WHERE a.run_id = ?", -1,
	    &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, run_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_decref(alarm);
		alarm = json_pack("{s:o, s:I, s:I, s:I, s:s, s:i, s:s, s:o}",
		    "text", message_json((const char *)sqlite3_column_text(st, 0),
		        (size_t)sqlite3_column_bytes(st, 0)),
		    "second", (json_int_t)sqlite3_column_int64(st, 1),
		    "requests", (json_int_t)sqlite3_column_int64(st, 2),
		    "failures", (json_int_t)sqlite3_column_int64(st, 3),
		    "endpoint", (const char *)sqlite3_column_text(st, 4),
		    "idx", sqlite3_column_int(st, 5),
		    "kind", (const char *)sqlite3_column_text(st, 6),
		    "message", message_json((const char *)sqlite3_column_text(st, 7),
		        (size_t)sqlite3_column_bytes(st, 7)));
	} else if (rc != SQLITE_DONE) {
		goto fail;
	}
	sqlite3_finalize(st);
	doc = json_pack("{s:I, s:o, s:o, s:{s:i, s:i, s:i}}", "run_id", (json_int_t)run_id,
	    "alarm", alarm, "failures", rows, "limits", "per_endpoint", FAILURES_ENDPOINT_MAX,
	    "per_run", FAILURES_RUN_MAX, "message_bytes", FAILURES_MESSAGE_MAX);
	*out = doc;
	return 0;
fail:
	*cause = xasprintf("reading the failures: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	json_decref(rows);
	json_decref(alarm);
	return -1;
}
