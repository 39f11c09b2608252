/*
 * baseline: see baseline.h. The pin and its history row are written in the same store job, so
 * `baselines` (the current pin) and the open row of `baseline_history` never disagree.
 */
#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "runs/baseline.h"
#include "metrics/threshold.h"
#include "runs/compare.h"

/* -1 with *cause from the connection's last error. */
static int
fail(sqlite3 *db, char **cause)
{
	*cause = xstrdup(sqlite3_errmsg(db));
	return -1;
}

/* Runs sql with ?1 = a, ?2 = b, ?3 = c (text, may be NULL), ?4 = d. 0, or -1 and *cause. */
static int
exec4(sqlite3 *db, const char *sql, int64_t a, int64_t b, const char *c, int64_t d, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(db, cause);
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	if (c != NULL)
		sqlite3_bind_text(st, 3, c, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, d);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(db, cause);
}

/* Closes the open history row of test_id and removes the current pin: 0, or -1. *had: whether
   there was one. */
static int
clear(sqlite3 *db, int64_t test_id, int64_t now_ms, bool *had, char **cause)
{
	if (exec4(db, "UPDATE baseline_history SET cleared_ms = ?4 WHERE test_id = ?1 AND "
	    "cleared_ms IS NULL", test_id, 0, NULL, now_ms, cause) != 0)
		return -1;
	if (exec4(db, "DELETE FROM baselines WHERE test_id = ?1", test_id, 0, NULL, 0, cause) != 0)
		return -1;
	*had = sqlite3_changes(db) > 0;
	return 0;
}

/* Checks that run w->run_id can be test w->test_id's baseline: 0 (w->outcome says), or -1. */
static int
check_run(sqlite3 *db, struct baseline_write *w, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT test_id, state, started_ms IS NOT NULL AND state IN "
	    BASELINE_STATES_SQL " FROM runs WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return fail(db, cause);
	sqlite3_bind_int64(st, 1, w->run_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		w->outcome = BASELINE_NO_RUN;
	else if (rc == SQLITE_ROW) {
		w->run_test_id = sqlite3_column_int64(st, 0);
		snprintf(w->state, sizeof w->state, "%s", (const char *)sqlite3_column_text(st, 1));
		if (sqlite3_column_type(st, 0) == SQLITE_NULL || w->run_test_id != w->test_id)
			w->outcome = BASELINE_OTHER_TEST;
		else if (!sqlite3_column_int(st, 2))
			w->outcome = BASELINE_NOT_ENDED;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : fail(db, cause);
}

int
baseline_write(sqlite3 *db, void *arg, char **cause)
{
	struct baseline_write *w = arg;
	bool had;

	w->outcome = BASELINE_OK;
	if (exec4(db, "UPDATE tests SET baseline_mode = baseline_mode WHERE id = ?1", w->test_id, 0,
	    NULL, 0, cause) != 0)
		return -1;
	if (sqlite3_changes(db) == 0) {
		w->outcome = BASELINE_NO_TEST;
		return 0;
	}
	switch (w->op) {
	case BASELINE_PIN:
		if (check_run(db, w, cause) != 0)
			return -1;
		if (w->outcome != BASELINE_OK)
			return 0;
		if (clear(db, w->test_id, w->now_ms, &had, cause) != 0 ||
		    exec4(db, "INSERT INTO baselines (test_id, run_id, set_ms, note) VALUES "
		    "(?1, ?2, ?4, ?3)", w->test_id, w->run_id, w->note, w->now_ms, cause) != 0 ||
		    exec4(db, "INSERT INTO baseline_history (test_id, run_id, note, set_ms) VALUES "
		    "(?1, ?2, ?3, ?4)", w->test_id, w->run_id, w->note, w->now_ms, cause) != 0 ||
		    exec4(db, "UPDATE tests SET baseline_mode = 'pinned' WHERE id = ?1", w->test_id, 0,
		    NULL, 0, cause) != 0)
			return -1;
		if (w->floors != NULL && exec4(db, "UPDATE tests SET compare_floors = ?3 WHERE id = ?1",
		    w->test_id, 0, w->floors, 0, cause) != 0)
			return -1;
		return 0;
	case BASELINE_CLEAR:
		if (clear(db, w->test_id, w->now_ms, &had, cause) != 0)
			return -1;
		if (!had)
			w->outcome = BASELINE_NONE;
		return 0;
	case BASELINE_SETTINGS:
		if (w->mode != NULL && exec4(db, "UPDATE tests SET baseline_mode = ?3 WHERE id = ?1",
		    w->test_id, 0, w->mode, 0, cause) != 0)
			return -1;
		if (w->floors != NULL && exec4(db, "UPDATE tests SET compare_floors = ?3 WHERE id = ?1",
		    w->test_id, 0, w->floors, 0, cause) != 0)
			return -1;
		return 0;
	}
	return 0;
}

/* The floors of a compare_floors text (NULL: the defaults) into *f. */
static void
floors_from_text(const char *text, struct compare_floors *f)
{
	json_t *j = text != NULL ? json_loads(text, 0, NULL) : NULL;
	json_t *v;

	compare_floors_default(f);
	if ((v = json_object_get(j, "latency")) != NULL && json_is_number(v))
		f->latency = json_number_value(v);
	if ((v = json_object_get(j, "throughput")) != NULL && json_is_number(v))
		f->throughput = json_number_value(v);
	if ((v = json_object_get(j, "error_rate")) != NULL && json_is_number(v))
		f->error_rate = json_number_value(v);
	json_decref(j);
}

/* An integer column, or null. */
static json_t *
opt_int(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? json_null() :
	    json_integer(sqlite3_column_int64(st, col));
}

/* A text column, or null. */
static json_t *
opt_text(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	return s != NULL ? json_string(s) : json_null();
}

int
baseline_get(sqlite3 *db, int64_t test_id, json_t **doc, char **cause)
{
	struct compare_floors f;
	sqlite3_stmt *st;
	json_t *d = NULL, *hist;
	int rc;

	*doc = NULL;
	if (sqlite3_prepare_v2(db, "SELECT baseline_mode, compare_floors FROM tests WHERE id = ?",
	    -1, &st, NULL) != SQLITE_OK)
		return fail(db, cause);
	sqlite3_bind_int64(st, 1, test_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		floors_from_text((const char *)sqlite3_column_text(st, 1), &f);
		d = json_pack("{s:I, s:s, s:{s:f, s:f, s:f}, s:n, s:[]}", "test_id", (json_int_t)test_id,
		    "mode", (const char *)sqlite3_column_text(st, 0), "floors", "latency", f.latency,
		    "throughput", f.throughput, "error_rate", f.error_rate, "current", "history");
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : fail(db, cause);

	hist = json_object_get(d, "history");
	if (sqlite3_prepare_v2(db, "SELECT run_id, note, set_ms, cleared_ms FROM baseline_history "
	    "WHERE test_id = ? ORDER BY id DESC", -1, &st, NULL) != SQLITE_OK) {
		json_decref(d);
		return fail(db, cause);
	}
	sqlite3_bind_int64(st, 1, test_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *h = json_pack("{s:o, s:o, s:I, s:o}", "run_id", opt_int(st, 0),
		    "note", opt_text(st, 1), "set_ms", (json_int_t)sqlite3_column_int64(st, 2),
		    "cleared_ms", opt_int(st, 3));
		json_array_append_new(hist, h);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(d);
		return fail(db, cause);
	}
	if (sqlite3_prepare_v2(db, "SELECT run_id, note, set_ms FROM baselines WHERE test_id = ?", -1,
	    &st, NULL) != SQLITE_OK) {
		json_decref(d);
		return fail(db, cause);
	}
	sqlite3_bind_int64(st, 1, test_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_set_new(d, "current", json_pack("{s:I, s:o, s:I}", "run_id",
		    (json_int_t)sqlite3_column_int64(st, 0), "note", opt_text(st, 1), "set_ms",
		    (json_int_t)sqlite3_column_int64(st, 2)));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		json_decref(d);
		return fail(db, cause);
	}
	*doc = d;
	return 0;
}

/* The one integer a query (?1 = a) gives into *out (0 when no row). 0, or -1 and *cause. */
static int
one_int(sqlite3 *db, const char *sql, int64_t a, int64_t *out, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	*out = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(db, cause);
	sqlite3_bind_int64(st, 1, a);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(db, cause);
}

int
baseline_resolve(sqlite3 *db, int64_t run_id, int64_t *baseline, const char **mode,
    struct compare_floors *floors, char **cause)
{
	sqlite3_stmt *st;
	bool last_passed = false;
	int rc;

	*baseline = 0;
	*mode = NULL;
	compare_floors_default(floors);
	if (sqlite3_prepare_v2(db, "SELECT t.id, t.baseline_mode, t.compare_floors FROM runs r "
	    "JOIN tests t ON t.id = r.test_id WHERE r.id = ?", -1, &st, NULL) != SQLITE_OK)
		return fail(db, cause);
	sqlite3_bind_int64(st, 1, run_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		last_passed = strcmp((const char *)sqlite3_column_text(st, 1), "last-passed") == 0;
		floors_from_text((const char *)sqlite3_column_text(st, 2), floors);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : fail(db, cause);
	*mode = last_passed ? "last-passed" : "pinned";
	if (last_passed)
		return one_int(db, "SELECT r.id FROM runs r, runs me WHERE me.id = ?1 AND "
		    "r.test_id = me.test_id AND r.id < me.id AND r.state = 'passed' ORDER BY r.id DESC "
		    "LIMIT 1", run_id, baseline, cause);
	if (one_int(db, "SELECT b.run_id FROM baselines b, runs me WHERE me.id = ?1 AND "
	    "b.test_id = me.test_id", run_id, baseline, cause) != 0)
		return -1;
	if (*baseline == run_id)
		*baseline = 0;
	return 0;
}

int
baseline_previous(sqlite3 *db, int64_t run_id, int64_t *prev, char **cause)
{
	return one_int(db, "SELECT r.id FROM runs r, runs me WHERE me.id = ?1 AND r.id < me.id AND "
	    "(r.test_id = me.test_id OR (me.test_id IS NULL AND r.test_id IS NULL AND "
	    "r.name = me.name)) AND r.started_ms IS NOT NULL AND r.state IN " BASELINE_STATES_SQL
	    " ORDER BY r.id DESC LIMIT 1", run_id, prev, cause);
}

int
baseline_thresholds(sqlite3 *db, int64_t run_id, struct threshold_set *s, int64_t *base,
    char **cause)
{
	struct compare_floors floors;
	const char *mode;
	sqlite3_stmt *st;
	json_t *summary = NULL;
	int rc;

	if (baseline_resolve(db, run_id, base, &mode, &floors, cause) != 0)
		return -1;
	if (*base == 0)
		return 0;
	if (sqlite3_prepare_v2(db, "SELECT summary FROM runs WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return fail(db, cause);
	sqlite3_bind_int64(st, 1, *base);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		summary = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(db, cause);
	if (summary != NULL)
		threshold_set_baselines(s, summary);
	json_decref(summary);
	return 0;
}
