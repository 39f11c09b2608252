/*
 * run_events: see run_events.h. At most RUN_EVENTS_MAX rows per run, so reads are plain queries.
 */
#include <config.h>

#include "core/xmalloc.h"
#include "runs/run_events.h"

int
run_events_insert(sqlite3 *db, void *arg, char **cause)
{
	const struct run_event *ev = arg;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "INSERT INTO run_events (run_id, at_ms, second, name, source, trigger, "
	    "status, error, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK) {
		*cause = xasprintf("recording the event: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, ev->run_id);
	sqlite3_bind_int64(st, 2, ev->at_ms);
	sqlite3_bind_int64(st, 3, ev->at_ms / 1000);
	sqlite3_bind_text(st, 4, ev->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, ev->source, -1, SQLITE_STATIC);
	if (ev->trigger != NULL)
		sqlite3_bind_text(st, 6, ev->trigger, -1, SQLITE_STATIC);
	if (ev->status > 0)
		sqlite3_bind_int(st, 7, ev->status);
	if (ev->error != NULL)
		sqlite3_bind_text(st, 8, ev->error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, ev->created_ms);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	if (rc != 0)
		*cause = xasprintf("recording the event: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

json_t *
run_events_json(const struct run_event *ev)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:I}",
	    "at_ms", (json_int_t)ev->at_ms,
	    "second", (json_int_t)(ev->at_ms / 1000),
	    "name", ev->name,
	    "source", ev->source,
	    "created_ms", (json_int_t)ev->created_ms);

	json_object_set_new(o, "trigger", ev->trigger != NULL ? json_string(ev->trigger) : json_null());
	json_object_set_new(o, "status", ev->status > 0 ? json_integer(ev->status) : json_null());
	json_object_set_new(o, "error", ev->error != NULL ? json_string(ev->error) : json_null());
	return o;
}

json_t *
run_events_read(sqlite3 *db, int64_t run_id, char **cause)
{
	sqlite3_stmt *st;
	json_t *list;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT at_ms, name, source, trigger, status, error, created_ms "
	    "FROM run_events WHERE run_id = ? ORDER BY at_ms, id", -1, &st, NULL) != SQLITE_OK) {
		*cause = xasprintf("reading the run's events: %s", sqlite3_errmsg(db));
		return NULL;
	}
	sqlite3_bind_int64(st, 1, run_id);
	list = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct run_event ev = {
			.run_id = run_id,
			.at_ms = sqlite3_column_int64(st, 0),
			.name = (const char *)sqlite3_column_text(st, 1),
			.source = (const char *)sqlite3_column_text(st, 2),
			.trigger = (const char *)sqlite3_column_text(st, 3),
			.status = sqlite3_column_type(st, 4) == SQLITE_NULL ? 0 : sqlite3_column_int(st, 4),
			.error = (const char *)sqlite3_column_text(st, 5),
			.created_ms = sqlite3_column_int64(st, 6),
		};
		json_array_append_new(list, run_events_json(&ev));
	}
	if (rc != SQLITE_DONE) {
		*cause = xasprintf("reading the run's events: %s", sqlite3_errmsg(db));
		json_decref(list);
		list = NULL;
	}
	sqlite3_finalize(st);
	return list;
}
