/*
 * feed_load: see feed_load.h. The CSV reader is a small state machine over the whole text (files
 * are capped by the caller), collecting cells into growing arrays, then handing them to
 * feed_load_rows, which packs them into the plan's one text buffer.
 */
#include <config.h>

#include <assert.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "testdef/feed_load.h"
#include "testdef/plan.h"

/* Cells being collected. */
struct cells {
	char **v;
	size_t *len;
	int n, cap;
	char *buf;                 /* the cell being read */
	size_t blen, bcap;
};

/* Appends a byte to the cell being read. */
static void
cell_char(struct cells *c, char ch)
{
	if (c->blen + 1 >= c->bcap) {
		c->bcap = c->bcap ? c->bcap * 2 : 64;
		c->buf = xrealloc(c->buf, c->bcap);
	}
	c->buf[c->blen++] = ch;
}

/* Ends the cell being read: it joins the list. */
static void
cell_end(struct cells *c)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->v = xreallocarray(c->v, (size_t)c->cap, sizeof *c->v);
		c->len = xreallocarray(c->len, (size_t)c->cap, sizeof *c->len);
	}
	c->v[c->n] = xstrndup(c->buf != NULL ? c->buf : "", c->blen);
	c->len[c->n] = c->blen;
	c->n++;
	c->blen = 0;
}

/* Frees the collected cells. */
static void
cells_free(struct cells *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->v[i]);
	free(c->v);
	free(c->len);
	free(c->buf);
}

int
feed_load_column_ok(const char *s, size_t n)
{
	if (n == 0 || n > 64 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return 0;
	for (size_t i = 1; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}

int
feed_load_csv(struct plan_feed *f, const char *text, size_t len, int max_rows, char **cause)
{
	struct cells c = { 0 };
	const char *p = text, *end = text + len;
	int line = 1, record_line = 1, ncol = -1, nrows = 0, fields = 0;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		/* one record */
		record_line = line;
		if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')) {
			p += *p == '\r' ? 2 : 1;      /* a blank line */
			line++;
			continue;
		}
		fields = 0;
		for (;;) {
			/* one field */
			if (p < end && *p == '"') {
				p++;
				for (;;) {
					if (p == end) {
						*cause = xasprintf("line %d: unterminated quoted field", record_line);
						goto fail;
					}
					if (*p == '"') {
						if (p + 1 < end && p[1] == '"') {
							cell_char(&c, '"');
							p += 2;
							continue;
						}
						p++;
						break;
					}
					if (*p == '\n')
						line++;
					if (*p == '\0') {
						*cause = xasprintf("line %d: NUL byte in a field", line);
						goto fail;
					}
					cell_char(&c, *p++);
				}
				if (p < end && *p != ',' && *p != '\n' && !(*p == '\r' && p + 1 < end && p[1] == '\n')) {
					*cause = xasprintf("line %d: expected ',' or a line end after a quoted field",
					    line);
					goto fail;
				}
			} else {
				while (p < end && *p != ',' && *p != '\n' && !(*p == '\r' && p + 1 < end && p[1] == '\n')) {
					if (*p == '"') {
						*cause = xasprintf("line %d: a '\"' inside an unquoted field (quote the "
						    "field and double the quote)", line);
						goto fail;
					}
					if (*p == '\0') {
						*cause = xasprintf("line %d: NUL byte in a field", line);
						goto fail;
					}
					cell_char(&c, *p++);
				}
			}
			cell_end(&c);
			fields++;
			if (p < end && *p == ',') {
				p++;
				continue;
			}
			if (p < end)
				p += *p == '\r' ? 2 : 1;
			line++;
			break;
		}
		if (ncol < 0) {
			ncol = fields;
			for (int i = 0; i < ncol; i++) {
				if (!feed_load_column_ok(c.v[i], c.len[i])) {
					*cause = xasprintf("line 1: column %d: expected a name of letters, digits, '_' and "
					    "'-' (starting with a letter or '_'), got \"%.40s\"", i + 1, c.v[i]);
					goto fail;
				}
				for (int j = 0; j < i; j++)
					if (strcmp(c.v[i], c.v[j]) == 0) {
						*cause = xasprintf("line 1: column \"%s\" appears twice", c.v[i]);
						goto fail;
					}
			}
			continue;
		}
		if (fields != ncol) {
			*cause = xasprintf("line %d: expected %d field%s (as the header), got %d", record_line, ncol,
			    ncol == 1 ? "" : "s", fields);
			goto fail;
		}
		if (++nrows > max_rows) {
			*cause = xasprintf("more than %d rows", max_rows);
			goto fail;
		}
	}
	if (ncol < 0) {
		*cause = xstrdup("no header line (the first line names the columns)");
		goto fail;
	}
	if (nrows == 0) {
		*cause = xstrdup("no rows after the header line");
		goto fail;
	}
	feed_load_rows(f, c.v, ncol, c.v + ncol, c.len + ncol, nrows);
	cells_free(&c);
	return 0;
fail:
	cells_free(&c);
	return -1;
}

void
feed_load_rows(struct plan_feed *f, char *const *columns, int ncolumns, char *const *cells,
    const size_t *lens, int nrows)
{
	size_t total = 0, off = 0;
	size_t n = (size_t)ncolumns * (size_t)nrows;

	assert(ncolumns > 0 && nrows > 0);
	f->ncolumns = ncolumns;
	f->columns = xcalloc((size_t)ncolumns, sizeof *f->columns);
	for (int i = 0; i < ncolumns; i++)
		f->columns[i] = xstrdup(columns[i]);
	f->slots = xcalloc((size_t)ncolumns, sizeof *f->slots);
	for (int i = 0; i < ncolumns; i++)
		f->slots[i] = -1;
	for (size_t i = 0; i < n; i++)
		total += lens[i] + 1;
	f->text = xmalloc(total ? total : 1);
	f->cells = xcalloc(n, sizeof *f->cells);
	for (size_t i = 0; i < n; i++) {
		memcpy(f->text + off, cells[i], lens[i]);
		f->text[off + lens[i]] = '\0';
		f->cells[i].s = f->text + off;
		f->cells[i].len = lens[i];
		off += lens[i] + 1;
	}
	f->nrows = nrows;
	f->cursor = xmalloc(sizeof *f->cursor);
	atomic_init(f->cursor, 0);
}

void
feed_load_fini(struct plan_feed *f)
{
	for (int i = 0; i < f->ncolumns; i++)
		free(f->columns[i]);
	free(f->columns);
	free(f->slots);
	free(f->cells);
	free(f->text);
	free(f->cursor);
	free(f->name);
	memset(f, 0, sizeof *f);
}
