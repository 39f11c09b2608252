/*
 * run_changes: see run_changes.h. A handful of rows per run at most, so reads are plain queries.
 */
#include <config.h>

#include <string.h>

#include "core/xmalloc.h"
#include "runs/run_changes.h"

const char *
run_changes_trigger(const char *client_header)
{
	if (client_header != NULL && strcmp(client_header, "cli") == 0)
		return "cli";
	if (client_header != NULL && strcmp(client_header, "dashboard") == 0)
		return "dashboard";
	return "api";
}

int
run_changes_insert(sqlite3 *db, void *arg, char **cause)
{
	const struct run_change *c = arg;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "INSERT INTO run_changes (run_id, at_ms, second, scenario, field, "
	    "from_value, to_value, trigger, changed_ms) VALUES (?, ?, ?, ?, 'vus', ?, ?, ?, ?)", -1, &st,
	    NULL) != SQLITE_OK) {
		*cause = xasprintf("recording the change: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, c->run_id);
	sqlite3_bind_int64(st, 2, c->at_ms);
	sqlite3_bind_int64(st, 3, c->at_ms / 1000);
	sqlite3_bind_text(st, 4, c->scenario, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, c->from);
	sqlite3_bind_int64(st, 6, c->to);
	sqlite3_bind_text(st, 7, c->trigger, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, c->changed_ms);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	if (rc != 0)
		*cause = xasprintf("recording the change: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

json_t *
run_changes_json(const struct run_change *c)
{
	return json_pack("{s:I, s:I, s:s, s:s, s:I, s:I, s:s, s:I}",
	    "second", (json_int_t)(c->at_ms / 1000),
	    "at_ms", (json_int_t)c->at_ms,
	    "scenario", c->scenario,
	    "field", "vus",
	    "from", (json_int_t)c->from,
	    "to", (json_int_t)c->to,
	    "trigger", c->trigger,
	    "changed_ms", (json_int_t)c->changed_ms);
}

json_t *
run_changes_read(sqlite3 *db, int64_t run_id, char **cause)
{
	sqlite3_stmt *st;
	json_t *list;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT at_ms, scenario, from_value, to_value, trigger, changed_ms "
	    "FROM run_changes WHERE run_id = ? ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
		*cause = xasprintf("reading the run's changes: %s", sqlite3_errmsg(db));
		return NULL;
	}
	sqlite3_bind_int64(st, 1, run_id);
	list = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct run_change c = {
			.run_id = run_id,
			.at_ms = sqlite3_column_int64(st, 0),
			.scenario = (const char *)sqlite3_column_text(st, 1),
			.from = sqlite3_column_int64(st, 2),
			.to = sqlite3_column_int64(st, 3),
			.trigger = (const char *)sqlite3_column_text(st, 4),
			.changed_ms = sqlite3_column_int64(st, 5),
		};
		json_array_append_new(list, run_changes_json(&c));
	}
	if (rc != SQLITE_DONE) {
		*cause = xasprintf("reading the run's changes: %s", sqlite3_errmsg(db));
		json_decref(list);
		list = NULL;
	}
	sqlite3_finalize(st);
	return list;
}
