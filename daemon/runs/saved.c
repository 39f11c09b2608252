/*
 * saved: see saved.h. A test's run figures (count, last run, recent runs) come from
 * runs/run_query.h, which fills every test of a list in one query.
 */
#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/xmalloc.h"
#include "runs/run_query.h"
#include "runs/saved.h"

int
saved_write(sqlite3 *db, void *arg, char **cause)
{
	struct saved_write *w = arg;
	static const char *const sql[] = {
		[SAVED_INSERT] = "INSERT INTO tests (name, definition, created_ms, updated_ms) "
		    "VALUES (?2, ?3, ?4, ?4)",
		[SAVED_UPDATE] = "UPDATE tests SET name = ?2, definition = ?3, updated_ms = ?4 WHERE id = ?1",
		[SAVED_DELETE] = "DELETE FROM tests WHERE id = ?1",
	};
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql[w->op], -1, &st, NULL) != SQLITE_OK) {
		*cause = xasprintf("prepare: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, w->id);
	if (w->op != SAVED_DELETE) {
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
	if (w->op == SAVED_INSERT)
		w->id = sqlite3_last_insert_rowid(db);
	return 0;
}

/* A test row (id, name, created_ms, updated_ms, notify[, definition]) as JSON. */
static json_t *
test_json(sqlite3_stmt *st, bool with_definition)
{
	const char *notify = (const char *)sqlite3_column_text(st, 4);
	json_t *nj = notify != NULL ? json_loads(notify, 0, NULL) : NULL;

	json_t *t = json_pack("{s:I, s:s, s:I, s:I, s:i, s:n, s:[]}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "name", (const char *)sqlite3_column_text(st, 1),
	    "created_ms", (json_int_t)sqlite3_column_int64(st, 2),
	    "updated_ms", (json_int_t)sqlite3_column_int64(st, 3),
	    "runs", 0,
	    "last_run",
	    "recent");

	json_object_set_new(t, "notify", nj != NULL ? nj : json_null());
	if (with_definition) {
		json_t *def = json_loadb((const char *)sqlite3_column_text(st, 5),
		    (size_t)sqlite3_column_bytes(st, 5), 0, NULL);
		json_object_set_new(t, "definition", def != NULL ? def : json_null());
	}
	return t;
}

int
saved_get(sqlite3 *db, int64_t id, int recent, json_t **test, char **cause)
{
	sqlite3_stmt *st;
	json_t *t = NULL, *byid;
	char key[24];
	int rc;

	*test = NULL;
	if (sqlite3_prepare_v2(db, "SELECT id, name, created_ms, updated_ms, notify, definition FROM tests "
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
	rc = run_query_recent(db, byid, id, recent, cause);
	json_decref(byid);
	if (rc != 0) {
		json_decref(t);
		return -1;
	}
	*test = t;
	return 0;
}

int
saved_list(sqlite3 *db, int recent, json_t **list, char **cause)
{
	sqlite3_stmt *st;
	json_t *byid;
	int rc;

	*list = NULL;
	if (sqlite3_prepare_v2(db, "SELECT id, name, created_ms, updated_ms, notify FROM tests ORDER BY id",
	    -1, &st, NULL) != SQLITE_OK) {
		*cause = xstrdup(sqlite3_errmsg(db));
		return -1;
	}
	*list = json_array();
	byid = json_object();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *t = test_json(st, false);
		char key[24];
		snprintf(key, sizeof key, "%lld", (long long)sqlite3_column_int64(st, 0));
		json_object_set(byid, key, t);
		json_array_append_new(*list, t);
	}
	if (rc != SQLITE_DONE)
		*cause = xstrdup(sqlite3_errmsg(db));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || run_query_recent(db, byid, 0, recent, cause) != 0) {
		json_decref(*list);
		*list = NULL;
		rc = -1;
	} else {
		rc = 0;
	}
	json_decref(byid);
	return rc;
}
