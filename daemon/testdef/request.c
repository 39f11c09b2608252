/*
 * request: the requests of a definition (see testdef_priv.h): tasks, a workflow's steps and a
 * session's onStart/onStop steps, each a request template (method, url or baseUrl + path, query,
 * headers, one of json/body/form, timeout, redirects) parsed into struct plan_request, with
 * defaults.headers merged in and header lines built once, so that a worker renders a request
 * without parsing anything. Also baseUrl and the URLs' fixed origins, checked against the target
 * hook.
 *
 * Runs on the thread that parses a definition.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "testdef/step_tags.h"
#include "testdef/template.h"
#include "testdef/testdef_priv.h"
#include "testdef/url_check.h"

#define MAX_WEIGHT 1000000         /* so that 1000 tasks' cumulative weight fits an int */
#define DEFAULT_TIMEOUT (60 * CLOCK_NS_PER_S)
#define DEFAULT_REDIRECTS 10       /* k6's maxRedirects default */
#define MAX_REDIRECTS 100

static const char *const request_keys[] = {
	"name", "method", "path", "url", "headers", "query", "json", "body", "form", "timeout",
	"redirects", "extract", "checks", "groupBy", "thinkTime", "customMethod", "tags", "record", "when",
	"repeat", NULL,
};
static const char *const task_only_keys[] = { "weight", "steps", NULL };
static const char *const defaults_keys[] = { "headers", "timeout", NULL };

/* ---- templates and URLs */

/* Parses a template at member key (errors there). src/len: the text. NULL if invalid. */
static struct tmpl *
parse_tmpl_at(struct walk *c, const char *key, const char *src, size_t len, enum tmpl_escape esc,
    int escape_literals)
{
	struct tmpl *t = tmpl_new();
	char *cause;

	if (tmpl_append(t, src, len, esc, escape_literals, &c->scope, &cause) != 0) {
		if (key)
			walk_err_key(c, key, "%s", cause);
		else
			walk_err(c, "%s", cause);
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

/*
 * The position of a trailing dot to drop from the host of URL s (n bytes), or 0: an IPv4 address
 * written with the DNS root's dot ("http://127.0.0.1.:8080/") is that address, but the resolver
 * reads "127.0.0.1." as a name and finds none, so the request would fail. Names keep their dot
 * (the resolver reads "api.local." as the absolute name it is).
 */
static size_t
ipv4_root_dot(const char *s, size_t n)
{
	size_t i, h;

	if (n >= 7 && strncasecmp(s, "http://", 7) == 0)
		h = 7;
	else if (n >= 8 && strncasecmp(s, "https://", 8) == 0)
		h = 8;
	else
		return 0;
	for (i = h; i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'); i++)
		;
	if (i - h < 2 || s[i - 1] != '.' || s[i - 2] == '.' ||
	    (i < n && s[i] != ':' && s[i] != '/' && s[i] != '?' && s[i] != '#'))
		return 0;
	return i - 1;
}

/* A copy of the JSON string v's text without ipv4_root_dot's dot; *n its length. */
static char *
url_text(json_t *v, size_t *n)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v), dot = ipv4_root_dot(s, len);
	char *t = xstrndup(s, len);

	if (dot > 0) {
		memmove(t + dot, t + dot + 1, len - dot);
		len--;
	}
	*n = len;
	return t;
}

/* Runs the target hook on an origin; errors at member key. */
static void
check_target(struct walk *c, const char *key, const char *origin, size_t n)
{
	char *o, *why = NULL;

	if (c->opt.check_target == NULL)
		return;
	o = xstrndup(origin, n);
	if (c->opt.check_target(c->opt.arg, o, &why) != 0)
		walk_err_key(c, key, "target %s is not allowed%s%s", o, why ? ": " : "", why ? why : "");
	free(why);
	free(o);
}

size_t
request_url_origin(const char *s, size_t n, const char **why)
{
	return has_space_or_control(s, n) ? (*why = "a URL without spaces or control characters (write "
	    "%20)", 0) : url_origin(s, n, 1, why);
}

void
request_check_target(struct walk *c, const char *key, const char *origin, size_t n)
{
	check_target(c, key, origin, n);
}

/* The methods a request may use without "customMethod" (RFC 9110's and PATCH, less CONNECT and
   TRACE, which a load test has no use for). */
static const char *const standard_methods[] = {
	"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", NULL,
};

/* Whether s is one of standard_methods, in any case (the method is upper-cased). */
static int
is_standard_method(const char *s)
{
	for (const char *const *m = standard_methods; *m != NULL; m++)
		if (strcasecmp(s, *m) == 0)
			return 1;
	return 0;
}

/* Whether name is an HTTP token (RFC 9110: method and header names). */
int
request_is_token(const char *s, size_t n)
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
char *
request_scalar_text(json_t *v)
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
append_pairs(struct walk *c, const char *key, json_t *obj, struct tmpl *t, const char *first,
    struct plan_query **q, int *nq)
{
	size_t old = walk_key(c, key);
	const char *name;
	json_t *v;
	int n = 0;

	json_object_foreach(obj, name, v) {
		size_t count = json_is_array(v) ? json_array_size(v) : 1;
		size_t old2 = walk_key(c, name);

		if (json_is_array(v) && count == 0)
			walk_expected(c, NULL, "a string, number or boolean, or a non-empty array of them", v);
		for (size_t i = 0; i < count; i++) {
			json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
			size_t old3 = json_is_array(v) ? walk_index(c, i) : c->plen;
			char *text = request_scalar_text(e);
			struct tmpl *value;

			if (text == NULL) {
				walk_expected(c, NULL, json_is_array(v) ? "a string, number or boolean" :
				    "a string, number or boolean, or an array of them", e);
				walk_pop(c, old3);
				continue;
			}
			value = parse_tmpl_at(c, NULL, text, strlen(text), TMPL_URL, 1);
			free(text);
			walk_pop(c, old3);
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
		walk_pop(c, old2);
	}
	walk_pop(c, old);
}

/* Serialises a JSON value into t, with templates in strings (keys included) JSON-escaped. Errors
   name the exact path of the bad string. */
static void
append_json(struct walk *c, json_t *v, struct tmpl *t)
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
			old = walk_key(c, key);
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
			walk_pop(c, old);
		}
		tmpl_append_literal(t, "}", 1);
		break;
	case JSON_ARRAY:
		tmpl_append_literal(t, "[", 1);
		json_array_foreach(v, i, e) {
			old = walk_index(c, i);
			if (i > 0)
				tmpl_append_literal(t, ",", 1);
			append_json(c, e, t);
			walk_pop(c, old);
		}
		tmpl_append_literal(t, "]", 1);
		break;
	case JSON_STRING: {
		struct tmpl *str = parse_tmpl_at(c, NULL, json_string_value(v), json_string_length(v),
		    TMPL_JSON, 1);
		if (str != NULL && tmpl_is_one_var(str)) {
			/* "{{id}}" alone: the variable's value, a number kept a number (template.h) */
			tmpl_free(str);
			str = parse_tmpl_at(c, NULL, json_string_value(v), json_string_length(v),
			    TMPL_JSON_VALUE, 1);
			if (str != NULL)
				tmpl_append_tmpl(t, str);
			tmpl_free(str);
			break;
		}
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
parse_headers(struct walk *c, json_t *obj, const char *key, struct plan_header **h, int *n)
{
	json_t *headers = json_object_get(obj, key), *v;
	const char *name;
	size_t old;

	if (headers == NULL)
		return;
	if (!json_is_object(headers)) {
		walk_expected(c, key, "an object of header names to values", headers);
		return;
	}
	old = walk_key(c, key);
	json_object_foreach(headers, name, v) {
		struct tmpl *value;

		if (!request_is_token(name, strlen(name))) {
			walk_err_key(c, name, "expected a header name (letters, digits and !#$%%&'*+-.^_`|~)");
			continue;
		}
		if (!json_is_string(v)) {
			walk_expected(c, name, "a string", v);
			continue;
		}
		if (memchr(json_string_value(v), '\r', json_string_length(v)) ||
		    memchr(json_string_value(v), '\n', json_string_length(v)) ||
		    strlen(json_string_value(v)) != json_string_length(v)) {
			walk_expected(c, name, "a header value without line breaks", v);
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
	walk_pop(c, old);
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
endpoint_of(struct walk *c, const char *name, const char *method)
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
parse_step(struct walk *c, json_t *obj, struct plan_step *st, int is_task, const char *name)
{
	struct plan_request *r = &st->req;
	json_t *path = json_object_get(obj, "path"), *url = json_object_get(obj, "url");
	json_t *query = json_object_get(obj, "query");
	const char *method = "GET", *s, *target_src = NULL, *bodies[] = { "json", "body", "form" };
	const char *body_key = NULL;
	int64_t timeout, redirects;
	int has_query_mark = 0, custom = 0;

	/* method: the standard ones, or any token with "customMethod": true (a typo like "GTE" would
	   otherwise validate and then fail every request with a 405 and no hint) */
	walk_get_flag(c, obj, "customMethod", &custom);
	if (walk_get_string(c, obj, "method", 1, &s) == 1) {
		if (!request_is_token(s, strlen(s)) || strlen(s) > 32)
			walk_expected(c, "method", "an HTTP method like \"GET\"", json_object_get(obj, "method"));
		else if (custom || is_standard_method(s))
			method = s;
		else {
			const char *const *lists[] = { standard_methods };
			const char *hint = walk_suggest(s, lists, 1);
			walk_err_key(c, "method", "expected one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, "
			    "got \"%s\"%s%s%s (another method needs \"customMethod\": true)", s,
			    hint ? " (did you mean \"" : "", hint ? hint : "", hint ? "\"?)" : "");
		}
	} else if (custom && json_object_get(obj, "method") == NULL) {
		walk_err_key(c, "customMethod", "expected with a \"method\" outside the standard ones, got "
		    "no method");
	}
	r->method = xstrdup(method);
	for (char *m = r->method; *m; m++) {
		if (*m >= 'a' && *m <= 'z')
			*m = (char)(*m - 'a' + 'A');
	}

	/* url: baseUrl + path, or url */
	if (path != NULL && url != NULL)
		walk_err_key(c, "url", "conflicts with \"path\" (a request has one of path, url)");
	if (path != NULL) {
		if (!json_is_string(path) || (json_string_value(path)[0] != '/' &&
		    strncmp(json_string_value(path), "{{", 2) != 0)) {
			walk_expected(c, "path", "a path starting with \"/\" or with a variable (\"{{next}}\")",
			    path);
		} else if (has_space_or_control(json_string_value(path), json_string_length(path))) {
			walk_expected(c, "path", "a path without spaces or control characters (write %20)", path);
		} else if (c->base_url == NULL) {
			if (!c->base_url_given)
				walk_err_key(c, "path", "expected \"baseUrl\" at the top level to join this path to "
				    "(or use an absolute \"url\"), got no baseUrl");
		} else {
			struct tmpl *p = parse_tmpl_at(c, "path", json_string_value(path),
			    json_string_length(path), TMPL_RAW, 0);
			target_src = json_string_value(path);
			if (p != NULL && json_string_value(path)[0] != '/') {
				size_t plen;
				tmpl_prefix(p, &plen);
				if (plen == 0) {
					/* a runtime variable: checked for its "/" once rendered */
					r->url_check = URL_CHECK_PATH;
					r->url_fixed_len = strlen(c->base_url);
				} else if (tmpl_prefix(p, &plen)[0] != '/') {
					/* {{env.NAME}}, known now */
					walk_expected(c, "path", "a path starting with \"/\"", path);
					tmpl_free(p);
					p = NULL;
				}
			}
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
		char *text;

		if (!json_is_string(url)) {
			walk_expected(c, "url", "an absolute http:// or https:// URL", url);
		} else if (has_space_or_control(json_string_value(url), json_string_length(url))) {
			walk_expected(c, "url", "a URL without spaces or control characters (write %20)", url);
		} else {
			text = url_text(url, &plen);
			r->url = parse_tmpl_at(c, "url", text, plen, TMPL_RAW, 0);
			free(text);
		}
		if (r->url != NULL) {
			target_src = json_string_value(url);
			prefix = tmpl_prefix(r->url, &plen);
			olen = plen == 0 && tmpl_nrefs(r->url) > 0 ? 0 : url_origin(prefix, plen,
			    tmpl_nrefs(r->url) == 0, &why);
			if (plen == 0 && tmpl_nrefs(r->url) > 0) {
				/* a variable is the URL: its origin is checked once rendered (url_check.h) */
				r->url_check = URL_CHECK_WHOLE;
			} else if (olen == 0) {
				walk_expected(c, "url", why, url);
				tmpl_free(r->url);
				r->url = NULL;
			} else {
				check_target(c, "url", prefix, olen);
			}
		}
	} else {
		walk_err(c, "expected \"path\" (joined to baseUrl) or \"url\", got neither");
	}
	if (target_src != NULL && strchr(target_src, '?') != NULL)
		has_query_mark = 1;

	/* name */
	if (!is_task && walk_get_name(c, obj, "name", &s) == 1)
		name = s;
	if (name != NULL) {
		st->name = xstrdup(name);
	} else {
		const char *shown = target_src ? target_src : json_is_string(url) ? json_string_value(url) :
		    json_is_string(path) ? json_string_value(path) : "?";
		if (c->name_by_url) {
			/* k6's default name: the URL (baseUrl + path as written; references kept, so that
			   one step stays one endpoint, as with k6's http.url``) */
			char *u = path != NULL && c->base_url != NULL ? xasprintf("%s%s", c->base_url, shown) :
			    xstrdup(shown);
			size_t n = walk_utf8_cut(u, strlen(u), WALK_NAME_MAX);
			st->name = xstrndup(u, n);
			free(u);
		} else {
			size_t n = walk_utf8_cut(shown, strlen(shown), WALK_NAME_MAX);
			st->name = xasprintf("%s %.*s", r->method, (int)n, shown);
		}
	}

	/* query */
	r->full_url = tmpl_new();
	if (r->url != NULL)
		tmpl_append_tmpl(r->full_url, r->url);
	if (query != NULL) {
		if (!json_is_object(query))
			walk_expected(c, "query", "an object of names to values", query);
		else
			append_pairs(c, "query", query, r->full_url, has_query_mark ? "&" : "?", &r->query,
			    &r->nquery);
	}
	if (r->url_check != URL_CHECK_NONE && r->nquery > 0) {
		/* a variable may bring its own '?': the worker joins the query then (render's "?" or "&") */
		tmpl_free(r->full_url);
		r->full_url = NULL;
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
			walk_err_key(c, bodies[i], "conflicts with \"%s\" (a request has at most one of json, "
			    "body, form)", body_key);
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
			old = walk_key(c, "json");
			append_json(c, b, r->body);
			walk_pop(c, old);
			add_header_default(r, "Content-Type", "application/json");
		} else if (strcmp(body_key, "body") == 0) {
			r->body_kind = PLAN_BODY_RAW;
			if (!json_is_string(b)) {
				walk_expected(c, "body", "a string (use \"json\" for a JSON value)", b);
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
				walk_expected(c, "form", "an object of field names to values", b);
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
	if (walk_get_duration(c, obj, "timeout", 1, INT64_MAX, &timeout) == 1)
		r->timeout_ns = timeout;
	r->max_redirects = c->def_redirects;
	if (walk_get_int(c, obj, "redirects", 0, MAX_REDIRECTS, &redirects) == 1)
		r->max_redirects = (int)redirects;

	st->endpoint = endpoint_of(c, st->name, r->method);
	features_step(c, obj, st);
	step_tags_parse(c, obj, st);
}

/* Parses one step object at the current path: a request, or a batch of them (flow.c). */
void
request_step(struct walk *c, json_t *e, struct plan_step *st)
{
	if (json_object_get(e, "batch") != NULL) {
		flow_batch(c, e, st);
		return;
	}
	request_one(c, e, st);
}

void
request_one(struct walk *c, json_t *e, struct plan_step *st)
{
	const char *const *lists[] = { request_keys };

	walk_check_keys(c, e, lists, 1, -1);
	parse_step(c, e, st, 0, NULL);
}

/* Parses one task (object at the current path). */
static void
parse_task(struct walk *c, json_t *obj, struct plan_task *t)
{
	const char *const *single[] = { request_keys, task_only_keys };
	json_t *steps = json_object_get(obj, "steps");
	const char *name = NULL;
	int64_t weight = 1;

	if (!json_is_object(obj)) {
		walk_expected(c, NULL, "a task object like {\"method\": \"GET\", \"path\": \"/\"}", obj);
		t->name = xstrdup("?");
		t->weight = 1;
		return;
	}
	walk_check_keys(c, obj, single, 2, -1);
	walk_get_name(c, obj, "name", &name);
	walk_get_int(c, obj, "weight", 1, MAX_WEIGHT, &weight);
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
			walk_err_key(c, *k, "conflicts with \"steps\" (put request fields inside each step)");
	}
	step_group_steps(c, obj, "steps", &t->steps, &t->nsteps);
	t->name = xstrdup(name ? name : t->nsteps > 0 && t->steps[0].name ? t->steps[0].name : "?");
}

/* Parses member key of obj as the tasks of scenario s. */
void
request_tasks(struct walk *c, json_t *obj, const char *key, struct plan_scenario *s)
{
	json_t *tasks = json_object_get(obj, key), *e;
	size_t old, i;
	int sum = 0;

	if (tasks == NULL) {
		walk_err_key(c, key, "expected a list of requests to make, got nothing");
		return;
	}
	if (!json_is_array(tasks) || json_array_size(tasks) == 0) {
		walk_expected(c, key, "a non-empty array of tasks", tasks);
		return;
	}
	if (json_array_size(tasks) > (size_t)(c->opt.max_tasks - c->ntasks)) {
		walk_err_key(c, key, "expected at most %d tasks in the whole definition, got %zu more than that",
		    c->opt.max_tasks, json_array_size(tasks) - (size_t)(c->opt.max_tasks - c->ntasks));
		return;
	}
	c->ntasks += (int)json_array_size(tasks);
	s->ntasks = (int)json_array_size(tasks);
	s->tasks = xcalloc((size_t)s->ntasks, sizeof *s->tasks);
	old = walk_key(c, key);
	json_array_foreach(tasks, i, e) {
		size_t old2 = walk_index(c, i);
		parse_task(c, e, &s->tasks[i]);
		sum += s->tasks[i].weight;
		s->tasks[i].cum_weight = sum;
		walk_pop(c, old2);
	}
	walk_pop(c, old);
	s->total_weight = sum;
}

/* Parses onStart / onStop (member key): an array of requests like a workflow's steps. */
void
request_session_steps(struct walk *c, json_t *obj, const char *key, struct plan_step **out, int *n)
{
	json_t *steps = json_object_get(obj, key), *e;
	size_t old, i;

	if (steps == NULL)
		return;
	if (!json_is_array(steps) || json_array_size(steps) == 0) {
		walk_expected(c, key, "a non-empty array of requests", steps);
		return;
	}
	if (json_array_size(steps) > (size_t)c->opt.max_steps) {
		char *what = xasprintf("at most %d steps", c->opt.max_steps);
		walk_expected(c, key, what, steps);
		free(what);
		return;
	}
	*n = (int)json_array_size(steps);
	*out = xcalloc((size_t)*n, sizeof **out);
	old = walk_key(c, key);
	json_array_foreach(steps, i, e) {
		size_t old2 = walk_index(c, i);
		if (!json_is_object(e)) {
			walk_expected(c, NULL, "a request object like {\"method\": \"POST\", \"path\": "
			    "\"/login\"}", e);
			(*out)[i].name = xstrdup("?");
		} else {
			request_step(c, e, &(*out)[i]);
		}
		walk_pop(c, old2);
	}
	walk_pop(c, old);
}

/* ---- baseUrl and defaults */

/* Reads baseUrl: a fixed URL (environment references allowed), kept without a trailing '/'. */
void
request_base_url(struct walk *c, json_t *root)
{
	json_t *v = json_object_get(root, "baseUrl");
	struct tmpl *t;
	const char *s, *why;
	char *text;
	size_t n, olen;

	if (v == NULL)
		return;
	c->base_url_given = 1;
	if (!json_is_string(v)) {
		walk_expected(c, "baseUrl", "an absolute http:// or https:// URL", v);
		return;
	}
	text = url_text(v, &n);
	t = parse_tmpl_at(c, "baseUrl", text, n, TMPL_RAW, 0);
	free(text);
	if (t == NULL)
		return;
	if ((s = tmpl_literal(t, &n)) == NULL) {
		walk_expected(c, "baseUrl", "a fixed URL (only {{env.NAME}} references)", v);
	} else if (has_space_or_control(s, n)) {
		walk_expected(c, "baseUrl", "a URL without spaces or control characters", v);
	} else if ((olen = url_origin(s, n, 1, &why)) == 0) {
		walk_expected(c, "baseUrl", why, v);
	} else if (memchr(s, '?', n) || memchr(s, '#', n)) {
		walk_expected(c, "baseUrl", "a base URL without '?' or '#'", v);
	} else {
		check_target(c, "baseUrl", s, olen);
		while (n > olen && s[n - 1] == '/')
			n--;
		c->base_url = xstrndup(s, n);
	}
	tmpl_free(t);
}

/* Reads what every request starts from: defaults.headers, defaults.timeout and maxRedirects. */
void
request_defaults(struct walk *c, json_t *root)
{
	json_t *d = json_object_get(root, "defaults");
	const char *const *lists[] = { defaults_keys };
	int64_t redirects;
	size_t old;

	c->def_timeout_ns = DEFAULT_TIMEOUT;
	c->def_redirects = DEFAULT_REDIRECTS;
	if (json_is_object(d)) {
		old = walk_key(c, "defaults");
		walk_check_keys(c, d, lists, 1, -1);
		parse_headers(c, d, "headers", &c->def_headers, &c->ndef_headers);
		walk_get_duration(c, d, "timeout", 1, INT64_MAX, &c->def_timeout_ns);
		walk_pop(c, old);
	} else if (d != NULL) {
		walk_expected(c, "defaults", "an object with headers and timeout", d);
	}
	if (walk_get_int(c, root, "maxRedirects", 0, MAX_REDIRECTS, &redirects) == 1)
		c->def_redirects = (int)redirects;
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
void
request_steps_free(struct plan_step *steps, int n)
{
	for (int k = 0; k < n; k++) {
		free(steps[k].name);
		request_fini(&steps[k].req);
		features_step_fini(&steps[k]);
		step_tags_fini(&steps[k]);
		request_steps_free(steps[k].batch, steps[k].nbatch);
	}
	free(steps);
}
