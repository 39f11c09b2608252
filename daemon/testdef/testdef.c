/*
 * testdef: see testdef.h. One pass over the JSON both validates and builds the plan: every check
 * records its error against the current JSON path and carries on with a default, so a definition
 * with ten mistakes gets ten messages at once. The plan is freed and NULL returned if any error was
 * recorded, so a half-built plan never escapes.
 *
 * k6 is the reference for names, defaults and rules (lib/executor/ and execution_config_shortcuts.go);
 * where Rampage differs the difference is documented in docs/test-definition.md.
 */
#include <config.h>

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
#include "core/text.h"
#include "core/xmalloc.h"
#include "testdef/feed_load.h"
#include "metrics/threshold.h"
#include "core/duration.h"
#include "testdef/pattern.h"
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
#define DEFAULT_REDIRECTS 10     /* k6's maxRedirects default */
#define MAX_REDIRECTS 100

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
	"name", "baseUrl", "defaults", "scenarios", "vus", "duration", "stages", "iterations", "tasks",
	"feeds", "onStart", "onStop", "thinkTime", "vars", "cookies", "maxRedirects",
	"insecureSkipTLSVerify", "noConnectionReuse",
	"thresholds", NULL,
};
static const char *const defaults_keys[] = { "headers", "timeout", NULL };
static const char *const scenario_common_keys[] = {
	"executor", "startTime", "gracefulStop", "tasks", "onStart", "onStop", "thinkTime", "vars", "cookies",
	NULL,
};
static const char *const stage_keys[] = { "duration", "target", NULL };
static const char *const request_keys[] = {
	"name", "method", "path", "url", "headers", "query", "json", "body", "form", "timeout",
	"redirects", "extract", "checks", "groupBy", "thinkTime", NULL,
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
	int def_redirects;         /* top-level maxRedirects, else 10 */
	int ntasks;                /* over every scenario so far */
	json_t *var_index;         /* variable name -> slot in plan->var_names */
	json_t *check_index;       /* check name -> index in plan->check_names */
	json_t *feed_index;        /* feed name -> index in plan->feeds */
	json_t *bad_feeds;         /* names of feeds that failed to load: no cascade of unknown columns */
	unsigned char *feed_use;   /* [nfeeds]: feeds read by the templates being parsed: one of */
	unsigned char *feed_use_defaults;  /* ... defaults.headers' (every scenario reads them) */
	unsigned char *feed_use_scenario;  /* ... the current scenario's */
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
/* A boolean key: *out 0 or 1 when present (else left alone); an error when it is not a boolean. */
static void
get_flag(struct ctx *c, json_t *obj, const char *key, int *out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return;
	if (!json_is_boolean(v))
		expected(c, key, "true or false", v);
	else
		*out = json_is_true(v);
}

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

static void parse_step_features(struct ctx *c, json_t *obj, struct plan_step *st);

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
	int64_t timeout, redirects;
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
	r->max_redirects = c->def_redirects;
	if (get_int(c, obj, "redirects", 0, MAX_REDIRECTS, &redirects) == 1)
		r->max_redirects = (int)redirects;

	st->endpoint = endpoint_of(c, st->name, r->method);
	parse_step_features(c, obj, st);
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

/* ---- scenario features: variables, feeds, extract, checks, groupBy, think time, sessions */

/* Names a template may not use for a variable: the built-in references. */
static const char *const builtin_names[] = {
	"vu", "iteration", "uuid", "randomInt", "timestampMs", "env", NULL,
};
static const char *const extract_keys[] = { "json", "header", "regex", "group", NULL };
static const char *const check_keys_all[] = {
	"name", "failRequest", "status", "bodyContains", "json", "header", "maxDuration", "exists",
	"equals", "matches", NULL,
};
static const char *const group_by_keys[] = { "json", "header", NULL };
static const char *const think_keys[] = { "between", "exponential", "pacing", NULL };
static const char *const feed_keys[] = { "csv", "rows", "mode", NULL };

/* Whether s is a variable or feed name: letters, digits, '_' and '-', not starting with a digit
   or '-'. (A '.' separates a feed from its column, so it is not part of a name.) */
static int
is_var_name(const char *s)
{
	return feed_load_column_ok(s, strlen(s));
}

/* Records an error at member key unless name may name a variable; returns whether it may. */
static int
check_var_name(struct ctx *c, const char *key, const char *name, const char *what)
{
	if (!is_var_name(name)) {
		err_key(c, key, "expected a %s name of letters, digits, '_' and '-' (at most 64 bytes, "
		    "starting with a letter or '_')", what);
		return 0;
	}
	if (in_list(builtin_names, name)) {
		err_key(c, key, "the %s name \"%s\" clashes with the built-in {{%s}}", what, name,
		    strcmp(name, "env") == 0 ? "env.NAME" : name);
		return 0;
	}
	return 1;
}

/* The position of name in the list names[*n] (index maps names to positions), appended when new. */
static int
intern(json_t *index, char ***names, int *n, const char *name)
{
	json_t *idx = json_object_get(index, name);

	if (idx != NULL)
		return (int)json_integer_value(idx);
	*names = xreallocarray(*names, (size_t)*n + 1, sizeof **names);
	(*names)[*n] = xstrdup(name);
	json_object_set_new(index, name, json_integer(*n));
	return (*n)++;
}

/* The slot of variable name, added when new. */
static int
var_register(struct ctx *c, const char *name)
{
	return intern(c->var_index, &c->plan->var_names, &c->plan->nvars, name);
}

/* tmpl_scope's var_slot: every name the definition defines (vars, extract, feed columns); a feed
   column read marks its feed as used by the scenario being parsed (or by the defaults). */
static int
scope_var(void *arg, const char *name, size_t len)
{
	struct ctx *c = arg;
	char buf[160];
	json_t *idx;
	const char *dot;

	if (len >= sizeof buf)
		return -1;
	memcpy(buf, name, len);
	buf[len] = '\0';
	dot = strchr(buf, '.');
	if ((idx = json_object_get(c->var_index, buf)) == NULL) {
		if (dot != NULL) {
			/* a column of a feed already reported as broken: accepted quietly (the parse fails) */
			buf[dot - buf] = '\0';
			if (json_object_get(c->bad_feeds, buf) != NULL)
				return 0;
		}
		return -1;
	}
	if (dot != NULL) {
		json_t *f;
		buf[dot - buf] = '\0';
		if ((f = json_object_get(c->feed_index, buf)) != NULL && c->feed_use != NULL)
			c->feed_use[json_integer_value(f)] = 1;
	}
	return (int)json_integer_value(idx);
}

/* Registers the keys of obj that are valid variable names (`extract`, `vars`; pre-pass: errors
   come later). */
static void
collect_names(struct ctx *c, json_t *obj)
{
	json_t *v;
	const char *name;

	if (!json_is_object(obj))
		return;
	json_object_foreach(obj, name, v)
		if (is_var_name(name) && !in_list(builtin_names, name))
			var_register(c, name);
}

/* Registers the `extract` names of every step of an array of steps or tasks. */
static void
collect_steps(struct ctx *c, json_t *steps)
{
	size_t i;
	json_t *e;

	if (!json_is_array(steps))
		return;
	json_array_foreach(steps, i, e) {
		if (!json_is_object(e))
			continue;
		collect_names(c, json_object_get(e, "extract"));
		collect_steps(c, json_object_get(e, "steps"));
	}
}

/* Registers what one scenario object (or the root, for the shortcuts) defines. */
static void
collect_scenario(struct ctx *c, json_t *obj)
{
	if (!json_is_object(obj))
		return;
	collect_names(c, json_object_get(obj, "vars"));
	collect_steps(c, json_object_get(obj, "tasks"));
	collect_steps(c, json_object_get(obj, "onStart"));
	collect_steps(c, json_object_get(obj, "onStop"));
}

/* Reads a CSV file of at most max bytes, relative to the definition's folder. */
static char *
read_feed_file(struct ctx *c, const char *file, size_t *len, char **cause)
{
	char *path, *buf;
	FILE *f;
	size_t n;

	if (c->opt.base_dir == NULL) {
		*cause = xstrdup("CSV files are read only from definitions given as files (rampage run, "
		    "rampage validate); use \"rows\"");
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

/* Loads inline rows: an array of objects with the same keys; values are strings, numbers or
   booleans. */
static int
load_rows(struct ctx *c, json_t *rows, struct plan_feed *f)
{
	json_t *first = json_array_get(rows, 0), *v;
	const char *key;
	char **cols = NULL, **cells;
	size_t *lens, i, ncol = 0, n;
	int ok = 1;

	if (!json_is_array(rows) || json_array_size(rows) == 0 || !json_is_object(first) ||
	    json_object_size(first) == 0) {
		expected(c, "rows", "a non-empty array of objects like {\"username\": \"a\"}", rows);
		return -1;
	}
	if (json_array_size(rows) > (size_t)c->opt.max_feed_rows) {
		char *what = xasprintf("at most %d rows", c->opt.max_feed_rows);
		expected(c, "rows", what, rows);
		free(what);
		return -1;
	}
	cols = xcalloc(json_object_size(first), sizeof *cols);
	json_object_foreach(first, key, v) {
		if (!feed_load_column_ok(key, strlen(key))) {
			size_t old = path_key(c, "rows");
			size_t old2 = path_index(c, 0);
			err_key(c, key, "expected a column name of letters, digits, '_' and '-' (starting with a "
			    "letter or '_')");
			path_pop(c, old2);
			path_pop(c, old);
			ok = 0;
		}
		cols[ncol++] = (char *)key;
	}
	n = json_array_size(rows) * ncol;
	cells = xcalloc(n, sizeof *cells);
	lens = xcalloc(n, sizeof *lens);
	json_array_foreach(rows, i, v) {
		size_t old = path_key(c, "rows"), old2 = path_index(c, i);
		if (!json_is_object(v) || json_object_size(v) != ncol) {
			expected(c, NULL, "an object with the same keys as rows[0]", v);
			ok = 0;
		} else {
			for (size_t k = 0; k < ncol; k++) {
				json_t *cell = json_object_get(v, cols[k]);
				char *text = cell != NULL ? scalar_text(cell) : NULL;
				if (cell == NULL) {
					err(c, "expected a value for \"%s\" (as in rows[0]), got nothing", cols[k]);
					ok = 0;
				} else if (text == NULL) {
					expected(c, cols[k], "a string, number or boolean", cell);
					ok = 0;
				} else {
					cells[i * ncol + k] = text;
					lens[i * ncol + k] = strlen(text);
				}
			}
		}
		path_pop(c, old2);
		path_pop(c, old);
	}
	if (ok)
		feed_load_rows(f, cols, (int)ncol, cells, lens, (int)json_array_size(rows));
	for (size_t k = 0; k < n; k++)
		free(cells[k]);
	free(cells);
	free(lens);
	free(cols);
	return ok ? 0 : -1;
}

/* Parses the top-level `feeds` and registers "feed.column" variables. */
static void
parse_feeds(struct ctx *c, json_t *root)
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
		expected(c, "feeds", "an object of named feeds like {\"users\": {\"csv\": \"users.csv\"}}", feeds);
		return;
	}
	p->feeds = xcalloc(json_object_size(feeds) + 1, sizeof *p->feeds);
	c->feed_use_defaults = xcalloc(json_object_size(feeds) + 1, 1);
	c->feed_use_scenario = xcalloc(json_object_size(feeds) + 1, 1);
	old = path_key(c, "feeds");
	json_object_foreach(feeds, name, v) {
		size_t old2 = path_key(c, name);
		struct plan_feed f = { 0 };
		json_t *csv = json_object_get(v, "csv"), *rows = json_object_get(v, "rows");
		const char *mode = "sequential";
		int bad = 0;

		if (!is_var_name(name) || in_list(builtin_names, name)) {
			json_t *js = json_string(name);
			expected(c, NULL, in_list(builtin_names, name) ? "a feed name that is not a built-in" :
			    "a feed name of letters, digits, '_' and '-' (starting with a letter or '_')", js);
			json_decref(js);
			bad = 1;
		}
		if (!json_is_object(v)) {
			expected(c, NULL, "a feed like {\"csv\": \"users.csv\", \"mode\": \"unique\"}", v);
			path_pop(c, old2);
			continue;
		}
		check_keys(c, v, lists, 1, -1);
		if (get_string(c, v, "mode", 1, &mode) == 1 && !in_list(modes, mode)) {
			expected(c, "mode", "one of sequential, random, unique", json_object_get(v, "mode"));
			bad = 1;
		}
		if ((csv == NULL) == (rows == NULL)) {
			err(c, "expected one of \"csv\" (a file) and \"rows\" (inline), got %s",
			    csv == NULL ? "neither" : "both");
			bad = 1;
		} else if (csv != NULL) {
			char *cause = NULL, *text;
			size_t len = 0;
			if (!json_is_string(csv) || json_string_length(csv) == 0) {
				expected(c, "csv", "a file name (relative to the definition's folder)", csv);
				bad = 1;
			} else if ((text = read_feed_file(c, json_string_value(csv), &len, &cause)) == NULL ||
			    feed_load_csv(&f, text, len, c->opt.max_feed_rows, &cause) != 0) {
				err_key(c, "csv", "%s%s%s", text != NULL ? json_string_value(csv) : "",
				    text != NULL ? ": " : "", cause);
				free(text);
				free(cause);
				bad = 1;
			} else {
				free(text);
			}
		} else if (load_rows(c, rows, &f) != 0) {
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
				d->slots[k] = var_register(c, var);
				free(var);
			}
			json_object_set_new(c->feed_index, name, json_integer(p->nfeeds));
			p->nfeeds++;
		} else {
			json_object_set_new(c->bad_feeds, name, json_true());
			if (f.cells != NULL)
				feed_load_fini(&f);
		}
		path_pop(c, old2);
	}
	path_pop(c, old);
}

/* Before the defaults and scenarios are parsed: feeds, then every variable name defined anywhere,
   so that templates can refer to variables defined by later steps or other tasks. */
static void
collect_variables(struct ctx *c, json_t *root)
{
	json_t *scenarios = json_object_get(root, "scenarios"), *v;
	const char *name;

	parse_feeds(c, root);
	if (json_is_object(scenarios))
		json_object_foreach(scenarios, name, v)
			collect_scenario(c, v);
	else
		collect_scenario(c, root);
	c->feed_use = c->feed_use_defaults;
}

/* A duration value at the current path (errors there): 1 valid, -1 invalid. */
static int
duration_here(struct ctx *c, json_t *v, int64_t *out)
{
	if (!json_is_string(v) || duration_parse(json_string_value(v), out) != DURATION_OK ||
	    *out > PLAN_MAX_STAGE_NS) {
		expected(c, NULL, "a duration like \"1s\"", v);
		return -1;
	}
	return 1;
}

/* Parses a thinkTime (member key): "1s", {"between": ["1s", "3s"]}, {"exponential": "2s"} or
   {"pacing": "5s"}. */
static void
parse_think(struct ctx *c, json_t *obj, const char *key, struct plan_think *t)
{
	json_t *v = json_object_get(obj, key), *b;
	const char *const *lists[] = { think_keys };
	size_t old;

	memset(t, 0, sizeof *t);
	if (v == NULL)
		return;
	if (json_is_string(v)) {
		if (get_duration(c, obj, key, 0, PLAN_MAX_STAGE_NS, &t->a_ns) == 1)
			t->kind = t->a_ns > 0 ? PLAN_THINK_CONSTANT : PLAN_THINK_NONE;
		return;
	}
	if (!json_is_object(v) || json_object_size(v) != 1) {
		expected(c, key, "a duration like \"1s\" or one of {\"between\": [\"1s\", \"3s\"]}, "
		    "{\"exponential\": \"2s\"}, {\"pacing\": \"5s\"}", v);
		return;
	}
	old = path_key(c, key);
	check_keys(c, v, lists, 1, -1);
	if ((b = json_object_get(v, "between")) != NULL) {
		if (!json_is_array(b) || json_array_size(b) != 2) {
			expected(c, "between", "two durations like [\"1s\", \"3s\"]", b);
		} else {
			size_t o2 = path_key(c, "between");
			int64_t d[2] = { 0, 0 };
			int ok = 1;
			for (size_t i = 0; i < 2; i++) {
				size_t o3 = path_index(c, i);
				if (duration_here(c, json_array_get(b, i), &d[i]) != 1)
					ok = 0;
				path_pop(c, o3);
			}
			if (ok && d[0] > d[1]) {
				err(c, "expected the shorter duration first, got [\"%s\", \"%s\"]",
				    json_string_value(json_array_get(b, 0)), json_string_value(json_array_get(b, 1)));
			} else if (ok && d[1] > 0) {
				t->kind = PLAN_THINK_BETWEEN;
				t->a_ns = d[0];
				t->b_ns = d[1];
			}
			path_pop(c, o2);
		}
	} else if (json_object_get(v, "exponential") != NULL) {
		if (get_duration(c, v, "exponential", 1, PLAN_MAX_STAGE_NS, &t->a_ns) == 1)
			t->kind = PLAN_THINK_EXPONENTIAL;
	} else if (json_object_get(v, "pacing") != NULL) {
		if (get_duration(c, v, "pacing", 1, PLAN_MAX_STAGE_NS, &t->a_ns) == 1)
			t->kind = PLAN_THINK_PACING;
	}
	path_pop(c, old);
}

/* Compiles a JSON Pointer at member key (errors there). */
static struct pattern_pointer *
pointer_at(struct ctx *c, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	struct pattern_pointer *p;
	char *cause = NULL;

	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
		expected(c, key, "a JSON Pointer like \"/items/0/id\"", v);
		return NULL;
	}
	if ((p = pattern_pointer_new(json_string_value(v), &cause)) == NULL) {
		err_key(c, key, "%s", cause);
		free(cause);
	}
	return p;
}

/* Compiles a regex at member key (errors there); counts its groups for the VUs' match data. */
static struct pattern_regex *
regex_at(struct ctx *c, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	struct pattern_regex *re;
	char *cause = NULL;

	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		expected(c, key, "a regular expression (PCRE2, Perl syntax)", v);
		return NULL;
	}
	if ((re = pattern_regex_new(json_string_value(v), &cause)) == NULL) {
		err_key(c, key, "%s", cause);
		free(cause);
		return NULL;
	}
	if (re->groups > c->plan->max_regex_groups)
		c->plan->max_regex_groups = re->groups;
	return re;
}

/* A header name at member key (errors there). */
static char *
header_name_at(struct ctx *c, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v) || !is_token(json_string_value(v), json_string_length(v))) {
		expected(c, key, "a header name like \"Location\"", v);
		return NULL;
	}
	return xstrdup(json_string_value(v));
}

/* The one key of obj among `kinds` (NULL-terminated); errors when none or several. */
static const char *
one_of(struct ctx *c, json_t *obj, const char *const *kinds, const char *what)
{
	const char *found = NULL;

	for (const char *const *k = kinds; *k != NULL; k++) {
		if (json_object_get(obj, *k) == NULL)
			continue;
		if (found != NULL) {
			err_key(c, *k, "conflicts with \"%s\" (%s)", found, what);
			return NULL;
		}
		found = *k;
	}
	if (found == NULL)
		err(c, "expected %s, got none", what);
	return found;
}

/* Parses a step's `extract` object. */
static void
parse_extract(struct ctx *c, json_t *obj, struct plan_step *st)
{
	static const char *const kinds[] = { "json", "header", "regex", NULL };
	const char *const *lists[] = { extract_keys };
	json_t *x = json_object_get(obj, "extract"), *v;
	const char *name;
	size_t old;

	if (x == NULL)
		return;
	if (!json_is_object(x) || json_object_size(x) == 0) {
		expected(c, "extract", "an object of variable names to sources like {\"token\": {\"json\": "
		    "\"/token\"}}", x);
		return;
	}
	st->extracts = xcalloc(json_object_size(x), sizeof *st->extracts);
	old = path_key(c, "extract");
	json_object_foreach(x, name, v) {
		struct plan_extract *e = &st->extracts[st->nextracts];
		const char *kind;
		size_t old2;
		int64_t group = -1;

		if (!check_var_name(c, name, name, "variable"))
			continue;
		if (json_object_get(c->feed_index, name) != NULL) {
			err_key(c, name, "the variable name \"%s\" is also a feed's name", name);
			continue;
		}
		if (!json_is_object(v)) {
			expected(c, name, "a source like {\"json\": \"/token\"}, {\"header\": \"Location\"} or "
			    "{\"regex\": \"id=(\\\\d+)\", \"group\": 1}", v);
			continue;
		}
		old2 = path_key(c, name);
		check_keys(c, v, lists, 1, -1);
		kind = one_of(c, v, kinds, "one of json, header, regex");
		/* An invalid entry is still kept (for plan_free); its error fails the parse. */
		if (kind != NULL && strcmp(kind, "regex") != 0 && json_object_get(v, "group") != NULL)
			err_key(c, "group", "only goes with \"regex\"");
		if (kind == NULL) {
			/* error recorded by one_of */
		} else if (strcmp(kind, "json") == 0) {
			e->from = PLAN_FROM_JSON;
			e->pointer = pointer_at(c, v, "json");
			st->needs_json = 1;
		} else if (strcmp(kind, "header") == 0) {
			e->from = PLAN_FROM_HEADER;
			e->header = header_name_at(c, v, "header");
		} else {
			e->from = PLAN_FROM_REGEX;
			if ((e->regex = regex_at(c, v, "regex")) != NULL) {
				int groups = e->regex->groups;
				int have = get_int(c, v, "group", 0, 1000, &group);
				if (have == 0)
					group = groups > 0 ? 1 : 0;
				if (have == 1 && group > groups)
					err_key(c, "group", "expected a group from 0 to %d (the pattern has %d), got "
					    "%lld", groups, groups, (long long)group);
				e->group = group >= 0 && group <= groups ? (int)group : 0;
				st->needs_regex = 1;
			}
		}
		path_pop(c, old2);
		e->var = xstrdup(name);
		e->slot = var_register(c, name);
		st->nextracts++;
	}
	path_pop(c, old);
}

/* The k6-style name of a check written without one. */
static char *
check_default_name(const struct plan_check *k, json_t *spec)
{
	const char *s;
	char *out, *eq;

	switch (k->kind) {
	case PLAN_CHECK_STATUS: {
		size_t len = 0, cap = 16 + 12 * (size_t)k->nstatuses;
		out = xmalloc(cap);
		len = (size_t)snprintf(out, cap, "status is %d", k->statuses[0]);
		for (int i = 1; i < k->nstatuses; i++)
			len += (size_t)snprintf(out + len, cap - len, "%s%d",
			    i + 1 == k->nstatuses ? " or " : ", ", k->statuses[i]);
		return out;
	}
	case PLAN_CHECK_BODY_CONTAINS:
		return xasprintf("body contains \"%.*s%s\"", (int)utf8_cut(k->text, k->text_len, 60), k->text,
		    k->text_len > 60 ? "..." : "");
	case PLAN_CHECK_JSON:
		s = json_string_value(json_object_get(spec, "json"));
		if (k->op == PLAN_OP_EXISTS)
			return xasprintf("json %s exists", s);
		if (k->op == PLAN_OP_ABSENT)
			return xasprintf("json %s does not exist", s);
		eq = json_dumps(k->equals, JSON_ENCODE_ANY | JSON_COMPACT);
		out = xasprintf("json %s is %.*s%s", s, (int)utf8_cut(eq, strlen(eq), 60), eq,
		    strlen(eq) > 60 ? "..." : "");
		free(eq);
		return out;
	case PLAN_CHECK_HEADER:
		if (k->op == PLAN_OP_EXISTS)
			return xasprintf("header %s exists", k->header);
		if (k->op == PLAN_OP_ABSENT)
			return xasprintf("header %s does not exist", k->header);
		if (k->op == PLAN_OP_EQUALS)
			return xasprintf("header %s is \"%s\"", k->header, k->text);
		return xasprintf("header %s matches /%s/", k->header,
		    json_string_value(json_object_get(spec, "matches")));
	case PLAN_CHECK_MAX_DURATION:
		return xasprintf("response time < %s", json_string_value(json_object_get(spec, "maxDuration")));
	}
	return xstrdup("check");
}

/* The counter index of a check name, added when new. */
static int
check_index_of(struct ctx *c, const char *name)
{
	return intern(c->check_index, &c->plan->check_names, &c->plan->nchecks, name);
}

/* Parses one check (object at the current path) into k; 0, or -1 when invalid. */
static int
parse_check(struct ctx *c, json_t *v, struct plan_check *k)
{
	static const char *const kinds[] = { "status", "bodyContains", "json", "header", "maxDuration", NULL };
	static const char *const header_ops[] = { "exists", "equals", "matches", NULL };
	const char *const *lists[] = { check_keys_all };
	const char *kind, *name = NULL;
	json_t *st, *ex;
	int errors = c->errors;
	char *dflt;

	if (!json_is_object(v)) {
		expected(c, NULL, "a check like {\"status\": 200}", v);
		return -1;
	}
	check_keys(c, v, lists, 1, -1);
	if ((kind = one_of(c, v, kinds, "one of status, bodyContains, json, header, maxDuration")) == NULL)
		return -1;
	/* operators belong to json and header only */
	if (strcmp(kind, "json") != 0 && strcmp(kind, "header") != 0) {
		for (const char *const *op = header_ops; *op != NULL; op++)
			if (json_object_get(v, *op) != NULL)
				err_key(c, *op, "only goes with \"json\" or \"header\"");
	} else if (strcmp(kind, "json") == 0 && json_object_get(v, "matches") != NULL) {
		err_key(c, "matches", "only goes with \"header\" (use \"equals\" for a JSON value)");
	}
	if (json_object_get(v, "failRequest") != NULL) {
		if (!json_is_boolean(json_object_get(v, "failRequest")))
			expected(c, "failRequest", "true or false", json_object_get(v, "failRequest"));
		else
			k->fail_request = json_is_true(json_object_get(v, "failRequest"));
	}

	if (strcmp(kind, "status") == 0) {
		k->kind = PLAN_CHECK_STATUS;
		st = json_object_get(v, "status");
		if (json_is_integer(st) && json_integer_value(st) >= 100 && json_integer_value(st) <= 599) {
			k->statuses = xcalloc(1, sizeof *k->statuses);
			k->statuses[k->nstatuses++] = (int)json_integer_value(st);
		} else if (json_is_array(st) && json_array_size(st) > 0 && json_array_size(st) <= 100) {
			size_t i;
			json_t *e;
			k->statuses = xcalloc(json_array_size(st), sizeof *k->statuses);
			json_array_foreach(st, i, e) {
				if (!json_is_integer(e) || json_integer_value(e) < 100 || json_integer_value(e) > 599) {
					size_t o = path_key(c, "status");
					size_t o2 = path_index(c, i);
					expected(c, NULL, "an HTTP status from 100 to 599", e);
					path_pop(c, o2);
					path_pop(c, o);
					continue;
				}
				k->statuses[k->nstatuses++] = (int)json_integer_value(e);
			}
		} else {
			expected(c, "status", "an HTTP status like 200, or a list like [200, 201]", st);
		}
	} else if (strcmp(kind, "bodyContains") == 0) {
		k->kind = PLAN_CHECK_BODY_CONTAINS;
		st = json_object_get(v, "bodyContains");
		if (!json_is_string(st) || json_string_length(st) == 0)
			expected(c, "bodyContains", "a non-empty string", st);
		else {
			k->text = xstrndup(json_string_value(st), json_string_length(st));
			k->text_len = json_string_length(st);
		}
	} else if (strcmp(kind, "json") == 0) {
		k->kind = PLAN_CHECK_JSON;
		k->pointer = pointer_at(c, v, "json");
		k->op = PLAN_OP_EXISTS;
		if (json_object_get(v, "exists") != NULL && json_object_get(v, "equals") != NULL)
			err_key(c, "equals", "conflicts with \"exists\" (a check tests one thing)");
		if ((ex = json_object_get(v, "exists")) != NULL) {
			if (!json_is_boolean(ex))
				expected(c, "exists", "true or false", ex);
			k->op = json_is_false(ex) ? PLAN_OP_ABSENT : PLAN_OP_EXISTS;
		} else if ((ex = json_object_get(v, "equals")) != NULL) {
			k->op = PLAN_OP_EQUALS;
			k->equals = json_incref(ex);
		}
	} else if (strcmp(kind, "header") == 0) {
		int nops = 0;
		k->kind = PLAN_CHECK_HEADER;
		k->header = header_name_at(c, v, "header");
		k->op = PLAN_OP_EXISTS;
		for (const char *const *op = header_ops; *op != NULL; op++)
			nops += json_object_get(v, *op) != NULL;
		if (nops > 1)
			err(c, "expected at most one of exists, equals, matches (a check tests one thing)");
		if ((ex = json_object_get(v, "exists")) != NULL) {
			if (!json_is_boolean(ex))
				expected(c, "exists", "true or false", ex);
			k->op = json_is_false(ex) ? PLAN_OP_ABSENT : PLAN_OP_EXISTS;
		} else if ((ex = json_object_get(v, "equals")) != NULL) {
			k->op = PLAN_OP_EQUALS;
			if (!json_is_string(ex))
				expected(c, "equals", "a string (header values are text)", ex);
			else {
				k->text = xstrndup(json_string_value(ex), json_string_length(ex));
				k->text_len = json_string_length(ex);
			}
		} else if (json_object_get(v, "matches") != NULL) {
			k->op = PLAN_OP_MATCHES;
			k->regex = regex_at(c, v, "matches");
		}
	} else {
		k->kind = PLAN_CHECK_MAX_DURATION;
		get_duration(c, v, "maxDuration", 1, INT64_MAX, &k->max_ns);
	}

	if (get_name(c, v, "name", &name) == 1 && strstr(name, "::") != NULL) {
		expected(c, "name", "a check name without \"::\" (k6 separates groups with it)",
		    json_object_get(v, "name"));
		name = NULL;
	}
	if (c->errors != errors)
		return -1;
	dflt = name == NULL ? check_default_name(k, v) : NULL;
	k->index = check_index_of(c, name != NULL ? name : dflt);
	free(dflt);
	return 0;
}

/* Parses a step's `checks` array. */
static void
parse_checks(struct ctx *c, json_t *obj, struct plan_step *st)
{
	json_t *checks = json_object_get(obj, "checks"), *v;
	size_t old, i;

	if (checks == NULL)
		return;
	if (!json_is_array(checks) || json_array_size(checks) == 0 || json_array_size(checks) > 100) {
		expected(c, "checks", "an array of 1 to 100 checks like [{\"status\": 200}]", checks);
		return;
	}
	st->checks = xcalloc(json_array_size(checks), sizeof *st->checks);
	old = path_key(c, "checks");
	json_array_foreach(checks, i, v) {
		size_t old2 = path_index(c, i);
		struct plan_check *k = &st->checks[st->nchecks];
		if (parse_check(c, v, k) == 0) {
			st->nchecks++;
			st->needs_json |= k->kind == PLAN_CHECK_JSON;
			st->needs_regex |= k->op == PLAN_OP_MATCHES;
		} else {
			free(k->statuses);
			free(k->text);
			free(k->header);
			pattern_pointer_free(k->pointer);
			pattern_regex_free(k->regex);
			json_decref(k->equals);
			memset(k, 0, sizeof *k);
		}
		path_pop(c, old2);
	}
	path_pop(c, old);
}

/* Parses a step's `groupBy`: {"json": "/node_id"} or {"header": "X-Served-By"}. */
static void
parse_group_by(struct ctx *c, json_t *obj, struct plan_step *st)
{
	static const char *const kinds[] = { "json", "header", NULL };
	const char *const *lists[] = { group_by_keys };
	json_t *g = json_object_get(obj, "groupBy");
	struct plan *p = c->plan;
	struct plan_group grp = { 0 };
	const char *kind;
	size_t old;

	st->group = 0;
	if (g == NULL)
		return;
	if (!json_is_object(g)) {
		expected(c, "groupBy", "{\"json\": \"/node_id\"} or {\"header\": \"X-Served-By\"}", g);
		return;
	}
	old = path_key(c, "groupBy");
	check_keys(c, g, lists, 1, -1);
	kind = one_of(c, g, kinds, "one of json, header");
	if (kind != NULL && strcmp(kind, "json") == 0) {
		grp.from = PLAN_FROM_JSON;
		if ((grp.pointer = pointer_at(c, g, "json")) != NULL)
			grp.source = xasprintf("json %s", json_string_value(json_object_get(g, "json")));
		st->needs_json = 1;
	} else if (kind != NULL) {
		grp.from = PLAN_FROM_HEADER;
		if ((grp.header = header_name_at(c, g, "header")) != NULL)
			grp.source = xasprintf("header %s", grp.header);
	}
	path_pop(c, old);
	if (grp.source == NULL) {
		pattern_pointer_free(grp.pointer);
		free(grp.header);
		return;
	}
	for (int i = 0; i < p->ngroups; i++) {
		if (strcmp(p->groups[i].name, st->name) != 0)
			continue;
		if (strcmp(p->groups[i].source, grp.source) != 0)
			err_key(c, "groupBy", "conflicts with the groupBy (%s) of another step named \"%s\"",
			    p->groups[i].source, st->name);
		else
			st->group = i + 1;
		pattern_pointer_free(grp.pointer);
		free(grp.header);
		free(grp.source);
		return;
	}
	grp.name = xstrdup(st->name);
	p->groups = xreallocarray(p->groups, (size_t)p->ngroups + 1, sizeof *p->groups);
	p->groups[p->ngroups] = grp;
	st->group = ++p->ngroups;
}

/* What a step does with its response and after it: extract, checks, groupBy, thinkTime. */
static void
parse_step_features(struct ctx *c, json_t *obj, struct plan_step *st)
{
	parse_extract(c, obj, st);
	parse_checks(c, obj, st);
	parse_group_by(c, obj, st);
	parse_think(c, obj, "thinkTime", &st->think);
	if (st->req.nheaders > c->plan->max_headers)
		c->plan->max_headers = st->req.nheaders;
}

/* Parses onStart / onStop (member key): an array of requests like a workflow's steps. */
static void
parse_session_steps(struct ctx *c, json_t *obj, const char *key, struct plan_step **out, int *n)
{
	json_t *steps = json_object_get(obj, key), *e;
	const char *const *lists[] = { request_keys };
	size_t old, i;

	if (steps == NULL)
		return;
	if (!json_is_array(steps) || json_array_size(steps) == 0) {
		expected(c, key, "a non-empty array of requests", steps);
		return;
	}
	if (json_array_size(steps) > (size_t)c->opt.max_steps) {
		char *what = xasprintf("at most %d steps", c->opt.max_steps);
		expected(c, key, what, steps);
		free(what);
		return;
	}
	*n = (int)json_array_size(steps);
	*out = xcalloc((size_t)*n, sizeof **out);
	old = path_key(c, key);
	json_array_foreach(steps, i, e) {
		size_t old2 = path_index(c, i);
		if (!json_is_object(e)) {
			expected(c, NULL, "a request object like {\"method\": \"POST\", \"path\": \"/login\"}", e);
			(*out)[i].name = xstrdup("?");
		} else {
			check_keys(c, e, lists, 1, -1);
			parse_step(c, e, &(*out)[i], 0, NULL);
		}
		path_pop(c, old2);
	}
	path_pop(c, old);
}

/* Parses a scenario's (or, for the shortcuts, the root's) session keys: onStart, onStop,
   thinkTime, cookies, vars; and notes which feeds its templates read. */
static void
parse_scenario_features(struct ctx *c, json_t *obj, struct plan_scenario *s, int known_executor)
{
	int open = known_executor && (s->executor == PLAN_CONSTANT_ARRIVAL_RATE ||
	    s->executor == PLAN_RAMPING_ARRIVAL_RATE);
	json_t *vars = json_object_get(obj, "vars"), *v, *cookies = json_object_get(obj, "cookies");
	const char *name;
	struct plan *p = c->plan;

	parse_session_steps(c, obj, "onStart", &s->on_start, &s->non_start);
	parse_session_steps(c, obj, "onStop", &s->on_stop, &s->non_stop);
	if (open && s->non_stop > 0)
		err_key(c, "onStop", "not supported by %s: its VUs serve iterations as they come and have no "
		    "session to end (use onStart, which runs before a VU's first iteration)",
		    plan_executor_name(s->executor));
	parse_think(c, obj, "thinkTime", &s->think);
	if (open && json_object_get(obj, "thinkTime") != NULL) {
		err_key(c, "thinkTime", "does not apply to %s: iterations start on a clock, so a pause "
		    "between them changes nothing (put thinkTime on a step to pause inside an iteration)",
		    plan_executor_name(s->executor));
		memset(&s->think, 0, sizeof s->think);
	}
	s->cookies = 1;
	if (cookies != NULL) {
		if (!json_is_boolean(cookies))
			expected(c, "cookies", "true or false", cookies);
		else
			s->cookies = json_is_true(cookies);
	}
	if (vars != NULL) {
		if (!json_is_object(vars)) {
			expected(c, "vars", "an object of variable names to initial values like {\"page\": \"1\"}",
			    vars);
		} else {
			size_t old = path_key(c, "vars");
			s->inits = xcalloc(json_object_size(vars) + 1, sizeof *s->inits);
			json_object_foreach(vars, name, v) {
				char *text;
				if (!check_var_name(c, name, name, "variable"))
					continue;
				if (json_object_get(c->feed_index, name) != NULL) {
					err_key(c, name, "the variable name \"%s\" is also a feed's name", name);
					continue;
				}
				if (json_is_object(v) || json_is_array(v) || json_is_null(v) ||
				    (text = scalar_text(v)) == NULL) {
					expected(c, name, "a string, number or boolean (used as it is)", v);
					continue;
				}
				s->inits[s->ninits].slot = var_register(c, name);
				s->inits[s->ninits].len = strlen(text);
				s->inits[s->ninits].value = text;
				s->ninits++;
			}
			path_pop(c, old);
		}
	}
	for (int i = 0; i < p->nfeeds; i++) {
		if (!c->feed_use_scenario[i] && !c->feed_use_defaults[i])
			continue;
		s->feeds = xreallocarray(s->feeds, (size_t)s->nfeeds + 1, sizeof *s->feeds);
		s->feeds[s->nfeeds++] = i;
		c->feed_use_scenario[i] = 0;
	}
}

/* Top-level session keys next to `scenarios` belong inside a scenario. */
static void
check_root_session_keys(struct ctx *c, json_t *root)
{
	static const char *const keys[] = { "onStart", "onStop", "thinkTime", "vars", "cookies", NULL };

	if (json_object_get(root, "scenarios") == NULL)
		return;
	for (const char *const *k = keys; *k != NULL; k++)
		if (json_object_get(root, *k) != NULL)
			err_key(c, *k, "conflicts with \"scenarios\" (set it inside a scenario)");
}

/* After every scenario: unique feeds need a row per VU of the run. */
static void
check_unique_feeds(struct ctx *c)
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
		old = path_key(c, "feeds");
		old2 = path_key(c, f->name);
		err(c, "expected at least as many rows as VUs in the run (%d) for mode \"unique\" (each VU "
		    "keeps its own row), got %d", p->max_vus, f->nrows);
		path_pop(c, old2);
		path_pop(c, old);
	}
}

/* Frees what parse_step_features added to a step. */
static void
step_features_fini(struct plan_step *st)
{
	for (int i = 0; i < st->nextracts; i++) {
		free(st->extracts[i].var);
		free(st->extracts[i].header);
		pattern_pointer_free(st->extracts[i].pointer);
		pattern_regex_free(st->extracts[i].regex);
	}
	free(st->extracts);
	for (int i = 0; i < st->nchecks; i++) {
		free(st->checks[i].statuses);
		free(st->checks[i].text);
		free(st->checks[i].header);
		pattern_pointer_free(st->checks[i].pointer);
		pattern_regex_free(st->checks[i].regex);
		json_decref(st->checks[i].equals);
	}
	free(st->checks);
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

/* The most VUs one field may ask for: the cap, unless the cap is checked as a named total. */
static int64_t
vus_field_max(const struct ctx *c)
{
	return c->opt.limits_name != NULL ? PLAN_MAX_VUS : c->opt.max_vus;
}

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
		if (get_duration(c, e, "duration", 0, PLAN_MAX_STAGE_NS, &d) == 0)
			err_key(c, "duration", "expected %s, got nothing", DURATION_LIKE);
		if (rate) {
			if (get_number(c, e, "target", 0, 0, PLAN_MAX_RATE, &target) == 0)
				err_key(c, "target", "expected a number >= 0 (iterations per timeUnit), got nothing");
		} else {
			if (get_int(c, e, "target", 0, vus_field_max(c), &vus) == 0)
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
	int64_t v, max = vus_field_max(c);
	int ok;

	*run_ns = 0;
	switch (s->executor) {
	case PLAN_CONSTANT_VUS:
		s->vus = 1;
		if (get_int(c, obj, k->vus, 1, max, &v) == 1)
			s->vus = (int)v;
		if (get_duration(c, obj, k->duration, 1, PLAN_MAX_STAGE_NS, &s->duration_ns) == 0)
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
			if (get_number(c, obj, k->rate, 0, 1, PLAN_MAX_RATE, &s->rate) == 0)
				missing(c, k->rate, "a number > 0 (iterations per timeUnit)", who);
			if (get_duration(c, obj, k->duration, 1, PLAN_MAX_STAGE_NS, &s->duration_ns) == 0)
				missing(c, k->duration, DURATION_LIKE, who);
			*run_ns = s->duration_ns;
		} else {
			get_number(c, obj, k->start_rate, 0, 0, PLAN_MAX_RATE, &s->start_rate);
			parse_stages(c, obj, k->stages, 1, who, s);
			for (int i = 0; i < s->nstages && *run_ns >= 0; i++)
				*run_ns = add_ns(*run_ns, s->stages[i].duration_ns);
		}
		s->time_unit_ns = DEFAULT_TIME_UNIT;
		get_duration(c, obj, k->time_unit, 1, PLAN_MAX_STAGE_NS, &s->time_unit_ns);
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

/* " (limits.max_vus)" after a cap's message when the caps are named, else "". */
static const char *
cap_name(const struct ctx *c, const char *key, char *buf, size_t size)
{
	if (c->opt.limits_name == NULL)
		return "";
	snprintf(buf, size, " (%s.%s)", c->opt.limits_name, key);
	return buf;
}

/* Checks a scenario's run time and gracefulStop against max_duration. */
static void
check_duration_cap(struct ctx *c, const struct plan_scenario *s, int64_t run_ns)
{
	char cap[DURATION_FMT_SIZE], got_s[DURATION_FMT_SIZE], name[64];
	int64_t total = run_ns < 0 ? INT64_MAX : add_ns(s->start_time_ns, run_ns);
	const char *what = "duration";

	if (s->executor == PLAN_PER_VU_ITERATIONS || s->executor == PLAN_SHARED_ITERATIONS)
		what = "maxDuration";
	else if (s->executor == PLAN_RAMPING_VUS || s->executor == PLAN_RAMPING_ARRIVAL_RATE)
		what = "the stages' durations";
	if (total < 0 || total > c->opt.max_duration_ns)
		err(c, "expected startTime + %s to be at most %s%s, got %s", what,
		    duration_format(c->opt.max_duration_ns, cap),
		    cap_name(c, "max_duration", name, sizeof name),
		    total < 0 || total == INT64_MAX ? "more than 292 years" : duration_format(total, got_s));
	if (s->graceful_stop_ns > DEFAULT_GRACEFUL_STOP && s->graceful_stop_ns > c->opt.max_duration_ns)
		err_key(c, "gracefulStop", "expected at most %s%s, got %s",
		    duration_format(c->opt.max_duration_ns, cap),
		    cap_name(c, "max_duration", name, sizeof name),
		    duration_format(s->graceful_stop_ns, got_s));
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
	if (c->opt.max_duration_ns > 0)
		check_duration_cap(c, s, run_ns);
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
	parse_scenario_features(c, obj, s, e >= 0);
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
	parse_scenario_features(c, root, s, 1);
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
	if (o->max_vus > PLAN_MAX_VUS)
		o->max_vus = PLAN_MAX_VUS;
	if (o->max_feed_rows <= 0)
		o->max_feed_rows = 1000000;
	if (o->max_feed_bytes == 0)
		o->max_feed_bytes = 64 * 1024 * 1024;
	if (o->max_var_bytes == 0)
		o->max_var_bytes = 4096;
}

/* The most iterations per second an arrival-rate scenario asks for (0 for the other executors). */
static double
peak_rate(const struct plan_scenario *s)
{
	double peak = s->executor == PLAN_CONSTANT_ARRIVAL_RATE ? s->rate : s->start_rate;

	if (s->executor != PLAN_CONSTANT_ARRIVAL_RATE && s->executor != PLAN_RAMPING_ARRIVAL_RATE)
		return 0;
	for (int i = 0; i < s->nstages; i++) {
		if (s->stages[i].target > peak)
			peak = s->stages[i].target;
	}
	return s->time_unit_ns > 0 ? peak * (double)NS_S / (double)s->time_unit_ns : 0;
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
	double total_rate = 0;
	int64_t redirects;
	char name_buf[64];

	options_init(&c->opt, opt);
	c->errs = errs;
	c->plan = p;
	c->endpoint_index = json_object();
	c->scope = (struct tmpl_scope){ scope_var, scope_env, c };
	c->var_index = json_object();
	c->check_index = json_object();
	c->feed_index = json_object();
	c->bad_feeds = json_object();
	p->var_cap = c->opt.max_var_bytes;
	c->def_timeout_ns = DEFAULT_TIMEOUT;
	c->def_redirects = DEFAULT_REDIRECTS;

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
	check_root_session_keys(c, def);
	collect_variables(c, def);
	parse_defaults(c, def);
	if (get_int(c, def, "maxRedirects", 0, MAX_REDIRECTS, &redirects) == 1)
		c->def_redirects = (int)redirects;
	get_flag(c, def, "insecureSkipTLSVerify", &p->insecure_tls);
	get_flag(c, def, "noConnectionReuse", &p->no_connection_reuse);
	c->feed_use = c->feed_use_scenario;

	if ((scenarios = json_object_get(def, "scenarios")) != NULL) {
		parse_scenarios(c, def, scenarios);
	} else {
		p->nscenarios = 1;
		p->scenarios = xcalloc(1, sizeof *p->scenarios);
		parse_shortcut(c, def, &p->scenarios[0]);
	}

	for (int i = 0; i < p->nscenarios; i++) {
		total_vus += p->scenarios[i].max_vus;
		total_rate += peak_rate(&p->scenarios[i]);
		if (p->scenarios[i].end_ns > p->max_end_ns)
			p->max_end_ns = p->scenarios[i].end_ns;
	}
	if (total_vus > c->opt.max_vus)
		err_key(c, scenarios ? "scenarios" : "vus", "expected at most %d VUs over all scenarios%s, "
		    "got up to %lld", c->opt.max_vus, cap_name(c, "max_vus", name_buf, sizeof name_buf),
		    (long long)total_vus);
	if (c->opt.max_rate > 0 && total_rate > c->opt.max_rate)
		err_key(c, "scenarios", "expected at most %.15g iterations per second over all arrival-rate "
		    "scenarios%s, got up to %.15g", c->opt.max_rate,
		    cap_name(c, "max_rate", name_buf, sizeof name_buf), total_rate);
	p->max_vus = (int)(total_vus > INT_MAX ? INT_MAX : total_vus);
	check_unique_feeds(c);
	/* thresholds: after everything they may name (endpoints, scenarios, tasks, checks) */
	c->errors += threshold_plan_parse(p, json_object_get(def, "thresholds"), errs);

out:
	for (int i = 0; i < c->ndef_headers; i++) {
		free(c->def_headers[i].name);
		tmpl_free(c->def_headers[i].value);
		tmpl_free(c->def_headers[i].line);
	}
	free(c->def_headers);
	free(c->base_url);
	json_decref(c->endpoint_index);
	json_decref(c->var_index);
	json_decref(c->check_index);
	json_decref(c->feed_index);
	json_decref(c->bad_feeds);
	free(c->feed_use_defaults);
	free(c->feed_use_scenario);
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

char *
testdef_base_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
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

/* Frees an array of n steps. */
static void
steps_free(struct plan_step *steps, int n)
{
	for (int k = 0; k < n; k++) {
		free(steps[k].name);
		request_fini(&steps[k].req);
		step_features_fini(&steps[k]);
	}
	free(steps);
}

void
plan_free(struct plan *p)
{
	if (p == NULL)
		return;
	threshold_plan_free(p);    /* thresholds and the steps' series lists */
	for (int i = 0; i < p->nscenarios; i++) {
		struct plan_scenario *s = &p->scenarios[i];
		for (int j = 0; j < s->ntasks; j++) {
			struct plan_task *t = &s->tasks[j];
			steps_free(t->steps, t->nsteps);
			free(t->name);
		}
		free(s->tasks);
		steps_free(s->on_start, s->non_start);
		steps_free(s->on_stop, s->non_stop);
		for (int j = 0; j < s->ninits; j++)
			free(s->inits[j].value);
		free(s->inits);
		free(s->feeds);
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
	for (int i = 0; i < p->nfeeds; i++)
		feed_load_fini(&p->feeds[i]);
	free(p->feeds);
	for (int i = 0; i < p->nchecks; i++)
		free(p->check_names[i]);
	free(p->check_names);
	for (int i = 0; i < p->ngroups; i++) {
		free(p->groups[i].name);
		free(p->groups[i].source);
		free(p->groups[i].header);
		pattern_pointer_free(p->groups[i].pointer);
	}
	free(p->groups);
	free(p->name);
	free(p->base_url);
	json_decref(p->definition);
	free(p);
}
