/*
 * walk: the JSON walker every part of testdef parses with (see testdef_priv.h): the JSON path of
 * the member being read, errors recorded against it, "expected X, got Y" messages, unknown-key
 * checks with "did you mean", and typed members (integers, numbers, flags, durations, strings,
 * names) that record their own errors. Also the public error list (testdef_errors_*).
 *
 * Runs on the thread that parses a definition. A check never stops the walk: it records an error
 * and the caller carries on with a default, so one parse reports every mistake.
 */
#include <config.h>

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/duration.h"
#include "core/text.h"
#include "core/xmalloc.h"
#include "testdef/testdef_priv.h"

#define KEY_SHOWN 64               /* longest key (bytes) shown in a path */
#define GOT_SHOWN 60               /* longest value (bytes) shown after "got" */
#define DEFAULT_MAX_ERRORS 100

/* ---- errors */

void
testdef_errors_init(struct testdef_errors *errs)
{
	memset(errs, 0, sizeof *errs);
	errs->max = DEFAULT_MAX_ERRORS;
}

void
testdef_errors_fini(struct testdef_errors *errs)
{
	int max = errs->max;

	for (int i = 0; i < errs->n; i++) {
		free(errs->v[i].path);
		free(errs->v[i].message);
	}
	free(errs->v);
	memset(errs, 0, sizeof *errs);
	errs->max = max;
}

/* vasprintf that dies on OOM. */
static char *
xvasprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	char *s;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	assert(n >= 0);
	s = xmalloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

static void __attribute__((format(printf, 3, 0)))
errors_addv(struct testdef_errors *errs, const char *path, const char *fmt, va_list ap)
{
	if (errs->n >= errs->max) {
		errs->dropped++;
		return;
	}
	errs->v = xreallocarray(errs->v, (size_t)errs->n + 1, sizeof *errs->v);
	errs->v[errs->n].path = xstrdup(path);
	errs->v[errs->n].message = xvasprintf(fmt, ap);
	errs->n++;
}

void
testdef_errors_add(struct testdef_errors *errs, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errors_addv(errs, path, fmt, ap);
	va_end(ap);
}

void
testdef_errors_print(const struct testdef_errors *errs, FILE *f, const char *prefix)
{
	for (int i = 0; i < errs->n; i++) {
		fprintf(f, "%s%s: %s\n", prefix ? prefix : "",
		    errs->v[i].path[0] ? errs->v[i].path : "definition", errs->v[i].message);
	}
	if (errs->dropped > 0)
		fprintf(f, "%s... and %d more error%s\n", prefix ? prefix : "", errs->dropped,
		    errs->dropped == 1 ? "" : "s");
}

/* ---- the path, and errors recorded at it */

/* Length of the longest prefix of s (n bytes) that is at most max bytes and ends on a UTF-8
   character boundary. */
size_t
walk_utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* Appends printf output to the path, silently truncated when the path is full. */
void __attribute__((format(printf, 2, 3)))
walk_append(struct walk *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->plen + 1 >= sizeof c->path)
		return;
	va_start(ap, fmt);
	n = vsnprintf(c->path + c->plen, sizeof c->path - c->plen, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->plen = c->plen + (size_t)n < sizeof c->path ? c->plen + (size_t)n : strlen(c->path);
}

/* Enters an object member; returns what path_pop needs. Plain keys read `a.b`, others `a["x y"]`. */
size_t
walk_key(struct walk *c, const char *key)
{
	size_t old = c->plen, n = strlen(key), shown = walk_utf8_cut(key, n, KEY_SHOWN);
	int plain = n > 0;

	for (size_t i = 0; i < n && plain; i++) {
		char ch = key[i];
		plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '_' || ch == '-';
	}
	if (plain) {
		walk_append(c, "%s%.*s%s", c->plen ? "." : "", (int)shown, key, shown < n ? "..." : "");
	} else {
		json_t *s = json_stringn(key, shown);
		char *q = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
		walk_append(c, "[%s%s]", q ? q : "\"?\"", shown < n ? "..." : "");
		free(q);
		json_decref(s);
	}
	return old;
}

/* Enters an array element. */
size_t
walk_index(struct walk *c, size_t i)
{
	size_t old = c->plen;

	walk_append(c, "[%zu]", i);
	return old;
}

void
walk_pop(struct walk *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

/* Records an error at the current path. */
void __attribute__((format(printf, 2, 3)))
walk_err(struct walk *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errors_addv(c->errs, c->path, fmt, ap);
	va_end(ap);
	c->errors++;
}

/* Records an error at member `key` of the current path. */
void __attribute__((format(printf, 3, 4)))
walk_err_key(struct walk *c, const char *key, const char *fmt, ...)
{
	va_list ap;
	size_t old = walk_key(c, key);

	va_start(ap, fmt);
	errors_addv(c->errs, c->path, fmt, ap);
	va_end(ap);
	c->errors++;
	walk_pop(c, old);
}

/* How a value reads after "got": strings quoted and shortened, containers by kind. */
char *
walk_got(json_t *v)
{
	char *s, *out;
	size_t n;

	if (v == NULL)
		return xstrdup("nothing");
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return xstrdup(json_object_size(v) ? "an object" : "{}");
	case JSON_ARRAY:
		return xstrdup(json_array_size(v) ? "an array" : "[]");
	default:
		break;
	}
	s = json_dumps(v, JSON_ENCODE_ANY);
	if (s == NULL)
		return xstrdup("a value");
	n = strlen(s);
	if (n <= GOT_SHOWN)
		return s;
	n = walk_utf8_cut(s, n, GOT_SHOWN);
	out = xasprintf("%.*s...%s", (int)n, s, json_is_string(v) ? "\"" : "");
	free(s);
	return out;
}

/* Records "expected <what>, got <v>" at member key (NULL: at the current path). */
void
walk_expected(struct walk *c, const char *key, const char *what, json_t *v)
{
	char *g = walk_got(v);

	if (key)
		walk_err_key(c, key, "expected %s, got %s", what, g);
	else
		walk_err(c, "expected %s, got %s", what, g);
	free(g);
}

/* ---- key checks */

int
walk_in_list(const char *const *list, const char *key)
{
	for (; list != NULL && *list != NULL; list++) {
		if (strcmp(*list, key) == 0)
			return 1;
	}
	return 0;
}

/* The closest allowed key, if close enough to be a typo. */
const char *
walk_suggest(const char *key, const char *const *lists[], int nlists)
{
	const char *best = NULL;
	size_t bestd = SIZE_MAX, len = strlen(key);

	for (int l = 0; l < nlists; l++) {
		for (const char *const *k = lists[l]; k != NULL && *k != NULL; k++) {
			size_t d = text_distance(key, *k);
			if (d < bestd) {
				bestd = d;
				best = *k;
			}
		}
	}
	if (best == NULL || bestd > 2 || bestd >= len)
		return NULL;
	return best;
}

/*
 * Records an error for every member of obj not in the allowed lists. executor, when set, names the
 * scenario's executor so that another executor's parameter is reported as such.
 */
void
walk_check_keys(struct walk *c, json_t *obj, const char *const *lists[], int nlists, int executor)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		const char *s;
		int known = 0;

		for (int l = 0; l < nlists && !known; l++)
			known = walk_in_list(lists[l], key);
		if (known)
			continue;
		if (executor >= 0) {
			char users[160];
			scenario_key_owners(key, users, sizeof users);
			if (users[0]) {
				walk_err_key(c, key, "not a parameter of %s (it belongs to %s)",
				    plan_executor_name((enum plan_executor)executor), users);
				continue;
			}
		}
		if ((s = walk_suggest(key, lists, nlists)) != NULL)
			walk_err_key(c, key, "unknown key (did you mean \"%s\"?)", s);
		else
			walk_err_key(c, key, "unknown key");
	}
}

/* ---- typed members: 1 = present and valid (*out set), 0 = absent, -1 = invalid (error recorded) */

/* "an integer >= 1" or "an integer from 1 to 100". */
static char *
int_phrase(int64_t min, int64_t max)
{
	if (max == INT64_MAX)
		return xasprintf("an integer >= %lld", (long long)min);
	return xasprintf("an integer from %lld to %lld", (long long)min, (long long)max);
}

int
walk_get_int(struct walk *c, json_t *obj, const char *key, int64_t min, int64_t max, int64_t *out)
{
	json_t *v = key ? json_object_get(obj, key) : NULL;
	int64_t x;
	char *what;

	if (v == NULL)
		return 0;
	if (json_is_integer(v)) {
		x = json_integer_value(v);
	} else if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)) &&
	    fabs(json_real_value(v)) < 9e18) {
		x = (int64_t)json_real_value(v);
	} else {
		goto bad;
	}
	if (x < min || x > max)
		goto bad;
	*out = x;
	return 1;
bad:
	what = int_phrase(min, max);
	walk_expected(c, key, what, v);
	free(what);
	return -1;
}

/* A number >= min (> min when exclusive) and <= max. */
int
walk_get_number(struct walk *c, json_t *obj, const char *key, double min, int exclusive, double max, double *out)
{
	json_t *v = key ? json_object_get(obj, key) : NULL;
	double x;
	char *what;

	if (v == NULL)
		return 0;
	if (!json_is_number(v))
		goto bad;
	x = json_number_value(v);
	if (!(exclusive ? x > min : x >= min) || !(x <= max))
		goto bad;
	*out = x;
	return 1;
bad:
	what = xasprintf("a number %s %.15g and <= %.15g", exclusive ? ">" : ">=", min, max);
	walk_expected(c, key, what, v);
	free(what);
	return -1;
}

/* A boolean key: *out 0 or 1 when present (else left alone); an error when it is not a boolean. */
void
walk_get_flag(struct walk *c, json_t *obj, const char *key, int *out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return;
	if (!json_is_boolean(v))
		walk_expected(c, key, "true or false", v);
	else
		*out = json_is_true(v);
}

/* A duration string; positive: must be > 0; at most max ns. */
int
walk_get_duration(struct walk *c, json_t *obj, const char *key, int positive, int64_t max, int64_t *out)
{
	json_t *v = key ? json_object_get(obj, key) : NULL;
	int64_t ns;

	if (v == NULL)
		return 0;
	if (!json_is_string(v)) {
		walk_expected(c, key, WALK_DURATION_LIKE, v);
		return -1;
	}
	switch (duration_parse(json_string_value(v), &ns)) {
	case DURATION_OK:
		break;
	case DURATION_ERANGE:
		walk_expected(c, key, "a duration like \"30s\" of at most 292 years", v);
		return -1;
	default:
		walk_expected(c, key, WALK_DURATION_LIKE, v);
		return -1;
	}
	if (positive && ns == 0) {
		walk_expected(c, key, "a duration above 0 like \"30s\"", v);
		return -1;
	}
	if (ns > max) {
		char buf[DURATION_FMT_SIZE], *what = xasprintf("a duration of at most %s", duration_format(max, buf));
		walk_expected(c, key, what, v);
		free(what);
		return -1;
	}
	*out = ns;
	return 1;
}

/* A string; nonempty: must not be "". */
int
walk_get_string(struct walk *c, json_t *obj, const char *key, int nonempty, const char **out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return 0;
	if (!json_is_string(v) || (nonempty && json_string_length(v) == 0)) {
		walk_expected(c, key, nonempty ? "a non-empty string" : "a string", v);
		return -1;
	}
	*out = json_string_value(v);
	return 1;
}

/* A name: a non-empty string of at most WALK_NAME_MAX. */
int
walk_get_name(struct walk *c, json_t *obj, const char *key, const char **out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > WALK_NAME_MAX ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		walk_expected(c, key, "a non-empty string of at most 256 bytes", v);
		return -1;
	}
	*out = json_string_value(v);
	return 1;
}

/* Records "expected <what> (required by <who>), got nothing" at member key. */
void
walk_missing(struct walk *c, const char *key, const char *what, const char *who)
{
	walk_err_key(c, key, "expected %s (required by %s), got nothing", what, who);
}
