/*
 * api: libmicrohttpd glue, the router, and what every handler file shares (query parameters,
 * cursors, common replies; see api.h, api_priv.h), so handler files never use each other. MHD runs
 * its own internal epoll thread without a listen socket (the front door calls api_add_connection);
 * every callback here, and every handler, runs on that one thread, which also owns the read-only
 * SQLite connection.
 *
 * MHD calls the access handler several times per request: first with the headers, then once per
 * chunk of body, then once more with no data. We decide the route in the first call, collect the
 * body, and answer in the last call, never in the first: MHD 0.9.75 closes keep-alive connections
 * whose answer was queued in the first call. The one exception is a Content-Length above
 * limits.max_request_body, answered at once with 413 so the client is not left uploading it.
 *
 * Before a handler runs, the router applies the same-origin rule (security_request_check: Host,
 * Origin, Sec-Fetch-Site, and a JSON Content-Type or X-Rampage-Client on state-changing requests),
 * then checks the request's API token (security.h): a request that needs one and lacks it gets 401
 * whatever its route, so unknown routes are not revealed either.
 *
 * URLs reach us still percent-encoded (our unescape callback keeps them): the path is decoded
 * here exactly once so that %00 is an error rather than a silent cut, and query values are
 * decoded on demand (api_query).
 */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/conf.h"
#include "core/log.h"
#include "core/text.h"
#include "core/xmalloc.h"
#include "http/api_priv.h"
#include "http/static.h"
#include "runs/run_plan.h"
#include "security/security.h"
#include "store/store.h"
#include "testdef/testdef.h"

#define HEADERS_MAX 8
#define API_LIMIT_SLACK 16   /* MHD's connection limit is server.max_connections + this */

struct api {
	/* set by api_start, read-only afterwards */
	struct MHD_Daemon *mhd;
	const struct conf *cfg;
	struct store *store;
	struct runq *runq;
	struct sched *sched;         /* api_set_sched, before the first request */
	struct static_root *root;
	const struct security *sec;  /* tokens, allowlist, caps (main's; immutable) */
	size_t body_max;             /* limits.max_request_body */
	int max_open;                /* server.max_connections */
	int64_t started_ns;
	/* shared: +1 by the front door's thread for each connection handed to MHD, -1 by the api
	   thread when MHD closes one (see api_add_connection) */
	atomic_int open;
	/* owned by the api thread (opened by api_start before the thread uses it) */
	sqlite3 *db;
};

/* One request's state (MHD's con_cls); the handler sees only `pub`. */
struct req {
	struct api_request pub;
	api_handler_fn *handler;     /* the route's, or NULL when `error` says what to answer */
	unsigned error;              /* 400, 401, 403, 404, 405, 413, 415, 421: decided before the
	                                handler would run */
	char *why;                   /* 403, 415, 421: security_request_check's reason */
	int bad_token;               /* 401: a token was sent but is not valid */
	char allow[64];              /* for 405 */
	char *path;
	char *body;
	size_t body_len, body_cap;
	size_t body_seen;            /* bytes received, kept or not (the cap applies to every request) */
	int replied;
	enum MHD_Result result;      /* of MHD_queue_response */
	struct { char *name, *value; } headers[HEADERS_MAX];
	int nheaders;
	char **strings;              /* api_query results, freed with the request */
	int nstrings;
};

/* The request state around a handler's view of it. */
static struct req *
req_of(struct api_request *pub)
{
	return (struct req *)((char *)pub - offsetof(struct req, pub));
}

/* Free a request's state. */
static void
req_free(struct req *r)
{
	if (r == NULL)
		return;
	for (int i = 0; i < r->nheaders; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	for (int i = 0; i < r->nstrings; i++)
		free(r->strings[i]);
	free(r->strings);
	free(r->path);
	free(r->body);
	free(r->why);
	free(r);
}

/* ---- pure helpers */

/* Percent-decode the string raw into out (size bytes, NUL included), '+' to space if plus; -1 on
   a bad escape, %00 or no room. */
static int
decode(const char *raw, char *out, size_t size, int plus)
{
	long n = size > 0 ? text_pct_decode(raw, strlen(raw), out, size - 1, plus) : -1;

	if (n < 0)
		return -1;
	out[n] = '\0';
	return 0;
}

int
api_decode_path(const char *raw, char *out, size_t size)
{
	return decode(raw, out, size, 0);
}

int
api_match(const char *pattern, const char *path, long long params[API_PARAMS_MAX], int *nparams)
{
	const char *p = pattern, *s = path;

	*nparams = 0;
	while (*p != '\0' && *s != '\0') {
		if (*p == '{') {
			const char *close = strchr(p, '}'), *e = s;
			assert(close != NULL);
			while (*e >= '0' && *e <= '9')
				e++;
			if (e == s || e - s > 18 || (*e != '\0' && *e != '/'))
				return 0;
			assert(*nparams < API_PARAMS_MAX);
			params[(*nparams)++] = strtoll(s, NULL, 10);
			s = e;
			p = close + 1;
		} else if (*p++ != *s++) {
			return 0;
		}
	}
	return *p == '\0' && *s == '\0';
}

/* ---- answering */

/* The error code word for a status. */
static const char *
error_code(unsigned status)
{
	switch (status) {
	case 400: return "bad_request";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 413: return "payload_too_large";
	case 415: return "unsupported_media_type";
	case 421: return "misdirected_request";
	case 429: return "too_many_requests";
	case 503: return "unavailable";
	default: return "internal";
	}
}

/* A response MHD failed to allocate is out of memory, which is fatal here as everywhere. */
static struct MHD_Response *
must(struct MHD_Response *resp)
{
	if (resp == NULL) {
		log_err("libmicrohttpd: out of memory");
		abort();
	}
	return resp;
}

void
api_reply_response(struct api_request *pub, unsigned status, struct MHD_Response *resp)
{
	struct req *r = req_of(pub);

	assert(!r->replied);
	r->replied = 1;
	for (int i = 0; i < r->nheaders; i++)
		MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
	r->result = MHD_queue_response(pub->conn, status, resp);
	MHD_destroy_response(resp);
}

void
api_reply_raw(struct api_request *req, unsigned status, const char *content_type, const void *data,
    size_t len)
{
	struct MHD_Response *resp = must(MHD_create_response_from_buffer(len, (void *)data,
	    MHD_RESPMEM_MUST_COPY));

	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	api_reply_response(req, status, resp);
}

void
api_reply_json_new(struct api_request *req, unsigned status, json_t *body)
{
	struct MHD_Response *resp;
	char *text;

	assert(body != NULL);
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (text == NULL) {
		log_err("api: cannot encode a JSON reply to %s %s", req->method, req->path);
		static const char err[] = "{\"error\":{\"code\":\"internal\",\"message\":\"cannot encode reply\"}}";
		api_reply_raw(req, 500, "application/json", err, sizeof err - 1);
		return;
	}
	resp = must(MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE));
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	api_reply_response(req, status, resp);
}

void
api_reply_error(struct api_request *req, unsigned status, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* a decoded path can be anything: api_json_text keeps the ASCII of what is not UTF-8 */
	api_reply_json_new(req, status, json_pack("{s:{s:s, s:o}}", "error", "code", code, "message",
	    api_json_text(msg)));
}

void
api_add_header(struct api_request *req, const char *name, const char *value)
{
	struct req *r = req_of(req);

	assert(r->nheaders < HEADERS_MAX);
	r->headers[r->nheaders].name = xstrdup(name);
	r->headers[r->nheaders].value = xstrdup(value);
	r->nheaders++;
}

/* ---- reading */

const char *
api_header(struct api_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *
api_query(struct api_request *req, const char *name)
{
	struct req *r = req_of(req);
	const char *raw = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
	char *out;

	if (raw == NULL)
		return NULL;
	out = xmalloc(strlen(raw) + 1);
	if (decode(raw, out, strlen(raw) + 1, 1) != 0) {
		free(out);
		return NULL;
	}
	r->strings = xreallocarray(r->strings, (size_t)r->nstrings + 1, sizeof *r->strings);
	r->strings[r->nstrings++] = out;
	return out;
}

json_t *
api_body_json(struct api_request *req)
{
	json_error_t err;
	json_t *v;

	if (req->body_len == 0) {
		api_reply_error(req, 400, "bad_request", "a JSON body is required");
		return NULL;
	}
	v = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &err);
	if (v == NULL)
		api_reply_error(req, 400, "bad_request", "invalid JSON at line %d column %d: %s",
		    err.line, err.column, err.text);
	return v;
}

int64_t
api_uptime_s(const struct api *api)
{
	return (clock_now_ns() - api->started_ns) / CLOCK_NS_PER_S;
}

/* ---- shared by the handlers: query parameters, cursors, common replies */

json_t *
api_json_text(const char *s)
{
	json_t *v = json_string(s);
	char *copy;

	if (v != NULL)
		return v;
	copy = xstrdup(s);   /* not UTF-8 (a name from a request can be anything): keep the ASCII */
	for (char *c = copy; *c != '\0'; c++)
		if ((unsigned char)*c >= 0x80)
			*c = '?';
	v = json_string(copy);
	free(copy);
	return v;
}

void
api_reply_bad_param(struct api_request *req, const char *name, const char *fmt, ...)
{
	char msg[512], *full;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	full = xasprintf("%s: %s", name, msg);
	api_reply_json_new(req, 400, json_pack("{s:{s:s, s:o, s:o}}", "error",
	    "code", "bad_request", "message", api_json_text(full), "parameter", api_json_text(name)));
	free(full);
}

#define PARAMS_MAX 16   /* names a route takes */

struct param_scan {
	const char *const *allowed;
	unsigned seen;             /* bit i: allowed[i] was given */
	char bad[64];
	int why;                   /* 1: unknown, 2: no value, 3: given twice */
};

/* MHD_KeyValueIterator: stop at the first parameter that is unknown, has no value, or repeats one
   (api_query would read only the first: limit=1&limit=2 is ambiguous, so refused). */
static enum MHD_Result
scan_param(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct param_scan *ps = cls;
	int known = -1;

	(void)kind;
	for (int i = 0; ps->allowed[i] != NULL; i++)
		if (strcmp(ps->allowed[i], key) == 0)
			known = i;
	if (known >= 0 && value != NULL && !(ps->seen & 1u << known)) {
		ps->seen |= 1u << known;
		return MHD_YES;
	}
	snprintf(ps->bad, sizeof ps->bad, "%s", key);
	ps->why = known < 0 ? 1 : value == NULL ? 2 : 3;
	return MHD_NO;
}

bool
api_params_ok(struct api_request *req, const char *const *allowed)
{
	struct param_scan ps = { .allowed = allowed };
	char list[256] = "";
	int n = 0;

	while (allowed[n] != NULL)
		n++;
	assert(n <= PARAMS_MAX);
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, scan_param, &ps);
	if (ps.why == 0)
		return true;
	for (const char *const *a = allowed; *a != NULL; a++)
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", a == allowed ? "" : ", ",
		    *a);
	if (ps.why == 2)
		api_reply_bad_param(req, ps.bad, "needs a value (%s=...)", ps.bad);
	else if (ps.why == 3)
		api_reply_bad_param(req, ps.bad, "given more than once (each parameter at most once)");
	else
		api_reply_bad_param(req, ps.bad, "unknown query parameter (this route takes: %s)",
		    list[0] != '\0' ? list : "none");
	return false;
}

int
api_param_str(struct api_request *req, const char *name, const char **out)
{
	if (MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name) == NULL)
		return 0;
	if ((*out = api_query(req, name)) == NULL) {
		api_reply_bad_param(req, name, "malformed percent-encoding");
		return -1;
	}
	return 1;
}

int
api_param_int(struct api_request *req, const char *name, long long lo, long long hi, long long *out)
{
	const char *v;
	char *end;
	long long n;
	int rc = api_param_str(req, name, &v);

	if (rc <= 0)
		return rc;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < lo || n > hi || (*v < '0' || *v > '9')) {
		api_reply_bad_param(req, name, "expected an integer from %lld to %lld, got \"%s\"", lo, hi,
		    v);
		return -1;
	}
	*out = n;
	return 1;
}

/* Cursors are opaque to clients: base64url of "r<id>". */
static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void
api_cursor_encode(int64_t id, char out[API_CURSOR_MAX])
{
	char raw[32];
	size_t n = (size_t)snprintf(raw, sizeof raw, "r%lld", (long long)id), o = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)raw[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)raw[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)raw[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		if (i + 1 < n)
			out[o++] = b64[v >> 6 & 63];
		if (i + 2 < n)
			out[o++] = b64[v & 63];
	}
	out[o] = '\0';
}

int
api_cursor_decode(const char *s, int64_t *id)
{
	char raw[32], canon[API_CURSOR_MAX];
	size_t n = 0, len = strlen(s);
	unsigned v = 0;
	int bits = 0;
	char *end;

	if (len == 0 || len > 40)
		return -1;
	for (size_t i = 0; i < len; i++) {
		const char *p = strchr(b64, s[i]);
		if (p == NULL || s[i] == '\0')
			return -1;
		v = v << 6 | (unsigned)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			raw[n++] = (char)(v >> bits & 0xff);
		}
	}
	raw[n] = '\0';
	if (raw[0] != 'r' || raw[1] < '1' || raw[1] > '9')
		return -1;
	errno = 0;
	*id = strtoll(raw + 1, &end, 10);
	if (end != raw + n || errno != 0)
		return -1;   /* a NUL or other bytes after the digits ("cjEA" is "r1\0") */
	api_cursor_encode(*id, canon);
	return strcmp(canon, s) == 0 ? 0 : -1;   /* one spelling per cursor (no stray low bits) */
}

bool
api_need_store(struct api_request *req)
{
	if (req->db != NULL && req->store != NULL && req->runq != NULL)
		return true;
	api_reply_error(req, 503, "unavailable", "the database is not available");
	return false;
}

void
api_reply_field(struct api_request *req, unsigned status, const char *code, const char *field,
    const char *why)
{
	char *msg = xasprintf("%s: %s", field, why);

	api_reply_json_new(req, status, json_pack("{s:{s:s, s:o, s:s, s:[{s:s, s:o}]}}", "error",
	    "code", code, "message", api_json_text(msg), "field", field,
	    "errors", "path", field, "message", api_json_text(why)));
	free(msg);
}

void
api_reply_db_error(struct api_request *req, const char *what, const char *cause)
{
	if (cause == NULL)
		cause = req->db != NULL ? sqlite3_errmsg(req->db) : "no database";
	api_reply_error(req, 500, "internal", "%s: %s", what, cause);
}

void
api_reply_invalid(struct api_request *req, const char *code, const char *what,
    const struct testdef_errors *errs)
{
	json_t *list = json_array(), *err = json_object();
	char *msg;

	for (int i = 0; i < errs->n; i++) {
		json_t *e = json_object();
		json_object_set_new(e, "path", api_json_text(errs->v[i].path));
		json_object_set_new(e, "message", api_json_text(errs->v[i].message));
		json_array_append_new(list, e);
	}
	if (errs->n == 0)
		msg = xstrdup(what);
	else
		msg = xasprintf("%s: %s: %s%s", what,
		    errs->v[0].path[0] != '\0' ? errs->v[0].path : "definition", errs->v[0].message,
		    errs->n + errs->dropped > 1 ? " (and more: see errors)" : "");
	json_object_set_new(err, "code", json_string(code));
	json_object_set_new(err, "message", api_json_text(msg));
	json_object_set_new(err, "errors", list);
	free(msg);
	if (errs->dropped > 0)
		json_object_set_new(err, "more_errors", json_integer(errs->dropped));
	api_reply_json_new(req, 400, json_pack("{s:o}", "error", err));
}

struct plan *
api_definition_plan(struct api_request *req, json_t *def)
{
	struct testdef_errors errs;
	struct plan *plan;

	testdef_errors_init(&errs);
	plan = run_plan_new(req->api->sec, def, &errs);
	if (plan == NULL)
		api_reply_invalid(req, "invalid_definition", "invalid definition", &errs);
	testdef_errors_fini(&errs);
	return plan;
}

void
api_reply_buf(struct api_request *req, const char *content_type, struct buf *b)
{
	char *text;
	size_t len = b->len;
	struct MHD_Response *resp;

	assert(!b->full);
	text = buf_steal(b);
	resp = must(MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE));
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	api_reply_response(req, 200, resp);
}

/* ---- routing */

/* The static files: anything outside /api/ for GET and HEAD. */
static void
serve_static(struct api_request *req)
{
	struct MHD_Response *resp;
	unsigned status = static_lookup(req->api->root, req->path,
	    api_header(req, MHD_HTTP_HEADER_IF_NONE_MATCH),
	    api_header(req, MHD_HTTP_HEADER_IF_MODIFIED_SINCE), &resp);

	if (resp != NULL)
		api_reply_response(req, status, resp);
	else
		api_reply_error(req, status, error_code(status), "%s: %s", req->path,
		    status == 403 ? "outside the web root" : status == 400 ? "malformed path" :
		    "no such file");
}

/* Append a method to an Allow list unless present. */
static void
allow_add(char *allow, size_t size, const char *method)
{
	size_t n = strlen(allow), m = strlen(method);
	const char *s = allow;

	while ((s = strstr(s, method)) != NULL) {
		if ((s == allow || s[-1] == ' ') && (s[m] == ',' || s[m] == '\0'))
			return;
		s += m;
	}
	snprintf(allow + n, size - n, "%s%s", n ? ", " : "", method);
}

/* Pick the handler (or the error) for a request whose path is decoded. */
static void
route(struct req *r)
{
	const char *m = strcmp(r->pub.method, "HEAD") == 0 ? "GET" : r->pub.method;
	const char *path = r->path;
	int matched = 0;

	for (size_t i = 0; i < api_nroutes; i++) {
		const struct api_route *rt = &api_routes[i];
		long long params[API_PARAMS_MAX];
		int np;

		if (!api_match(rt->pattern, path, params, &np))
			continue;
		if (strcmp(rt->method, m) == 0) {
			r->handler = rt->handler;
			memcpy(r->pub.params, params, sizeof params);
			r->pub.nparams = np;
			return;
		}
		matched = 1;
		allow_add(r->allow, sizeof r->allow, rt->method);
		if (strcmp(rt->method, "GET") == 0)
			allow_add(r->allow, sizeof r->allow, "HEAD");
	}
	if (matched) {
		r->error = 405;
	} else if (strcmp(path, "/api") == 0 || strncmp(path, "/api/", 5) == 0) {
		r->error = 404;
	} else if (strcmp(m, "GET") == 0) {
		r->handler = serve_static;
	} else {
		r->error = 405;
		snprintf(r->allow, sizeof r->allow, "GET, HEAD");
	}
}

/*
 * Whether a request must show an API token (once any is configured): every method but GET and
 * HEAD; with protect_reads, reads too, except static files (the dashboard's shell holds no data).
 * /api/health is always open, for load balancers and systemd probes.
 */
static int
needs_token(const struct req *r)
{
	const struct security *sec = r->pub.api->sec;
	int read = strcmp(r->pub.method, "GET") == 0 || strcmp(r->pub.method, "HEAD") == 0;

	if (!security_has_tokens(sec) || strcmp(r->path, "/api/health") == 0)
		return 0;
	if (!read)
		return 1;
	return security_protect_reads(sec) && r->handler != serve_static;
}

/* The same-origin rule (security_request_check) for a request: 0, or the status and r->why. */
static unsigned
same_origin(struct req *r, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CONNECTION_FD);
	struct sockaddr_storage local;
	socklen_t len = sizeof local;
	const char *cl = api_header(&r->pub, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *mode = api_header(&r->pub, "Sec-Fetch-Mode");
	int api_path = strcmp(r->path, "/api") == 0 || strncmp(r->path, "/api/", 5) == 0;
	struct security_request rq = {
		.method = r->pub.method,
		.host = api_header(&r->pub, MHD_HTTP_HEADER_HOST),
		.origin = api_header(&r->pub, "Origin"),
		.fetch_site = api_header(&r->pub, "Sec-Fetch-Site"),
		.content_type = api_header(&r->pub, MHD_HTTP_HEADER_CONTENT_TYPE),
		.client = api_header(&r->pub, "X-Rampage-Client"),
		.preflight = api_header(&r->pub, "Access-Control-Request-Method") != NULL,
		.navigation = mode != NULL && strcmp(mode, "navigate") == 0 && !api_path,
		.has_body = (cl != NULL && strtoull(cl, NULL, 10) > 0) ||
		    api_header(&r->pub, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL,
	};

	if (ci != NULL && getsockname(ci->connect_fd, (struct sockaddr *)&local, &len) == 0)
		rq.local = (struct sockaddr *)&local;
	return (unsigned)security_request_check(r->pub.api->sec, &rq, &r->why);
}

/* First call: set up the request, check its size, decode its path, apply the same-origin rule,
   route it, check its token. */
static struct req *
begin(struct api *api, struct MHD_Connection *conn, const char *url, const char *method)
{
	struct req *r = xcalloc(1, sizeof *r);
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	size_t len = strlen(url) + 1;

	r->pub.method = method;
	r->pub.db = api->db;
	r->pub.store = api->store;
	r->pub.runq = api->runq;
	r->pub.sched = api->sched;
	r->pub.cfg = api->cfg;
	r->pub.api = api;
	r->pub.conn = conn;
	r->pub.body = "";
	r->path = xmalloc(len);
	r->pub.path = r->path;
	if (api_decode_path(url, r->path, len) != 0) {
		snprintf(r->path, len, "%s", url);
		r->error = 400;
	}
	if (cl != NULL && strtoull(cl, NULL, 10) > api->body_max)
		r->error = 413;
	else if (r->error == 0 && (r->error = same_origin(r, conn)) == 0)
		route(r);
	if ((r->error == 0 || r->error == 404 || r->error == 405) && needs_token(r)) {
		const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_AUTHORIZATION);
		if (!security_bearer_ok(api->sec, auth)) {
			r->error = 401;
			r->bad_token = auth != NULL;
			r->handler = NULL;
		}
	}
	return r;
}

/* Answer the error decided for a request. */
static void
reply_error(struct req *r)
{
	struct api_request *req = &r->pub;

	switch (r->error) {
	case 400:
		api_reply_error(req, 400, "bad_request", "malformed URL path");
		break;
	case 401:
		api_add_header(req, MHD_HTTP_HEADER_WWW_AUTHENTICATE, r->bad_token ?
		    "Bearer realm=\"rampage\", error=\"invalid_token\"" : "Bearer realm=\"rampage\"");
		if (r->bad_token)
			api_reply_error(req, 401, "unauthorized", "the API token is not valid (see "
			    "security.api_tokens and security.token_file)");
		else
			api_reply_error(req, 401, "unauthorized", "%s %s needs an API token: send "
			    "Authorization: Bearer <token> (see security.api_tokens and security.token_file)",
			    req->method, req->path);
		break;
	case 403:
	case 415:
	case 421:
		api_reply_error(req, r->error, error_code(r->error), "%s", r->why);
		break;
	case 404:
		api_reply_error(req, 404, "not_found", "no route for %s", req->path);
		break;
	case 405:
		api_add_header(req, MHD_HTTP_HEADER_ALLOW, r->allow);
		api_reply_error(req, 405, "method_not_allowed", "%s is not allowed on %s (allowed: %s)",
		    req->method, req->path, r->allow);
		break;
	case 413:
		api_reply_error(req, 413, "payload_too_large", "request bodies are limited to %zu bytes "
		    "(limits.max_request_body)", r->pub.api->body_max);
		break;
	default:
		assert(!"unknown request error");
	}
}

/* Keep a chunk of body (for a routed request), or note that the body is too large. */
static void
take_body(struct req *r, const char *data, size_t size)
{
	size_t max = r->pub.api->body_max;

	if (r->error == 413)
		return;
	if (size > max - r->body_seen) {
		r->error = 413;   /* chunked (no Content-Length): answered once the upload ends */
		free(r->body);
		r->body = NULL;
		r->body_len = r->body_cap = 0;
		return;
	}
	r->body_seen += size;
	if (r->error != 0 || r->handler == NULL)
		return;   /* answered with an error anyway: count, keep nothing */
	if (r->body_len + size + 1 > r->body_cap) {
		r->body_cap = r->body_cap ? r->body_cap * 2 : 4096;
		while (r->body_cap < r->body_len + size + 1)
			r->body_cap *= 2;
		if (r->body_cap > max + 1)
			r->body_cap = max + 1;
		r->body = xrealloc(r->body, r->body_cap);
	}
	memcpy(r->body + r->body_len, data, size);
	r->body_len += size;
	r->body[r->body_len] = '\0';
}

/* MHD's access handler. */
static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct req *r = *con_cls;

	if (r == NULL) {
		r = begin(cls, conn, url, method);
		*con_cls = r;
		if (r->error == 413) {   /* the one early answer: MHD closes the connection after it */
			reply_error(r);
			return r->result;
		}
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		if (!r->replied)
			take_body(r, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->replied)
		return MHD_YES;
	if (r->error != 0) {
		reply_error(r);
	} else {
		if (r->body != NULL) {
			r->pub.body = r->body;
			r->pub.body_len = r->body_len;
		}
		r->handler(&r->pub);
		assert(r->replied);
	}
	return r->result;
}

/*
 * MHD's connection notice: a connection handed over by api_add_connection has been closed and
 * freed. MHD 0.9.75 calls this for every connection it started, just before it lowers its own
 * count; a connection added after this is processed by the same thread after that.
 */
static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct api *api = cls;

	if (toe == MHD_CONNECTION_NOTIFY_CLOSED)
		atomic_fetch_sub_explicit(&api->open, 1, memory_order_relaxed);
}

/* MHD's request-completed notice: free our state. */
static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	req_free(*con_cls);
	*con_cls = NULL;
}

/* Keep URLs and query arguments percent-encoded: we decode them ourselves. */
static size_t
keep_escaped(void *cls, struct MHD_Connection *conn, char *s)
{
	return strlen(s);
}

/* MHD's messages (mostly clients that went away) are debug noise for us. */
static void __attribute__((format(printf, 2, 0)))
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	if (LOG_DEBUG > log_level)
		return;
	vsnprintf(buf, sizeof buf, fmt, ap);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	log_debug("libmicrohttpd: %s", buf);
}

/* ---- start and stop */

void
api_set_sched(struct api *api, struct sched *sched)
{
	api->sched = sched;
}

struct api *
api_start(const struct conf *cfg, const struct security *sec, struct store *store,
    struct runq *runq, char **cause)
{
	struct api *api = xcalloc(1, sizeof *api);
	char *warning;

	api->cfg = cfg;
	api->store = store;
	api->runq = runq;
	api->started_ns = clock_now_ns();
	api->body_max = (size_t)cfg->max_request_body;
	api->max_open = cfg->max_connections;
	atomic_init(&api->open, 0);
	api->sec = sec;
	if (store != NULL && (api->db = store_open_reader(store, cause)) == NULL)
		goto fail;
	api->root = static_open(cfg->web_root, &warning);
	if (warning != NULL) {
		log_warn("%s", warning);
		free(warning);
	}
	api->mhd = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET | MHD_USE_EPOLL_INTERNAL_THREAD |
	    MHD_USE_ITC | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, api,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,   /* first, so that it sees every message */
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->http_timeout_s,
	    /* above ours (api_add_connection), so that MHD never reaches its own limit */
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->max_connections + API_LIMIT_SLACK,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, api,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, api,
	    MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL,
	    MHD_OPTION_END);
	if (api->mhd == NULL) {
		*cause = xstrdup("cannot start the HTTP server (libmicrohttpd); run with --log-level debug "
		    "for its reason");
		goto fail;
	}
	return api;
fail:
	if (api->db != NULL)
		sqlite3_close(api->db);
	static_close(api->root);
	free(api);
	return NULL;
}

/*
 * libmicrohttpd 0.9.75 must never reach its own connection limit: on that path
 * new_connection_process_() returns with cleanup_connection_mutex still locked (fixed in 1.0.0), and
 * its thread, then MHD_stop_daemon, wait on that mutex for ever. So we count what we handed over and
 * MHD has not closed yet, queued adds included (they count from here), and keep that count at most
 * server.max_connections, below MHD's limit. Only the front door's thread adds, so the check and the
 * increment need no lock between them; MHD's thread only decrements (on_connection).
 */
int
api_add_connection(struct api *api, int fd, const struct sockaddr *sa, socklen_t salen)
{
	if (atomic_load_explicit(&api->open, memory_order_relaxed) >= api->max_open)
		return -1;
	atomic_fetch_add_explicit(&api->open, 1, memory_order_relaxed);
	if (MHD_add_connection(api->mhd, fd, sa, salen) != MHD_YES)   /* it closed fd, never started it */
		atomic_fetch_sub_explicit(&api->open, 1, memory_order_relaxed);
	return 0;
}

void
api_stop(struct api *api)
{
	if (api == NULL)
		return;
	MHD_stop_daemon(api->mhd);
	if (api->db != NULL)
		sqlite3_close(api->db);
	static_close(api->root);
	free(api);
}

const struct security *
api_security(const struct api *api)
{
	return api->sec;
}
