/*
 * sqlq.h: one-value SQL queries for the unit tests that look into a real SQLite file (store, runq).
 * Header-only like tap.h; include sqlite3.h and core/xmalloc.h first.
 */
#ifndef RAMPAGE_SQLQ_H
#define RAMPAGE_SQLQ_H

#include <stdint.h>
#include <stdio.h>

/* The first column of the first row of sql as an integer (-1 without a row, -2 on error). */
static TAP_UNUSED int64_t
q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt;
	int64_t v = -2;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		printf("# %s: %s\n", sql, sqlite3_errmsg(db));
		return -2;
	}
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	else if (rc == SQLITE_DONE)
		v = -1;
	sqlite3_finalize(stmt);
	return v;
}

/* The first column of the first row as a new string (xmalloc'd), or NULL. */
static TAP_UNUSED char *
q_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt;
	char *s = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return NULL;
	if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != NULL)
		s = xstrdup((const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	return s;
}

#endif
