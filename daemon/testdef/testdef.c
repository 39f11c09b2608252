/*
 * testdef: see testdef.h. One pass over the JSON both validates and builds the plan: every check
 * records its error against the current JSON path and carries on with a default, so a definition
 * with ten mistakes gets ten messages at once. The plan is freed and NULL returned if any error was
 * recorded, so a half-built plan never escapes.
 *
 * k6 is the reference for names, defaults and rules (lib/executor/ and execution_config_shortcuts.go);
 * where Rampage differs the difference is documented in docs/test-definition.md.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "testdef/duration.h"
#include "testdef/template.h"
#include "testdef/testdef.h"

#define PATH_SIZE 512              /* longest JSON path kept in an error */
#define KEY_SHOWN 64               /* longest key (bytes) shown in a path */
#define GOT_SHOWN 60               /* longest value (bytes) shown after "got" */
#define NAME_MAX_BYTES 256         /* test, task and step names */
#define MAX_WEIGHT 1000000         /* so that 1000 tasks' cumulative weight fits an int */
#define DEFAULT_MAX_ERRORS 100

#define NS_S CLOCK_NS_PER_S
#define DEFAULT_GRACEFUL_STOP (30 * NS_S)
#define DEFAULT_GRACEFUL_RAMP_DOWN (30 * NS_S)
#define DEFAULT_TIME_UNIT NS_S
#define DEFAULT_MAX_DURATION (600 * NS_S)
#define DEFAULT_TIMEOUT (60 * NS_S)

#define DURATION_LIKE "a duration like \"30s\""

static const char *const executor_names[] = {
	[PLAN_CONSTANT_VUS] = "constant-vus",
	[PLAN_RAMPING_VUS] = "ramping-vus",
	[PLAN_CONSTANT_ARRIVAL_RATE] = "constant-arrival-rate",
	[PLAN_RAMPING_ARRIVAL_RATE] = "ramping-arrival-rate",
	[PLAN_PER_VU_ITERATIONS] = "per-vu-iterations",
	[PLAN_SHARED_ITERATIONS] = "shared-iterations",
};
#define NEXECUTORS ((int)(sizeof executor_names / sizeof executor_names[0]))

/* Each executor's own keys (besides the common ones), NULL-terminated. */
static const char *const executor_keys[][6] = {
	[PLAN_CONSTANT_VUS] = { "vus", "duration", NULL },
	[PLAN_RAMPING_VUS] = { "startVUs", "stages", "gracefulRampDown", NULL },
	[PLAN_CONSTANT_ARRIVAL_RATE] = { "rate", "timeUnit", "duration", "preAllocatedVUs", "maxVUs", NULL },
	[PLAN_RAMPING_ARRIVAL_RATE] = { "startRate", "timeUnit", "stages", "preAllocatedVUs", "maxVUs", NULL },
	[PLAN_PER_VU_ITERATIONS] = { "vus", "iterations", "maxDuration", NULL },
	[PLAN_SHARED_ITERATIONS] = { "vus", "iterations", "maxDuration", NULL },
};

static const char *const root_keys[] = {
	"name", "baseUrl", "defaults", "scenarios", "vus", "duration", "stages", "iterations", "tasks", NULL,
};
static const char *const defaults_keys[] = { "headers", "timeout", NULL };
static const char *const scenario_common_keys[] = { "executor", "startTime", "gracefulStop", "tasks", NULL };
static const char *const stage_keys[] = { "duration", "target", NULL };
static const char *const request_keys[] = {
	"name", "method", "path", "url", "headers", "query", "json", "body", "form", "timeout", NULL,
};
static const char *const task_only_keys[] = { "weight", "steps", NULL };

const char *
plan_executor_name(enum plan_executor e)
{
	assert((int)e >= 0 && (int)e < NEXECUTORS);
	return executor_names[e];
}

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

/* ---- the walk's state */

struct ctx {
	struct testdef_options opt;
	struct testdef_errors *errs;
	int errors;                /* errors recorded by this parse (kept or dropped) */
	char path[PATH_SIZE];
	size_t plen;
	struct tmpl_scope scope;
	struct plan *plan;
	json_t *endpoint_index;    /* endpoint name -> index in plan->endpoints */
	char *base_url;            /* baseUrl without its trailing '/'; NULL if absent or invalid */
	int base_url_given;        /* present, even if invalid: no "needs baseUrl" cascade */
	struct plan_header *def_headers;
	int ndef_headers;
	int64_t def_timeout_ns;
	int ntasks;                /* over every scenario so far */
};

/* Length of the longest prefix of s (n bytes) that is at most max bytes and ends on a UTF-8
   character boundary. */
static size_t
utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* Appends printf output to the path, silently truncated when the path is full. */
static void __attribute__((format(printf, 2, 3)))
path_append(struct ctx *c, const char *fmt, ...)
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
static size_t
path_key(struct ctx *c, const char *key)
{
	size_t old = c->plen, n = strlen(key), shown = utf8_cut(key, n, KEY_SHOWN);
	int plain = n > 0;

	for (size_t i = 0; i < n && plain; i++) {
		char ch = key[i];
		plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '_' || ch == '-';
	}
	if (plain) {
		path_append(c, "%s%.*s%s", c->plen ? "." : "", (int)shown, key, shown < n ? "..." : "");
	} else {
		json_t *s = json_stringn(key, shown);
		char *q = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
		path_append(c, "[%s%s]", q ? q : "\"?\"", shown < n ? "..." : "");
		free(q);
		json_decref(s);
	}
	return old;
}

/* Enters an array element. */
static size_t
path_index(struct ctx *c, size_t i)
{
	size_t old = c->plen;

	path_append(c, "[%zu]", i);
	return old;
}

static void
path_pop(struct ctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

/* Records an error at the current path. */
static void __attribute__((format(printf, 2, 3)))
err(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errors_addv(c->errs, c->path, fmt, ap);
	va_end(ap);
	c->errors++;
}

/* Records an error at member `key` of the current path. */
static void __attribute__((format(printf, 3, 4)))
err_key(struct ctx *c, const char *key, const char *fmt, ...)
{
	va_list ap;
	size_t old = path_key(c, key);

	va_start(ap, fmt);
	errors_addv(c->errs, c->path, fmt, ap);
	va_end(ap);
	c->errors++;
	path_pop(c, old);
}

/* How a value reads after "got": strings quoted and shortened, containers by kind. */
static char *
got(json_t *v)
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
	n = utf8_cut(s, n, GOT_SHOWN);
	out = xasprintf("%.*s...%s", (int)n, s, json_is_string(v) ? "\"" : "");
	free(s);
	return out;
}

/* Records "expected <what>, got <v>" at member key (NULL: at the current path). */
static void
expected(struct ctx *c, const char *key, const char *what, json_t *v)
{
	char *g = got(v);

	if (key)
		err_key(c, key, "expected %s, got %s", what, g);
	else
		err(c, "expected %s, got %s", what, g);
	free(g);
}

/* ---- key checks */

/* Edit distance, ASCII case folded; large if either string is long. */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[KEY_SHOWN + 1];

	if (la > KEY_SHOWN || lb > KEY_SHOWN)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			int ca = a[i - 1], cb = b[j - 1];
			if (ca >= 'A' && ca <= 'Z')
				ca += 'a' - 'A';
			if (cb >= 'A' && cb <= 'Z')
				cb += 'a' - 'A';
			size_t best = diag + (ca != cb);
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			if (up + 1 < best)
				best = up + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static int
in_list(const char *const *list, const char *key)
{
	for (; list != NULL && *list != NULL; list++) {
		if (strcmp(*list, key) == 0)
			return 1;
	}
	return 0;
}

/* The closest allowed key, if close enough to be a typo. */
static const char *
suggest(const char *key, const char *const *lists[], int nlists)
{
	const char *best = NULL;
	size_t bestd = SIZE_MAX, len = strlen(key);

	for (int l = 0; l < nlists; l++) {
		for (const char *const *k = lists[l]; k != NULL && *k != NULL; k++) {
			size_t d = distance(key, *k);
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
static void
check_keys(struct ctx *c, json_t *obj, const char *const *lists[], int nlists, int executor)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		const char *s;
		int known = 0;

		for (int l = 0; l < nlists && !known; l++)
			known = in_list(lists[l], key);
		if (known)
			continue;
		if (executor >= 0) {
			char users[160] = "";
			for (int e = 0; e < NEXECUTORS; e++) {
				if (in_list(executor_keys[e], key)) {
					size_t ul = strlen(users);
					snprintf(users + ul, sizeof users - ul, "%s%s", ul ? ", " : "", executor_names[e]);
				}
			}
			if (users[0]) {
				err_key(c, key, "not a parameter of %s (it belongs to %s)", executor_names[executor], users);
				continue;
			}
		}
		if ((s = suggest(key, lists, nlists)) != NULL)
			err_key(c, key, "unknown key (did you mean \"%s\"?)", s);
		else
			err_key(c, key, "unknown key");
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

static int
get_int(struct ctx *c, json_t *obj, const char *key, int64_t min, int64_t max, int64_t *out)
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
	expected(c, key, what, v);
	free(what);
	return -1;
}

/* A number >= min (> min when exclusive) and <= max. */
static int
get_number(struct ctx *c, json_t *obj, const char *key, double min, int exclusive, double max, double *out)
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
	expected(c, key, what, v);
	free(what);
	return -1;
}

/* A duration string; positive: must be > 0; at most max ns. */
static int
get_duration(struct ctx *c, json_t *obj, const char *key, int positive, int64_t max, int64_t *out)
{
	json_t *v = key ? json_object_get(obj, key) : NULL;
	int64_t ns;

	if (v == NULL)
		return 0;
	if (!json_is_string(v)) {
		expected(c, key, DURATION_LIKE, v);
		return -1;
	}
	switch (duration_parse(json_string_value(v), &ns)) {
	case DURATION_OK:
		break;
	case DURATION_ERANGE:
		expected(c, key, "a duration like \"30s\" of at most 292 years", v);
		return -1;
	default:
		expected(c, key, DURATION_LIKE, v);
		return -1;
	}
	if (positive && ns == 0) {
		expected(c, key, "a duration above 0 like \"30s\"", v);
		return -1;
	}
	if (ns > max) {
		char buf[DURATION_FMT_SIZE], *what = xasprintf("a duration of at most %s", duration_format(max, buf));
		expected(c, key, what, v);
		free(what);
		return -1;
	}
	*out = ns;
	return 1;
}

/* A string; nonempty: must not be "". */
static int
get_string(struct ctx *c, json_t *obj, const char *key, int nonempty, const char **out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return 0;
	if (!json_is_string(v) || (nonempty && json_string_length(v) == 0)) {
		expected(c, key, nonempty ? "a non-empty string" : "a string", v);
		return -1;
	}
	*out = json_string_value(v);
	return 1;
}

/* A name: a non-empty string of at most NAME_MAX_BYTES. */
static int
get_name(struct ctx *c, json_t *obj, const char *key, const char **out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > NAME_MAX_BYTES ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		expected(c, key, "a non-empty string of at most 256 bytes", v);
		return -1;
	}
	*out = json_string_value(v);
	return 1;
}

/* Records "expected <what> (required by <who>), got nothing" at member key. */
static void
missing(struct ctx *c, const char *key, const char *what, const char *who)
{
	err_key(c, key, "expected %s (required by %s), got nothing", what, who);
}

/* ---- templates and URLs */

/* Parses a template at member key (errors there). src/len: the text. NULL if invalid. */
static struct tmpl *
parse_tmpl_at(struct ctx *c, const char *key, const char *src, size_t len, enum tmpl_escape esc,
    int escape_literals)
{
	struct tmpl *t = tmpl_new();
	char *cause;

	if (tmpl_append(t, src, len, esc, escape_literals, &c->scope, &cause) != 0) {
		if (key)
			err_key(c, key, "%s", cause);
		else
			err(c, "%s", cause);
		free(cause);
		tmpl_free(t);
		return NULL;
	}
	return t;
}

/* Whether s (n bytes) has a space or control character outside {{...}} references. */
static int
has_space_or_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '{' && i + 1 < n && s[i + 1] == '{') {
			const char *close = NULL;
			for (size_t j = i + 2; j + 1 < n && close == NULL; j++) {
				if (s[j] == '}' && s[j + 1] == '}')
					close = s + j;
			}
			if (close != NULL) {
				i = (size_t)(close - s) + 1;
				continue;
			}
		}
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return 1;
	}
	return 0;
}

/*
 * Checks that s (n bytes) starts with "http://" or "https://", a host and an optional port, ended by
 * the end of s, '/', '?' or '#'. Returns the origin's length (scheme://host[:port]), or 0 with *why.
 * complete: s is the whole URL (else the origin must end inside s).
 */
static size_t
url_origin(const char *s, size_t n, int complete, const char **why)
{
	size_t i, host;

	if (n >= 7 && strncasecmp(s, "http://", 7) == 0)
		i = 7;
	else if (n >= 8 && strncasecmp(s, "https://", 8) == 0)
		i = 8;
	else {
		*why = "an absolute http:// or https:// URL";
		return 0;
	}
	host = i;
	for (size_t j = i; j < n && s[j] != '/' && s[j] != '?' && s[j] != '#'; j++) {
		if (s[j] == '@') {
			*why = "a URL without user:password@ (send an Authorization header instead)";
			return 0;
		}
	}
	if (i < n && s[i] == '[') {
		for (i++; i < n && (s[i] == ':' || s[i] == '.' || (s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')); i++)
			;
		if (i >= n || s[i] != ']' || i == host + 1) {
			*why = "a URL with a valid [IPv6] host";
			return 0;
		}
		i++;
	} else {
		for (; i < n && s[i] != '/' && s[i] != '?' && s[i] != '#' && s[i] != ':'; i++) {
			if (s[i] == '{' || s[i] == '}' || s[i] == '%' || s[i] == '\\') {
				*why = "a URL with a fixed host (only {{env.NAME}} may appear before the path)";
				return 0;
			}
		}
		if (i == n && !complete) {
			*why = "a URL with a fixed host (only {{env.NAME}} may appear before the path)";
			return 0;
		}
		if (i == host) {
			*why = "a URL with a host";
			return 0;
		}
	}
	if (i < n && s[i] == ':') {
		long port = 0;
		size_t d = ++i;
		for (; i < n && s[i] >= '0' && s[i] <= '9' && port <= 65535; i++)
			port = port * 10 + (s[i] - '0');
		if (i == d || port < 1 || port > 65535) {
			*why = "a URL with a port from 1 to 65535";
			return 0;
		}
	}
	if (i == n && !complete) {
		*why = "a URL with a fixed host (only {{env.NAME}} may appear before the path)";
		return 0;
	}
	if (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#') {
		*why = "a URL whose host is followed by '/', '?' or nothing";
		return 0;
	}
	return i;
}

/* Runs the target hook on an origin; errors at member key. */
static void
check_target(struct ctx *c, const char *key, const char *origin, size_t n)
{
	char *o, *why = NULL;

	if (c->opt.check_target == NULL)
		return;
	o = xstrndup(origin, n);
	if (c->opt.check_target(c->opt.arg, o, &why) != 0)
		err_key(c, key, "target %s is not allowed%s%s", o, why ? ": " : "", why ? why : "");
	free(why);
	free(o);
}

/* Whether name is an HTTP token (RFC 9110: method and header names). */
static int
is_token(const char *s, size_t n)
{
	static const char extra[] = "!#$%&'*+-.^_`|~";

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    (ch != '\0' && strchr(extra, ch) != NULL)))
			return 0;
	}
	return 1;
}

/* Appends s percent-encoded to t (query and form names: no templates there). */
static void
append_encoded(struct tmpl *t, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	char *buf = xmalloc(n * 3 + 1), *w = buf;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '.' || ch == '_' || ch == '~') {
			*w++ = (char)ch;
		} else {
			*w++ = '%';
			*w++ = hex[ch >> 4];
			*w++ = hex[ch & 15];
		}
	}
	tmpl_append_literal(t, buf, (size_t)(w - buf));
	free(buf);
}

/* ---- request pieces */

/* Text of a scalar used as a query or form value (string, number, boolean), or NULL. Caller frees. */
static char *
scalar_text(json_t *v)
{
	if (json_is_string(v))
		return xstrndup(json_string_value(v), json_string_length(v));
	if (json_is_true(v))
		return xstrdup("true");
	if (json_is_false(v))
		return xstrdup("false");
	if (json_is_number(v))
		return json_dumps(v, JSON_ENCODE_ANY);
	return NULL;
}

/*
 * Appends `name=value` pairs of obj (an object: query or form) to t, URL-encoded, separated by "&"
 * and started with `first` (NULL: nothing). Arrays repeat the name. Each value becomes a
 * plan_query when q is not NULL. Errors at member key of the current path.
 */
static void
append_pairs(struct ctx *c, const char *key, json_t *obj, struct tmpl *t, const char *first,
    struct plan_query **q, int *nq)
{
	size_t old = path_key(c, key);
	const char *name;
	json_t *v;
	int n = 0;

	json_object_foreach(obj, name, v) {
		size_t count = json_is_array(v) ? json_array_size(v) : 1;
		size_t old2 = path_key(c, name);

		if (json_is_array(v) && count == 0)
			expected(c, NULL, "a string, number or boolean, or a non-empty array of them", v);
		for (size_t i = 0; i < count; i++) {
			json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
			size_t old3 = json_is_array(v) ? path_index(c, i) : c->plen;
			char *text = scalar_text(e);
			struct tmpl *value;

			if (text == NULL) {
				expected(c, NULL, json_is_array(v) ? "a string, number or boolean" :
				    "a string, number or boolean, or an array of them", e);
				path_pop(c, old3);
				continue;
			}
			value = parse_tmpl_at(c, NULL, text, strlen(text), TMPL_URL, 1);
			free(text);
			path_pop(c, old3);
			if (value == NULL)
				continue;
			if (n > 0)
				tmpl_append_literal(t, "&", 1);
			else if (first)
				tmpl_append_literal(t, first, strlen(first));
			append_encoded(t, name, strlen(name));
			tmpl_append_literal(t, "=", 1);
			tmpl_append_tmpl(t, value);
			n++;
			if (q != NULL) {
				struct tmpl *enc = tmpl_new();
				size_t len;
				const char *s;

				append_encoded(enc, name, strlen(name));
				s = tmpl_literal(enc, &len);
				*q = xreallocarray(*q, (size_t)*nq + 1, sizeof **q);
				(*q)[*nq].name = xstrndup(s, len);
				(*q)[*nq].value = value;
				(*nq)++;
				tmpl_free(enc);
			} else {
				tmpl_free(value);
			}
		}
		path_pop(c, old2);
	}
	path_pop(c, old);
}

/* Serialises a JSON value into t, with templates in strings (keys included) JSON-escaped. Errors
   name the exact path of the bad string. */
static void
append_json(struct ctx *c, json_t *v, struct tmpl *t)
{
	const char *key;
	json_t *e;
	size_t i, old;
	int first = 1;
	char *s;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		tmpl_append_literal(t, "{", 1);
		json_object_foreach(v, key, e) {
			struct tmpl *k;
			old = path_key(c, key);
			if (!first)
				tmpl_append_literal(t, ",", 1);
			first = 0;
			tmpl_append_literal(t, "\"", 1);
			k = parse_tmpl_at(c, NULL, key, strlen(key), TMPL_JSON, 1);
			if (k != NULL)
				tmpl_append_tmpl(t, k);
			tmpl_free(k);
			tmpl_append_literal(t, "\":", 2);
			append_json(c, e, t);
			path_pop(c, old);
		}
		tmpl_append_literal(t, "}", 1);
		break;
	case JSON_ARRAY:
		tmpl_append_literal(t, "[", 1);
		json_array_foreach(v, i, e) {
			old = path_index(c, i);
			if (i > 0)
				tmpl_append_literal(t, ",", 1);
			append_json(c, e, t);
			path_pop(c, old);
		}
		tmpl_append_literal(t, "]", 1);
		break;
	case JSON_STRING: {
		struct tmpl *str = parse_tmpl_at(c, NULL, json_string_value(v), json_string_length(v),
		    TMPL_JSON, 1);
		tmpl_append_literal(t, "\"", 1);
		if (str != NULL)
			tmpl_append_tmpl(t, str);
		tmpl_free(str);
		tmpl_append_literal(t, "\"", 1);
		break;
	}
	default:
		s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		if (s != NULL)
			tmpl_append_literal(t, s, strlen(s));
		free(s);
	}
}

/* Parses a headers object (member key) into *h and *n; values are HEADER templates. */
static void
parse_headers(struct ctx *c, json_t *obj, const char *key, struct plan_header **h, int *n)
{
	json_t *headers = json_object_get(obj, key), *v;
	const char *name;
	size_t old;

	if (headers == NULL)
		return;
	if (!json_is_object(headers)) {
		expected(c, key, "an object of header names to values", headers);
		return;
	}
	old = path_key(c, key);
	json_object_foreach(headers, name, v) {
		struct tmpl *value;

		if (!is_token(name, strlen(name))) {
			err_key(c, name, "expected a header name (letters, digits and !#$%%&'*+-.^_`|~)");
			continue;
		}
		if (!json_is_string(v)) {
			expected(c, name, "a string", v);
			continue;
		}
		if (memchr(json_string_value(v), '\r', json_string_length(v)) ||
		    memchr(json_string_value(v), '\n', json_string_length(v)) ||
		    strlen(json_string_value(v)) != json_string_length(v)) {
			expected(c, name, "a header value without line breaks", v);
			continue;
		}
		value = parse_tmpl_at(c, name, json_string_value(v), json_string_length(v), TMPL_HEADER, 0);
		if (value == NULL)
			continue;
		*h = xreallocarray(*h, (size_t)*n + 1, sizeof **h);
		(*h)[*n].name = xstrdup(name);
		(*h)[*n].value = value;
		(*h)[*n].line = NULL;
		(*n)++;
	}
	path_pop(c, old);
}

/* Index of a header by name (case-insensitive), or -1. */
static int
find_header(const struct plan_header *h, int n, const char *name)
{
	for (int i = 0; i < n; i++) {
		if (strcasecmp(h[i].name, name) == 0)
			return i;
	}
	return -1;
}

/* Adds a header with a literal value unless one with that name exists. */
static void
add_header_default(struct plan_request *r, const char *name, const char *value)
{
	if (find_header(r->headers, r->nheaders, name) >= 0)
		return;
	r->headers = xreallocarray(r->headers, (size_t)r->nheaders + 1, sizeof *r->headers);
	r->headers[r->nheaders].name = xstrdup(name);
	r->headers[r->nheaders].value = tmpl_new();
	tmpl_append_literal(r->headers[r->nheaders].value, value, strlen(value));
	r->headers[r->nheaders].line = NULL;
	r->nheaders++;
}

/* The endpoint index of a step name, adding an endpoint for a new name. */
static int
endpoint_of(struct ctx *c, const char *name, const char *method)
{
	struct plan *p = c->plan;
	json_t *idx = json_object_get(c->endpoint_index, name);

	if (idx != NULL)
		return (int)json_integer_value(idx);
	p->endpoints = xreallocarray(p->endpoints, (size_t)p->nendpoints + 1, sizeof *p->endpoints);
	p->endpoints[p->nendpoints].name = xstrdup(name);
	p->endpoints[p->nendpoints].method = xstrdup(method);
	json_object_set_new(c->endpoint_index, name, json_integer(p->nendpoints));
	return p->nendpoints++;
}

/*
 * Parses the request of obj (a single-request task, is_task, or a step) into st. name: the task's
 * name (is_task), else the step's own or, without one, "METHOD path".
 */
static void
parse_step(struct ctx *c, json_t *obj, struct plan_step *st, int is_task, const char *name)
{
	struct plan_request *r = &st->req;
	json_t *path = json_object_get(obj, "path"), *url = json_object_get(obj, "url");
	json_t *query = json_object_get(obj, "query");
	const char *method = "GET", *s, *target_src = NULL, *bodies[] = { "json", "body", "form" };
	const char *body_key = NULL;
	int64_t timeout;
	int has_query_mark = 0;

	/* method */
	if (get_string(c, obj, "method", 1, &s) == 1) {
		if (is_token(s, strlen(s)) && strlen(s) <= 32)
			method = s;
		else
			expected(c, "method", "an HTTP method like \"GET\"", json_object_get(obj, "method"));
	}
	r->method = xstrdup(method);
	for (char *m = r->method; *m; m++) {
		if (*m >= 'a' && *m <= 'z')
			*m = (char)(*m - 'a' + 'A');
	}

	/* url: baseUrl + path, or url */
	if (path != NULL && url != NULL)
		err_key(c, "url", "conflicts with \"path\" (a request has one of path, url)");
	if (path != NULL) {
		if (!json_is_string(path) || json_string_value(path)[0] != '/') {
			expected(c, "path", "a path starting with \"/\"", path);
		} else if (has_space_or_control(json_string_value(path), json_string_length(path))) {
			expected(c, "path", "a path without spaces or control characters (write %20)", path);
		} else if (c->base_url == NULL) {
			if (!c->base_url_given)
				err_key(c, "path", "expected \"baseUrl\" at the top level to join this path to "
				    "(or use an absolute \"url\"), got no baseUrl");
		} else {
			struct tmpl *p = parse_tmpl_at(c, "path", json_string_value(path),
			    json_string_length(path), TMPL_RAW, 0);
			target_src = json_string_value(path);
			if (p != NULL) {
				r->url = tmpl_new();
				tmpl_append_literal(r->url, c->base_url, strlen(c->base_url));
				tmpl_append_tmpl(r->url, p);
				tmpl_free(p);
			}
		}
	} else if (url != NULL) {
		const char *why;
		size_t plen, olen;
		const char *prefix;

		if (!json_is_string(url)) {
			expected(c, "url", "an absolute http:// or https:// URL", url);
		} else if (has_space_or_control(json_string_value(url), json_string_length(url))) {
			expected(c, "url", "a URL without spaces or control characters (write %20)", url);
		} else if ((r->url = parse_tmpl_at(c, "url", json_string_value(url), json_string_length(url),
		    TMPL_RAW, 0)) != NULL) {
			target_src = json_string_value(url);
			prefix = tmpl_prefix(r->url, &plen);
			olen = url_origin(prefix, plen, tmpl_nrefs(r->url) == 0, &why);
			if (olen == 0) {
				expected(c, "url", why, url);
				tmpl_free(r->url);
				r->url = NULL;
			} else {
				check_target(c, "url", prefix, olen);
			}
		}
	} else {
		err(c, "expected \"path\" (joined to baseUrl) or \"url\", got neither");
	}
	if (target_src != NULL && strchr(target_src, '?') != NULL)
		has_query_mark = 1;

	/* name */
	if (!is_task && get_name(c, obj, "name", &s) == 1)
		name = s;
	if (name != NULL) {
		st->name = xstrdup(name);
	} else {
		const char *shown = target_src ? target_src : json_is_string(url) ? json_string_value(url) :
		    json_is_string(path) ? json_string_value(path) : "?";
		size_t n = utf8_cut(shown, strlen(shown), NAME_MAX_BYTES);
		st->name = xasprintf("%s %.*s", r->method, (int)n, shown);
	}

	/* query */
	r->full_url = tmpl_new();
	if (r->url != NULL)
		tmpl_append_tmpl(r->full_url, r->url);
	if (query != NULL) {
		if (!json_is_object(query))
			expected(c, "query", "an object of names to values", query);
		else
			append_pairs(c, "query", query, r->full_url, has_query_mark ? "&" : "?", &r->query,
			    &r->nquery);
	}

	/* headers: the request's, then defaults.headers not overridden */
	parse_headers(c, obj, "headers", &r->headers, &r->nheaders);
	for (int i = 0; i < c->ndef_headers; i++) {
		struct plan_header *d = &c->def_headers[i];
		if (find_header(r->headers, r->nheaders, d->name) >= 0)
			continue;
		r->headers = xreallocarray(r->headers, (size_t)r->nheaders + 1, sizeof *r->headers);
		r->headers[r->nheaders].name = xstrdup(d->name);
		r->headers[r->nheaders].value = tmpl_new();
		tmpl_append_tmpl(r->headers[r->nheaders].value, d->value);
		r->headers[r->nheaders].line = NULL;
		r->nheaders++;
	}

	/* body: at most one of json, body, form */
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		if (json_object_get(obj, bodies[i]) == NULL)
			continue;
		if (body_key != NULL) {
			err_key(c, bodies[i], "conflicts with \"%s\" (a request has at most one of json, body, form)",
			    body_key);
			continue;
		}
		body_key = bodies[i];
	}
	if (body_key != NULL) {
		json_t *b = json_object_get(obj, body_key);
		size_t old;

		r->body = tmpl_new();
		if (strcmp(body_key, "json") == 0) {
			r->body_kind = PLAN_BODY_JSON;
			old = path_key(c, "json");
			append_json(c, b, r->body);
			path_pop(c, old);
			add_header_default(r, "Content-Type", "application/json");
		} else if (strcmp(body_key, "body") == 0) {
			r->body_kind = PLAN_BODY_RAW;
			if (!json_is_string(b)) {
				expected(c, "body", "a string (use \"json\" for a JSON value)", b);
			} else {
				struct tmpl *t = parse_tmpl_at(c, "body", json_string_value(b), json_string_length(b),
				    TMPL_RAW, 0);
				if (t != NULL)
					tmpl_append_tmpl(r->body, t);
				tmpl_free(t);
			}
		} else {
			r->body_kind = PLAN_BODY_FORM;
			if (!json_is_object(b))
				expected(c, "form", "an object of field names to values", b);
			else
				append_pairs(c, "form", b, r->body, NULL, NULL, NULL);
			add_header_default(r, "Content-Type", "application/x-www-form-urlencoded");
		}
	}

	/* header lines, now that the list is final */
	for (int i = 0; i < r->nheaders; i++) {
		struct plan_header *h = &r->headers[i];
		h->line = tmpl_new();
		tmpl_append_literal(h->line, h->name, strlen(h->name));
		tmpl_append_literal(h->line, ": ", 2);
		tmpl_append_tmpl(h->line, h->value);
	}

	r->timeout_ns = c->def_timeout_ns;
	if (get_duration(c, obj, "timeout", 1, INT64_MAX, &timeout) == 1)
		r->timeout_ns = timeout;

	st->endpoint = endpoint_of(c, st->name, r->method);
}

/* Parses one task (object at the current path). */
static void
parse_task(struct ctx *c, json_t *obj, struct plan_task *t)
{
	const char *const *single[] = { request_keys, task_only_keys };
	json_t *steps = json_object_get(obj, "steps");
	const char *name = NULL;
	int64_t weight = 1;

	if (!json_is_object(obj)) {
		expected(c, NULL, "a task object like {\"method\": \"GET\", \"path\": \"/\"}", obj);
		t->name = xstrdup("?");
		t->weight = 1;
		return;
	}
	check_keys(c, obj, single, 2, -1);
	get_name(c, obj, "name", &name);
	get_int(c, obj, "weight", 1, MAX_WEIGHT, &weight);
	t->weight = (int)weight;

	if (steps == NULL) {
		t->steps = xcalloc(1, sizeof *t->steps);
		t->nsteps = 1;
		parse_step(c, obj, &t->steps[0], 1, name);
		t->name = xstrdup(t->steps[0].name);
		return;
	}

	/* A workflow: request fields belong to its steps. */
	for (const char *const *k = request_keys; *k; k++) {
		if (strcmp(*k, "name") != 0 && json_object_get(obj, *k) != NULL)
			err_key(c, *k, "conflicts with \"steps\" (put request fields inside each step)");
	}
	if (!json_is_array(steps) || json_array_size(steps) == 0) {
		expected(c, "steps", "a non-empty array of requests", steps);
	} else if (json_array_size(steps) > (size_t)c->opt.max_steps) {
		char *what = xasprintf("at most %d steps", c->opt.max_steps);
		expected(c, "steps", what, steps);
		free(what);
	} else {
		size_t old = path_key(c, "steps"), i;
		json_t *e;
		const char *const *step_lists[] = { request_keys };

		t->nsteps = (int)json_array_size(steps);
		t->steps = xcalloc((size_t)t->nsteps, sizeof *t->steps);
		json_array_foreach(steps, i, e) {
			size_t old2 = path_index(c, i);
			if (!json_is_object(e)) {
				expected(c, NULL, "a request object like {\"method\": \"GET\", \"path\": \"/\"}", e);
				t->steps[i].name = xstrdup("?");
			} else {
				check_keys(c, e, step_lists, 1, -1);
				parse_step(c, e, &t->steps[i], 0, NULL);
			}
			path_pop(c, old2);
		}
		path_pop(c, old);
	}
	t->name = xstrdup(name ? name : t->nsteps > 0 && t->steps[0].name ? t->steps[0].name : "?");
}

/* Parses member key of obj as the tasks of scenario s. */
static void
parse_tasks(struct ctx *c, json_t *obj, const char *key, struct plan_scenario *s)
{
	json_t *tasks = json_object_get(obj, key), *e;
	size_t old, i;
	int sum = 0;

	if (tasks == NULL) {
		err_key(c, key, "expected a list of requests to make, got nothing");
		return;
	}
	if (!json_is_array(tasks) || json_array_size(tasks) == 0) {
		expected(c, key, "a non-empty array of tasks", tasks);
		return;
	}
	if (json_array_size(tasks) > (size_t)(c->opt.max_tasks - c->ntasks)) {
		err_key(c, key, "expected at most %d tasks in the whole definition, got %zu more than that",
		    c->opt.max_tasks, json_array_size(tasks) - (size_t)(c->opt.max_tasks - c->ntasks));
		return;
	}
	c->ntasks += (int)json_array_size(tasks);
	s->ntasks = (int)json_array_size(tasks);
	s->tasks = xcalloc((size_t)s->ntasks, sizeof *s->tasks);
	old = path_key(c, key);
	json_array_foreach(tasks, i, e) {
		size_t old2 = path_index(c, i);
		parse_task(c, e, &s->tasks[i]);
		sum += s->tasks[i].weight;
		s->tasks[i].cum_weight = sum;
		path_pop(c, old2);
	}
	path_pop(c, old);
	s->total_weight = sum;
}

/* ---- executors */

/* JSON keys of the executor parameters; NULL: not settable (the default applies). Scenarios use
   k6's names; the top-level shortcuts map theirs (k6: `vus` becomes startVUs with `stages`). */
struct keys {
	const char *vus, *duration, *start_vus, *stages, *graceful_ramp_down, *rate, *time_unit,
	    *pre_allocated_vus, *max_vus, *start_rate, *iterations, *max_duration;
};

static const struct keys scenario_keys = {
	"vus", "duration", "startVUs", "stages", "gracefulRampDown", "rate", "timeUnit",
	"preAllocatedVUs", "maxVUs", "startRate", "iterations", "maxDuration",
};

/* Parses stages (member key): targets are VUs (integers) or rates (numbers). */
static void
parse_stages(struct ctx *c, json_t *obj, const char *key, int rate, const char *who,
    struct plan_scenario *s)
{
	json_t *stages = json_object_get(obj, key), *e;
	const char *const *lists[] = { stage_keys };
	size_t old, i;

	if (stages == NULL) {
		missing(c, key, "a list of stages like [{\"duration\": \"30s\", \"target\": 10}]", who);
		return;
	}
	if (!json_is_array(stages) || json_array_size(stages) == 0) {
		expected(c, key, "a non-empty list of stages like [{\"duration\": \"30s\", \"target\": 10}]",
		    stages);
		return;
	}
	if (json_array_size(stages) > (size_t)c->opt.max_stages) {
		char *what = xasprintf("at most %d stages", c->opt.max_stages);
		expected(c, key, what, stages);
		free(what);
		return;
	}
	s->nstages = (int)json_array_size(stages);
	s->stages = xcalloc((size_t)s->nstages, sizeof *s->stages);
	old = path_key(c, key);
	json_array_foreach(stages, i, e) {
		size_t old2 = path_index(c, i);
		int64_t d = 0, vus = 0;
		double target = 0;

		if (!json_is_object(e)) {
			expected(c, NULL, "a stage like {\"duration\": \"30s\", \"target\": 10}", e);
			path_pop(c, old2);
			continue;
		}
		check_keys(c, e, lists, 1, -1);
		if (get_duration(c, e, "duration", 0, SCHED_MAX_STAGE_NS, &d) == 0)
			err_key(c, "duration", "expected %s, got nothing", DURATION_LIKE);
		if (rate) {
			if (get_number(c, e, "target", 0, 0, SCHED_MAX_RATE, &target) == 0)
				err_key(c, "target", "expected a number >= 0 (iterations per timeUnit), got nothing");
		} else {
			if (get_int(c, e, "target", 0, c->opt.max_vus, &vus) == 0)
				err_key(c, "target", "expected an integer >= 0 (VUs), got nothing");
			target = (double)vus;
		}
		s->stages[i].duration_ns = d;
		s->stages[i].target = target;
		path_pop(c, old2);
	}
	path_pop(c, old);
}

/* a + b for non-negative durations; -1 on overflow. */
static int64_t
add_ns(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? -1 : a + b;
}

/* Parses the executor parameters of s from obj under the names in k; fills max_vus and the
   regular duration (*run_ns). who: the executor's name, for messages. */
static void
parse_params(struct ctx *c, json_t *obj, struct plan_scenario *s, const struct keys *k, int64_t *run_ns)
{
	const char *who = executor_names[s->executor];
	int64_t v, max = c->opt.max_vus;
	int ok;

	*run_ns = 0;
	switch (s->executor) {
	case PLAN_CONSTANT_VUS:
		s->vus = 1;
		if (get_int(c, obj, k->vus, 1, max, &v) == 1)
			s->vus = (int)v;
		if (get_duration(c, obj, k->duration, 1, SCHED_MAX_STAGE_NS, &s->duration_ns) == 0)
			missing(c, k->duration, DURATION_LIKE, who);
		s->max_vus = s->vus;
		*run_ns = s->duration_ns;
		break;
	case PLAN_RAMPING_VUS:
		s->start_vus = 1;
		if ((ok = get_int(c, obj, k->start_vus, 0, max, &v)) == 1)
			s->start_vus = (int)v;
		s->graceful_ramp_down_ns = DEFAULT_GRACEFUL_RAMP_DOWN;
		get_duration(c, obj, k->graceful_ramp_down, 0, INT64_MAX, &s->graceful_ramp_down_ns);
		parse_stages(c, obj, k->stages, 0, who, s);
		s->max_vus = s->start_vus;
		for (int i = 0; i < s->nstages; i++) {
			if (s->stages[i].target > s->max_vus)
				s->max_vus = (int)s->stages[i].target;
			*run_ns = add_ns(*run_ns, s->stages[i].duration_ns);
			if (*run_ns < 0)
				break;
		}
		if (s->nstages > 0 && s->max_vus == 0 && ok >= 0)
			err_key(c, k->stages, "expected startVUs or a stage target above 0, got only zeros");
		break;
	case PLAN_CONSTANT_ARRIVAL_RATE:
	case PLAN_RAMPING_ARRIVAL_RATE:
		if (s->executor == PLAN_CONSTANT_ARRIVAL_RATE) {
			if (get_number(c, obj, k->rate, 0, 1, SCHED_MAX_RATE, &s->rate) == 0)
				missing(c, k->rate, "a number > 0 (iterations per timeUnit)", who);
			if (get_duration(c, obj, k->duration, 1, SCHED_MAX_STAGE_NS, &s->duration_ns) == 0)
				missing(c, k->duration, DURATION_LIKE, who);
			*run_ns = s->duration_ns;
		} else {
			get_number(c, obj, k->start_rate, 0, 0, SCHED_MAX_RATE, &s->start_rate);
			parse_stages(c, obj, k->stages, 1, who, s);
			for (int i = 0; i < s->nstages && *run_ns >= 0; i++)
				*run_ns = add_ns(*run_ns, s->stages[i].duration_ns);
		}
		s->time_unit_ns = DEFAULT_TIME_UNIT;
		get_duration(c, obj, k->time_unit, 1, SCHED_MAX_STAGE_NS, &s->time_unit_ns);
		if ((ok = get_int(c, obj, k->pre_allocated_vus, 0, max, &v)) == 1)
			s->pre_allocated_vus = (int)v;
		else if (ok == 0)
			missing(c, k->pre_allocated_vus, "an integer >= 0 (VUs ready at the start)", who);
		s->max_vus = s->pre_allocated_vus;
		if (ok == 1) {
			int got_max = get_int(c, obj, k->max_vus, 0, max, &v);
			if (got_max == 1 && v < s->pre_allocated_vus) {
				char *g = got(json_object_get(obj, k->max_vus));
				err_key(c, k->max_vus, "expected an integer >= preAllocatedVUs (%d), got %s",
				    s->pre_allocated_vus, g);
				free(g);
				got_max = -1;
			} else if (got_max == 1) {
				s->max_vus = (int)v;
			}
			if (got_max >= 0 && s->max_vus == 0)
				err_key(c, json_object_get(obj, k->max_vus) ? k->max_vus : k->pre_allocated_vus,
				    "expected preAllocatedVUs or maxVUs above 0, got 0");
		}
		break;
	case PLAN_PER_VU_ITERATIONS:
	case PLAN_SHARED_ITERATIONS:
		s->vus = 1;
		s->iterations = 1;
		s->max_duration_ns = DEFAULT_MAX_DURATION;
		if ((ok = get_int(c, obj, k->vus, 1, max, &v)) == 1)
			s->vus = (int)v;
		if (get_int(c, obj, k->iterations, 1, INT64_MAX, &s->iterations) == 1 && ok >= 0 &&
		    s->executor == PLAN_SHARED_ITERATIONS && s->iterations < s->vus)
			err_key(c, k->iterations, "expected at least as many iterations as VUs (%d), got %lld",
			    s->vus, (long long)s->iterations);
		get_duration(c, obj, k->max_duration, 1, INT64_MAX, &s->max_duration_ns);
		s->max_vus = s->vus;
		*run_ns = s->max_duration_ns;
		break;
	}
}

/* Fills the scenario's common parts and end time; obj may be the root (shortcuts: no startTime). */
static void
finish_scenario(struct ctx *c, struct plan_scenario *s, int64_t run_ns)
{
	int64_t end = run_ns < 0 ? -1 : add_ns(s->start_time_ns, run_ns);

	if (end >= 0)
		end = add_ns(end, s->graceful_stop_ns);
	if (end < 0) {
		err(c, "expected startTime + duration + gracefulStop to fit in 292 years");
		end = INT64_MAX;
	}
	s->end_ns = end;
}

/* Parses one entry of `scenarios` (the path is at it). */
static void
parse_scenario(struct ctx *c, const char *name, json_t *obj, struct plan_scenario *s)
{
	json_t *ex = json_object_get(obj, "executor");
	int e = -1;
	int64_t run_ns = 0;

	s->name = xstrdup(name);
	s->graceful_stop_ns = DEFAULT_GRACEFUL_STOP;
	for (const char *p = name; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '_' || *p == '-')) {
			json_t *js = json_string(name);
			expected(c, NULL, "a scenario name of letters, digits, '_' and '-'", js);
			json_decref(js);
			break;
		}
	}
	if (!json_is_object(obj)) {
		expected(c, NULL, "a scenario object like {\"executor\": \"constant-vus\", ...}", obj);
		return;
	}
	if (ex == NULL) {
		err_key(c, "executor", "expected one of constant-vus, ramping-vus, constant-arrival-rate, "
		    "ramping-arrival-rate, per-vu-iterations, shared-iterations, got nothing");
	} else {
		for (int i = 0; i < NEXECUTORS; i++) {
			if (json_is_string(ex) && strcmp(json_string_value(ex), executor_names[i]) == 0)
				e = i;
		}
		if (e < 0) {
			const char *names[NEXECUTORS + 1] = { NULL };
			const char *const *lists[] = { names };
			const char *hint;
			memcpy(names, executor_names, sizeof executor_names);
			hint = json_is_string(ex) ? suggest(json_string_value(ex), lists, 1) : NULL;
			char *g = got(ex);
			if (hint)
				err_key(c, "executor", "expected one of constant-vus, ramping-vus, "
				    "constant-arrival-rate, ramping-arrival-rate, per-vu-iterations, "
				    "shared-iterations, got %s (did you mean \"%s\"?)", g, hint);
			else
				err_key(c, "executor", "expected one of constant-vus, ramping-vus, "
				    "constant-arrival-rate, ramping-arrival-rate, per-vu-iterations, "
				    "shared-iterations, got %s", g);
			free(g);
		}
	}
	if (e >= 0) {
		const char *const *lists[] = { scenario_common_keys, executor_keys[e] };
		s->executor = (enum plan_executor)e;
		check_keys(c, obj, lists, 2, e);
	} else {
		const char *const *lists[1 + NEXECUTORS] = { scenario_common_keys };
		for (int i = 0; i < NEXECUTORS; i++)
			lists[1 + i] = executor_keys[i];
		check_keys(c, obj, lists, 1 + NEXECUTORS, -1);
	}
	get_duration(c, obj, "startTime", 0, INT64_MAX, &s->start_time_ns);
	get_duration(c, obj, "gracefulStop", 0, INT64_MAX, &s->graceful_stop_ns);
	if (e >= 0)
		parse_params(c, obj, s, &scenario_keys, &run_ns);
	parse_tasks(c, obj, "tasks", s);
	if (e >= 0)
		finish_scenario(c, s, run_ns);
}

/* The top-level shortcuts (k6's execution_config_shortcuts.go): one scenario named "default". */
static void
parse_shortcut(struct ctx *c, json_t *root, struct plan_scenario *s)
{
	json_t *vus = json_object_get(root, "vus"), *duration = json_object_get(root, "duration");
	json_t *stages = json_object_get(root, "stages"), *iterations = json_object_get(root, "iterations");
	struct keys k = { 0 };
	int64_t run_ns = 0;

	s->name = xstrdup("default");
	s->graceful_stop_ns = DEFAULT_GRACEFUL_STOP;
	if (iterations != NULL) {
		if (stages != NULL)
			err_key(c, "stages", "conflicts with \"iterations\" (use scenarios to combine them)");
		s->executor = PLAN_SHARED_ITERATIONS;
		k.vus = "vus";
		k.iterations = "iterations";
		k.max_duration = "duration";
	} else if (duration != NULL) {
		if (stages != NULL)
			err_key(c, "stages", "conflicts with \"duration\" (the stages set the duration)");
		s->executor = PLAN_CONSTANT_VUS;
		k.vus = "vus";
		k.duration = "duration";
	} else if (stages != NULL) {
		s->executor = PLAN_RAMPING_VUS;
		k.start_vus = "vus";
		k.stages = "stages";
	} else if (vus != NULL) {
		s->executor = PLAN_SHARED_ITERATIONS;
		k.vus = "vus";
	} else {
		s->executor = PLAN_PER_VU_ITERATIONS;
	}
	parse_params(c, root, s, &k, &run_ns);
	if (iterations == NULL && duration == NULL && stages == NULL && vus != NULL)
		s->iterations = s->vus;    /* k6: `vus` alone runs one iteration per VU */
	parse_tasks(c, root, "tasks", s);
	finish_scenario(c, s, run_ns);
}

/* ---- top level */

/* Reads baseUrl: a fixed URL (environment references allowed), kept without a trailing '/'. */
static void
parse_base_url(struct ctx *c, json_t *root)
{
	json_t *v = json_object_get(root, "baseUrl");
	struct tmpl *t;
	const char *s, *why;
	size_t n, olen;

	if (v == NULL)
		return;
	c->base_url_given = 1;
	if (!json_is_string(v)) {
		expected(c, "baseUrl", "an absolute http:// or https:// URL", v);
		return;
	}
	if ((t = parse_tmpl_at(c, "baseUrl", json_string_value(v), json_string_length(v), TMPL_RAW, 0)) == NULL)
		return;
	if ((s = tmpl_literal(t, &n)) == NULL) {
		expected(c, "baseUrl", "a fixed URL (only {{env.NAME}} references)", v);
	} else if (has_space_or_control(s, n)) {
		expected(c, "baseUrl", "a URL without spaces or control characters", v);
	} else if ((olen = url_origin(s, n, 1, &why)) == 0) {
		expected(c, "baseUrl", why, v);
	} else if (memchr(s, '?', n) || memchr(s, '#', n)) {
		expected(c, "baseUrl", "a base URL without '?' or '#'", v);
	} else {
		check_target(c, "baseUrl", s, olen);
		while (n > olen && s[n - 1] == '/')
			n--;
		c->base_url = xstrndup(s, n);
	}
	tmpl_free(t);
}

static void
parse_defaults(struct ctx *c, json_t *root)
{
	json_t *d = json_object_get(root, "defaults");
	const char *const *lists[] = { defaults_keys };
	size_t old;

	c->def_timeout_ns = DEFAULT_TIMEOUT;
	if (d == NULL)
		return;
	if (!json_is_object(d)) {
		expected(c, "defaults", "an object with headers and timeout", d);
		return;
	}
	old = path_key(c, "defaults");
	check_keys(c, d, lists, 1, -1);
	parse_headers(c, d, "headers", &c->def_headers, &c->ndef_headers);
	get_duration(c, d, "timeout", 1, INT64_MAX, &c->def_timeout_ns);
	path_pop(c, old);
}

static void
parse_scenarios(struct ctx *c, json_t *root, json_t *scenarios)
{
	static const char *const shortcuts[] = { "vus", "duration", "stages", "iterations", "tasks" };
	struct plan *p = c->plan;
	const char *name;
	json_t *v;
	size_t old;
	int i = 0;

	for (size_t k = 0; k < sizeof shortcuts / sizeof shortcuts[0]; k++) {
		if (json_object_get(root, shortcuts[k]) != NULL)
			err_key(c, shortcuts[k], "conflicts with \"scenarios\" (%s)",
			    k == 4 ? "put tasks inside each scenario" : "set it inside a scenario");
	}
	if (!json_is_object(scenarios) || json_object_size(scenarios) == 0) {
		expected(c, "scenarios", "an object of named scenarios", scenarios);
		return;
	}
	if (json_object_size(scenarios) > (size_t)c->opt.max_scenarios) {
		char *what = xasprintf("at most %d scenarios", c->opt.max_scenarios);
		char *g = xasprintf("%zu", json_object_size(scenarios));
		err_key(c, "scenarios", "expected %s, got %s", what, g);
		free(what);
		free(g);
		return;
	}
	p->nscenarios = (int)json_object_size(scenarios);
	p->scenarios = xcalloc((size_t)p->nscenarios, sizeof *p->scenarios);
	old = path_key(c, "scenarios");
	json_object_foreach(scenarios, name, v) {
		size_t old2 = path_key(c, name);
		p->scenarios[i].index = i;
		parse_scenario(c, name, v, &p->scenarios[i]);
		path_pop(c, old2);
		i++;
	}
	path_pop(c, old);
}

/* Fills in defaults for zeroed options. */
static void
options_init(struct testdef_options *o, const struct testdef_options *given)
{
	if (given)
		*o = *given;
	else
		memset(o, 0, sizeof *o);
	if (o->max_scenarios <= 0)
		o->max_scenarios = 100;
	if (o->max_tasks <= 0)
		o->max_tasks = 1000;
	if (o->max_steps <= 0)
		o->max_steps = 100;
	if (o->max_stages <= 0)
		o->max_stages = 1000;
	if (o->max_vus <= 0)
		o->max_vus = 1000000;
	if (o->max_vus > SCHED_MAX_VUS)
		o->max_vus = SCHED_MAX_VUS;
}

/* tmpl_scope's env hook over the options' one. */
static const char *
scope_env(void *arg, const char *name)
{
	const struct ctx *c = arg;

	return c->opt.env ? c->opt.env(c->opt.arg, name) : getenv(name);
}

struct plan *
testdef_parse(json_t *def, const struct testdef_options *opt, struct testdef_errors *errs)
{
	const char *const *lists[] = { root_keys };
	struct ctx *c = xcalloc(1, sizeof *c);
	struct plan *p = xcalloc(1, sizeof *p);
	json_t *scenarios;
	const char *name = "unnamed";
	int64_t total_vus = 0;

	options_init(&c->opt, opt);
	c->errs = errs;
	c->plan = p;
	c->endpoint_index = json_object();
	c->scope = (struct tmpl_scope){ NULL, scope_env, c };
	c->def_timeout_ns = DEFAULT_TIMEOUT;

	if (def == NULL || !json_is_object(def)) {
		expected(c, NULL, "a JSON object", def);
		goto out;
	}
	p->definition = json_incref(def);
	check_keys(c, def, lists, 1, -1);
	get_name(c, def, "name", &name);
	p->name = xstrdup(name);
	parse_base_url(c, def);
	if (c->base_url)
		p->base_url = xstrdup(c->base_url);
	parse_defaults(c, def);

	if ((scenarios = json_object_get(def, "scenarios")) != NULL) {
		parse_scenarios(c, def, scenarios);
	} else {
		p->nscenarios = 1;
		p->scenarios = xcalloc(1, sizeof *p->scenarios);
		parse_shortcut(c, def, &p->scenarios[0]);
	}

	for (int i = 0; i < p->nscenarios; i++) {
		total_vus += p->scenarios[i].max_vus;
		if (p->scenarios[i].end_ns > p->max_end_ns)
			p->max_end_ns = p->scenarios[i].end_ns;
	}
	if (total_vus > c->opt.max_vus)
		err_key(c, scenarios ? "scenarios" : "vus", "expected at most %d VUs over all scenarios, "
		    "got up to %lld", c->opt.max_vus, (long long)total_vus);
	p->max_vus = (int)(total_vus > INT_MAX ? INT_MAX : total_vus);

out:
	for (int i = 0; i < c->ndef_headers; i++) {
		free(c->def_headers[i].name);
		tmpl_free(c->def_headers[i].value);
		tmpl_free(c->def_headers[i].line);
	}
	free(c->def_headers);
	free(c->base_url);
	json_decref(c->endpoint_index);
	if (c->errors > 0) {
		plan_free(p);
		p = NULL;
	}
	free(c);
	return p;
}

/* ---- loading */

/* Adds a Jansson decode error. */
static void
decode_error(struct testdef_errors *errs, const json_error_t *je)
{
	testdef_errors_add(errs, "", "invalid JSON at line %d, column %d: %s", je->line, je->column, je->text);
}

json_t *
testdef_load_string(const char *text, size_t len, size_t max_bytes, struct testdef_errors *errs)
{
	json_error_t je;
	json_t *v;

	if (max_bytes == 0)
		max_bytes = TESTDEF_MAX_BYTES;
	if (len > max_bytes) {
		testdef_errors_add(errs, "", "expected at most %zu bytes, got %zu", max_bytes, len);
		return NULL;
	}
	v = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (v == NULL)
		decode_error(errs, &je);
	return v;
}

json_t *
testdef_load_file(const char *path, size_t max_bytes, struct testdef_errors *errs)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf;
	size_t n;
	json_t *v = NULL;

	if (max_bytes == 0)
		max_bytes = TESTDEF_MAX_BYTES;
	if (f == NULL) {
		testdef_errors_add(errs, "", "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	buf = xmalloc(max_bytes + 1);
	n = fread(buf, 1, max_bytes + 1, f);
	if (ferror(f))
		testdef_errors_add(errs, "", "cannot read %s: %s", path, strerror(errno));
	else if (n > max_bytes)
		testdef_errors_add(errs, "", "expected at most %zu bytes, got more", max_bytes);
	else
		v = testdef_load_string(buf, n, max_bytes, errs);
	free(buf);
	if (f != stdin)
		fclose(f);
	return v;
}

/* ---- freeing */

static void
request_fini(struct plan_request *r)
{
	free(r->method);
	tmpl_free(r->url);
	tmpl_free(r->full_url);
	for (int i = 0; i < r->nquery; i++) {
		free(r->query[i].name);
		tmpl_free(r->query[i].value);
	}
	free(r->query);
	for (int i = 0; i < r->nheaders; i++) {
		free(r->headers[i].name);
		tmpl_free(r->headers[i].value);
		tmpl_free(r->headers[i].line);
	}
	free(r->headers);
	tmpl_free(r->body);
}

void
plan_free(struct plan *p)
{
	if (p == NULL)
		return;
	for (int i = 0; i < p->nscenarios; i++) {
		struct plan_scenario *s = &p->scenarios[i];
		for (int j = 0; j < s->ntasks; j++) {
			struct plan_task *t = &s->tasks[j];
			for (int k = 0; k < t->nsteps; k++) {
				free(t->steps[k].name);
				request_fini(&t->steps[k].req);
			}
			free(t->steps);
			free(t->name);
		}
		free(s->tasks);
		free(s->stages);
		free(s->name);
	}
	free(p->scenarios);
	for (int i = 0; i < p->nendpoints; i++) {
		free(p->endpoints[i].name);
		free(p->endpoints[i].method);
	}
	free(p->endpoints);
	for (int i = 0; i < p->nvars; i++)
		free(p->var_names[i]);
	free(p->var_names);
	free(p->name);
	free(p->base_url);
	json_decref(p->definition);
	free(p);
}
