/*
 * template: a string with {{...}} references, parsed once when a definition is validated and rendered
 * by the workers for every request. A reference is one of
 *   {{vu}}             the VU's number, from 1
 *   {{iteration}}      the VU's iteration, from 0
 *   {{uuid}}           a random (version 4) UUID
 *   {{randomInt A B}}  a random integer in [A, B]
 *   {{timestampMs}}    wall-clock milliseconds since the Unix epoch
 *   {{env.NAME}}       an environment variable, read ONCE at parse time (it becomes literal text)
 *   {{name}}           a per-VU variable: resolved at parse time to a slot in the VU's variable
 *                      table (struct tmpl_scope), read from struct tmpl_ctx when rendering
 * Whitespace inside the braces is ignored. Anything else, an unterminated "{{" included, is a parse
 * error that names the reference.
 *
 * Building (tmpl_new, tmpl_append*) happens on one thread; afterwards a tmpl is immutable and any
 * thread may render it. Rendering never allocates, takes no lock and writes at most `size` bytes;
 * a template without runtime references renders as one memcpy (or use tmpl_literal and skip it).
 */
#ifndef RAMPAGE_TEMPLATE_H
#define RAMPAGE_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

struct tmpl;

/* How the value of a reference is written into the output. */
enum tmpl_escape {
	TMPL_RAW,                  /* as is (raw bodies, URLs) */
	TMPL_JSON,                 /* escaped for the inside of a JSON string ('"', '\\', controls;
	                              invalid UTF-8 becomes U+FFFD) */
	TMPL_URL,                  /* percent-encoded: all but A-Z a-z 0-9 - . _ ~ (query, form) */
	TMPL_HEADER,               /* CR, LF and NUL become spaces (header values) */
	TMPL_JSON_VALUE,           /* a whole JSON value (a `json` string that is one variable,
	                              "{{id}}"): a typed value (struct tmpl_var.json) as it is, so a
	                              number stays a number; any other as a quoted TMPL_JSON string */
};

/* What names mean while parsing. Every member may be NULL. */
struct tmpl_scope {
	/* Slot of the per-VU variable called name (not NUL-terminated), or -1 if undefined.
	   NULL: no variables are defined. */
	int (*var_slot)(void *arg, const char *name, size_t len);
	/* Value of an environment variable, or NULL when unset. NULL: getenv(3). */
	const char *(*env)(void *arg, const char *name);
	void *arg;
};

/* The value of one per-VU variable while rendering. s == NULL (unset) renders as "". */
struct tmpl_var {
	const char *s;
	size_t len;
	int json;                  /* s is a JSON number, true or false (from a JSON value: `vars`,
	                              inline feed rows, a JSON extraction): TMPL_JSON_VALUE writes it
	                              unquoted */
};

/* Everything a render needs to know about the VU. Owned by the caller (the VU). */
struct tmpl_ctx {
	int vu;                    /* {{vu}}: 1-based */
	int64_t iteration;         /* {{iteration}}: 0-based */
	uint64_t *rng;             /* {{uuid}}, {{randomInt}}: the VU's random state (any value; it is
	                              advanced); NULL: a per-thread generator */
	int64_t wall_ms;           /* {{timestampMs}}; 0: read the clock */
	const struct tmpl_var *vars; /* the VU's variable table, indexed by slot */
	int nvars;                 /* slots beyond nvars render as "" */
};

/* Result of tmpl_render when the output does not fit. */
#define TMPL_ETRUNC (-1)
/* Longest output of one built-in reference ({{uuid}}: 36; integers: 20). */
#define TMPL_BUILTIN_MAX 36

/* Returns an empty template (renders as ""). */
struct tmpl *tmpl_new(void);
/*
 * Parses src (len bytes) and appends it to t. References are written with `esc`; literal text is
 * copied as is, or also escaped with `esc` when escape_literals is set (query values, form fields).
 * Environment references are resolved now and escaped with `esc`. Returns 0, or -1 with *cause
 * (caller frees) saying what is wrong, e.g. `unknown variable "token" in "{{token}}"`; t is then
 * unusable but must still be freed.
 */
int tmpl_append(struct tmpl *t, const char *src, size_t len, enum tmpl_escape esc,
    int escape_literals, const struct tmpl_scope *scope, char **cause);
/* Appends literal text, copied as is. */
void tmpl_append_literal(struct tmpl *t, const char *s, size_t len);
/* Appends a copy of every segment of src (which is not changed). */
void tmpl_append_tmpl(struct tmpl *t, const struct tmpl *src);
/* tmpl_new + tmpl_append of a NUL-terminated string with escape_literals off. NULL + *cause. */
struct tmpl *tmpl_parse(const char *src, enum tmpl_escape esc, const struct tmpl_scope *scope,
    char **cause);
/* Frees a template. NULL is a no-op. */
void tmpl_free(struct tmpl *t);

/*
 * Renders into buf (size bytes, NUL-terminated when size > 0) and sets *len to the length without
 * the NUL. Returns 0, or TMPL_ETRUNC when the output (plus NUL) would not fit: buf then holds a
 * truncated prefix and *len is what was written. ctx NULL acts as all zeros. Any thread; no
 * allocation.
 */
int tmpl_render(const struct tmpl *t, const struct tmpl_ctx *ctx, char *buf, size_t size, size_t *len);
/* The whole text when t has no runtime references (len in *len), else NULL. Valid as long as t. */
const char *tmpl_literal(const struct tmpl *t, size_t *len);
/* The literal text before the first runtime reference (all of it if there is none). */
const char *tmpl_prefix(const struct tmpl *t, size_t *len);
/* Number of runtime references (environment references are literal text by now). */
int tmpl_nrefs(const struct tmpl *t);
/* Total length of the literal text: a lower bound of any rendering's length. */
size_t tmpl_literal_len(const struct tmpl *t);
/* Whether t is exactly one per-VU variable reference ("{{id}}"), nothing else. */
int tmpl_is_one_var(const struct tmpl *t);

#endif
