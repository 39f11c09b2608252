/*
 * feed_load: see feed_load.h. Two halves: the definition's `feeds` object, walked like the rest of
 * it (see testdef_priv.h), and the loaders it calls. The CSV reader is a small state machine over
 * the whole text (files are capped by the options), collecting cells into growing arrays, then
 * handing them to feed_load_rows, which packs them into the plan's one text buffer.
 */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "testdef/feed_load.h"
#include "testdef/plan.h"
#include "testdef/testdef_priv.h"

static const char *const feed_keys[] = { "csv", "json", "rows", "mode", NULL };

/* ---- CSV and rows */

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

/* ---- the definition's feeds */

/* Reads a CSV file of at most max bytes, relative to the definition's folder. */
static char *
read_feed_file(struct walk *c, const char *file, size_t *len, char **cause)
{
	char *path, *buf;
	FILE *f;
	size_t n;

	if (c->opt.base_dir == NULL) {
		*cause = xstrdup("CSV and JSON files are read only from definitions given as files "
		    "(rampage run, rampage validate); use \"rows\"");
		return NULL;
	}
	path = file[0] == '/' ? xstrdup(file) : xasprintf("%s/%s", c->opt.base_dir, file);
	if ((f = fopen(path, "rb")) == NULL) {
		*cause = xasprintf("cannot open %s: %s", path, strerror(errno));
		free(path);
		return NULL;
	}
	buf = xmalloc(c->opt.max_feed_bytes + 1);
	n = fread(buf, 1, c->opt.max_feed_bytes + 1, f);
	if (ferror(f))
		*cause = xasprintf("cannot read %s: %s", path, strerror(errno));
	else if (n > c->opt.max_feed_bytes)
		*cause = xasprintf("%s: expected at most %zu bytes, got more", path, c->opt.max_feed_bytes);
	fclose(f);
	free(path);
	if (*cause != NULL) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/* Loads rows: an array of objects with the same keys; values are strings, numbers or booleans
   (numbers and booleans keep their type). key: where errors point ("rows" inline, "json" for the
   array a JSON file holds). */
static int
load_rows(struct walk *c, const char *key_of_rows, json_t *rows, struct plan_feed *f)
{
	json_t *first = json_array_get(rows, 0), *v;
	const char *key;
	char **cols = NULL, **cells;
	size_t *lens, i, ncol = 0, n;
	int ok = 1;

	if (!json_is_array(rows) || json_array_size(rows) == 0 || !json_is_object(first) ||
	    json_object_size(first) == 0) {
		walk_expected(c, key_of_rows, "a non-empty array of objects like {\"username\": \"a\"}", rows);
		return -1;
	}
	if (json_array_size(rows) > (size_t)c->opt.max_feed_rows) {
		char *what = xasprintf("at most %d rows", c->opt.max_feed_rows);
		walk_expected(c, key_of_rows, what, rows);
		free(what);
		return -1;
	}
	cols = xcalloc(json_object_size(first), sizeof *cols);
	json_object_foreach(first, key, v) {
		if (!feed_load_column_ok(key, strlen(key))) {
			size_t old = walk_key(c, key_of_rows);
			size_t old2 = walk_index(c, 0);
			walk_err_key(c, key, "expected a column name of letters, digits, '_' and '-' (starting "
			    "with a letter or '_')");
			walk_pop(c, old2);
			walk_pop(c, old);
			ok = 0;
		}
		cols[ncol++] = (char *)key;
	}
	n = json_array_size(rows) * ncol;
	cells = xcalloc(n, sizeof *cells);
	lens = xcalloc(n, sizeof *lens);
	json_array_foreach(rows, i, v) {
		size_t old = walk_key(c, key_of_rows), old2 = walk_index(c, i);
		if (!json_is_object(v) || json_object_size(v) != ncol) {
			walk_expected(c, NULL, "an object with the same keys as rows[0]", v);
			ok = 0;
		} else {
			for (size_t k = 0; k < ncol; k++) {
				json_t *cell = json_object_get(v, cols[k]);
				char *text = cell != NULL ? request_scalar_text(cell) : NULL;
				if (cell == NULL) {
					walk_err(c, "expected a value for \"%s\" (as in rows[0]), got nothing",
					    cols[k]);
					ok = 0;
				} else if (text == NULL) {
					walk_expected(c, cols[k], "a string, number or boolean", cell);
					ok = 0;
				} else {
					cells[i * ncol + k] = text;
					lens[i * ncol + k] = strlen(text);
				}
			}
		}
		walk_pop(c, old2);
		walk_pop(c, old);
	}
	if (ok) {
		feed_load_rows(f, cols, (int)ncol, cells, lens, (int)json_array_size(rows));
		/* numbers and booleans stay typed: "json": {"id": "{{users.id}}"} sends a number */
		json_array_foreach(rows, i, v)
			for (size_t k = 0; k < ncol; k++) {
				json_t *cell = json_object_get(v, cols[k]);
				f->cells[i * ncol + k].json = json_is_number(cell) || json_is_boolean(cell);
			}
	}
	for (size_t k = 0; k < n; k++)
		free(cells[k]);
	free(cells);
	free(lens);
	free(cols);
	return ok ? 0 : -1;
}

/* Loads a JSON file holding an array of row objects (k6's SharedArray over JSON.parse(open(f))),
   typed as inline rows are; errors at "json" (the file's rows as "json[3].qty"). */
static int
load_json_file(struct walk *c, json_t *name, struct plan_feed *f)
{
	char *cause = NULL, *text;
	json_error_t jerr;
	json_t *rows;
	size_t len = 0;
	int rc;

	if (!json_is_string(name) || json_string_length(name) == 0) {
		walk_expected(c, "json", "a file name (relative to the definition's folder)", name);
		return -1;
	}
	if ((text = read_feed_file(c, json_string_value(name), &len, &cause)) == NULL) {
		walk_err_key(c, "json", "%s", cause);
		free(cause);
		return -1;
	}
	rows = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (rows == NULL) {
		walk_err_key(c, "json", "%s: not JSON: line %d: %s", json_string_value(name), jerr.line, jerr.text);
		return -1;
	}
	rc = load_rows(c, "json", rows, f);
	json_decref(rows);
	return rc;
}

/* Parses the top-level `feeds` and registers "feed.column" variables. */
void
feed_load_parse(struct walk *c, json_t *root)
{
	static const char *const modes[] = { "sequential", "random", "unique", NULL };
	const char *const *lists[] = { feed_keys };
	json_t *feeds = json_object_get(root, "feeds"), *v;
	struct plan *p = c->plan;
	const char *name;
	size_t old;

	if (feeds == NULL)
		return;
	if (!json_is_object(feeds)) {
		walk_expected(c, "feeds", "an object of named feeds like {\"users\": {\"csv\": \"users.csv\"}}",
		    feeds);
		return;
	}
	p->feeds = xcalloc(json_object_size(feeds) + 1, sizeof *p->feeds);
	c->feed_use_defaults = xcalloc(json_object_size(feeds) + 1, 1);
	c->feed_use_scenario = xcalloc(json_object_size(feeds) + 1, 1);
	old = walk_key(c, "feeds");
	json_object_foreach(feeds, name, v) {
		size_t old2 = walk_key(c, name);
		struct plan_feed f = { 0 };
		json_t *csv = json_object_get(v, "csv"), *rows = json_object_get(v, "rows");
		json_t *json = json_object_get(v, "json");
		const char *mode = "sequential";
		int bad = 0;

		if (!features_is_var_name(name) || features_is_builtin(name)) {
			json_t *js = json_string(name);
			walk_expected(c, NULL, features_is_builtin(name) ? "a feed name that is not a built-in" :
			    "a feed name of letters, digits, '_' and '-' (starting with a letter or '_')", js);
			json_decref(js);
			bad = 1;
		}
		if (!json_is_object(v)) {
			walk_expected(c, NULL, "a feed like {\"csv\": \"users.csv\", \"mode\": \"unique\"}", v);
			walk_pop(c, old2);
			continue;
		}
		walk_check_keys(c, v, lists, 1, -1);
		if (walk_get_string(c, v, "mode", 1, &mode) == 1 && !walk_in_list(modes, mode)) {
			walk_expected(c, "mode", "one of sequential, random, unique", json_object_get(v, "mode"));
			bad = 1;
		}
		if ((csv != NULL) + (rows != NULL) + (json != NULL) != 1) {
			walk_err(c, "expected one of \"csv\" (a CSV file), \"json\" (a JSON file) and \"rows\" "
			    "(inline), got %s", csv == NULL && rows == NULL && json == NULL ? "none" : "several");
			bad = 1;
		} else if (csv != NULL) {
			char *cause = NULL, *text;
			size_t len = 0;
			if (!json_is_string(csv) || json_string_length(csv) == 0) {
				walk_expected(c, "csv", "a file name (relative to the definition's folder)", csv);
				bad = 1;
			} else if ((text = read_feed_file(c, json_string_value(csv), &len, &cause)) == NULL ||
			    feed_load_csv(&f, text, len, c->opt.max_feed_rows, &cause) != 0) {
				walk_err_key(c, "csv", "%s%s%s", text != NULL ? json_string_value(csv) : "",
				    text != NULL ? ": " : "", cause);
				free(text);
				free(cause);
				bad = 1;
			} else {
				free(text);
			}
		} else if (json != NULL) {
			bad = load_json_file(c, json, &f) != 0;
		} else if (load_rows(c, "rows", rows, &f) != 0) {
			bad = 1;
		}
		if (!bad) {
			struct plan_feed *d = &p->feeds[p->nfeeds];
			*d = f;
			d->name = xstrdup(name);
			d->mode = strcmp(mode, "unique") == 0 ? PLAN_FEED_UNIQUE :
			    strcmp(mode, "random") == 0 ? PLAN_FEED_RANDOM : PLAN_FEED_SEQUENTIAL;
			for (int k = 0; k < d->ncolumns; k++) {
				char *var = xasprintf("%s.%s", name, d->columns[k]);
				d->slots[k] = features_var_register(c, var);
				free(var);
			}
			json_object_set_new(c->feed_index, name, json_integer(p->nfeeds));
			p->nfeeds++;
		} else {
			json_object_set_new(c->bad_feeds, name, json_true());
			if (f.cells != NULL)
				feed_load_fini(&f);
		}
		walk_pop(c, old2);
	}
	walk_pop(c, old);
}

/* After every scenario: unique feeds need a row per VU of the run. */
void
feed_load_check_unique(struct walk *c)
{
	struct plan *p = c->plan;

	for (int i = 0; i < p->nfeeds; i++) {
		struct plan_feed *f = &p->feeds[i];
		int used = 0;
		size_t old, old2;

		for (int s = 0; s < p->nscenarios && !used; s++)
			for (int k = 0; k < p->scenarios[s].nfeeds; k++)
				used |= p->scenarios[s].feeds[k] == i;
		if (f->mode != PLAN_FEED_UNIQUE || !used || f->nrows >= p->max_vus)
			continue;
		old = walk_key(c, "feeds");
		old2 = walk_key(c, f->name);
		walk_err(c, "expected at least as many rows as VUs in the run (%d) for mode \"unique\" (each VU "
		    "keeps its own row), got %d", p->max_vus, f->nrows);
		walk_pop(c, old2);
		walk_pop(c, old);
	}
}
