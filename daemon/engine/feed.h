/*
 * feed: data feeds, rows of named values that VUs read as {{feed.column}} (k6's SharedArray with
 * papaparse, Locust's CSV readers). Rows are loaded when a definition is parsed (a CSV file, RFC
 * 4180, or inline rows) into the immutable plan; at each iteration start a VU picks a row and points
 * its variable slots at that row's cells, which costs a few pointer stores and, for `sequential`,
 * one atomic add on the feed's shared cursor.
 *
 * Threads: feed_parse_csv and feed_load on the parsing thread; feed_pick on any worker.
 */
#ifndef RAMPAGE_FEED_H
#define RAMPAGE_FEED_H

#include <stddef.h>
#include <stdint.h>

struct plan_feed;

/*
 * Parses CSV text: fields separated by ',', records by CRLF or LF, fields in double quotes may hold
 * commas, line breaks and doubled quotes (""); a UTF-8 byte order mark is skipped. The first record
 * names the columns (letters, digits, '_' and '-', starting with a letter or '_'); every other
 * record must have as many fields. Blank lines are skipped. At most max_rows rows. Fills f's columns
 * and rows (f->cursor included) and returns 0, or -1 and *cause ("line 7: expected 3 fields, got
 * 2"), f untouched.
 */
int feed_parse_csv(struct plan_feed *f, const char *text, size_t len, int max_rows, char **cause);
/* Fills f's columns and rows from arrays (copied): cells[row * ncolumns + column], lens alike. */
void feed_load(struct plan_feed *f, char *const *columns, int ncolumns, char *const *cells,
    const size_t *lens, int nrows);
/* Whether name can be a column name (and so appear in {{feed.column}}). */
int feed_column_ok(const char *name, size_t len);
/* Frees what f holds (not f). */
void feed_fini(struct plan_feed *f);
/* The row the iteration of VU `vu_number` (1-based) reads; rng is the VU's generator (random). */
int feed_pick(const struct plan_feed *f, int vu_number, uint64_t *rng);

#endif
