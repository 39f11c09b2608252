/*
 * feed_load: a definition's data feeds loaded into the plan (struct plan_feed): rows of named
 * values that VUs read as {{feed.column}} (k6's SharedArray with papaparse, Locust's CSV readers),
 * from a CSV file (RFC 4180) or inline rows. Everything is read and packed into one text buffer
 * here, once, so that a VU picking a row at an iteration start (engine/feed.h) only stores a few
 * pointers.
 *
 * Threads: the thread that parses the definition.
 */
#ifndef RAMPAGE_FEED_LOAD_H
#define RAMPAGE_FEED_LOAD_H

#include <stddef.h>

struct plan_feed;

/*
 * Parses CSV text: fields separated by ',', records by CRLF or LF, fields in double quotes may hold
 * commas, line breaks and doubled quotes (""); a UTF-8 byte order mark is skipped. The first record
 * names the columns (letters, digits, '_' and '-', starting with a letter or '_'); every other
 * record must have as many fields. Blank lines are skipped. At most max_rows rows. Fills f's columns
 * and rows (f->cursor included) and returns 0, or -1 and *cause ("line 7: expected 3 fields, got
 * 2"), f untouched.
 */
int feed_load_csv(struct plan_feed *f, const char *text, size_t len, int max_rows, char **cause);
/* Fills f's columns and rows from arrays (copied): cells[row * ncolumns + column], lens alike. */
void feed_load_rows(struct plan_feed *f, char *const *columns, int ncolumns, char *const *cells,
    const size_t *lens, int nrows);
/* Whether name can be a column name (and so appear in {{feed.column}}). */
int feed_load_column_ok(const char *name, size_t len);
/* Frees what f holds (not f). */
void feed_load_fini(struct plan_feed *f);

#endif
